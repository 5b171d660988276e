//! The gate between the linter and the reporter: per-path ignores, inline
//! suppressions and the baseline decide which findings a run reports, and the
//! counts the exit code is computed from are the counts of what was reported.
//!
//! It wraps any reporter, so every output format sees the same findings and
//! the exit code never depends on the format.
//!
//! Suppressions are per file. Calls of one file reach the gate one after the
//! other (a script file is one call, a catalog one call per entry), so the
//! gate reads a file's `callint:` comments when its first call arrives, and
//! when the file is done it reports the comments that suppressed nothing or
//! cannot be used, as one extra call of that file.

use crate::baseline::{Baseline, Budget};
use crate::config::Config;
use crate::engine::{Finding, Span};
use crate::input::{self, Input, Problem};
use crate::model::{Call, Role, Utterance};
use crate::report::{CallResult, FindingCounts, Reporter, Summary};
use crate::rules::RuleSet;
use crate::suppress::{self, Directive, Scope};
use std::io::{self, Read};
use std::path::PathBuf;
use std::sync::Arc;

/// Options of the gate.
#[derive(Debug, Default)]
pub struct GateOptions {
    /// Honour `# callint:` comments in line-oriented files.
    pub suppressions: bool,
    /// Drop findings this baseline records.
    pub baseline: Option<Baseline>,
    /// Record the findings into a new baseline.
    pub write_baseline: bool,
    /// `(id, pack)` of every loaded rule, enabled or not, to tell a code that
    /// names no rule from one whose rule is switched off in this run.
    pub known: Vec<(String, String)>,
    /// The config, for `per-path-ignores`.
    pub config: Option<Config>,
}

/// The `callint:` comments of the file being reported.
struct FileDirectives {
    file: Arc<str>,
    directives: Vec<Directive>,
    /// Per directive, per code: whether it suppressed something.
    used: Vec<Vec<bool>>,
    /// The file's lines, for the comments' columns.
    lines: Vec<String>,
}

/// A reporter that filters findings before the real one sees them.
pub struct Gate<'a> {
    rules: &'a RuleSet,
    inner: Box<dyn Reporter + 'a>,
    suppressions: bool,
    known: Vec<(String, String)>,
    budget: Option<Budget>,
    record: Option<Baseline>,
    counts: FindingCounts,
    unused_rule: Option<usize>,
    invalid_rule: Option<usize>,
    config: Option<Config>,
    /// `per-path-ignores` of the last file seen.
    path_ignores: Option<(Arc<str>, Vec<String>)>,
    /// The file whose suppressions are being applied (`None` inside: it has none).
    current: Option<(Arc<str>, Option<FileDirectives>)>,
}

impl<'a> Gate<'a> {
    /// Wraps `inner`; `rules` are the enabled rules.
    pub fn new(rules: &'a RuleSet, inner: Box<dyn Reporter + 'a>, options: GateOptions) -> Self {
        let position = |id: &str| rules.rules.iter().position(|r| r.id == id);
        Gate {
            rules,
            inner,
            suppressions: options.suppressions,
            known: options.known,
            budget: options.baseline.as_ref().map(Baseline::budget),
            record: options.write_baseline.then(Baseline::default),
            counts: FindingCounts::default(),
            unused_rule: position(suppress::UNUSED),
            invalid_rule: position(suppress::INVALID),
            config: options.config.filter(|c| c.file.per_path_ignores.is_some()),
            path_ignores: None,
            current: None,
        }
    }

    /// Findings reported, by severity.
    pub fn counts(&self) -> &FindingCounts {
        &self.counts
    }

    /// The baseline recorded with `write_baseline`.
    pub fn take_baseline(&mut self) -> Option<Baseline> {
        self.record.take()
    }

    fn known(&self, code: &str) -> bool {
        self.known
            .iter()
            .any(|(id, pack)| suppress::covers(code, id, pack))
    }

