//! Required literals of a regex, so the phrase automaton can tell when a regex
//! is worth running.
//!
//! A `RegexSet` over 150 patterns with Unicode classes runs a lazy DFA over
//! every utterance; on Chinese text that costs an order of magnitude more than
//! the Aho-Corasick scan. But rule patterns are mostly alternations of words:
//! `(你|您)(就)?(尽管|随便)(去)?(投诉|举报)(好了|吧)` cannot match unless the text
//! contains 投诉 or 举报. This module finds such a set of *required literals* —
//! every match contains at least one of them — by walking the regex syntax
//! tree. The literals join the phrase automaton as triggers, and a regex runs
//! only in utterances where one of its triggers occurs. Patterns without a
//! usable set (too short, too many) simply run on every utterance.

use regex_syntax::hir::{Class, Hir, HirKind};

/// Most literals a set may hold. Larger sets are no more selective in
/// practice, and every literal costs start-up time and automaton memory: at
/// 256 the default packs made 21,000 triggers; at 24, a few thousand, with
/// the same findings and scan speed and a third less start-up CPU.
const MAX_SET: usize = 24;
/// Least score worth triggering on: more than one CJK character (or three
/// ASCII ones). A one-character trigger such as 说 fires on most utterances;
/// such a regex is better run on its own.
const MIN_SCORE: usize = 3;

/// A set of literals at least one of which occurs in every match of
/// `pattern`, or `None` when no selective set exists.
pub fn required_literals(pattern: &str) -> Option<Vec<String>> {
    let hir = regex_syntax::Parser::new().parse(pattern).ok()?;
    let set = required(&hir)?;
    (score(&set) >= MIN_SCORE).then_some(set)
}

/// How selective a set is: its weakest member decides how often it fires. A
/// CJK character counts two, an ASCII character one, so `cvv` beats `说`.
fn score(set: &[String]) -> usize {
    let weight = |s: &String| s.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum::<usize>();
    set.iter().map(weight).min().unwrap_or(0)
}

fn better(a: Option<Vec<String>>, b: Option<Vec<String>>) -> Option<Vec<String>> {
    match (a, b) {
        (Some(a), Some(b)) => {
            let key = |s: &Vec<String>| (score(s), std::cmp::Reverse(s.len()));
            Some(if key(&b) > key(&a) { b } else { a })
        }
        (a, b) => a.or(b),
    }
}

fn required(hir: &Hir) -> Option<Vec<String>> {
    match hir.kind() {
        HirKind::Literal(_) | HirKind::Class(_) => exact(hir).filter(|s| score(s) > 0),
        HirKind::Capture(c) => required(&c.sub),
        HirKind::Repetition(r) if r.min >= 1 => required(&r.sub),
        HirKind::Alternation(alts) => {
            let mut all = Vec::new();
            for alt in alts {
                all.extend(required(alt)?);
            }
            all.sort();
            all.dedup();
            (all.len() <= MAX_SET).then_some(all)
        }
        HirKind::Concat(children) => {
            let mut best = None;
            for child in children {
                best = better(best, required(child));
            }
            // Adjacent children with small exact sets combine into longer literals.
            let mut run: Option<Vec<String>> = None;
            for child in children {
                match (exact(child), run.take()) {
                    (Some(e), Some(r)) => {
                        run = product(&r, &e);
                        if run.is_none() {
                            best = better(best, Some(r).filter(|s| score(s) > 0));
                            run = Some(e);
                        }
                    }
                    (Some(e), None) => run = Some(e),
                    (None, Some(r)) => best = better(best, Some(r).filter(|s| score(s) > 0)),
                    (None, None) => {}
                }
            }
            better(best, run.filter(|s| score(s) > 0))
        }
        _ => None,
    }
}

/// Every string `hir` can match, when that set is small.
fn exact(hir: &Hir) -> Option<Vec<String>> {
    match hir.kind() {
        HirKind::Empty => Some(vec![String::new()]),
        HirKind::Literal(lit) => Some(vec![String::from_utf8(lit.0.to_vec()).ok()?]),
        HirKind::Class(Class::Unicode(class)) => {
            let mut chars = Vec::new();
            for range in class.iter() {
                for c in range.start()..=range.end() {
                    chars.push(c.to_string());
                    if chars.len() > 8 {
                        return None;
                    }
                }
            }
            Some(chars)
        }
        HirKind::Capture(c) => exact(&c.sub),
        HirKind::Repetition(r) if r.min == 0 && r.max == Some(1) => {
            let mut set = exact(&r.sub)?;
            set.push(String::new());
            Some(set)
        }
        HirKind::Alternation(alts) => {
            let mut all = Vec::new();
            for alt in alts {
                all.extend(exact(alt)?);
            }
            (all.len() <= MAX_SET).then_some(all)
        }
        HirKind::Concat(children) => children
            .iter()
            .try_fold(vec![String::new()], |acc, child| product(&acc, &exact(child)?)),
        _ => None,
    }
}

fn product(left: &[String], right: &[String]) -> Option<Vec<String>> {
    if left.len() * right.len() > MAX_SET {
        return None;
    }
    let mut out: Vec<String> = left
        .iter()
        .flat_map(|l| right.iter().map(move |r| format!("{l}{r}")))
        .collect();
    out.sort();
    out.dedup();
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(p: &str) -> Option<Vec<String>> {
        required_literals(p)
    }

    #[test]
    fn finds_the_words_a_match_cannot_do_without() {
        let set = req("(你|您)(就)?(尽管|随便)(去)?(投诉|举报)(好了|吧)").unwrap();
        assert!(
            set.iter().all(|s| s.contains("投诉") || s.contains("举报")),
            "{set:?}"
        );
        let set = req("(要|想)?(投诉|举报).{0,2}(好了|吧)").unwrap();
        assert_eq!(set, vec!["举报", "投诉"]);
        let set = req("(你|您)(去)?打12378(好了|吧|去|呗)").unwrap();
        assert!(set.iter().all(|s| s.contains("12378")), "{set:?}");
        let set = req("(肯定|绝对)能(拿到|赚)[0-9]*").unwrap();
        assert!(set.contains(&"肯定能拿到".to_string()), "{set:?}");
    }

    #[test]
    fn declines_when_no_selective_set_exists() {
        assert_eq!(req(".{0,4}吗?"), None);
        assert_eq!(req("[一-龥]{3}"), None);
        assert_eq!(req("a?b?"), None);
    }

    #[test]
    fn every_match_contains_a_required_literal() {
        let patterns = [
            "(确实|的确|就是)(是)?(我们|银行)(在)?(乱收费|坑人)",
            "(存|放)(到|在|进)(保险公司|保险|理财)(里面|里)?",
            "收益(百分之百|100%|肯定)(可以|有)(保证|达到)?",
        ];
        let texts = [
            "确实是我们在乱收费",
            "就是银行坑人",
            "存到保险公司里面",
            "放进理财",
            "收益100%有保证",
        ];
        for p in patterns {
            let re = regex::Regex::new(p).unwrap();
            let set = req(p).unwrap();
            for t in texts {
                if let Some(m) = re.find(t) {
                    assert!(
                        set.iter().any(|l| m.as_str().contains(l.as_str())),
                        "{p} on {t}: {set:?}"
                    );
                }
            }
        }
    }
}
