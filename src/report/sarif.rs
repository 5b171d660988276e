//! `sarif`: SARIF 2.1.0, as GitHub code scanning and other CI dashboards read it.
//!
//! One run, with every enabled rule as a `reportingDescriptor` (title, message,
//! recommended wording as help, consumer-right tags), `columnKind`
//! `unicodeCodePoints` (our columns count characters, which is what that
//! means), and a `partialFingerprints` entry per result that survives lines
//! moving (see [`crate::baseline::fingerprint`]). Problems met while reading
//! become `toolExecutionNotifications`.

use super::record::Location;
use super::{CallResult, Reporter, Summary};
use crate::baseline::fingerprint;
use crate::input::Problem;
use crate::rules::{Rule, RuleSet, Severity};
use serde_json::{json, Value};
use std::io::{self, Write};

/// The key of our fingerprint in `partialFingerprints`.
pub const FINGERPRINT_KEY: &str = "callint/v1";

/// `sarif`: one log written at the end of the run.
pub struct Sarif<'a> {
    rules: &'a RuleSet,
    out: Box<dyn Write + 'a>,
    results: Vec<Value>,
    notifications: Vec<Value>,
}

impl<'a> Sarif<'a> {
    /// Writes to `out` when the run finishes.
    pub fn new(rules: &'a RuleSet, out: Box<dyn Write + 'a>) -> Self {
        Sarif {
            rules,
            out,
            results: Vec::new(),
            notifications: Vec::new(),
        }
    }
}

/// SARIF's name for a severity.
pub fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// A relative URI reference for a file name: forward slashes, and everything
/// but unreserved characters and `/` percent-encoded (so Chinese file names
/// and spaces are valid URIs).
pub fn file_uri(file: &str) -> String {
    let path = crate::baseline::normalise_path(file);
    let mut uri = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            uri.push(b as char);
        } else {
            uri.push_str(&format!("%{b:02X}"));
        }
    }
    uri
}

fn descriptor(rule: &Rule) -> Value {
    let mut help_text = String::new();
    let mut help_md = String::new();
    help_text.push_str(&rule.message);
    help_md.push_str(&format!("**{}** — {}\n", rule.title, rule.message));
    if let Some(help) = &rule.help {
        help_text.push_str(&format!("\n{}", help.trim_end()));
        help_md.push_str(&format!("\n{}\n", help.trim_end()));
    }
    if let Some(why) = &rule.why {
        help_text.push_str(&format!("\n\n{}", why.trim_end()));
        help_md.push_str(&format!("\n### Why\n\n{}\n", why.trim_end()));
    }
    if !rule.references.is_empty() {
        help_text.push_str("\n\n");
        help_md.push_str("\n### References\n\n");
        for r in &rule.references {
            help_text.push_str(&format!("- {r}\n"));
            help_md.push_str(&format!("- {r}\n"));
        }
    }
    let mut tags = vec![rule.pack.clone()];
    tags.extend(rule.tags.iter().cloned());
    json!({
        "id": rule.id,
        "name": rule.title,
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": rule.message},
        "help": {"text": help_text.trim_end(), "markdown": help_md.trim_end()},
        "defaultConfiguration": {"level": level(rule.severity)},
        "properties": {"tags": tags, "pack": rule.pack},
    })
}

impl Reporter for Sarif<'_> {
    fn call(&mut self, result: &CallResult) -> io::Result<()> {
        for finding in &result.findings {
            let rule = &self.rules.rules[finding.rule];
            let location = Location::of(result, finding);
            let mut region = serde_json::Map::new();
            if let Some(line) = location.line {
                region.insert("startLine".into(), line.into());
                if let Some(col) = location.column {
                    region.insert("startColumn".into(), col.into());
                    if let Some(span) = &finding.span {
                        // A span never crosses a line in line-oriented files.
                        region.insert("endLine".into(), line.into());
                        region.insert("endColumn".into(), (col + span.char_end - span.char_start).into());
                    }
                }
                if let Some(span) = &finding.span {
                    region.insert("snippet".into(), json!({"text": span.text}));
                }
            }
            let mut physical = json!({"artifactLocation": {"uri": file_uri(&result.file)}});
            if !region.is_empty() {
                physical["region"] = Value::Object(region);
            }
            let mut quoted = finding
                .span
                .as_ref()
                .map_or(String::new(), |s| format!("「{}」", s.text));
            if let Some(detail) = &finding.detail {
                quoted.push_str(&format!(" ({detail})"));
            }
            let mut properties = json!({"call_id": result.call.id});
            if let Some(u) = finding.utterance.and_then(|i| result.call.utterances.get(i)) {
                properties["utterance"] = u.index.into();
                properties["role"] = u.role.as_str().into();
            }
            self.results.push(json!({
                "ruleId": rule.id,
                "ruleIndex": finding.rule,
                "level": level(rule.severity),
                "message": {"text": format!("{}: {}{quoted}", rule.title, rule.message)},
                "locations": [{"physicalLocation": physical}],
                "partialFingerprints": {FINGERPRINT_KEY: fingerprint(&rule.id, result, finding)},
                "properties": properties,
            }));
        }
        Ok(())
    }

    fn problem(&mut self, problem: &Problem) -> io::Result<()> {
        let what = problem.scope.skipped();
        let place = if problem.location.is_empty() {
            String::new()
        } else {
            format!(" ({})", problem.location)
        };
        self.notifications.push(json!({
            "level": "error",
            "message": {"text": format!("{what}{place}: {}", problem.reason)},
            "locations": [{"physicalLocation": {"artifactLocation": {"uri": file_uri(&problem.file)}}}],
        }));
        Ok(())
    }

    fn finish(&mut self, summary: &Summary) -> io::Result<()> {
        let rules: Vec<Value> = self.rules.rules.iter().map(descriptor).collect();
        let log = json!({
            "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
            "version": "2.1.0",
            "runs": [{
                "tool": {"driver": {
                    "name": "callint",
                    "version": env!("CARGO_PKG_VERSION"),
                    "semanticVersion": env!("CARGO_PKG_VERSION"),
                    "rules": rules,
                }},
                "invocations": [{
                    "executionSuccessful": !summary.had_problems(),
                    "toolExecutionNotifications": std::mem::take(&mut self.notifications),
                }],
                "columnKind": "unicodeCodePoints",
                "results": std::mem::take(&mut self.results),
            }],
        });
        serde_json::to_writer_pretty(&mut self.out, &log)?;
        self.out.write_all(b"\n")?;
        self.out.flush()
    }
}
