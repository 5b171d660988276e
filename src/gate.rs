//! The gate between the linter and the reporter: inline suppressions and the
//! baseline decide which findings a run reports, and the counts the exit code
//! is computed from are the counts of what was reported.
//!
//! It wraps any reporter, so every output format sees the same findings and
//! the exit code never depends on the format.

use crate::baseline::{Baseline, Budget};
use crate::config::Config;
use crate::engine::{Finding, Span};
use crate::input::{self, Input, Problem};
use crate::model::{Role, Utterance};
use crate::report::{CallResult, FindingCounts, Reporter, Summary};
use crate::rules::RuleSet;
use crate::suppress::{self, Directive, Scope};
use std::io::{self, Read};
use std::path::PathBuf;

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
    /// `per-path-ignores` of the last file seen (calls of a file come together).
    path_ignores: Option<(std::sync::Arc<str>, Vec<String>)>,
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

    /// Applies the file's directives; `None` when the file has none.
    fn suppress(&self, result: &CallResult) -> Option<CallResult> {
        if &*result.file == "<stdin>" || !result.call.utterances.iter().any(|u| u.line.is_some()) {
            return None;
        }
        let text = read_text(&result.file)?;
        if !text.contains("callint:") {
            return None;
        }
        let directives = suppress::scan(&text);
        if directives.is_empty() {
            return None;
        }
        let mut used: Vec<Vec<bool>> = directives.iter().map(|d| vec![false; d.codes.len()]).collect();
        let mut findings = Vec::with_capacity(result.findings.len());
        for finding in &result.findings {
            let rule = &self.rules.rules[finding.rule];
            let line = finding
                .utterance
                .and_then(|i| result.call.utterances.get(i))
                .and_then(|u| u.line);
            let mut suppressed = false;
            for (d, directive) in directives.iter().enumerate() {
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
                        used[d][c] = true;
                        suppressed = true;
                    }
                }
            }
            if !suppressed {
                findings.push(finding.clone());
            }
        }
        let mut call = result.call.clone();
        let lines: Vec<&str> = text.lines().collect();
        for (d, directive) in directives.iter().enumerate() {
            let mut spans: Vec<(usize, (usize, usize))> = Vec::new();
            if directive.error.is_some() {
                if let Some(rule) = self.invalid_rule {
                    spans.push((rule, (0, directive.comment.len())));
                }
            } else {
                for (c, (code, range)) in directive.codes.iter().enumerate() {
                    if !self.known(code) {
                        if let Some(rule) = self.invalid_rule {
                            spans.push((rule, *range));
                        }
                    } else if !used[d][c] && self.enabled(code) {
                        if let Some(rule) = self.unused_rule {
                            spans.push((rule, *range));
                        }
                    }
                }
            }
            if spans.is_empty() {
                continue;
            }
            let index = call.utterances.len();
            call.utterances.push(directive_utterance(
                index,
                directive,
                lines.get(directive.line - 1),
            ));
            for (rule, (start, end)) in spans {
                findings.push(Finding {
                    rule,
                    utterance: Some(index),
                    span: Some(Span::from_bytes(&directive.comment, start, end)),
                    detail: None,
                });
            }
        }
        findings.sort_by_key(|f| {
            let u = f.utterance.and_then(|i| call.utterances.get(i));
            (
                u.and_then(|u| u.line).unwrap_or(0),
                f.span.as_ref().map_or(0, |s| s.char_start),
            )
        });
        Some(CallResult {
            file: result.file.clone(),
            record_line: result.record_line,
            call,
            findings,
        })
    }
}

/// The comment of a directive as an utterance, so every format can point at it.
fn directive_utterance(index: usize, directive: &Directive, line: Option<&&str>) -> Utterance {
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

impl Gate<'_> {
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
        Some(CallResult {
            file: result.file.clone(),
            record_line: result.record_line,
            call: result.call.clone(),
            findings,
        })
    }
}

impl Reporter for Gate<'_> {
    fn call(&mut self, result: &CallResult) -> io::Result<()> {
        let by_path = self.ignore_by_path(result);
        let result = by_path.as_ref().unwrap_or(result);
        let mut changed = if self.suppressions {
            self.suppress(result)
        } else {
            None
        };
        let current = changed.as_ref().unwrap_or(result);
        if let Some(baseline) = &mut self.record {
            for finding in &current.findings {
                baseline.record(self.rules, current, finding);
            }
        }
        if let Some(budget) = &mut self.budget {
            let keep: Vec<bool> = current
                .findings
                .iter()
                .map(|f| !budget.absorbs(self.rules, current, f))
                .collect();
            if keep.contains(&false) {
                let findings = current
                    .findings
                    .iter()
                    .zip(&keep)
                    .filter(|(_, &k)| k)
                    .map(|(f, _)| f.clone())
                    .collect();
                changed = Some(CallResult {
                    file: current.file.clone(),
                    record_line: current.record_line,
                    call: current.call.clone(),
                    findings,
                });
            }
        }
        let current = changed.as_ref().unwrap_or(result);
        for finding in &current.findings {
            self.counts.add(self.rules.rules[finding.rule].severity);
        }
        self.inner.call(current)
    }

    fn problem(&mut self, problem: &Problem) -> io::Result<()> {
        self.inner.problem(problem)
    }

    fn finish(&mut self, summary: &Summary) -> io::Result<()> {
        let mut summary = summary.clone();
        summary.findings = self.counts.clone();
        self.inner.finish(&summary)
    }
}
