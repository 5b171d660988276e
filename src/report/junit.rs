//! `junit`: JUnit XML, for CI systems that show test reports (GitLab, Jenkins,
//! Azure Pipelines).
//!
//! One `<testsuite>` per file; each finding is a failed `<testcase>` named
//! `RULE line:col`, and a file with no finding has one passing testcase, so the
//! report also shows what was checked. Problems met while reading are
//! `<error>` testcases.

use super::record::Location;
use super::{CallResult, Reporter, Summary};
use crate::input::Problem;
use crate::rules::RuleSet;
use std::collections::HashMap;
use std::io::{self, Write};

struct Case {
    name: String,
    line: Option<usize>,
    kind: &'static str,
    kind_type: String,
    message: String,
    body: String,
}

#[derive(Default)]
struct Suite {
    name: String,
    cases: Vec<Case>,
}

/// `junit`: the XML document is written at the end of the run.
pub struct Junit<'a> {
    rules: &'a RuleSet,
    out: Box<dyn Write + 'a>,
    suites: Vec<Suite>,
    index: HashMap<String, usize>,
}

impl<'a> Junit<'a> {
    /// Writes to `out` when the run finishes.
    pub fn new(rules: &'a RuleSet, out: Box<dyn Write + 'a>) -> Self {
        Junit {
            rules,
            out,
            suites: Vec::new(),
            index: HashMap::new(),
        }
    }

    fn suite(&mut self, file: &str) -> &mut Suite {
        let i = *self.index.entry(file.to_string()).or_insert_with(|| {
            self.suites.push(Suite {
                name: file.to_string(),
                cases: Vec::new(),
            });
            self.suites.len() - 1
        });
        &mut self.suites[i]
    }
}

/// Escapes text for an XML attribute or element, dropping characters XML 1.0
/// cannot hold.
pub fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => {}
            c => out.push(c),
        }
    }
    out
}

impl Reporter for Junit<'_> {
    fn call(&mut self, result: &CallResult) -> io::Result<()> {
        let rules = self.rules;
        let suite = self.suite(&result.file);
        for finding in &result.findings {
            let rule = &rules.rules[finding.rule];
            let location = Location::of(result, finding);
            let place = match (location.line, location.column) {
                (Some(l), Some(c)) => match super::catalog_entry(result) {
                    Some(entry) => format!("{l}:{c} entry {entry}"),
                    None => format!("{l}:{c}"),
                },
                (Some(l), None) => format!("line {l}, call {}", result.call.id),
                _ => format!("call {}", result.call.id),
            };
            let utterance = finding.utterance.and_then(|i| result.call.utterances.get(i));
            let mut body = format!("{}: {}", rule.title, rule.message);
            if let Some(span) = &finding.span {
                body.push_str(&format!(" 「{}」", span.text));
            }
            if let Some(detail) = &finding.detail {
                body.push_str(&format!("\n{detail}"));
            }
            if let Some(u) = utterance {
                body.push_str(&format!("\n{}: {}", u.role, u.text));
            }
            if let Some(help) = &rule.help {
                body.push_str(&format!("\n{}", help.trim_end()));
            }
            suite.cases.push(Case {
                name: format!("{} {place}", rule.id),
                line: location.line,
                kind: "failure",
                kind_type: format!("{} [{}]", rule.id, rule.severity.as_str()),
                message: rule.message.clone(),
                body,
            });
        }
        Ok(())
    }

    fn problem(&mut self, problem: &Problem) -> io::Result<()> {
        let what = problem.scope.skipped();
        let name = if problem.location.is_empty() {
            what.to_string()
        } else {
            format!("{what} ({})", problem.location)
        };
        self.suite(&problem.file).cases.push(Case {
            name,
            line: None,
            kind: "error",
            kind_type: what.to_string(),
            message: problem.reason.clone(),
            body: problem.reason.clone(),
        });
        Ok(())
    }

    fn finish(&mut self, _summary: &Summary) -> io::Result<()> {
        let count = |s: &Suite, kind: &str| s.cases.iter().filter(|c| c.kind == kind).count();
        let tests: usize = self.suites.iter().map(|s| s.cases.len().max(1)).sum();
        let failures: usize = self.suites.iter().map(|s| count(s, "failure")).sum();
        let errors: usize = self.suites.iter().map(|s| count(s, "error")).sum();
        let w = &mut self.out;
        writeln!(w, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
        writeln!(
            w,
            r#"<testsuites name="callint" tests="{tests}" failures="{failures}" errors="{errors}">"#
        )?;
        for suite in &self.suites {
            let name = xml_escape(&suite.name);
            writeln!(
                w,
                r#"  <testsuite name="{name}" tests="{}" failures="{}" errors="{}">"#,
                suite.cases.len().max(1),
                count(suite, "failure"),
                count(suite, "error")
            )?;
            if suite.cases.is_empty() {
                writeln!(
                    w,
                    r#"    <testcase name="callint" classname="{name}" file="{name}"/>"#
                )?;
            }
            for case in &suite.cases {
                let line = case.line.map_or(String::new(), |l| format!(r#" line="{l}""#));
                writeln!(
                    w,
                    r#"    <testcase name="{}" classname="{name}" file="{name}"{line}>"#,
                    xml_escape(&case.name)
                )?;
                writeln!(
                    w,
                    r#"      <{kind} type="{}" message="{}">{}</{kind}>"#,
                    xml_escape(&case.kind_type),
                    xml_escape(&case.message),
                    xml_escape(&case.body),
                    kind = case.kind
                )?;
                writeln!(w, "    </testcase>")?;
            }
            writeln!(w, "  </testsuite>")?;
        }
        writeln!(w, "</testsuites>")?;
        w.flush()
    }
}
