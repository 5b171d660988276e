//! The machine-readable finding: one shape for `json`, `jsonl` and every
//! format built on them. Documented in `docs/output.md`; it is a public
//! interface, so fields are only ever added.

use super::{CallResult, Reporter, Style, Summary};
use crate::engine::{Finding, Span};
use crate::input::{Problem, ProblemScope};
use crate::model::Role;
use crate::rules::RuleSet;
use serde::Serialize;
use serde_json::value::RawValue;
use std::io::{self, Write};

/// Where a finding is in its file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Location {
    /// 1-based line.
    pub line: Option<usize>,
    /// 1-based character column.
    pub column: Option<usize>,
}

impl Location {
    /// The file position of `finding` in `result`: the utterance's line and
    /// column for line-oriented files, the record's line for JSONL.
    pub fn of(result: &CallResult, finding: &Finding) -> Location {
        let utterance = finding.utterance.and_then(|i| result.call.utterances.get(i));
        let Some((u, line)) = utterance.and_then(|u| Some((u, u.line?))) else {
            return Location {
                line: result.record_line,
                column: None,
            };
        };
        let Some(span) = &finding.span else {
            return Location {
                line: Some(line),
                column: u.column,
            };
        };
        // A table cell can hold more than one line of the file.
        let before = u.text.get(..span.byte_start).unwrap_or_default();
        match before.rfind('\n') {
            Some(newline) => Location {
                line: Some(line + before.matches('\n').count()),
                column: Some(before[newline + 1..].chars().count() + 1),
            },
            None => Location {
                line: Some(line),
                column: u.column.map(|c| c + span.char_start),
            },
        }
    }
}

/// One finding as serialised.
#[derive(Debug, Serialize)]
pub struct FindingRecord<'a> {
    /// Rule id.
    pub rule: &'a str,
    /// Pack name.
    pub pack: &'a str,
    /// Severity.
    pub severity: &'a str,
    /// Rule title.
    pub title: &'a str,
    /// Message.
    pub message: &'a str,
    /// Call-level findings: what was expected and where (absent otherwise).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<&'a str>,
    /// Recommended wording.
    pub help: Option<&'a str>,
    /// File.
    pub file: &'a str,
    /// Call id.
    pub call_id: &'a str,
    /// Agent id.
    pub agent_id: Option<&'a str>,
    /// When the call started, as the transcript has it (absent when unknown).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub started_at: Option<&'a str>,
    /// 0-based utterance index.
    pub utterance: Option<usize>,
    /// Speaker.
    pub role: Option<Role>,
    /// `[start, end]` seconds.
    pub time: Option<[Option<f64>; 2]>,
    /// The utterance text.
    pub text: Option<&'a str>,
    /// What was said.
    pub span: Option<&'a Span>,
    /// 1-based line.
    pub line: Option<usize>,
    /// 1-based character column.
    pub column: Option<usize>,
    /// Tags.
    pub tags: &'a [String],
}

impl<'a> FindingRecord<'a> {
    /// The record for `finding` of `result`.
    pub fn new(rules: &'a RuleSet, result: &'a CallResult, finding: &'a Finding) -> Self {
        let rule = &rules.rules[finding.rule];
        let utterance = finding.utterance.and_then(|i| result.call.utterances.get(i));
        let location = Location::of(result, finding);
        FindingRecord {
            rule: &rule.id,
            pack: &rule.pack,
            severity: rule.severity.as_str(),
            title: &rule.title,
            message: &rule.message,
            detail: finding.detail.as_deref(),
            help: rule.help.as_deref(),
            file: &result.file,
            call_id: &result.call.id,
            agent_id: result.call.agent_id.as_deref(),
            started_at: result.call.started_at.as_deref(),
            utterance: utterance.map(|u| u.index),
            role: utterance.map(|u| u.role),
            time: utterance.and_then(|u| (u.start.is_some() || u.end.is_some()).then_some([u.start, u.end])),
            text: utterance.map(|u| u.text.as_str()),
            span: finding.span.as_ref(),
            line: location.line,
            column: location.column,
            tags: &rule.tags,
        }
    }
}

#[derive(Serialize)]
pub(super) struct ProblemRecord<'a> {
    file: &'a str,
    location: &'a str,
    reason: &'a str,
    skipped: &'static str,
}

