//! Required literals of a regex, so the phrase index can tell when a regex
//! is worth running.
//!
//! A `RegexSet` over 150 patterns with Unicode classes runs a lazy DFA over
//! every utterance; on Chinese text that costs an order of magnitude more than
//! the Aho-Corasick scan. But rule patterns are mostly concatenations of word
//! alternations: `(不需要|无需|免)(核实|验证)(一下)?身份` cannot match unless the
//! text contains one of 不需要/无需/免, *and* one of 核实/验证, *and* 身份.
//! Each such set is a *factor*: every match contains a member of every
//! factor. This module finds factors by walking the regex syntax tree and
//! keeps the most selective few, judged by how often jieba's dictionary says
//! their words are used: 违约金 before 我们. Their literals join the phrase index as
//! triggers, and a regex runs only in an utterance where every one of its
//! factors occurs.
//!
//! One factor alone is rarely selective: 身份 or 保险 occur in a tenth of
//! all call utterances, so a regex triggered on 身份 alone would run 50 times
//! for each time it matches. Requiring all the factors makes a regex run
//! about as often as it matches. Patterns without a usable factor (too short,
//! too many alternatives) simply run on every utterance.

use regex_syntax::hir::{Class, Hir, HirKind};

/// Most literals a product of adjacent sets may hold: a product grows
/// multiplicatively, and every literal costs start-up time and index
/// memory.
const MAX_PRODUCT: usize = 24;
/// Most literals a factor may hold; a word list (family members, products)
/// of a few dozen entries is still a cheap and selective factor.
const MAX_SET: usize = 64;
/// Most factors kept per regex: three already make a regex run only where it
/// almost always matches.
const MAX_FACTORS: usize = 3;
/// Least score a factor needs: one CJK character (or two ASCII ones).
const MIN_FACTOR_SCORE: usize = 2;
/// Least total score of the kept factors: a lone one-character factor such
/// as 说 fires on most utterances; such a regex is better run on its own.
const MIN_TOTAL_SCORE: usize = 4;

/// What must occur in an utterance for a regex to match there.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Factors {
    /// The most selective set: its literals go into the phrase index.
    pub indexed: Vec<String>,
    /// The other sets, looked for with a substring search only once a member
    /// of `indexed` has occurred. A common word (一下, 说, 我) in the
    /// index would be reported in most utterances; here it costs nothing
    /// until the rare word beside it turns up.
    pub checked: Vec<Vec<String>>,
}

/// Literal sets such that every match of `hir` contains a member of each
/// set, or `None` when no selective choice exists.
///
/// `frequency` gives a word's count in a word-frequency dictionary
/// (jieba's), `None` for a string that is no word: it tells 我们 or 银行,
/// said in most calls, from 违约金, which two characters each do not.
pub fn required_factors(hir: &Hir, frequency: &dyn Fn(&str) -> Option<u64>) -> Option<Factors> {
    let mut candidates = Vec::new();
    factors(hir, &mut candidates);
    candidates.iter_mut().for_each(drop_superstrings);
    candidates.retain(|f| score(f) >= MIN_FACTOR_SCORE);
    // Sets with fewer one-character members first, then the rarer, then
    // the smaller set, which keeps the index small.
    candidates.sort_by_key(|f| {
        let single = f.iter().filter(|l| l.chars().count() < 2).count();
        let said = f
            .iter()
            .map(|l| commonness(l, frequency))
            .fold(0, u64::saturating_add);
        let bytes: usize = f.iter().map(String::len).sum();
        (single, said, bytes)
    });
    candidates.dedup();
    let mut chosen: Vec<Vec<String>> = Vec::new();
    for factor in candidates {
        if chosen.len() < MAX_FACTORS && !chosen.iter().any(|c| implies(c, &factor)) {
            chosen.push(factor);
        }
    }
    let total: usize = chosen.iter().map(|f| score(f)).sum();
    if total < MIN_TOTAL_SCORE {
        return None;
    }
    let indexed = chosen.remove(0);
    // The smallest set first: most checks fail, and fail sooner there.
    chosen.sort_by_key(Vec::len);
    Some(Factors {
        indexed,
        checked: chosen,
    })
}

