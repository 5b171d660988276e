//! Transcript tables: a `.csv` with one row per utterance, as call-centre
//! databases and Excel exports give them. Rows are grouped into calls by
//! their call id, in the order the ids first appear.
//!
//! Columns are found by their header. `fields:` in `.callint.yaml` names them
//! as for vendor JSON (`role: CD_Talker`, `text: CD_Content`, `call-id`,
//! `agent-id`, `start`, `end`, `role-values`, `time-unit`); otherwise the
//! common names are taken:
//!
//! | column | headers |
//! |---|---|
//! | role | role, speaker, 角色, 说话人, 发言人, 说话方 |
//! | text | text, content, sentence, 内容, 文本, 话语, 对话内容 |
//! | call id | call_id, callid, call, session_id, 通话id, 通话编号, 录音编号, 会话id |
//! | agent id | agent_id, 坐席工号, 工号 |
//! | start, end | start, begin, start_time, 开始时间 / end, end_time, 结束时间 |
//!
//! Times are seconds (or the `time-unit`) or clock times such as `00:01:23.5`.
//! A CSV without a role and a text column is a script table
//! ([`super::catalog`]).

use super::catalog::Field;
use super::mapped::{mapped_role, paths, units_per_second};
use super::text::clock_seconds;
use super::Record;
use crate::config::FieldMap;
use crate::model::{Call, Utterance};

const ROLE: &[&str] = &["role", "speaker", "角色", "说话人", "发言人", "说话方"];
const TEXT: &[&str] = &["text", "content", "sentence", "内容", "文本", "话语", "对话内容"];
const CALL_ID: &[&str] = &[
    "call_id",
    "callid",
    "call",
    "session_id",
    "通话id",
    "通话编号",
    "录音编号",
    "会话id",
];
const AGENT_ID: &[&str] = &["agent_id", "坐席工号", "工号"];
const START: &[&str] = &["start", "begin", "start_time", "开始时间"];
const END: &[&str] = &["end", "end_time", "结束时间"];

/// Where a transcript table's fields are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Columns {
    role: usize,
    text: usize,
    call_id: Option<usize>,
    agent_id: Option<usize>,
    start: Option<usize>,
    end: Option<usize>,
}

impl Columns {
    /// The columns of a transcript table with this header, if it is one.
    pub(super) fn find(header: &[Field], map: &FieldMap) -> Option<Columns> {
        let (_, text_key) = paths(map);
        let column = |mapped: Option<&str>, names: &[&str]| match mapped {
            Some(name) => position(header, &[name]),
            None => position(header, names),
        };
        Some(Columns {
            role: column(map.role.as_deref(), ROLE)?,
            text: column(map.text.is_some().then_some(text_key.as_str()), TEXT)?,
            call_id: column(map.call_id.as_deref(), CALL_ID),
            agent_id: column(map.agent_id.as_deref(), AGENT_ID),
            start: column(map.start.as_deref(), START),
            end: column(map.end.as_deref(), END),
        })
    }
}

/// The first column whose header is one of `names`, ignoring case.
fn position(header: &[Field], names: &[&str]) -> Option<usize> {
    header
        .iter()
        .position(|f| names.iter().any(|n| f.text.trim().eq_ignore_ascii_case(n)))
}

/// The calls of a table's `body` rows: one record per call id, its rows as
/// utterances pointing at their text cells.
pub(super) fn read(body: &[Vec<Field>], columns: &Columns, map: &FieldMap, file: &str) -> Vec<Record> {
    let per_second = units_per_second(map);
    let mut calls: Vec<TableCall> = Vec::new();
    let mut index_of = std::collections::HashMap::new();
    for row in body {
        let cell = |c: Option<usize>| c.and_then(|c| row.get(c)).map(|f| f.text.trim());
        let line = row.first().map_or(0, |f| f.line);
        let id = cell(columns.call_id).filter(|s| !s.is_empty()).unwrap_or(file);
        let at = *index_of.entry(id.to_string()).or_insert_with(|| {
            calls.push(TableCall::new(id, cell(columns.agent_id), line));
            calls.len() - 1
        });
        let table_call = &mut calls[at];
        let utterance = (row.get(columns.text).zip(cell(Some(columns.role))))
            .ok_or_else(|| "row has no role or no text".to_string())
            .and_then(|(text, role)| {
                Ok(Utterance {
                    index: table_call.call.utterances.len(),
                    role: mapped_role(map, role)?,
                    text: text.text.clone(),
                    start: cell(columns.start)
                        .and_then(clock_seconds)
                        .map(|t| t / per_second),
                    end: cell(columns.end).and_then(clock_seconds).map(|t| t / per_second),
                    line: Some(text.line),
                    column: Some(text.column),
                })
            });
        match utterance {
            Ok(u) => table_call.call.utterances.push(u),
            Err(reason) => table_call.skipped.push((format!("line {line}"), reason)),
        }
    }
    let unit_unknown = map.time_unit.is_none();
    (calls.into_iter())
        .map(|mut c| {
            if unit_unknown {
                c.call.rescale_millisecond_times();
            }
            c.into_record()
        })
        .collect()
}

/// A call being gathered from the rows that carry its id.
struct TableCall {
    /// Where its first row is.
    location: String,
    call: Call,
    skipped: Vec<(String, String)>,
}

impl TableCall {
    fn new(id: &str, agent_id: Option<&str>, line: usize) -> TableCall {
        TableCall {
            location: format!("line {line}"),
            call: Call {
                id: id.to_string(),
                agent_id: agent_id.filter(|s| !s.is_empty()).map(str::to_string),
                ..Call::default()
            },
            skipped: Vec::new(),
        }
    }

    fn into_record(self) -> Record {
        let call = if self.call.utterances.is_empty() {
            Err("call has no utterances".to_string())
        } else {
            Ok(self.call)
        };
        Record {
            location: self.location,
            call,
            skipped_utterances: self.skipped,
        }
    }
}
