//! One pass over an utterance that finds every candidate hit of every rule.
//!
//! All phrases of all enabled rules that apply to a speaker role go into one
//! phrase index for that role ([`crate::phrases`]; hit phrases and exception
//! phrases in two stages), so the cost of a scan barely grows with the number
//! of rules, and a customer's utterance is scanned by the small index of the
//! few phrases that concern customers. Several rules may share a phrase; each
//! indexed phrase keeps the list of `(rule, kind)` owners it stands for. Regexes run
//! through one `RegexSet` per speaker role, so an utterance only pays for the
//! regexes that could apply to its speaker, and only the regexes the set says
//! match are run again to find where.
//!
//! The matcher knows nothing of boundaries, negation or exceptions: it reports
//! candidates, and `engine` decides.

use crate::digits::{detects, digit_runs};
use crate::model::Role;
use crate::normalize::Normalized;
use crate::phrases::Phrases;
use crate::prefilter::Prefilter;
use crate::rules::{Detector, Pattern, RuleSet};
use regex::RegexSet;
use std::collections::HashMap;
use std::sync::LazyLock;

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
    /// A regex: its index among the stage's regexes.
    Pattern(u32),
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

/// What an indexed phrase stands for.
#[derive(Debug, Clone, Copy)]
enum Owner {
    /// A rule's phrase (or exception phrase, in the exception stage).
    Phrase { rule: usize },
    /// A required literal of regex `regex`: the regex may match here.
    Trigger { regex: usize },
}

/// A rule's regex and whom it applies to.
#[derive(Debug)]
struct RegexEntry {
    regex: Pattern,
    rule: usize,
    agent: bool,
    customer: bool,
    /// The regex's checked factors, each literal with the characters it needs.
    checked: Vec<Vec<(String, CharMask)>>,
}

impl RegexEntry {
    fn new(regex: &Pattern, rule: usize, agent: bool, customer: bool) -> RegexEntry {
        let checked = regex.factors().map_or(&[][..], |f| &f.checked);
        RegexEntry {
            regex: regex.clone(),
            rule,
            agent,
            customer,
            checked: (checked.iter())
                .map(|set| set.iter().map(|l| (l.clone(), CharMask::of(l))).collect())
                .collect(),
        }
    }

    /// Whether the regex can match `text`, where the index saw a
    /// trigger: the regex's other required literal sets must occur too.
    /// `chars` holds the characters of `text`; a literal with a character
    /// outside it is skipped without a substring search, which is the fate
    /// of nearly all of them.
    fn may_match(&self, text: &str, chars: &CharMask) -> bool {
        self.checked.iter().all(|set| {
            set.iter()
                .any(|(literal, needs)| chars.covers(needs) && text.contains(literal.as_str()))
        })
    }

    fn applies_to(&self, role: Role) -> bool {
        match role {
            Role::Agent => self.agent,
            Role::Customer => self.customer,
        }
    }
}

/// A 256-bit set of hashed characters: a literal can only occur in a text
/// whose mask covers the literal's own.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct CharMask([u64; 4]);

impl CharMask {
    fn of(text: &str) -> CharMask {
        let mut mask = CharMask::default();
        for c in text.chars() {
            // Fibonacci hashing: the top 8 bits of the product spread
            // neighbouring code points (一 丁 七) over the 256 bits.
            let bit = (u32::from(c).wrapping_mul(0x9E37_79B1) >> 24) as usize;
            mask.0[bit / 64] |= 1 << (bit % 64);
        }
        mask
    }

    fn covers(&self, other: &CharMask) -> bool {
        self.0.iter().zip(other.0).all(|(have, need)| need & !have == 0)
    }
}

/// Regexes without required literals, run on every utterance of a role.
#[derive(Debug)]
struct UntriggeredRegexes {
    set: RegexSet,
    /// Parallel to `set`: indices into `Stage::regexes`.
    entries: Vec<usize>,
}

