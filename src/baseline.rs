//! Fingerprints and baselines: adopting callint on a script library that
//! already has findings without fixing them all first.
//!
//! A finding's fingerprint is a hash of its rule id, the normalised matched
//! text and the normalised content of the utterance, so it does not change
//! when lines are inserted above it, when the file is re-indented or when the
//! utterance moves within the file. It does change when the words change,
//! which is when a reviewer should look again.
//!
//! `--write-baseline FILE` records every finding of a run; `--baseline FILE`
//! then drops the findings it records and reports only new ones. A baseline is
//! a multiset per file: if the baseline has a fingerprint twice and the run
//! finds it three times, one of the three is new.

use crate::engine::Finding;
use crate::normalize::Normalized;
use crate::report::CallResult;
use crate::rules::RuleSet;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::io;
use std::path::Path;

/// FNV-1a, 64 bits: tiny, stable across platforms and releases.
fn fnv1a(bytes: &[u8], mut hash: u64) -> u64 {
    for &b in bytes {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

/// The fingerprint of `finding` of rule `rule_id`: 16 hex digits.
///
/// Built from the rule id, the normalised matched text and the normalised
/// utterance (the call id for a finding about the whole call); never from
/// line numbers or file names.
pub fn fingerprint(rule_id: &str, result: &CallResult, finding: &Finding) -> String {
    let utterance = finding.utterance.and_then(|i| result.call.utterances.get(i));
    let matched = finding
        .span
        .as_ref()
        .map(|s| Normalized::new(&s.text).text().to_string())
        .unwrap_or_default();
    let context = match utterance {
        Some(u) => Normalized::new(&u.text).text().to_string(),
        None => result.call.id.clone(),
    };
    let mut h = 0xcbf2_9ce4_8422_2325;
    for part in [rule_id.as_bytes(), matched.as_bytes(), context.as_bytes()] {
        h = fnv1a(part, h);
        h = fnv1a(&[0xff], h);
    }
    format!("{h:016x}")
}

/// One recorded finding.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct Entry {
    /// Rule id.
    pub rule: String,
    /// Fingerprint.
    pub fingerprint: String,
    /// The matched text, for people reading the file.
    #[serde(default)]
    pub text: Option<String>,
}

/// A baseline file: `{"version": 1, "files": {"path": [entries]}}`.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    /// Format version.
    pub version: u32,
    /// Findings by file.
    pub files: BTreeMap<String, Vec<Entry>>,
}

impl Baseline {
    /// Reads a baseline written by `--write-baseline`.
    pub fn read(path: &Path) -> Result<Baseline, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read baseline {}: {e}", path.display()))?;
        let baseline: Baseline = serde_json::from_str(&text)
            .map_err(|e| format!("{} is not a callint baseline: {e}", path.display()))?;
        if baseline.version != 1 {
            return Err(format!(
                "{}: baseline version {} is not supported (expected 1)",
                path.display(),
                baseline.version
            ));
        }
        Ok(baseline)
    }

    /// Writes the baseline, sorted, so it diffs well in review.
    pub fn write(&mut self, path: &Path) -> io::Result<()> {
        self.version = 1;
        for entries in self.files.values_mut() {
            entries.sort();
        }
        let mut text = serde_json::to_string_pretty(self)?;
        text.push('\n');
        std::fs::write(path, text)
    }

    /// Records a finding.
    pub fn record(&mut self, rules: &RuleSet, result: &CallResult, finding: &Finding) {
        let id = &rules.rules[finding.rule].id;
        self.files
            .entry(normalise_path(&result.file))
            .or_default()
            .push(Entry {
                rule: id.clone(),
                fingerprint: fingerprint(id, result, finding),
                text: finding.span.as_ref().map(|s| s.text.clone()),
            });
    }

    /// The remaining budget of each (file, fingerprint), consumed by [`Budget::absorbs`].
    pub fn budget(&self) -> Budget {
        let mut left = HashMap::new();
        for (file, entries) in &self.files {
            for e in entries {
                *left
                    .entry((file.clone(), e.fingerprint.clone()))
                    .or_insert(0usize) += 1;
            }
        }
        Budget { left }
    }
}

/// What a baseline still allows during a run.
#[derive(Debug, Default)]
pub struct Budget {
    left: HashMap<(String, String), usize>,
}

impl Budget {
    /// Whether the baseline covers this finding (and uses up one entry).
    pub fn absorbs(&mut self, rules: &RuleSet, result: &CallResult, finding: &Finding) -> bool {
        let id = &rules.rules[finding.rule].id;
        let key = (normalise_path(&result.file), fingerprint(id, result, finding));
        match self.left.get_mut(&key) {
            Some(n) if *n > 0 => {
                *n -= 1;
                true
            }
            _ => false,
        }
    }
}

/// Paths as recorded: forward slashes, no leading `./`.
pub fn normalise_path(path: &str) -> String {
    let p = path.replace('\\', "/");
    p.strip_prefix("./").unwrap_or(&p).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Span;
    use crate::model::{Call, Role, Utterance};

    fn result(text: &str, line: usize) -> CallResult {
        let mut u = Utterance::new(Role::Agent, text);
        u.line = Some(line);
        CallResult {
            file: "a.txt".into(),
            record_line: None,
            call: Call {
                id: "a.txt".into(),
                utterances: vec![u],
                ..Call::default()
            },
            findings: Vec::new(),
        }
    }

    #[test]
    fn fingerprints_ignore_lines_and_spelling_variants_but_not_words() {
        let finding = |text: &str| Finding {
            rule: 0,
            utterance: Some(0),
            span: Some(Span::from_bytes(text, 0, text.len())),
            detail: None,
        };
        let a = fingerprint("X-001", &result("保本保息", 3), &finding("保本保息"));
        let b = fingerprint("X-001", &result("保本保息", 30), &finding("保本保息"));
        let c = fingerprint("X-001", &result("保 本 保 息", 3), &finding("保 本 保 息"));
        let d = fingerprint("X-002", &result("保本保息", 3), &finding("保本保息"));
        assert_eq!(a, b);
        assert_eq!(a, c);
        assert_ne!(a, d);
        assert_eq!(a.len(), 16);
    }
}
