//! `--emit-call-summary`: typed lines between the findings of `--format jsonl`,
//! so that a pipeline (Spark's `RDD.pipe`, Hadoop Streaming) gets per-call
//! and per-run counts without a second pass over the findings.
//!
//! A finding line never has a `type` field; these lines always do:
//!
//! - `{"type": "call", …}` after the findings of each call (also a call
//!   without findings), so a consumer can buffer a call's findings until its
//!   summary line arrives and then tag them with the call's date;
//! - `{"type": "problem", …}` for each file, record or utterance skipped
//!   (also on stderr, as without the option);
//! - `{"type": "summary", …}` once at the end: the run's summary.
//!
//! Documented in `docs/output.md`.

use super::record::ProblemRecord;
use super::{CallResult, FindingCounts, Summary};
use crate::input::Problem;
use crate::rules::RuleSet;
use serde::Serialize;

/// One call: who, how long, and how many findings by severity.
#[derive(Debug, Serialize)]
pub struct CallLine<'a> {
    /// Always `call`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// Call id.
    pub call_id: &'a str,
    /// Agent id.
    pub agent_id: Option<&'a str>,
    /// When the call started, as the source has it.
    pub started_at: Option<&'a str>,
    /// Input file.
    pub file: &'a str,
    /// 1-based line of the record for JSONL input.
    pub line: Option<usize>,
    /// Utterances linted.
    pub utterances: usize,
    /// Seconds: the latest end (or start) time of any utterance; null without times.
    pub duration: Option<f64>,
    /// Findings reported for the call, by severity.
    pub findings: FindingCounts,
}

impl<'a> CallLine<'a> {
    /// The line for `result`; `None` for the findings the gate makes about
    /// unused or invalid suppression comments, which are not a call.
    pub fn new(rules: &RuleSet, result: &'a CallResult) -> Option<Self> {
        let mut findings = FindingCounts::default();
        for finding in &result.findings {
            findings.add(rules.rules[finding.rule].severity);
        }
        let synthetic = !result.findings.is_empty()
            && result
                .findings
                .iter()
                .all(|f| rules.rules[f.rule].pack == "callint");
        if synthetic && result.call.id == *result.file {
            return None;
        }
        let duration = result
            .call
            .utterances
            .iter()
            .filter_map(|u| u.end.or(u.start))
            .fold(None, |max: Option<f64>, t| Some(max.map_or(t, |m| m.max(t))));
        Some(CallLine {
            kind: "call",
            call_id: &result.call.id,
            agent_id: result.call.agent_id.as_deref(),
            started_at: result.call.started_at.as_deref(),
            file: &result.file,
            line: result.record_line,
            utterances: result.call.utterances.len(),
            duration,
            findings,
        })
    }
}

/// A skipped file, record or utterance.
#[derive(Serialize)]
pub struct ProblemLine<'a> {
    /// Always `problem`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    #[serde(flatten)]
    problem: ProblemRecord<'a>,
}

impl<'a> From<&'a Problem> for ProblemLine<'a> {
    fn from(problem: &'a Problem) -> Self {
        ProblemLine {
            kind: "problem",
            problem: ProblemRecord::from(problem),
        }
    }
}

/// The run's summary.
#[derive(Serialize)]
pub struct SummaryLine<'a> {
    /// Always `summary`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    #[serde(flatten)]
    summary: &'a Summary,
}

impl<'a> From<&'a Summary> for SummaryLine<'a> {
    fn from(summary: &'a Summary) -> Self {
        SummaryLine {
            kind: "summary",
            summary,
        }
    }
}
