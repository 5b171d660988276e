//! Parsing one call from JSON, as written by ASR vendors and our own dumps.
//!
//! Strings are borrowed from the input line where the JSON has no escapes, so
//! the hot path copies each utterance's text once, into the `Call`.

use crate::model::{Call, Role, Utterance};
use serde::Deserialize;
use std::borrow::Cow;

#[derive(Deserialize)]
struct RawCall<'a> {
    #[serde(default, borrow, alias = "id", alias = "callId", alias = "CallId")]
    call_id: Option<Scalar<'a>>,
    #[serde(default, borrow, alias = "agentId", alias = "AgentId", alias = "staff_id")]
    agent_id: Option<Scalar<'a>>,
    #[serde(
        default,
        borrow,
        alias = "startedAt",
        alias = "start_time",
        alias = "StartTime"
    )]
    started_at: Option<Scalar<'a>>,
    #[serde(
        alias = "sentences",
        alias = "Sentences",
        alias = "turns",
        alias = "dialogue",
        alias = "Dialogue",
        alias = "dialog",
        alias = "messages"
    )]
    utterances: Option<Utterances>,
}

/// A call's utterances, each made an [`Utterance`] (or a problem) as soon as
/// it is read: no intermediate vector of raw ones to grow and copy.
struct Utterances {
    read: Vec<Utterance>,
    problems: Vec<UtteranceProblem>,
}

impl<'de> Deserialize<'de> for Utterances {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct UtterancesVisitor;

        impl<'de> serde::de::Visitor<'de> for UtterancesVisitor {
            type Value = Utterances;

            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an array of utterances")
            }

            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Utterances, A::Error> {
                // Calls run to a few dozen utterances.
                let mut utterances = Utterances {
                    read: Vec::with_capacity(32),
                    problems: Vec::new(),
                };
                let mut index = 0;
                while let Some(raw) = seq.next_element::<RawUtterance<'de>>()? {
                    match to_utterance(index, raw) {
                        Ok(u) => utterances.read.push(u),
                        Err(reason) => utterances.problems.push(UtteranceProblem { index, reason }),
                    }
                    index += 1;
                }
                Ok(utterances)
            }
        }

        deserializer.deserialize_seq(UtterancesVisitor)
    }
}

#[derive(Deserialize)]
struct RawUtterance<'a> {
    #[serde(borrow, alias = "speaker", alias = "Speaker", alias = "Role")]
    role: Option<Scalar<'a>>,
    #[serde(
        borrow,
        alias = "Text",
        alias = "content",
        alias = "sentence",
        alias = "utterance",
        alias = "message"
    )]
    text: Option<Cow<'a, str>>,
    #[serde(default, alias = "begin", alias = "start_time")]
    start: Option<Time>,
    #[serde(default, alias = "end_time")]
    end: Option<Time>,
}

/// A time as a number of seconds (or milliseconds, see
/// [`Call::rescale_millisecond_times`]), or as text: `83.5`, `01:23.5`,
/// `00:01:23,500`. Read as it is met, so that nothing is kept of the text.
enum Time {
    At(f64),
    /// An empty string: no time.
    Blank,
    Unreadable,
}

impl<'de> Deserialize<'de> for Time {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TimeVisitor;

        impl serde::de::Visitor<'_> for TimeVisitor {
            type Value = Time;

            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a time in seconds, or a clock time such as 01:23.5")
            }

            fn visit_f64<E>(self, v: f64) -> Result<Time, E> {
                Ok(Time::At(v))
            }

            fn visit_i64<E>(self, v: i64) -> Result<Time, E> {
                Ok(Time::At(v as f64))
            }

            fn visit_u64<E>(self, v: u64) -> Result<Time, E> {
                Ok(Time::At(v as f64))
            }

            fn visit_str<E>(self, v: &str) -> Result<Time, E> {
                Ok(match super::text::clock_seconds(v) {
                    Some(seconds) => Time::At(seconds),
                    None if v.trim().is_empty() => Time::Blank,
                    None => Time::Unreadable,
                })
            }
        }

        deserializer.deserialize_any(TimeVisitor)
    }
}

/// A JSON value that people write either as a string or as a number.
enum Scalar<'a> {
    Str(Cow<'a, str>),
    Int(i64),
    Float(f64),
}

