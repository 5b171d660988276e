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
use crate::literals::required_literals;
use crate::model::Role;
use crate::normalize::Normalized;
use crate::rules::{Detector, RuleSet};
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};
use regex::{Regex, RegexSet};
use std::collections::HashMap;

/// The shortest number a detector looks for: an 11-digit mobile number.
const MIN_NUMBER_DIGITS: usize = 11;

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

/// What an automaton pattern stands for.
#[derive(Debug, Clone, Copy)]
enum Owner {
    /// A rule's phrase or exception phrase.
    Phrase {
        rule: usize,
        kind: HitKind,
        agent: bool,
        customer: bool,
    },
    /// A required literal of regex `regex`: the regex may match here.
    Trigger { regex: usize },
}

/// A rule's regex and whom it applies to.
#[derive(Debug)]
struct RegexEntry {
    regex: Regex,
    rule: usize,
    kind: HitKind,
    agent: bool,
    customer: bool,
}

impl RegexEntry {
    fn applies_to(&self, role: Role) -> bool {
        match role {
            Role::Agent => self.agent,
            Role::Customer => self.customer,
        }
    }
}

/// Regexes without required literals, run on every utterance of a role.
#[derive(Debug)]
struct UntriggeredRegexes {
    set: RegexSet,
    /// Parallel to `set`: indices into `Matcher::regexes`.
    entries: Vec<usize>,
}

/// The compiled search structures for a rule set.
#[derive(Debug)]
pub struct Matcher {
    automaton: Option<AhoCorasick>,
    owners: Vec<Vec<Owner>>,
    regexes: Vec<RegexEntry>,
    agent_untriggered: UntriggeredRegexes,
    customer_untriggered: UntriggeredRegexes,
    detectors: Vec<(usize, Detector, Role)>,
}

impl Matcher {
    /// Builds the automaton and regex sets for `rules`.
    pub fn new(rules: &RuleSet) -> Matcher {
        let mut patterns = PatternTable::default();
        let mut regexes = Vec::new();
        for (i, rule) in rules.rules.iter().enumerate() {
            let agent = rule.applies_to(Role::Agent);
            let customer = rule.applies_to(Role::Customer);
            let phrases = (rule.phrases.iter().map(|p| (p, HitKind::Hit)))
                .chain(rule.exception_phrases.iter().map(|p| (p, HitKind::Exception)));
            for (phrase, kind) in phrases {
                patterns.add(
                    phrase,
                    Owner::Phrase {
                        rule: i,
                        kind,
                        agent,
                        customer,
                    },
                );
            }
            let res = (rule.patterns.iter().map(|r| (r, HitKind::Hit)))
                .chain(rule.exception_patterns.iter().map(|r| (r, HitKind::Exception)));
            for (regex, kind) in res {
                regexes.push(RegexEntry {
                    regex: regex.clone(),
                    rule: i,
                    kind,
                    agent,
                    customer,
                });
            }
        }
        let mut untriggered = Vec::new();
        for (index, entry) in regexes.iter().enumerate() {
            match required_literals(entry.regex.as_str()) {
                Some(literals) => {
                    for literal in literals {
                        patterns.add(&literal, Owner::Trigger { regex: index });
                    }
                }
                None => untriggered.push(index),
            }
        }
        // A contiguous NFA, not a DFA: with a few thousand CJK patterns the DFA
        // takes 40 MB and most of start-up to build, for no measurable gain in
        // scan speed on call text.
        let automaton = (!patterns.phrases.is_empty()).then(|| {
            AhoCorasickBuilder::new()
                .match_kind(MatchKind::Standard)
                .kind(Some(AhoCorasickKind::ContiguousNFA))
                .build(&patterns.phrases)
                .expect("normalised phrases are non-empty")
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
            owners: patterns.owners,
            agent_untriggered: UntriggeredRegexes::new(&regexes, &untriggered, Role::Agent),
            customer_untriggered: UntriggeredRegexes::new(&regexes, &untriggered, Role::Customer),
            regexes,
            detectors,
        }
    }

    /// Appends every candidate in the normalised utterance spoken by `role` to `out`.
    pub fn scan(&self, role: Role, norm: &Normalized, out: &mut Vec<RawHit>) {
        let text = norm.text();
        let mut triggered: Vec<usize> = Vec::new();
        if let Some(ac) = &self.automaton {
            for m in ac.find_overlapping_iter(text) {
                for owner in &self.owners[m.pattern().as_usize()] {
                    match *owner {
                        Owner::Phrase {
                            rule,
                            kind,
                            agent,
                            customer,
                        } => {
                            let applies = match role {
                                Role::Agent => agent,
                                Role::Customer => customer,
                            };
                            if applies {
                                out.push(RawHit {
                                    rule,
                                    kind,
                                    source: Source::Phrase,
                                    start: m.start(),
                                    end: m.end(),
                                });
                            }
                        }
                        Owner::Trigger { regex } => {
                            if self.regexes[regex].applies_to(role) && !triggered.contains(&regex) {
                                triggered.push(regex);
                            }
                        }
                    }
                }
            }
        }
        let untriggered = match role {
            Role::Agent => &self.agent_untriggered,
            Role::Customer => &self.customer_untriggered,
        };
        if !untriggered.entries.is_empty() {
            triggered.extend(
                untriggered
                    .set
                    .matches(text)
                    .iter()
                    .map(|i| untriggered.entries[i]),
            );
        }
        triggered.sort_unstable();
        for index in triggered {
            let entry = &self.regexes[index];
            for m in entry.regex.find_iter(text) {
                out.push(RawHit {
                    rule: entry.rule,
                    kind: entry.kind,
                    source: Source::Pattern,
                    start: m.start(),
                    end: m.end(),
                });
            }
        }
        if norm.digit_chars() >= MIN_NUMBER_DIGITS {
            self.scan_detectors(role, text, out);
        }
    }

    fn scan_detectors(&self, role: Role, text: &str, out: &mut Vec<RawHit>) {
        if !self.detectors.iter().any(|d| d.2 == role) {
            return;
        }
        for run in digit_runs(text, MIN_NUMBER_DIGITS) {
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

impl UntriggeredRegexes {
    fn new(regexes: &[RegexEntry], untriggered: &[usize], role: Role) -> UntriggeredRegexes {
        let entries: Vec<usize> = untriggered
            .iter()
            .copied()
            .filter(|&i| regexes[i].applies_to(role))
            .collect();
        let set = RegexSet::new(entries.iter().map(|&i| regexes[i].regex.as_str()))
            .expect("each regex compiled on its own when the pack was loaded");
        UntriggeredRegexes { set, entries }
    }
}

/// Automaton patterns, deduplicated, each with the owners it stands for.
#[derive(Default)]
struct PatternTable {
    index: HashMap<String, usize>,
    phrases: Vec<String>,
    owners: Vec<Vec<Owner>>,
}

impl PatternTable {
    fn add(&mut self, phrase: &str, owner: Owner) {
        let id = *self.index.entry(phrase.to_string()).or_insert_with(|| {
            self.phrases.push(phrase.to_string());
            self.owners.push(Vec::new());
            self.phrases.len() - 1
        });
        self.owners[id].push(owner);
    }
}
