//! `github`: GitHub Actions workflow commands, one annotation per finding.
//!
//! `::error file=F,line=L,col=C,endColumn=E,title=RULE title::message`, which
//! the Actions runner turns into annotations on the pull request's diff.
//! Values are escaped the way the runner expects (`%`, CR and LF everywhere;
//! also `:` and `,` in properties). `info` findings are `notice`s.

use super::record::Location;
use super::{CallResult, Reporter, Style, Summary};
use crate::input::Problem;
use crate::rules::{RuleSet, Severity};
use std::io::{self, Write};

/// `github`: annotations on stdout, the summary on stderr.
pub struct Github<'a> {
    rules: &'a RuleSet,
    out: Box<dyn Write + 'a>,
    style: Style,
}

impl<'a> Github<'a> {
    /// Writes to `out`.
    pub fn new(rules: &'a RuleSet, out: Box<dyn Write + 'a>, style: Style) -> Self {
        Github { rules, out, style }
    }
}

/// Escapes the message part of a workflow command.
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// Escapes a property value of a workflow command.
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

fn command(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "notice",
    }
}

impl Reporter for Github<'_> {
    fn call(&mut self, result: &CallResult) -> io::Result<()> {
        for finding in &result.findings {
            let rule = &self.rules.rules[finding.rule];
            let location = Location::of(result, finding);
            let mut props = format!(
                "file={}",
                escape_property(&crate::baseline::normalise_path(&result.file))
            );
            if let Some(line) = location.line {
                props.push_str(&format!(",line={line}"));
                if let Some(col) = location.column {
                    props.push_str(&format!(",col={col}"));
                    if let Some(span) = &finding.span {
                        props.push_str(&format!(
                            ",endLine={line},endColumn={}",
                            col + span.char_end - span.char_start
                        ));
                    }
                }
            }
            props.push_str(&format!(
                ",title={}",
                escape_property(&format!("{} {}", rule.id, rule.title))
            ));
            let mut message = rule.message.clone();
            if let Some(span) = &finding.span {
                message.push_str(&format!(" 「{}」", span.text));
            }
            if let Some(detail) = &finding.detail {
                message.push_str(&format!(" ({detail})"));
            }
            if let Some(entry) = super::catalog_entry(result) {
                message.push_str(&format!(" (entry {entry})"));
            } else if location.column.is_none() {
                message.push_str(&format!(" (call {})", result.call.id));
            }
            if let Some(help) = &rule.help {
                message.push_str(&format!("\n{}", help.trim_end()));
            }
            writeln!(
                self.out,
                "::{} {props}::{}",
                command(rule.severity),
                escape_data(&message)
            )?;
        }
        Ok(())
    }

    fn problem(&mut self, problem: &Problem) -> io::Result<()> {
        let what = problem.scope.skipped();
        let place = if problem.location.is_empty() {
            String::new()
        } else {
            format!("{}: ", problem.location)
        };
        writeln!(
            self.out,
            "::error file={},title={}::{}",
            escape_property(&crate::baseline::normalise_path(&problem.file)),
            escape_property(&format!("callint {what}")),
            escape_data(&format!("{place}{}", problem.reason))
        )
    }

    fn finish(&mut self, summary: &Summary) -> io::Result<()> {
        self.out.flush()?;
        if self.style.summary {
            summary.write_human(&mut io::stderr().lock())?;
        }
        Ok(())
    }
}
