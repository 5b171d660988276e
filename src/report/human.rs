//! Output for people: miette diagnostics (`human`) and one line per finding
//! (`concise`).
//!
//! Each diagnostic's source is the utterance itself. For line-oriented files
//! the gutter shows the real line number, so `greeting.md:12:5` in the header
//! and `12 │` in the gutter agree. miette measures display width with
//! unicode-width, so the underline sits under the right Chinese characters.

use super::record::Location;
use super::{clock, CallResult, Reporter, Style, Summary};
use crate::engine::Finding;
use crate::input::Problem;
use crate::model::Utterance;
use crate::rules::{Rule, RuleSet, Severity};
use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents,
    SourceCode, SourceSpan, SpanContents,
};
use std::fmt;
use std::io::{self, Write};

/// The text of one utterance, numbered as lines of its file.
struct UtteranceSource<'a> {
    name: String,
    text: &'a str,
    first_line: usize,
}

impl SourceCode for UtteranceSource<'_> {
    fn read_span<'b>(
        &'b self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn SpanContents<'b> + 'b>, MietteError> {
        let inner = self.text.read_span(span, before, after)?;
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            inner.data(),
            *inner.span(),
            inner.line() + self.first_line,
            inner.column(),
            inner.line_count(),
        )))
    }
}

struct FindingDiagnostic<'a> {
    rule: &'a Rule,
    source: UtteranceSource<'a>,
    label: Option<LabeledSpan>,
    note: Option<String>,
    detail: Option<&'a str>,
}

impl fmt::Debug for FindingDiagnostic<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.rule.id)
    }
}

impl fmt::Display for FindingDiagnostic<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.rule.title, self.rule.message)
    }
}

impl std::error::Error for FindingDiagnostic<'_> {}

impl Diagnostic for FindingDiagnostic<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(format!(
            "{} [{}]",
            self.rule.id,
            self.rule.severity.as_str()
        )))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.rule.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Info => miette::Severity::Advice,
        })
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        if let Some(detail) = self.detail {
            let rest = [self.rule.help.as_deref(), self.note.as_deref()];
            let lines: Vec<&str> = std::iter::once(detail)
                .chain(rest.into_iter().flatten())
                .collect();
            return Some(Box::new(lines.join("\n")));
        }
        match (&self.rule.help, &self.note) {
            (Some(h), Some(n)) => Some(Box::new(format!("{h}\n{n}"))),
            (Some(h), None) => Some(Box::new(h)),
            (None, Some(n)) => Some(Box::new(n)),
            (None, None) => None,
        }
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.label.as_ref().map(|_| &self.source as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        self.label
            .clone()
            .map(|l| Box::new(std::iter::once(l)) as Box<dyn Iterator<Item = LabeledSpan>>)
    }
}

/// `file:line:col`, or `file:line · call C1 · #3 agent · 00:12.3` for JSONL.
fn place(result: &CallResult, finding: &Finding, utterance: Option<&Utterance>) -> String {
    let location = Location::of(result, finding);
    let mut s = result.file.to_string();
    match (utterance.and_then(|u| u.line), location.line, location.column) {
        (Some(_), Some(line), Some(col)) => {
            s.push_str(&format!(":{line}:{col}"));
            if let Some(entry) = super::catalog_entry(result) {
                s.push_str(&format!(" · entry {entry}"));
            }
        }
        (_, Some(line), _) => {
            s.push_str(&format!(":{line} · call {}", result.call.id));
        }
        _ => s.push_str(&format!(" · call {}", result.call.id)),
    }
    if let Some(u) = utterance.filter(|u| u.line.is_none()) {
        s.push_str(&format!(" · #{} {}", u.index, u.role));
        if let Some(start) = u.start {
            s.push_str(&format!(" · {}", clock(start)));
        }
    }
    s
}

/// `human`: graphical diagnostics.
pub struct Human<'a> {
    rules: &'a RuleSet,
    out: Box<dyn Write + 'a>,
    handler: GraphicalReportHandler,
    style: Style,
}

impl<'a> Human<'a> {
    /// Writes to `out`.
    pub fn new(rules: &'a RuleSet, out: Box<dyn Write + 'a>, style: Style) -> Self {
        let theme = if style.color {
            GraphicalTheme::unicode()
        } else {
            GraphicalTheme::unicode_nocolor()
        };
        let handler = GraphicalReportHandler::new_themed(theme)
            .without_primary_span_start()
            .with_width(100);
        Human {
            rules,
            out,
            handler,
            style,
        }
    }

