//! `grouped`: findings under a heading per file, as ruff's grouped output.
//!
//! ```text
//! fixtures/scripts/greeting.md:
//!   6:11  error    TST-001  对非存款产品承诺保本或收益 「保本保息」
//! ```
//!
//! Calls of one file reach the reporter together, so this streams.

use super::record::Location;
use super::{CallResult, Reporter, Style, Summary};
use crate::input::Problem;
use crate::rules::RuleSet;
use std::collections::BTreeMap;
use std::io::{self, Write};

/// `grouped`: one block per file with findings.
pub struct Grouped<'a> {
    rules: &'a RuleSet,
    out: Box<dyn Write + 'a>,
    style: Style,
    current: Option<String>,
}

impl<'a> Grouped<'a> {
    /// Writes to `out`.
    pub fn new(rules: &'a RuleSet, out: Box<dyn Write + 'a>, style: Style) -> Self {
        Grouped {
            rules,
            out,
            style,
            current: None,
        }
    }
}

impl Reporter for Grouped<'_> {
    fn call(&mut self, result: &CallResult) -> io::Result<()> {
        for finding in &result.findings {
            if self.current.as_deref() != Some(&*result.file) {
                if self.current.is_some() {
                    writeln!(self.out)?;
                }
                writeln!(self.out, "{}:", result.file)?;
                self.current = Some(result.file.to_string());
            }
            let rule = &self.rules.rules[finding.rule];
            let location = Location::of(result, finding);
            let utterance = finding.utterance.and_then(|i| result.call.utterances.get(i));
            let place = match (location.line, location.column) {
                (Some(l), Some(c)) => match super::catalog_entry(result) {
                    Some(entry) => format!("{l}:{c} · entry {entry}"),
                    None => format!("{l}:{c}"),
                },
                (Some(l), None) => format!("{l} · call {}", result.call.id),
                _ => format!("call {}", result.call.id),
            };
            let place = match utterance.filter(|u| u.line.is_none()) {
                Some(u) => format!("{place} · #{} {}", u.index, u.role),
                None => place,
            };
            let mut quoted = finding
                .span
                .as_ref()
                .map_or(String::new(), |s| format!(" 「{}」", s.text));
            if let Some(detail) = &finding.detail {
                quoted.push_str(&format!(" ({detail})"));
            }
            writeln!(
                self.out,
                "  {place:<6} {:<8} {:<9} {}{quoted}",
                rule.severity.as_str(),
                rule.id,
                rule.message
            )?;
        }
        Ok(())
    }

    fn problem(&mut self, problem: &Problem) -> io::Result<()> {
        super::human::write_problem(&mut io::stderr().lock(), problem, self.style.color)
    }

    fn finish(&mut self, summary: &Summary) -> io::Result<()> {
        self.out.flush()?;
        if self.style.summary {
            summary.write_human(&mut io::stderr().lock())?;
        }
        Ok(())
    }
}

/// `--statistics`: how many findings each rule had, most first, instead of
/// the findings themselves.
pub struct Statistics<'a> {
    rules: &'a RuleSet,
    out: Box<dyn Write + 'a>,
    style: Style,
    json: bool,
    counts: BTreeMap<usize, usize>,
}

impl<'a> Statistics<'a> {
    /// Writes to `out` when the run finishes; a JSON array with `json`.
    pub fn new(rules: &'a RuleSet, out: Box<dyn Write + 'a>, style: Style, json: bool) -> Self {
        Statistics {
            rules,
            out,
            style,
            json,
            counts: BTreeMap::new(),
        }
    }
}

impl Reporter for Statistics<'_> {
    fn call(&mut self, result: &CallResult) -> io::Result<()> {
        for finding in &result.findings {
            *self.counts.entry(finding.rule).or_default() += 1;
        }
        Ok(())
    }

    fn problem(&mut self, problem: &Problem) -> io::Result<()> {
        super::human::write_problem(&mut io::stderr().lock(), problem, self.style.color)
    }

    fn finish(&mut self, summary: &Summary) -> io::Result<()> {
        let mut rows: Vec<(usize, &crate::rules::Rule)> = self
            .counts
            .iter()
            .map(|(&rule, &n)| (n, &self.rules.rules[rule]))
            .collect();
        rows.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.id.cmp(&b.1.id)));
        if self.json {
            let list: Vec<_> = rows
                .iter()
                .map(|(n, rule)| {
                    serde_json::json!({
                        "rule": rule.id, "count": n, "severity": rule.severity.as_str(),
                        "title": rule.title, "pack": rule.pack,
                    })
                })
                .collect();
            serde_json::to_writer_pretty(&mut self.out, &list)?;
            writeln!(self.out)?;
            rows.clear();
        }
        let width = rows.first().map_or(1, |r| r.0.to_string().len());
        for (n, rule) in rows {
            writeln!(
                self.out,
                "{n:>width$}  {:<11} {:<8} {}",
                rule.id,
                rule.severity.as_str(),
                rule.title
            )?;
        }
        self.out.flush()?;
        if self.style.summary {
            summary.write_human(&mut io::stderr().lock())?;
        }
        Ok(())
    }
}