/// How often `literal` is said, by the dictionary: a word's own frequency;
/// for a longer string, that of the rarest word in it, divided by 64 for
/// each character beyond that word (帮您查 is rarer than 查). A string with
/// no dictionary word in it (`12378`, `cvv2`) counts as rare.
fn commonness(literal: &str, frequency: &dyn Fn(&str) -> Option<u64>) -> u64 {
    if let Some(f) = frequency(literal) {
        return f;
    }
    let starts: Vec<usize> = (literal.char_indices().map(|(at, _)| at))
        .chain([literal.len()])
        .collect();
    let chars = starts.len() - 1;
    let mut rarest: Option<u64> = None;
    for (i, &from) in starts.iter().enumerate() {
        for (width, &to) in starts[i + 1..].iter().enumerate() {
            if let Some(f) = frequency(&literal[from..to]) {
                let beyond = (chars - (width + 1)) as u32;
                let f = f.checked_shr(6 * beyond).unwrap_or(0);
                rarest = Some(rarest.map_or(f, |r| r.min(f)));
            }
        }
    }
    rarest.unwrap_or(1)
}

/// Removes the members that contain another member: text with 我保证
/// contains 保证, so {保证, 我保证} occurs exactly where {保证} does, and the
/// longer literal would only grow the index.
fn drop_superstrings(set: &mut Vec<String>) {
    set.sort_by_key(String::len);
    let mut kept: Vec<String> = Vec::with_capacity(set.len());
    for literal in set.drain(..) {
        if !kept.iter().any(|k| literal.contains(k.as_str())) {
            kept.push(literal);
        }
    }
    kept.sort();
    *set = kept;
}

/// Whether text containing a member of `stricter` always contains a member
/// of `weaker` (核实身份 implies 核实), which makes `weaker` a wasted factor.
fn implies(stricter: &[String], weaker: &[String]) -> bool {
    stricter
        .iter()
        .all(|s| weaker.iter().any(|w| s.contains(w.as_str())))
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

/// Pushes onto `out` sets each of which every match of `hir` must contain
/// a member of.
fn factors(hir: &Hir, out: &mut Vec<Vec<String>>) {
    match hir.kind() {
        HirKind::Capture(c) => factors(&c.sub, out),
        HirKind::Repetition(r) if r.min >= 1 => factors(&r.sub, out),
        HirKind::Concat(children) => {
            for child in children {
                factors(child, out);
            }
            out.extend(runs(children));
        }
        _ => out.extend(required(hir)),
    }
}

/// The single most selective required set of `hir`.
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
            let singles = children.iter().filter_map(required);
            singles
                .chain(runs(children))
                .fold(None, |best, set| better(best, Some(set)))
        }
        _ => None,
    }
}

/// Products of adjacent children whose matches are small exact sets:
/// `别` and `(打断|插嘴)` make 别打断, 别插嘴. When a product outgrows
/// `MAX_PRODUCT`, the run drops children from its front until it fits.
fn runs(children: &[Hir]) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let mut run: Vec<Vec<String>> = Vec::new();
    for child in children {
        let Some(set) = exact(child) else {
            out.extend(product_of(&run));
            run.clear();
            continue;
        };
        run.push(set);
        while run.len() > 1 && product_of(&run).is_none() {
            let shorter = product_of(&run[..run.len() - 1]);
            out.extend(shorter);
            run.remove(0);
        }
    }
    out.extend(product_of(&run));
    out.retain(|s| score(s) > 0);
    out
}