    fn render(&mut self, result: &CallResult, finding: &Finding) -> io::Result<()> {
        let rule = &self.rules.rules[finding.rule];
        let utterance = finding.utterance.and_then(|i| result.call.utterances.get(i));
        let text = utterance.map_or("", |u| u.text.as_str());
        let label = finding
            .span
            .as_ref()
            .map(|s| LabeledSpan::new(Some(rule.title.clone()), s.byte_start, s.byte_end - s.byte_start))
            .or_else(|| {
                // A call-level finding about an utterance (the trigger, or the
                // edge of a window) shows that utterance whole.
                let whole = utterance.filter(|u| finding.detail.is_some() && !u.text.is_empty())?;
                Some(LabeledSpan::new(Some(rule.title.clone()), 0, whole.text.len()))
            });
        let first_line = utterance.and_then(|u| u.line).map_or(0, |l| l - 1);
        let note = label.is_none().then(|| place(result, finding, utterance));
        let diagnostic = FindingDiagnostic {
            rule,
            source: UtteranceSource {
                name: place(result, finding, utterance),
                text,
                first_line,
            },
            label,
            note,
            detail: finding.detail.as_deref(),
        };
        let mut rendered = String::new();
        self.handler
            .render_report(&mut rendered, &diagnostic)
            .map_err(|_| io::Error::other("failed to render a diagnostic"))?;
        writeln!(self.out, "{rendered}")
    }
}

impl Reporter for Human<'_> {
    fn call(&mut self, result: &CallResult) -> io::Result<()> {
        for finding in &result.findings {
            self.render(result, finding)?;
        }
        Ok(())
    }

    fn problem(&mut self, problem: &Problem) -> io::Result<()> {
        write_problem(&mut io::stderr().lock(), problem, self.style.color)
    }

    fn finish(&mut self, summary: &Summary) -> io::Result<()> {
        self.out.flush()?;
        if self.style.summary {
            summary.write_human(&mut io::stderr().lock())?;
        }
        Ok(())
    }
}

/// `concise`: one line per finding.
pub struct Concise<'a> {
    rules: &'a RuleSet,
    out: Box<dyn Write + 'a>,
    style: Style,
}

impl<'a> Concise<'a> {
    /// Writes to `out`.
    pub fn new(rules: &'a RuleSet, out: Box<dyn Write + 'a>, style: Style) -> Self {
        Concise { rules, out, style }
    }
}

impl Reporter for Concise<'_> {
    fn call(&mut self, result: &CallResult) -> io::Result<()> {
        for finding in &result.findings {
            let rule = &self.rules.rules[finding.rule];
            let utterance = finding.utterance.and_then(|i| result.call.utterances.get(i));
            let quoted = finding
                .span
                .as_ref()
                .map_or(String::new(), |s| format!(" 「{}」", s.text));
            let detail = finding
                .detail
                .as_ref()
                .map_or(String::new(), |d| format!(" — {d}"));
            writeln!(
                self.out,
                "{}: {} {} {}{}{}",
                place(result, finding, utterance),
                rule.severity.as_str(),
                rule.id,
                rule.message,
                detail,
                quoted
            )?;
        }
        Ok(())
    }

    fn problem(&mut self, problem: &Problem) -> io::Result<()> {
        write_problem(&mut io::stderr().lock(), problem, self.style.color)
    }

    fn finish(&mut self, summary: &Summary) -> io::Result<()> {
        self.out.flush()?;
        if self.style.summary {
            summary.write_human(&mut io::stderr().lock())?;
        }
        Ok(())
    }
}

/// `callint: file:line 7: skipped record: reason`.
pub fn write_problem(w: &mut dyn Write, problem: &Problem, color: bool) -> io::Result<()> {
    let what = problem.scope.skipped();
    let location = if problem.location.is_empty() {
        String::new()
    } else {
        format!(" {}", problem.location)
    };
    let (on, off) = if color { ("\x1b[33m", "\x1b[0m") } else { ("", "") };
    writeln!(
        w,
        "callint: {on}warning{off}: {}{location}: {what}: {}",
        problem.file, problem.reason
    )
}