/// By hand rather than `#[serde(untagged)]`, which buffers every value
/// before trying each variant: this is read for every utterance's role.
impl<'de: 'a, 'a> Deserialize<'de> for Scalar<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ScalarVisitor<'a>(std::marker::PhantomData<&'a ()>);

        impl<'de: 'a, 'a> serde::de::Visitor<'de> for ScalarVisitor<'a> {
            type Value = Scalar<'a>;

            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a string or a number")
            }

            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Scalar<'a>, E> {
                Ok(Scalar::Str(Cow::Borrowed(v)))
            }

            fn visit_str<E>(self, v: &str) -> Result<Scalar<'a>, E> {
                Ok(Scalar::Str(Cow::Owned(v.to_owned())))
            }

            fn visit_string<E>(self, v: String) -> Result<Scalar<'a>, E> {
                Ok(Scalar::Str(Cow::Owned(v)))
            }

            fn visit_i64<E>(self, v: i64) -> Result<Scalar<'a>, E> {
                Ok(Scalar::Int(v))
            }

            fn visit_u64<E>(self, v: u64) -> Result<Scalar<'a>, E> {
                Ok(i64::try_from(v).map_or(Scalar::Float(v as f64), Scalar::Int))
            }

            fn visit_f64<E>(self, v: f64) -> Result<Scalar<'a>, E> {
                Ok(Scalar::Float(v))
            }
        }

        deserializer.deserialize_any(ScalarVisitor(std::marker::PhantomData))
    }
}

impl Scalar<'_> {
    fn into_string(self) -> String {
        match self {
            Scalar::Str(s) => s.into_owned(),
            Scalar::Int(i) => i.to_string(),
            Scalar::Float(f) => f.to_string(),
        }
    }
}

/// A call and the utterances left out of it, or why the record is unusable.
pub type ParsedCall = Result<(Call, Vec<UtteranceProblem>), String>;

/// A problem with one utterance that does not spoil the rest of the call.
#[derive(Debug, Clone, PartialEq)]
pub struct UtteranceProblem {
    /// 0-based index in the call.
    pub index: usize,
    /// What is wrong.
    pub reason: String,
}

/// Parses one JSON object as a call. `fallback_id` names calls without an id.
///
/// Utterances with an unknown role or no text are left out and described in
/// the returned problems, so the caller can report and count them.
pub fn parse_call(json: &[u8], fallback_id: &str) -> ParsedCall {
    if let Some(map) = crate::config::field_map() {
        return super::mapped::parse_call(map, json, fallback_id);
    }
    // One SIMD validation of the whole line lets the parser skip its own
    // per-string check, which is slow on Chinese text. sonic-rs parses a
    // dump's lines half again as fast as serde_json; a line it rejects is
    // parsed again by serde_json, whose errors name the line and column.
    let parsed = (simdutf8::basic::from_utf8(json).ok())
        .filter(|_| is_shallow(json))
        .and_then(|text| sonic_rs::from_str::<RawCall>(text).ok());
    let raw = match parsed {
        Some(raw) => raw,
        None => serde_json::from_slice(json).map_err(describe_json_error)?,
    };
    from_raw(raw, fallback_id)
}

/// How deep the JSON given to sonic-rs may nest. It recurses once a level
/// and overflowed a worker thread's stack between 10,000 and 30,000 levels;
/// serde_json, which takes deeper lines, skips unknown values without
/// recursing.
const SONIC_MAX_DEPTH: usize = 4096;

/// Whether `json` nests at most [`SONIC_MAX_DEPTH`] deep: it cannot nest
/// deeper than it has bytes, or opening brackets, which `memchr` counts
/// 32 bytes at a time (a byte loop cost 2.7 instructions a byte).
fn is_shallow(json: &[u8]) -> bool {
    json.len() <= SONIC_MAX_DEPTH || memchr::memchr2_iter(b'[', b'{', json).count() <= SONIC_MAX_DEPTH
}

fn describe_json_error(err: serde_json::Error) -> String {
    if err.is_eof() {
        format!("truncated JSON ({err})")
    } else {
        format!("not a valid call object: {err}")
    }
}