fn product_of(sets: &[Vec<String>]) -> Option<Vec<String>> {
    let (first, rest) = sets.split_first()?;
    rest.iter().try_fold(first.clone(), |acc, set| product(&acc, set))
}

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
    if left.len() * right.len() > MAX_PRODUCT {
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

    fn req(p: &str) -> Option<Factors> {
        required_factors(
            &regex_syntax::Parser::new().parse(p).unwrap(),
            &crate::segment::word_frequency,
        )
    }

    fn all_sets(f: &Factors) -> impl Iterator<Item = &Vec<String>> {
        std::iter::once(&f.indexed).chain(&f.checked)
    }

    #[test]
    fn indexes_the_rarest_words_and_checks_the_rest() {
        let f = req("(你|您)(就)?(尽管|随便)(去)?(投诉|举报)(好了|吧)").unwrap();
        let complaint = |set: &&Vec<String>| set.iter().all(|s| s.contains("投诉") || s.contains("举报"));
        assert!(all_sets(&f).any(|set| complaint(&set)), "{f:?}");
        let f = req("(要|想)?(投诉|举报).{0,2}(好了|吧)").unwrap();
        assert_eq!(f.indexed, vec!["举报", "投诉"]);
        assert_eq!(f.checked, vec![vec!["吧", "好了"]]);
        let f = req("(你|您)(去)?打12378(好了|吧|去|呗)").unwrap();
        assert!(f.indexed.iter().all(|s| s.contains("12378")), "{f:?}");
        let f = req("(不需要|无需|免)(核实|验证)(一下)?身份").unwrap();
        assert_eq!(
            all_sets(&f).count(),
            1,
            "无需核实身份 etc. imply 核实 and 身份: {f:?}"
        );
        assert!(f.indexed.contains(&"无需核实身份".to_string()), "{f:?}");
    }

    #[test]
    fn everyday_words_are_checked_and_rarer_ones_indexed() {
        let f =
            req("(我们|银行|这边)[^,。]{0,4}(推出|新出)了(一款|一只)[^,。]{0,6}(理财|基金|年金险)").unwrap();
        assert!(!f.indexed.contains(&"我们".to_string()), "{f:?}");
        let said = |l: &str| commonness(l, &crate::segment::word_frequency);
        assert!(said("违约金") < said("我们"));
        assert!(said("帮您查") < said("查"));
        assert!(said("cvv2") < said("我们"));
    }

    #[test]
    fn one_character_words_are_checked_not_indexed() {
        let f = req("(宣传|承诺)[^,。]{0,4}(说|讲)(过)?").unwrap();
        assert_eq!(f.indexed, vec!["宣传", "承诺"]);
        assert_eq!(f.checked, vec![vec!["讲", "说"]]);
        let f = req("(别人|谁)[^,。]{0,4}(说|讲)").unwrap();
        assert_eq!(
            f.indexed,
            vec!["别人", "谁"],
            "all weak: the narrower set is indexed"
        );
    }

    #[test]
    fn a_literal_containing_another_of_its_set_is_dropped() {
        let f = req("(保证|我保证|保证金)收益").unwrap();
        assert_eq!(f.indexed, ["保证收益", "保证金收益"], "{f:?}");
        let mut set = vec![
            "我保证".to_string(),
            "保证".into(),
            "承诺".into(),
            "郑重承诺".into(),
        ];
        drop_superstrings(&mut set);
        assert_eq!(set, ["保证", "承诺"]);
    }

    #[test]
    fn a_product_that_outgrows_its_cap_keeps_its_tail() {
        let f = req("(你|您)?(先)?别(打断|嚷嚷|激动|插嘴|打岔|叫|嚷|吵|喊|闹)(了)?").unwrap();
        assert!(f.indexed.contains(&"别插嘴".to_string()), "{f:?}");
    }

    #[test]
    fn declines_when_no_selective_set_exists() {
        assert_eq!(req(".{0,4}吗?"), None);
        assert_eq!(req("[一-龥]{3}"), None);
        assert_eq!(req("a?b?"), None);
        assert_eq!(req("(说|讲)"), None);
    }

    #[test]
    fn every_match_contains_a_member_of_every_factor() {
        let patterns = [
            "(确实|的确|就是)(是)?(我们|银行)(在)?(乱收费|坑人)",
            "(存|放)(到|在|进)(保险公司|保险|理财)(里面|里)?",
            "收益(百分之百|100%|肯定)(可以|有)(保证|达到)?",
            "(市面上|外面|网上|有人|别人|谁)[^,。!?]{0,4}(宣传|承诺|说|讲)",
            "(把|将)(您|你)?(的)?[^,。!?]{0,6}(验证码|动态码)(告诉|报|说)(给)?(我们|一下|我)",
        ];
        let texts = [
            "确实是我们在乱收费",
            "就是银行坑人",
            "存到保险公司里面",
            "放进理财",
            "收益100%有保证",
            "网上都这么说",
            "谁跟您讲的",
            "把手机上的验证码报给我",
            "将验证码告诉一下",
        ];
        for p in patterns {
            let re = regex::Regex::new(p).unwrap();
            let f = req(p).unwrap();
            for t in texts {
                let Some(m) = re.find(t) else { continue };
                for set in all_sets(&f) {
                    assert!(
                        set.iter().any(|l| m.as_str().contains(l.as_str())),
                        "{p} on {t}: {f:?}"
                    );
                }
            }
        }
    }
}
