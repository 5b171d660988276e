//! Reporters: the only code that writes findings anywhere.
//!
//! The run loop hands each reporter the linted calls in input order, the
//! problems met while reading, and a summary at the end. Reporters only
//! render; they never go back to the matcher or the rules' logic.

mod github;
mod grouped;
pub mod html;
mod human;
mod junit;
mod progress;
mod record;
pub mod redact;
mod sarif;
mod summary;
mod summary_line;

pub use progress::Progress;
pub use record::{FindingRecord, Location};
pub use sarif::FINGERPRINT_KEY;
pub use summary::{FindingCounts, Summary};

use crate::engine::Finding;
use crate::input::Problem;
use crate::model::Call;
use crate::rules::RuleSet;
use std::io::{self, Write};
use std::sync::Arc;

/// A linted call and where it came from.
#[derive(Debug)]
pub struct CallResult {
    /// File name as shown to the user.
    pub file: Arc<str>,
    /// 1-based line of the record for JSONL input.
    pub record_line: Option<usize>,
    /// The call.
    pub call: Call,
    /// Its findings, in order.
    pub findings: Vec<Finding>,
}

/// Output formats of `check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// Graphical diagnostics with the utterance and the span underlined.
    Human,
    /// One line per finding: `file:line:col: severity RULE message`.
    Concise,
    /// One JSON document with findings, problems and the summary.
    Json,
    /// One JSON finding per line; problems and summary go to stderr.
    Jsonl,
    /// SARIF 2.1.0 (GitHub code scanning and other dashboards).
    Sarif,
    /// GitHub Actions annotations (`::error file=…,line=…::…`).
    Github,
    /// JUnit XML: a testsuite per file, a failed testcase per finding.
    Junit,
    /// Findings under a heading per file.
    Grouped,
    /// A self-contained HTML report with charts and a filterable table
    /// (redacted unless `--no-redact`).
    Html,
}

/// Something that renders a run.
pub trait Reporter {
    /// One linted call.
    fn call(&mut self, result: &CallResult) -> io::Result<()>;
    /// A file, record or utterance that could not be read.
    fn problem(&mut self, problem: &Problem) -> io::Result<()>;
    /// The end of a batch of input (JSONL is read in batches): a streaming
    /// reporter flushes here, so a pipe sees each batch's findings at once.
    fn batch_end(&mut self) -> io::Result<()> {
        Ok(())
    }
    /// The end of the run.
    fn finish(&mut self, summary: &Summary) -> io::Result<()>;
}

/// Options shared by reporters.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    /// Use colour.
    pub color: bool,
    /// Print the summary (human, concise, jsonl) on stderr.
    pub summary: bool,
}

/// A reporter for `format` writing findings to `out` and everything else to stderr.
pub fn reporter<'a>(
    format: OutputFormat,
    rules: &'a RuleSet,
    out: Box<dyn Write + 'a>,
    style: Style,
) -> Box<dyn Reporter + 'a> {
    match format {
        OutputFormat::Human => Box::new(human::Human::new(rules, out, style)),
        OutputFormat::Concise => Box::new(human::Concise::new(rules, out, style)),
        OutputFormat::Json => Box::new(record::JsonDocument::new(rules, out)),
        OutputFormat::Jsonl => Box::new(record::JsonLines::new(rules, out, style)),
        OutputFormat::Sarif => Box::new(sarif::Sarif::new(rules, out)),
        OutputFormat::Github => Box::new(github::Github::new(rules, out, style)),
        OutputFormat::Junit => Box::new(junit::Junit::new(rules, out)),
        OutputFormat::Grouped => Box::new(grouped::Grouped::new(rules, out, style)),
        OutputFormat::Html => Box::new(html::Html::new(rules, out, html::HtmlOptions::default())),
    }
}

/// `jsonl` with `--emit-call-summary`: findings plus a typed line per call,
/// per problem and for the run's summary (`docs/output.md`).
pub fn jsonl_with_call_summary<'a>(
    rules: &'a RuleSet,
    out: Box<dyn Write + 'a>,
    style: Style,
) -> Box<dyn Reporter + 'a> {
    Box::new(record::JsonLines::new(rules, out, style).with_call_summary(true))
}

/// `--statistics`: counts per rule instead of the findings; JSON when
/// `format` is `json` or `jsonl`, a table otherwise.
pub fn statistics<'a>(
    rules: &'a RuleSet,
    out: Box<dyn Write + 'a>,
    style: Style,
    format: OutputFormat,
) -> Box<dyn Reporter + 'a> {
    let json = matches!(format, OutputFormat::Json | OutputFormat::Jsonl);
    Box::new(grouped::Statistics::new(rules, out, style, json))
}

/// The entry id of a call read from a script catalog (`file#id`), if it is one.
pub fn catalog_entry(result: &CallResult) -> Option<&str> {
    result
        .call
        .id
        .strip_prefix(&*result.file)
        .and_then(|rest| rest.strip_prefix('#'))
}

/// `mm:ss.s` for a time in seconds.
pub fn clock(seconds: f64) -> String {
    let total = seconds.max(0.0);
    let minutes = (total / 60.0).floor();
    format!("{:02}:{:04.1}", minutes as u64, total - minutes * 60.0)
}
