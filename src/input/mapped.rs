//! Transcript JSON whose keys differ from ours, read through the `fields`
//! mapping of `.callint.yaml` (e.g. `Sentences[].Text`, `ChannelId` as the
//! role, `BeginTime` in milliseconds).
//!
//! This is the slow, general path (a `serde_json::Value` per call); the
//! default shape keeps its borrowed fast path in [`super::jsonl`].

use super::jsonl::{ParsedCall, UtteranceProblem};
use crate::config::{FieldMap, TimeUnit};
use crate::model::{Call, Role, Utterance};
use serde_json::Value;

/// The value at a dotted path.
fn get<'v>(value: &'v Value, path: &str) -> Option<&'v Value> {
    path.split('.')
        .filter(|k| !k.is_empty())
        .try_fold(value, |v, key| v.get(key))
}

fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// `(utterances path, text key)` of a mapping: `text: Sentences[].Text` sets both.
pub fn paths(map: &FieldMap) -> (String, String) {
    let text = map.text.as_deref().unwrap_or("text");
    match text.split_once("[].") {
        Some((utterances, text)) => (utterances.to_string(), text.to_string()),
        None => (
            map.utterances.clone().unwrap_or_else(|| "utterances".into()),
            text.to_string(),
        ),
    }
}

/// The role a speaker value stands for, by `role-values` or as spelled.
pub(super) fn mapped_role(map: &FieldMap, value: &str) -> Result<Role, String> {
    (map.role_values.as_ref())
        .and_then(|values| values.get(value.trim()).copied())
        .or_else(|| Role::parse(value))
        .ok_or_else(|| format!("unknown role {value:?} (add it to `fields.role-values` or `roles`)"))
}

/// Units of the mapping's times in a second (dividing by 1000 keeps 53800
/// ms exactly 53.8 s, where multiplying by 0.001 does not).
pub(super) fn units_per_second(map: &FieldMap) -> f64 {
    match map.time_unit {
        None | Some(TimeUnit::S) => 1.0,
        Some(TimeUnit::Ms) => 1000.0,
    }
}

/// Parses one call with the mapping.
pub fn parse_call(map: &FieldMap, json: &[u8], fallback_id: &str) -> ParsedCall {
    let value: Value = serde_json::from_slice(json).map_err(|err| {
        if err.is_eof() {
            format!("truncated JSON ({err})")
        } else {
            format!("not a valid call object: {err}")
        }
    })?;
    let (utterances_path, text_key) = paths(map);
    let Some(raw) = get(&value, &utterances_path) else {
        return Err(format!("no `{utterances_path}` field (fields mapping)"));
    };
    let Some(raw) = raw.as_array() else {
        return Err(format!("`{utterances_path}` is not an array"));
    };
    if raw.is_empty() {
        return Err("call has no utterances".into());
    }
    let role_key = map.role.as_deref().unwrap_or("role");
    let per_second = units_per_second(map);
    let time = |u: &Value, key: &Option<String>, default: &str| {
        get(u, key.as_deref().unwrap_or(default))
            .and_then(|t| {
                t.as_f64()
                    .or_else(|| t.as_str().and_then(super::text::clock_seconds))
            })
            .map(|t| t / per_second)
    };
    let mut problems = Vec::new();
    let mut utterances = Vec::with_capacity(raw.len());
    for (index, u) in raw.iter().enumerate() {
        let role = match get(u, role_key).and_then(scalar) {
            None => Err(format!("no `{role_key}`")),
            Some(s) => mapped_role(map, &s),
        };
        let text = get(u, &text_key)
            .and_then(Value::as_str)
            .ok_or_else(|| format!("no `{text_key}`"));
        match (role, text) {
            (Ok(role), Ok(text)) => utterances.push(Utterance {
                index,
                role,
                text: text.to_string(),
                start: time(u, &map.start, "start"),
                end: time(u, &map.end, "end"),
                line: None,
                column: None,
            }),
            (Err(reason), _) | (_, Err(reason)) => problems.push(UtteranceProblem { index, reason }),
        }
    }
    let field =
        |key: &Option<String>, default: &str| get(&value, key.as_deref().unwrap_or(default)).and_then(scalar);
    let mut call = Call {
        id: field(&map.call_id, "call_id").unwrap_or_else(|| fallback_id.to_string()),
        agent_id: field(&map.agent_id, "agent_id"),
        utterances,
        ..Call::default()
    };
    if map.time_unit.is_none() {
        call.rescale_millisecond_times();
    }
    Ok((call, problems))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_vendor_shape() {
        let map: FieldMap = serde_yaml::from_str(
            "text: Sentences[].Text\nrole: ChannelId\nrole-values: {0: agent, 1: customer}\nstart: BeginTime\nend: EndTime\ntime-unit: ms\ncall-id: TaskId\n",
        )
        .unwrap();
        let json = r#"{"TaskId": 42, "Sentences": [
            {"ChannelId": 0, "Text": "您好", "BeginTime": 1500, "EndTime": 2600},
            {"ChannelId": 1, "Text": "我要投诉"},
            {"ChannelId": 2, "Text": "嘟"}]}"#;
        let (call, problems) = parse_call(&map, json.as_bytes(), "f:1").unwrap();
        assert_eq!(call.id, "42");
        assert_eq!(call.utterances.len(), 2);
        assert_eq!(call.utterances[0].role, Role::Agent);
        assert_eq!(call.utterances[0].start, Some(1.5));
        assert_eq!(call.utterances[1].role, Role::Customer);
        assert_eq!(problems[0].index, 2);
        assert!(problems[0].reason.contains("\"2\""));
    }
}