/// The search structures for one kind of candidate: an index of the
/// phrases and regex trigger literals, and the regexes.
#[derive(Debug)]
struct Stage {
    kind: HitKind,
    /// The phrases and regex triggers that apply to each role, by
    /// [`role_slot`]. Customers say few of the phrases rules look for, so
    /// their index is a fraction of the agents' and stays in cache.
    phrases: [Deferred<RolePhrases>; 2],
    regexes: Vec<RegexEntry>,
    /// Regexes without required literals, by [`role_slot`].
    untriggered: [UntriggeredRegexes; 2],
}

/// One role's phrase index and what each of its phrases stands for.
#[derive(Debug)]
struct RolePhrases {
    index: Option<Phrases>,
    owners: Vec<Vec<Owner>>,
    /// For a role with few phrases: which original utterances may hold one.
    prefilter: Option<Prefilter>,
}

fn role_slot(role: Role) -> usize {
    match role {
        Role::Agent => 0,
        Role::Customer => 1,
    }
}

/// The compiled search structures for a rule set.
///
/// Hits and exceptions live in two stages. Exception phrases are everyday
/// words (可以, 如果, 吗, 请问) that occur in most utterances, while hits are
/// rare; the exception stage runs only on an utterance where a rule with
/// exceptions has a hit, so the common case pays for one small index.
#[derive(Debug)]
pub struct Matcher {
    hits: Stage,
    exceptions: Deferred<Stage>,
    /// Per rule: whether it has exception phrases or patterns.
    has_exceptions: Vec<bool>,
    detectors: Vec<(usize, Detector, Role)>,
}

/// A value built the first time it is needed, by a closure given up front.
type Deferred<T> = LazyLock<T, Box<dyn FnOnce() -> T + Send>>;

impl Matcher {
    /// Builds the automata and regex sets for `rules`.
    pub fn new(rules: &RuleSet) -> Matcher {
        let detectors = rules
            .rules
            .iter()
            .enumerate()
            .flat_map(|(i, r)| r.detector.map(|d| r.roles.iter().map(move |&role| (i, d, role))))
            .flatten()
            .collect();
        Matcher {
            hits: Stage::new(rules, HitKind::Hit),
            // Scanned only after a hit: a clean script file never builds it.
            exceptions: {
                let rules = rules.clone();
                Deferred::new(Box::new(move || Stage::new(&rules, HitKind::Exception)))
            },
            has_exceptions: (rules.rules.iter())
                .map(|r| !r.exception_phrases.is_empty() || !r.exception_patterns.is_empty())
                .collect(),
            detectors,
        }
    }

    /// Appends every hit (phrase, regex, detector) of a rule for which
    /// `wanted` holds in the normalised utterance spoken by `role` to `out`.
    /// A regex of another rule is not run. `regexes` is scratch space.
    pub fn scan_hits(
        &self,
        role: Role,
        norm: &Normalized,
        (out, regexes): (&mut Vec<RawHit>, &mut Vec<usize>),
        wanted: impl Fn(usize) -> bool,
    ) {
        self.hits.scan(role, norm.text(), (out, regexes), wanted);
        if norm.digit_chars() >= MIN_NUMBER_DIGITS {
            self.scan_detectors(role, norm.text(), out);
        }
    }

    /// Whether `role` saying `original` (not yet normalised) may give a
    /// hit: with no rule for customers, or only a few phrases, most of
    /// their turns need not even be normalised.
    pub fn may_hit(&self, role: Role, original: &str) -> bool {
        let slot = role_slot(role);
        if !self.hits.untriggered[slot].entries.is_empty() || self.detectors.iter().any(|d| d.2 == role) {
            return true;
        }
        let phrases = &*self.hits.phrases[slot];
        phrases.index.is_some() && phrases.prefilter.as_ref().is_none_or(|p| p.may_match(original))
    }

    /// Appends the exceptions in the utterance when a hit in `out` belongs
    /// Whether the regex of a regex hit matches all of `hit`'s range: for a
    /// hit moved to end where a word does.
    pub fn matches_whole(&self, hit: &RawHit, text: &str) -> bool {
        match hit.source {
            Source::Pattern(regex) if hit.kind == HitKind::Hit => (text.get(hit.start..hit.end))
                .is_some_and(|t| self.hits.regexes[regex as usize].regex.matches_whole(t)),
            _ => false,
        }
    }