    fn enabled(&self, code: &str) -> bool {
        self.rules
            .rules
            .iter()
            .any(|r| r.pack != "callint" && suppress::covers(code, &r.id, &r.pack))
    }

    /// Drops the findings of rules that `per-path-ignores` switch off for this file.
    fn ignore_by_path(&mut self, result: &CallResult) -> Option<CallResult> {
        let config = self.config.as_ref()?;
        if self.path_ignores.as_ref().is_none_or(|(f, _)| *f != result.file) {
            self.path_ignores = Some((result.file.clone(), config.path_ignores(&result.file)));
        }
        let codes = &self.path_ignores.as_ref()?.1;
        if codes.is_empty() || result.findings.is_empty() {
            return None;
        }
        let rules = self.rules;
        let findings = result
            .findings
            .iter()
            .filter(|f| {
                let rule = &rules.rules[f.rule];
                !codes.iter().any(|c| suppress::covers(c, &rule.id, &rule.pack))
            })
            .cloned()
            .collect();
        Some(with_findings(result, findings))
    }

    /// Starts a new file: reports what the previous file's comments left over
    /// and reads this one's.
    fn enter(&mut self, result: &CallResult) -> io::Result<()> {
        if self.current.as_ref().is_some_and(|(f, _)| *f == result.file) {
            return Ok(());
        }
        self.leave()?;
        let line_oriented = result.call.utterances.iter().any(|u| u.line.is_some());
        let directives = if &*result.file == "<stdin>" || !line_oriented {
            None
        } else {
            read_text(&result.file).and_then(|text| {
                if !text.contains("callint:") {
                    return None;
                }
                let directives = suppress::scan(&text);
                (!directives.is_empty()).then(|| FileDirectives {
                    file: result.file.clone(),
                    used: directives.iter().map(|d| vec![false; d.codes.len()]).collect(),
                    directives,
                    lines: text.lines().map(String::from).collect(),
                })
            })
        };
        self.current = Some((result.file.clone(), directives));
        Ok(())
    }

    /// Applies the current file's comments to one call's findings.
    fn suppress(&mut self, result: &CallResult) -> Option<CallResult> {
        let file = self.current.as_mut()?.1.as_mut()?;
        let rules = self.rules;
        let mut findings = Vec::with_capacity(result.findings.len());
        for finding in &result.findings {
            let rule = &rules.rules[finding.rule];
            let line = finding
                .utterance
                .and_then(|i| result.call.utterances.get(i))
                .and_then(|u| u.line);
            let mut suppressed = false;
            for (d, directive) in file.directives.iter().enumerate() {
                let applies = directive.error.is_none()
                    && match directive.scope {
                        Some(Scope::File) => true,
                        Some(Scope::Line(l)) => line == Some(l),
                        None => false,
                    };
                if !applies {
                    continue;
                }
                for (c, (code, _)) in directive.codes.iter().enumerate() {
                    if suppress::covers(code, &rule.id, &rule.pack) {
                        file.used[d][c] = true;
                        suppressed = true;
                    }
                }
            }
            if !suppressed {
                findings.push(finding.clone());
            }
        }
        (findings.len() != result.findings.len()).then(|| with_findings(result, findings))
    }

