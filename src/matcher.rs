//! One pass over an utterance that finds every candidate hit of every rule.
//!
//! All phrases of all enabled rules — hit phrases and exception phrases alike —
//! go into a single Aho-Corasick automaton, so the cost of a scan barely grows
//! with the number of rules. Several rules may share a phrase; each automaton
//! pattern keeps the list of `(rule, kind)` owners it stands for. Regexes run
//! through one `RegexSet` per speaker role, so an utterance only pays for the
//! regexes that could apply to its speaker, and only the regexes the set says
//! match are run again to find where.
//!
//! The matcher knows nothing of boundaries, negation or exceptions: it reports
//! candidates, and `engine` decides.

use crate::digits::{detects, digit_runs};
use crate::model::Role;
use crate::rules::{Detector, RuleSet};
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};
use regex::{Regex, RegexSet};
use std::collections::HashMap;

/// Whether a candidate is evidence for a rule or a context that cancels it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HitKind {
    /// A phrase, pattern or detector hit.
    Hit,
    /// An exception phrase or pattern.
    Exception,
}

/// Where a hit came from; detectors and regexes need no token boundary check
/// of their own beyond what the rule says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// A literal phrase.
    Phrase,
    /// A regex.
    Pattern,
    /// A built-in detector.
    Detector,
}

/// A candidate in normalised-text byte offsets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawHit {
    /// Index of the rule in the rule set.
    pub rule: usize,
    /// Hit or exception.
    pub kind: HitKind,
    /// What produced it.
    pub source: Source,
    /// Start byte.
    pub start: usize,
    /// End byte.
    pub end: usize,
}

#[derive(Debug, Clone, Copy)]
struct Owner {
    rule: usize,
    kind: HitKind,
    agent: bool,
    customer: bool,
}

#[derive(Debug)]
struct RoleRegexes {
    set: RegexSet,
    /// Parallel to `set`: the regex and its owner.
    entries: Vec<(Regex, usize, HitKind)>,
}

/// The compiled search structures for a rule set.
#[derive(Debug)]
pub struct Matcher {
    automaton: Option<AhoCorasick>,
    owners: Vec<Vec<Owner>>,
    agent_regexes: RoleRegexes,
    customer_regexes: RoleRegexes,
    detectors: Vec<(usize, Detector, Role)>,
}

impl Matcher {
    /// Builds the automaton and regex sets for `rules`.
    pub fn new(rules: &RuleSet) -> Matcher {
        let mut index: HashMap<&str, usize> = HashMap::new();
        let mut phrases: Vec<&str> = Vec::new();
        let mut owners: Vec<Vec<Owner>> = Vec::new();
        for (i, rule) in rules.rules.iter().enumerate() {
            let agent = rule.applies_to(Role::Agent);
            let customer = rule.applies_to(Role::Customer);
            let tagged = rule
                .phrases
                .iter()
                .map(|p| (p, HitKind::Hit))
                .chain(rule.exception_phrases.iter().map(|p| (p, HitKind::Exception)));
            for (phrase, kind) in tagged {
                let id = *index.entry(phrase.as_str()).or_insert_with(|| {
                    phrases.push(phrase.as_str());
                    owners.push(Vec::new());
                    phrases.len() - 1
                });
                owners[id].push(Owner {
                    rule: i,
                    kind,
                    agent,
                    customer,
                });
            }
        }
        let automaton = (!phrases.is_empty()).then(|| {
            AhoCorasickBuilder::new()
                .match_kind(MatchKind::Standard)
                .kind(Some(AhoCorasickKind::DFA))
                .build(&phrases)
                .expect("normalised phrases are non-empty and few enough for a DFA")
        });
        let detectors = rules
            .rules
            .iter()
            .enumerate()
            .flat_map(|(i, r)| r.detector.map(|d| r.roles.iter().map(move |&role| (i, d, role))))
            .flatten()
            .collect();
        Matcher {
            automaton,
            owners,
            agent_regexes: RoleRegexes::new(rules, Role::Agent),
            customer_regexes: RoleRegexes::new(rules, Role::Customer),
            detectors,
        }
    }

    /// Appends every candidate in `text` spoken by `role` to `out`.
    pub fn scan(&self, role: Role, text: &str, out: &mut Vec<RawHit>) {
        if let Some(ac) = &self.automaton {
            for m in ac.find_overlapping_iter(text) {
                for owner in &self.owners[m.pattern().as_usize()] {
                    let applies = match role {
                        Role::Agent => owner.agent,
                        Role::Customer => owner.customer,
                    };
                    if applies {
                        out.push(RawHit {
                            rule: owner.rule,
                            kind: owner.kind,
                            source: Source::Phrase,
                            start: m.start(),
                            end: m.end(),
                        });
                    }
                }
            }
        }
        let regexes = match role {
            Role::Agent => &self.agent_regexes,
            Role::Customer => &self.customer_regexes,
        };
        regexes.scan(text, out);
        self.scan_detectors(role, text, out);
    }

    fn scan_detectors(&self, role: Role, text: &str, out: &mut Vec<RawHit>) {
        if !self.detectors.iter().any(|d| d.2 == role)
            || !text.chars().any(|c| c.is_ascii_digit() || c > '\u{3000}')
        {
            return;
        }
        for run in digit_runs(text, 11) {
            for &(rule, detector, r) in &self.detectors {
                if r == role && detects(detector, &run.digits) {
                    out.push(RawHit {
                        rule,
                        kind: HitKind::Hit,
                        source: Source::Detector,
                        start: run.start,
                        end: run.end,
                    });
                }
            }
        }
    }
}

impl RoleRegexes {
    fn new(rules: &RuleSet, role: Role) -> RoleRegexes {
        let entries: Vec<(Regex, usize, HitKind)> = rules
            .rules
            .iter()
            .enumerate()
            .filter(|(_, r)| r.applies_to(role))
            .flat_map(|(i, r)| {
                let hits = r.patterns.iter().map(move |re| (re.clone(), i, HitKind::Hit));
                let exceptions = r
                    .exception_patterns
                    .iter()
                    .map(move |re| (re.clone(), i, HitKind::Exception));
                hits.chain(exceptions)
            })
            .collect();
        let set = RegexSet::new(entries.iter().map(|(re, _, _)| re.as_str()))
            .expect("each regex compiled on its own when the pack was loaded");
        RoleRegexes { set, entries }
    }

    fn scan(&self, text: &str, out: &mut Vec<RawHit>) {
        if self.entries.is_empty() {
            return;
        }
        for i in self.set.matches(text).iter() {
            let (re, rule, kind) = &self.entries[i];
            for m in re.find_iter(text) {
                out.push(RawHit {
                    rule: *rule,
                    kind: *kind,
                    source: Source::Pattern,
                    start: m.start(),
                    end: m.end(),
                });
            }
        }
    }
}