impl<'a> From<&'a Problem> for ProblemRecord<'a> {
    fn from(p: &'a Problem) -> Self {
        ProblemRecord {
            file: &p.file,
            location: &p.location,
            reason: &p.reason,
            skipped: match p.scope {
                ProblemScope::File => "file",
                ProblemScope::Record => "record",
                ProblemScope::Utterance => "utterance",
            },
        }
    }
}

/// `jsonl`: a finding per line on stdout, flushed after every batch of input.
pub struct JsonLines<'a> {
    rules: &'a RuleSet,
    out: Box<dyn Write + 'a>,
    style: Style,
    call_summary: bool,
}

impl<'a> JsonLines<'a> {
    /// Writes to `out`.
    pub fn new(rules: &'a RuleSet, out: Box<dyn Write + 'a>, style: Style) -> Self {
        JsonLines {
            rules,
            out,
            style,
            call_summary: false,
        }
    }

    /// Also writes the typed lines of `--emit-call-summary` (see `summary_line`).
    pub fn with_call_summary(mut self, on: bool) -> Self {
        self.call_summary = on;
        self
    }

    fn line(&mut self, value: &impl Serialize) -> io::Result<()> {
        serde_json::to_writer(&mut self.out, value)?;
        self.out.write_all(b"\n")
    }
}

impl Reporter for JsonLines<'_> {
    fn call(&mut self, result: &CallResult) -> io::Result<()> {
        for finding in &result.findings {
            self.line(&FindingRecord::new(self.rules, result, finding))?;
        }
        if self.call_summary {
            if let Some(line) = super::summary_line::CallLine::new(self.rules, result) {
                self.line(&line)?;
            }
        }
        Ok(())
    }

    fn problem(&mut self, problem: &Problem) -> io::Result<()> {
        if self.call_summary {
            self.line(&super::summary_line::ProblemLine::from(problem))?;
        }
        super::human::write_problem(&mut io::stderr().lock(), problem, self.style.color)
    }

    fn batch_end(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    fn finish(&mut self, summary: &Summary) -> io::Result<()> {
        if self.call_summary {
            self.line(&super::summary_line::SummaryLine::from(summary))?;
        }
        self.out.flush()?;
        if self.style.summary {
            summary.write_human(&mut io::stderr().lock())?;
        }
        Ok(())
    }
}

/// `json`: one document with everything, written at the end.
pub struct JsonDocument<'a> {
    rules: &'a RuleSet,
    out: Box<dyn Write + 'a>,
    /// Serialised already: a `Value` per finding took over 8 KB each, 1.3 GB
    /// for a 1 GB dump; the compact text takes a tenth of that.
    findings: Vec<Box<RawValue>>,
    problems: Vec<Box<RawValue>>,
    calls_by_agent: std::collections::BTreeMap<String, usize>,
}

impl<'a> JsonDocument<'a> {
    /// Writes to `out` when the run finishes.
    pub fn new(rules: &'a RuleSet, out: Box<dyn Write + 'a>) -> Self {
        JsonDocument {
            rules,
            out,
            findings: Vec::new(),
            problems: Vec::new(),
            calls_by_agent: Default::default(),
        }
    }
}

impl Reporter for JsonDocument<'_> {
    fn call(&mut self, result: &CallResult) -> io::Result<()> {
        if let Some(agent) = &result.call.agent_id {
            *self.calls_by_agent.entry(agent.clone()).or_default() += 1;
        }
        for finding in &result.findings {
            let record = FindingRecord::new(self.rules, result, finding);
            self.findings.push(serde_json::value::to_raw_value(&record)?);
        }
        Ok(())
    }

    fn problem(&mut self, problem: &Problem) -> io::Result<()> {
        self.problems
            .push(serde_json::value::to_raw_value(&ProblemRecord::from(problem))?);
        Ok(())
    }

    fn finish(&mut self, summary: &Summary) -> io::Result<()> {
        #[derive(Serialize)]
        struct Document<'d> {
            version: u32,
            findings: &'d [Box<RawValue>],
            problems: &'d [Box<RawValue>],
            summary: &'d Summary,
            calls_by_agent: &'d std::collections::BTreeMap<String, usize>,
        }
        let doc = Document {
            version: 1,
            findings: &self.findings,
            problems: &self.problems,
            summary,
            calls_by_agent: &self.calls_by_agent,
        };
        serde_json::to_writer_pretty(&mut self.out, &doc)?;
        self.out.write_all(b"\n")?;
        self.out.flush()
    }
}
