//! `callint merge`: many runs' `--format jsonl` output (a folder of part files,
//! as a Spark job or a shell loop writes it) combined into what one run over
//! all the inputs would have printed: the `json` document, the
//! `--statistics` table as JSON, or the summary alone.
//!
//! Lines are told apart by their `type` field (`docs/output.md`): none for a
//! finding, `call`, `problem` and `summary` for the lines of
//! `--emit-call-summary`. Parts written without that option still merge;
//! the summary then has only the findings' counts.

use crate::input::{self, Input};
use crate::report::Summary;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::io::{self, BufRead, Write};
use std::path::{Path, PathBuf};

/// What `merge` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum MergeFormat {
    /// The `--format json` document: findings, problems, summary, calls by agent.
    Json,
    /// `--statistics --format json`: findings per rule, most first.
    Statistics,
    /// The summary object alone.
    Summary,
}

/// Counts of one rule.
#[derive(Debug, Default, Clone)]
struct RuleCount {
    count: usize,
    severity: Value,
    title: Value,
    pack: Value,
}

/// Everything read from the parts.
#[derive(Debug, Default)]
pub struct Merged {
    /// Part files read.
    pub parts: usize,
    /// Finding records (kept only for the `json` format).
    pub findings: Vec<Value>,
    /// Problem records.
    pub problems: Vec<Value>,
    /// The summary of all the runs.
    pub summary: Summary,
    /// Calls per agent, from the call lines.
    pub calls_by_agent: BTreeMap<String, usize>,
    by_rule: BTreeMap<String, RuleCount>,
    call_lines: usize,
    call_utterances: usize,
    summary_lines: usize,
    keep_findings: bool,
}