fn from_raw(raw: RawCall, fallback_id: &str) -> ParsedCall {
    let Some(Utterances {
        read: utterances,
        problems,
    }) = raw.utterances
    else {
        return Err("no `utterances` field".into());
    };
    if utterances.is_empty() && problems.is_empty() {
        return Err("call has no utterances".into());
    }
    let mut call = Call {
        id: raw
            .call_id
            .map_or_else(|| fallback_id.to_string(), Scalar::into_string),
        agent_id: raw.agent_id.map(Scalar::into_string),
        started_at: raw.started_at.map(Scalar::into_string),
        utterances,
        script: false,
    };
    call.rescale_millisecond_times();
    Ok((call, problems))
}

fn to_utterance(index: usize, raw: RawUtterance) -> Result<Utterance, String> {
    let role = match raw.role {
        None => return Err(format!("no `role`{MAP_FIELDS}")),
        Some(Scalar::Str(s)) => Role::parse(&s).ok_or_else(|| unknown_role(&s))?,
        Some(other) => return Err(unknown_role(&other.into_string())),
    };
    let text = raw.text.ok_or_else(|| format!("no `text`{MAP_FIELDS}"))?;
    Ok(Utterance {
        index,
        role,
        text: text.into_owned(),
        start: seconds(raw.start, "start")?,
        end: seconds(raw.end, "end")?,
        line: None,
        column: None,
    })
}

fn seconds(time: Option<Time>, field: &str) -> Result<Option<f64>, String> {
    match time {
        Some(Time::At(seconds)) => Ok(Some(seconds)),
        None | Some(Time::Blank) => Ok(None),
        Some(Time::Unreadable) => Err(format!(
            "unreadable `{field}` time (expected seconds, or a clock time such as 01:23.5)"
        )),
    }
}

/// What to do when an utterance lacks a field: most often the transcript is a
/// vendor's (`ChannelId`, `Text`, times in ms), which a config file can map.
const MAP_FIELDS: &str = " (for a vendor's field names, see `fields:` in the README's Configuration section)";

