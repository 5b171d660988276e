//! `callint::phrases` against aho-corasick itself: the phrase index must report
//! exactly the occurrences an Aho-Corasick automaton finds in an overlapping
//! search, with the phrases of the default packs (hits, exceptions and
//! call-level sets) over
//! every line of `fixtures/` and `rules/`, normalised as the linter scans it,
//! and over generated text dense with the phrases' own characters.

use aho_corasick::{AhoCorasick, MatchKind};
use callint::calllevel::CallLevel;
use callint::normalize::Normalized;
use callint::phrases::Phrases;
use callint::rules::RuleSet;
use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

/// The phrases of the default packs' rules and of their call-level rules'
/// phrase sets, and the required literals of their regexes: what the
/// matcher indexes.
fn default_phrases() -> Vec<String> {
    let rules = RuleSet::compile(&RuleSet::default_sources()).unwrap();
    let (_, sets) = CallLevel::new(&rules.rules);
    let mut phrases: Vec<String> = (rules.rules.iter().chain(&sets))
        .flat_map(|r| r.phrases.iter().chain(&r.exception_phrases))
        .cloned()
        .collect();
    for rule in rules.rules.iter().chain(&sets) {
        let regexes = rule.patterns.iter().chain(&rule.exception_patterns);
        phrases.extend(
            regexes
                .filter_map(|p| p.factors())
                .flat_map(|f| f.indexed.clone()),
        );
    }
    phrases.sort();
    phrases.dedup();
    phrases
}

type Occurrences = BTreeSet<(usize, usize, usize)>;

struct Both {
    ours: Phrases,
    theirs: AhoCorasick,
}

impl Both {
    fn new(phrases: &[String]) -> Both {
        Both {
            ours: Phrases::new(phrases),
            theirs: AhoCorasick::builder()
                .match_kind(MatchKind::Standard)
                .build(phrases)
                .unwrap(),
        }
    }

    /// Panics on the first text where the two disagree; returns how many
    /// occurrences agreed.
    fn check<'a>(&self, texts: impl IntoIterator<Item = &'a str>) -> usize {
        let mut agreed = 0;
        for text in texts {
            let mut ours = Occurrences::new();
            self.ours.for_each_match(text, |p, s, e| {
                assert!(ours.insert((s, e, p)), "reported twice: {p} at {s} in {text:?}");
            });
            let theirs: Occurrences = (self.theirs.find_overlapping_iter(text))
                .map(|m| (m.start(), m.end(), m.pattern().as_usize()))
                .collect();
            assert_eq!(ours, theirs, "on {text:?}");
            agreed += ours.len();
        }
        agreed
    }
}

/// Every line of every file under `path`.
fn lines_of(path: &Path, out: &mut Vec<String>) {
    if path.is_dir() {
        for entry in fs::read_dir(path).unwrap() {
            lines_of(&entry.unwrap().path(), out);
        }
    } else if let Ok(text) = fs::read_to_string(path) {
        out.extend(text.lines().map(|l| Normalized::new(l).text().to_string()));
    }
}

#[test]
fn finds_what_aho_corasick_finds_in_fixtures_and_packs() {
    let phrases = default_phrases();
    assert!(phrases.len() > 3000, "only {} phrases", phrases.len());
    let mut texts = Vec::new();
    lines_of(Path::new("fixtures"), &mut texts);
    lines_of(Path::new("rules"), &mut texts);
    let agreed = Both::new(&phrases).check(texts.iter().map(String::as_str));
    assert!(
        agreed > 5000,
        "only {agreed} occurrences: the texts should be full of phrases"
    );
}

#[test]
fn finds_what_aho_corasick_finds_in_text_made_of_phrase_pieces() {
    let mut phrases = default_phrases();
    // Phrases of every key length, ASCII ones included.
    phrases.extend(["a", "qq", "app", "12378", "您", "您好", "您好呀"].map(String::from));
    phrases.sort();
    phrases.dedup();
    let both = Both::new(&phrases);
    // Glue together prefixes and suffixes of random phrases, so that texts
    // hold many phrase starts that go wrong a few bytes later.
    let mut seed = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = move |n: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % n as u64) as usize
    };
    let texts: Vec<String> = (0..3000)
        .map(|_| {
            (0..6)
                .map(|_| {
                    let chars: Vec<char> = phrases[next(phrases.len())].chars().collect();
                    let (a, b) = (next(chars.len() + 1), next(chars.len() + 1));
                    chars[a.min(b)..a.max(b)].iter().collect::<String>()
                })
                .collect()
        })
        .collect();
    let agreed = both.check(texts.iter().map(String::as_str));
    assert!(agreed > 3000, "only {agreed} occurrences");
}