    /// Ends the current file: its unused and invalid comments become findings.
    fn leave(&mut self) -> io::Result<()> {
        let Some((_, Some(file))) = self.current.take() else {
            return Ok(());
        };
        let mut call = Call {
            id: file.file.to_string(),
            script: true,
            ..Call::default()
        };
        let mut findings = Vec::new();
        for (d, directive) in file.directives.iter().enumerate() {
            let mut spans: Vec<(usize, (usize, usize), String)> = Vec::new();
            if let Some(error) = &directive.error {
                if let Some(rule) = self.invalid_rule {
                    spans.push((rule, (0, directive.comment.len()), error.clone()));
                }
            } else {
                for (c, (code, range)) in directive.codes.iter().enumerate() {
                    if !self.known(code) {
                        let why = format!("`{code}` is no rule id, id prefix or pack");
                        spans.extend(self.invalid_rule.map(|rule| (rule, *range, why)));
                    } else if !file.used[d][c] && self.enabled(code) {
                        let why = format!("nothing of `{code}` was found where this comment applies");
                        spans.extend(self.unused_rule.map(|rule| (rule, *range, why)));
                    }
                }
            }
            if spans.is_empty() {
                continue;
            }
            let index = call.utterances.len();
            let line = file.lines.get(directive.line - 1).map(String::as_str);
            call.utterances.push(directive_utterance(index, directive, line));
            for (rule, (start, end), why) in spans {
                findings.push(Finding {
                    rule,
                    utterance: Some(index),
                    span: Some(Span::from_bytes(&directive.comment, start, end)),
                    detail: Some(why),
                });
            }
        }
        if findings.is_empty() {
            return Ok(());
        }
        let result = CallResult {
            file: file.file.clone(),
            record_line: None,
            call,
            findings,
        };
        self.report(&result)
    }

    /// Baseline, counts, and the real reporter.
    fn report(&mut self, result: &CallResult) -> io::Result<()> {
        if let Some(baseline) = &mut self.record {
            for finding in &result.findings {
                baseline.record(self.rules, result, finding);
            }
        }
        let mut filtered = None;
        if let Some(budget) = &mut self.budget {
            let keep: Vec<bool> = result
                .findings
                .iter()
                .map(|f| !budget.absorbs(self.rules, result, f))
                .collect();
            if keep.contains(&false) {
                let findings = result
                    .findings
                    .iter()
                    .zip(&keep)
                    .filter(|(_, &k)| k)
                    .map(|(f, _)| f.clone())
                    .collect();
                filtered = Some(with_findings(result, findings));
            }
        }
        let result = filtered.as_ref().unwrap_or(result);
        for finding in &result.findings {
            self.counts.add(self.rules.rules[finding.rule].severity);
        }
        self.inner.call(result)
    }
}

fn with_findings(result: &CallResult, findings: Vec<Finding>) -> CallResult {
    CallResult {
        file: result.file.clone(),
        record_line: result.record_line,
        call: result.call.clone(),
        findings,
    }
}

/// The comment of a directive as an utterance, so every format can point at it.
fn directive_utterance(index: usize, directive: &Directive, line: Option<&str>) -> Utterance {
    let column = line.map_or(1, |l| l[..directive.byte.min(l.len())].chars().count() + 1);
    Utterance {
        index,
        role: Role::Agent,
        text: directive.comment.clone(),
        start: None,
        end: None,
        line: Some(directive.line),
        column: Some(column),
    }
}

fn read_text(file: &str) -> Option<String> {
    let mut bytes = Vec::new();
    input::open(&Input::File(PathBuf::from(file)))
        .and_then(|mut r| r.read_to_end(&mut bytes))
        .ok()?;
    Some(String::from_utf8_lossy(&bytes).into_owned())
}

impl Reporter for Gate<'_> {
    fn call(&mut self, result: &CallResult) -> io::Result<()> {
        let by_path = self.ignore_by_path(result);
        let result = by_path.as_ref().unwrap_or(result);
        if !self.suppressions {
            return self.report(result);
        }
        self.enter(result)?;
        match self.suppress(result) {
            Some(kept) => self.report(&kept),
            None => self.report(result),
        }
    }

    fn problem(&mut self, problem: &Problem) -> io::Result<()> {
        self.inner.problem(problem)
    }

    fn batch_end(&mut self) -> io::Result<()> {
        self.inner.batch_end()
    }

    fn finish(&mut self, summary: &Summary) -> io::Result<()> {
        self.leave()?;
        let mut summary = summary.clone();
        summary.findings = self.counts.clone();
        self.inner.finish(&summary)
    }
}