/// The part files under `paths`: files as given, folders walked in name
/// order, leaving out names starting with `_` or `.` (`_SUCCESS`, `.crc`
/// files) and Parquet files.
pub fn part_files(paths: &[PathBuf]) -> io::Result<Vec<PathBuf>> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> io::Result<()> {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)?
            .map(|e| e.map(|e| e.path()))
            .collect::<io::Result<_>>()?;
        entries.sort();
        for path in entries {
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            if name.starts_with(['_', '.']) || name.ends_with(".parquet") {
                continue;
            }
            if path.is_dir() {
                walk(&path, out)?;
            } else {
                out.push(path);
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    for path in paths {
        if path.is_dir() {
            walk(path, &mut out)?;
        } else {
            out.push(path.clone());
        }
    }
    Ok(out)
}

fn count(v: &Value, key: &str) -> usize {
    v.get(key).and_then(Value::as_u64).unwrap_or(0) as usize
}

impl Merged {
    /// Reads every part under `paths`; `keep_findings` keeps the finding
    /// records themselves (for the `json` document).
    pub fn read(paths: &[PathBuf], keep_findings: bool) -> Result<Merged, String> {
        let mut merged = Merged {
            keep_findings,
            ..Merged::default()
        };
        for path in part_files(paths).map_err(|e| format!("cannot list the parts: {e}"))? {
            let name = path.display().to_string();
            let reader = input::open(&Input::File(path)).map_err(|e| format!("cannot read {name}: {e}"))?;
            merged.parts += 1;
            for (n, line) in reader.lines().enumerate() {
                let line = line.map_err(|e| format!("{name}:{}: {e}", n + 1))?;
                if line.trim().is_empty() {
                    continue;
                }
                let value: Value = serde_json::from_str(&line)
                    .map_err(|e| format!("{name}:{}: not a JSON line: {e}", n + 1))?;
                merged.add(value).map_err(|e| format!("{name}:{}: {e}", n + 1))?;
            }
        }
        merged.finish();
        Ok(merged)
    }

    fn add(&mut self, value: Value) -> Result<(), String> {
        match value.get("type").and_then(Value::as_str) {
            None if value.get("rule").is_some() => self.finding(value),
            None => return Err("neither a finding nor a line of --emit-call-summary".into()),
            Some("call") => {
                self.call_lines += 1;
                self.call_utterances += count(&value, "utterances");
                if let Some(agent) = value.get("agent_id").and_then(Value::as_str) {
                    *self.calls_by_agent.entry(agent.to_string()).or_default() += 1;
                }
            }
            Some("problem") => {
                let mut problem = value;
                if let Some(map) = problem.as_object_mut() {
                    map.remove("type");
                }
                self.problems.push(problem);
            }
            Some("summary") => self.add_summary(&value),
            Some(other) => return Err(format!("unknown line type `{other}`")),
        }
        Ok(())
    }

    fn finding(&mut self, value: Value) {
        let rule = value["rule"].as_str().unwrap_or_default().to_string();
        let entry = self.by_rule.entry(rule).or_insert_with(|| RuleCount {
            count: 0,
            severity: value.get("severity").cloned().unwrap_or(Value::Null),
            title: value.get("title").cloned().unwrap_or(Value::Null),
            pack: value.get("pack").cloned().unwrap_or(Value::Null),
        });
        entry.count += 1;
        let findings = &mut self.summary.findings;
        match value.get("severity").and_then(Value::as_str) {
            Some("error") => findings.error += 1,
            Some("warning") => findings.warning += 1,
            _ => findings.info += 1,
        }
        if self.keep_findings {
            self.findings.push(value);
        }
    }

    fn add_summary(&mut self, v: &Value) {
        self.summary_lines += 1;
        let s = &mut self.summary;
        s.files += count(v, "files");
        s.calls += count(v, "calls");
        s.utterances += count(v, "utterances");
        s.timing_skipped_calls += count(v, "timing_skipped_calls");
        s.elapsed_ms += count(v, "elapsed_ms") as u128;
        if let Some(skipped) = v.get("skipped") {
            s.skipped.files += count(skipped, "files");
            s.skipped.records += count(skipped, "records");
            s.skipped.utterances += count(skipped, "utterances");
        }
        for (reason, n) in v
            .get("skipped_reasons")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            *s.skipped_reasons.entry(reason.clone()).or_default() += n.as_u64().unwrap_or(0) as usize;
        }
    }

    /// Without summary lines, the summary is made from the call and problem lines.
    fn finish(&mut self) {
        if self.summary_lines > 0 {
            return;
        }
        let s = &mut self.summary;
        s.files = self.parts;
        s.calls = self.call_lines;
        s.utterances = self.call_utterances;
        for problem in &self.problems {
            match problem.get("skipped").and_then(Value::as_str) {
                Some("file") => s.skipped.files += 1,
                Some("record") => s.skipped.records += 1,
                _ => s.skipped.utterances += 1,
            }
            let reason = problem.get("reason").and_then(Value::as_str).unwrap_or_default();
            let cut = reason.find([':', '(']).unwrap_or(reason.len());
            *s.skipped_reasons
                .entry(reason[..cut].trim().to_string())
                .or_default() += 1;
        }
    }

    /// Findings per rule as `check --statistics --format json` prints them.
    pub fn statistics(&self) -> Value {
        let mut rows: Vec<(&String, &RuleCount)> = self.by_rule.iter().collect();
        rows.sort_by(|a, b| b.1.count.cmp(&a.1.count).then_with(|| a.0.cmp(b.0)));
        Value::Array(
            rows.into_iter()
                .map(|(rule, c)| {
                    serde_json::json!({
                        "rule": rule, "count": c.count, "severity": c.severity,
                        "title": c.title, "pack": c.pack,
                    })
                })
                .collect(),
        )
    }

    /// Writes the merge in `format`.
    pub fn write(self, format: MergeFormat, out: &mut dyn Write) -> io::Result<()> {
        let value = match format {
            MergeFormat::Statistics => self.statistics(),
            MergeFormat::Summary => serde_json::to_value(&self.summary)?,
            MergeFormat::Json => {
                let mut doc = Map::new();
                doc.insert("version".into(), 1.into());
                doc.insert("findings".into(), Value::Array(self.findings));
                doc.insert("problems".into(), Value::Array(self.problems));
                doc.insert("summary".into(), serde_json::to_value(&self.summary)?);
                if self.call_lines > 0 {
                    doc.insert(
                        "calls_by_agent".into(),
                        serde_json::to_value(&self.calls_by_agent)?,
                    );
                }
                Value::Object(doc)
            }
        };
        serde_json::to_writer_pretty(&mut *out, &value)?;
        out.write_all(b"\n")?;
        out.flush()
    }
}
