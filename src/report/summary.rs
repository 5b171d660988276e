//! The account of a run: what was read, what was found, what was skipped and
//! why. A nightly job reads it to know that every record was accounted for.

use crate::input::{Problem, ProblemScope};
use crate::rules::Severity;
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::{self, Write};
use std::time::Duration;

/// Counts for one run.
#[derive(Debug, Default, Clone, Serialize, PartialEq)]
pub struct Summary {
    /// Files (and stdin) read.
    pub files: usize,
    /// Calls linted.
    pub calls: usize,
    /// Utterances linted.
    pub utterances: usize,
    /// Findings by severity.
    pub findings: FindingCounts,
    /// What could not be read.
    pub skipped: SkippedCounts,
    /// Skipped items by reason, most common first when printed.
    pub skipped_reasons: BTreeMap<String, usize>,
    /// Calls whose utterances lack start/end times, so that the rules that
    /// need times (speech rate, silence, …) were skipped for them.
    pub timing_skipped_calls: usize,
    /// Wall-clock time in milliseconds.
    pub elapsed_ms: u128,
}

/// Findings by severity.
#[derive(Debug, Default, Clone, Serialize, PartialEq)]
pub struct FindingCounts {
    /// Errors.
    pub error: usize,
    /// Warnings.
    pub warning: usize,
    /// Infos.
    pub info: usize,
}

impl FindingCounts {
    /// All findings.
    pub fn total(&self) -> usize {
        self.error + self.warning + self.info
    }

    /// Counts one finding.
    pub fn add(&mut self, severity: Severity) {
        match severity {
            Severity::Error => self.error += 1,
            Severity::Warning => self.warning += 1,
            Severity::Info => self.info += 1,
        }
    }

    /// Findings at or above `level`.
    pub fn at_least(&self, level: Severity) -> usize {
        match level {
            Severity::Error => self.error,
            Severity::Warning => self.error + self.warning,
            Severity::Info => self.total(),
        }
    }
}

/// Skipped inputs by scope.
#[derive(Debug, Default, Clone, Serialize, PartialEq)]
pub struct SkippedCounts {
    /// Files or folders that could not be read.
    pub files: usize,
    /// Records (calls) that could not be parsed.
    pub records: usize,
    /// Utterances left out of otherwise linted calls.
    pub utterances: usize,
}

impl Summary {
    /// Counts a problem.
    pub fn add_problem(&mut self, problem: &Problem) {
        match problem.scope {
            ProblemScope::File => self.skipped.files += 1,
            ProblemScope::Record => self.skipped.records += 1,
            ProblemScope::Utterance => self.skipped.utterances += 1,
        }
        *self
            .skipped_reasons
            .entry(reason_kind(&problem.reason))
            .or_default() += 1;
    }

    /// Sets the elapsed time.
    pub fn set_elapsed(&mut self, elapsed: Duration) {
        self.elapsed_ms = elapsed.as_millis();
    }

    /// Whether anything could not be read.
    pub fn had_problems(&self) -> bool {
        self.skipped.files + self.skipped.records + self.skipped.utterances > 0
    }

    /// The human summary block.
    pub fn write_human(&self, w: &mut dyn Write) -> io::Result<()> {
        writeln!(
            w,
            "callint: {} file{}, {} call{}, {} utterance{} checked in {:.2}s",
            self.files,
            plural(self.files),
            self.calls,
            plural(self.calls),
            self.utterances,
            plural(self.utterances),
            self.elapsed_ms as f64 / 1000.0
        )?;
        let f = &self.findings;
        writeln!(
            w,
            "callint: {} finding{} ({} error, {} warning, {} info)",
            f.total(),
            plural(f.total()),
            f.error,
            f.warning,
            f.info
        )?;
        if self.timing_skipped_calls > 0 {
            writeln!(
                w,
                "callint: {} call{} without times: timing rules skipped",
                self.timing_skipped_calls,
                plural(self.timing_skipped_calls)
            )?;
        }
        if self.had_problems() {
            let s = &self.skipped;
            writeln!(
                w,
                "callint: skipped {} file{}, {} record{}, {} utterance{}:",
                s.files,
                plural(s.files),
                s.records,
                plural(s.records),
                s.utterances,
                plural(s.utterances)
            )?;
            let mut reasons: Vec<_> = self.skipped_reasons.iter().collect();
            reasons.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
            for (reason, n) in reasons {
                writeln!(w, "  {n:>6}  {reason}")?;
            }
        }
        Ok(())
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// The kind of a reason, without the details that differ per record.
fn reason_kind(reason: &str) -> String {
    let cut = reason.find([':', '(']).unwrap_or(reason.len());
    reason[..cut].trim().to_string()
}