    /// to a rule of this matcher that has exceptions.
    pub fn scan_exceptions(
        &self,
        role: Role,
        norm: &Normalized,
        (out, regexes): (&mut Vec<RawHit>, &mut Vec<usize>),
    ) {
        let needed = |h: &RawHit| h.kind == HitKind::Hit && self.has_exceptions.get(h.rule) == Some(&true);
        if out.iter().any(needed) {
            self.exceptions.scan(role, norm.text(), (out, regexes), |_| true);
        }
    }

    /// The matches of a regex hit's regex that start inside `hit`, after
    /// its start, each the leftmost from where the one before it starts.
    ///
    /// A regex reports the leftmost match only, and the engine drops a hit
    /// that starts inside a word: in 信用卡背面那三位数字念一下, `(卡背面|背面)…`
    /// matches from the 卡 of 信用卡, and the match from 背面, on a word
    /// boundary, is hidden behind it. Phrases need none of this: every
    /// occurrence of every phrase is reported.
    pub fn later_starts<'t>(&'t self, hit: &RawHit, text: &'t str) -> impl Iterator<Item = RawHit> + 't {
        let regex = match hit.source {
            Source::Pattern(regex) if hit.kind == HitKind::Hit => {
                Some(self.hits.regexes[regex as usize].regex.regex())
            }
            _ => None,
        };
        let hit = *hit;
        let mut from = hit.start;
        std::iter::from_fn(move || {
            let next = from + text[from..].chars().next()?.len_utf8();
            let later = regex?.find_at(text, next).filter(|m| m.start() < hit.end)?;
            from = later.start();
            Some(RawHit {
                start: later.start(),
                end: later.end(),
                ..hit
            })
        })
    }