fn unknown_role(s: &str) -> String {
    format!("unknown role {s:?} (expected agent/坐席/客服/A or customer/客户/用户/C)")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_canonical_shape_and_role_spellings() {
        let line = r#"{"call_id":"C1","agent_id":7,"utterances":[{"role":"坐席","text":"您好","start":0.0,"end":1.5},{"role":"C","text":"\u4f60\u597d"}]}"#;
        let (call, problems) = parse_call(line.as_bytes(), "x").unwrap();
        assert!(problems.is_empty());
        assert_eq!(call.id, "C1");
        assert_eq!(call.agent_id.as_deref(), Some("7"));
        assert_eq!(call.utterances[0].role, Role::Agent);
        assert_eq!(call.utterances[1].text, "你好");
        assert_eq!(call.utterances[0].end, Some(1.5));
    }

    #[test]
    fn names_the_role_it_did_not_understand() {
        let line = br#"{"utterances":[{"role":"robot","text":"a"},{"role":"agent","text":"b"}]}"#;
        let (call, problems) = parse_call(line, "f:1").unwrap();
        assert_eq!(call.id, "f:1");
        assert_eq!(call.utterances.len(), 1);
        assert!(problems[0].reason.contains("\"robot\""), "{problems:?}");
    }

    #[test]
    fn points_a_vendor_export_at_the_field_mapping() {
        let line = br#"{"Sentences":[{"ChannelId":0,"Text":"a","BeginTime":120},{"role":"agent"}]}"#;
        let (_, problems) = parse_call(line, "x").unwrap();
        assert_eq!(problems.len(), 2);
        for (problem, field) in problems.iter().zip(["`role`", "`text`"]) {
            assert!(problem.reason.starts_with(&format!("no {field}")), "{problem:?}");
            assert!(problem.reason.contains("`fields:`"), "{problem:?}");
        }
    }

    #[test]
    fn names_invalid_utf8_with_its_position() {
        let line = b"{\"utterances\":[{\"role\":\"agent\",\"text\":\"\xe6\x82\xa8\xff\"}]}";
        let err = parse_call(line, "x").unwrap_err();
        assert!(err.contains("invalid unicode") && err.contains("column"), "{err}");
    }

    #[test]
    fn rejects_truncated_and_empty_calls() {
        assert!(parse_call(br#"{"utterances":[{"role":"#, "x")
            .unwrap_err()
            .contains("truncated"));
        assert!(parse_call(br#"{"utterances":[]}"#, "x")
            .unwrap_err()
            .contains("no utterances"));
        assert!(parse_call(b"hello", "x").is_err());
    }

    #[test]
    fn reads_lines_nested_too_deep_for_the_fast_parser() {
        let deep = |opens: &str, closes: &str| {
            let line = format!(r#"{{"x":{opens}{closes},"utterances":[{{"role":"agent","text":"您好"}}]}}"#);
            std::thread::spawn(move || parse_call(line.as_bytes(), "x").map(|(c, _)| c.utterances.len()))
                .join()
                .expect("no stack overflow")
        };
        assert_eq!(deep(&"[".repeat(100_000), &"]".repeat(100_000)), Ok(1));
        assert!(deep(&"[".repeat(100_000), "").is_err());
    }

    /// The fast parser must accept, reject and read exactly what the one
    /// that words the errors does.
    #[test]
    fn sonic_and_serde_json_judge_edge_cases_alike() {
        let lines = [
            "{\"utterances\":[{\"role\":\"agent\",\"text\":\"a\tb\"}]}",
            "{\"utterances\":[{\"role\":\"agent\",\"text\":\"ab\"},]}",
            "{\"utterances\":[{\"role\":\"agent\",\"text\":\"ab\",\"start\":NaN}]}",
            "{\"utterances\":[{\"role\":\"agent\",\"text\":\"ab\",\"start\":01}]}",
            "{\"utterances\":[{\"role\":\"agent\",\"text\":\"\\ud800\"}]}",
            "{\"utterances\":[{\"role\":\"agent\",\"text\":\"ab\"}]} x",
            "{\"utterances\":[{\"role\":\"agent\",\"text\":\"ab\"}]}}",
            "\u{feff}{\"utterances\":[{\"role\":\"agent\",\"text\":\"ab\"}]}",
            "{\"utterances\":[{\"role\":\"agent\",\"text\":\"ab\",\"start\":1e400}]}",
            "{\"utterances\":[{\"role\":\"agent\",\"text\":\"ab\",\"start\":-0.5e-3}]}",
            "{\"utterances\":[{\"role\":\"agent\",\"text\":\"ab\",\"start\":1.}]}",
            "{\"utterances\":[{\"role\":\"agent\",\"text\":\"ab\",\"start\":+1}]}",
            "{\"utterances\":[{\"role\":\"agent\",\"text\":\"ab\",\"start\":\"1\"}]}",
            "{\"utterances\":[{\"role\":\"agent\",\"text\":\"ab\",\"start\":null}]}",
            "{\"utterances\":[{\"role\":\"agent\",\"text\":\"ab\",\"text\":\"c\"}]}",
            "{\"utterances\":[{\"role\":\"agent\",\"text\":\"ab\"}],\"utterances\":[]}",
            "{'utterances':[]}",
            "{\"utterances\":[{\"role\":\"agent\",\"text\":\"a\\u0000b\"}]}",
            "{\"utterances\":[{\"role\":\"agent\",\"text\":\"a\\qb\"}]}",
            "{\"utterances\":[{\"role\":\"agent\",\"text\":\"ab\",\"start\":12345678901234567890123}]}",
            "{\"call_id\":18446744073709551616,\"utterances\":[{\"role\":\"agent\",\"text\":\"ab\"}]}",
            "{\"call_id\":-5,\"utterances\":[{\"role\":1,\"text\":\"ab\"}]}",
            "{\"utterances\":[{\"role\":\"agent\",\"text\":\"ab\"}]}\u{0}",
            "  {\"utterances\":[{\"role\":\"agent\",\"text\":\"ab\"}]}  ",
            "{\"utterances\":[{\"role\":\"agent\",\"text\":\"ab\",\"extra\":{\"a\":[1,2,{\"b\":tru}]}}]}",
            "{\"utterances\":[{\"role\":\"agent\",\"text\":\"ab\",\"extra\":[1,2,]}]}",
            "{\"utterances\":[{\"role\":\"agent\",\"text\":\"ab\",\"extra\":\"\u{1}\"}]}",
        ];
        let parse = |raw: RawCall| from_raw(raw, "x").map(|(call, problems)| (call, problems.len()));
        for line in lines {
            let fast = sonic_rs::from_str::<RawCall>(line).ok().map(parse);
            let careful = serde_json::from_str::<RawCall>(line).ok().map(parse);
            assert_eq!(fast, careful, "{line:?}");
        }
    }
}