    fn scan_detectors(&self, role: Role, text: &str, out: &mut Vec<RawHit>) {
        if !self.detectors.iter().any(|d| d.2 == role) {
            return;
        }
        for run in digit_runs(text, MIN_NUMBER_DIGITS) {
            for &(rule, detector, r) in &self.detectors {
                if r == role && detects(detector, &run.digits, &text[..run.start]) {
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

impl Stage {
    /// The phrases and regexes of `kind` in `rules`.
    fn new(rules: &RuleSet, kind: HitKind) -> Stage {
        let mut regexes = Vec::new();
        for (i, rule) in rules.rules.iter().enumerate() {
            let agent = rule.applies_to(Role::Agent);
            let customer = rule.applies_to(Role::Customer);
            let res = match kind {
                HitKind::Hit => &rule.patterns,
                HitKind::Exception => &rule.exception_patterns,
            };
            regexes.extend(res.iter().map(|regex| RegexEntry::new(regex, i, agent, customer)));
        }
        // A regex that cannot match (the built-in suppression rules' `[^\s\S]`)
        // would otherwise run on every utterance.
        regexes.retain(|entry| entry.regex.can_match());
        let untriggered: Vec<usize> = (0..regexes.len())
            .filter(|&i| regexes[i].regex.factors().is_none())
            .collect();
        let role_phrases = |role: Role| -> Deferred<RolePhrases> {
            let mut patterns: Vec<(String, Owner)> = Vec::new();
            for (i, rule) in rules.rules.iter().enumerate().filter(|(_, r)| r.applies_to(role)) {
                let phrases = match kind {
                    HitKind::Hit => &rule.phrases,
                    HitKind::Exception => &rule.exception_phrases,
                };
                patterns.extend(phrases.iter().map(|p| (p.clone(), Owner::Phrase { rule: i })));
            }
            for (i, entry) in regexes.iter().enumerate().filter(|(_, e)| e.applies_to(role)) {
                let literals = entry.regex.factors().map_or(&[][..], |f| &f.indexed);
                patterns.extend(literals.iter().map(|l| (l.clone(), Owner::Trigger { regex: i })));
            }
            Deferred::new(Box::new(move || RolePhrases::new(&patterns, kind)))
        };
        let untriggered_for = |role| UntriggeredRegexes::new(&regexes, &untriggered, role);
        Stage {
            kind,
            phrases: [role_phrases(Role::Agent), role_phrases(Role::Customer)],
            untriggered: [untriggered_for(Role::Agent), untriggered_for(Role::Customer)],
            regexes,
        }
    }

    /// Appends the hits in `text` to `out`; `triggered` is scratch space
    /// for the regexes to run.
    fn scan(
        &self,
        role: Role,
        text: &str,
        (out, triggered): (&mut Vec<RawHit>, &mut Vec<usize>),
        wanted: impl Fn(usize) -> bool,
    ) {
        triggered.clear();
        let phrases = &*self.phrases[role_slot(role)];
        if let Some(index) = &phrases.index {
            index.for_each_match(text, |pattern, start, end| {
                for owner in &phrases.owners[pattern] {
                    match *owner {
                        Owner::Phrase { rule } if wanted(rule) => out.push(RawHit {
                            rule,
                            kind: self.kind,
                            source: Source::Phrase,
                            start,
                            end,
                        }),
                        Owner::Phrase { .. } => {}
                        Owner::Trigger { regex } => {
                            if !triggered.contains(&regex) && wanted(self.regexes[regex].rule) {
                                triggered.push(regex);
                            }
                        }
                    }
                }
            });
        }
        if !triggered.is_empty() {
            let chars = CharMask::of(text);
            triggered.retain(|&regex| self.regexes[regex].may_match(text, &chars));
        }
        let untriggered = &self.untriggered[role_slot(role)];
        if !untriggered.entries.is_empty() {
            triggered.extend(
                untriggered
                    .set
                    .matches(text)
                    .iter()
                    .map(|i| untriggered.entries[i])
                    .filter(|&regex| wanted(self.regexes[regex].rule)),
            );
        }
        triggered.sort_unstable();
        for &index in triggered.iter() {
            let entry = &self.regexes[index];
            for m in entry.regex.regex().find_iter(text) {
                out.push(RawHit {
                    rule: entry.rule,
                    kind: self.kind,
                    source: Source::Pattern(index as u32),
                    start: m.start(),
                    end: m.end(),
                });
            }
        }
    }
}

impl RolePhrases {
    /// The index of one role's patterns: its rules' phrases and the
    /// required literals of its regexes. Exceptions are looked for only
    /// where a hit was found, so their stage needs no prefilter.
    fn new(patterns: &[(String, Owner)], kind: HitKind) -> RolePhrases {
        let mut table = PatternTable {
            index: HashMap::with_capacity(patterns.len()),
            ..PatternTable::default()
        };
        for (pattern, owner) in patterns {
            table.add(pattern, *owner);
        }
        RolePhrases {
            index: (!table.phrases.is_empty()).then(|| Phrases::new(&table.phrases)),
            owners: table.owners,
            prefilter: (kind == HitKind::Hit)
                .then(|| Prefilter::new(&table.phrases))
                .flatten(),
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
struct PatternTable<'a> {
    index: HashMap<&'a str, usize>,
    phrases: Vec<String>,
    owners: Vec<Vec<Owner>>,
}

impl<'a> PatternTable<'a> {
    fn add(&mut self, phrase: &'a str, owner: Owner) {
        let id = *self.index.entry(phrase).or_insert_with(|| {
            self.phrases.push(phrase.to_string());
            self.owners.push(Vec::new());
            self.phrases.len() - 1
        });
        self.owners[id].push(owner);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_char_mask_covers_every_literal_of_its_text() {
        let text = CharMask::of("请问您是本人来办理吗");
        for literal in ["本人", "办理", "请问您", "吗"] {
            assert!(text.covers(&CharMask::of(literal)), "{literal}");
        }
    }

    #[test]
    fn a_char_mask_rules_out_most_absent_literals() {
        let text = CharMask::of("请问您是本人来办理吗");
        let absent = ["保本", "收益", "利息", "验证码", "密码", "投诉", "理财", "保险"];
        let passed = absent.iter().filter(|l| text.covers(&CharMask::of(l)));
        assert!(passed.count() <= 1, "the mask should filter, not only pass");
    }
}
