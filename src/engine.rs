//! Rule logic: turns the matcher's candidates into findings a reviewer would
//! agree with.
//!
//! A candidate survives only if
//! 1. it starts and ends on jieba token boundaries (unless the rule opts out),
//! 2. no negator precedes it within the rule's negation window in its clause,
//! 3. no exception of its rule matches in the same clause.
//!
//! Segmentation is the expensive step, so it runs last and only for
//! utterances that still have a candidate after the cheap checks.

use crate::calllevel::{CallLevel, CallScan};
use crate::matcher::{HitKind, Matcher, RawHit, Source};
use crate::model::{Call, Role, Utterance};
use crate::normalize::{is_chinese, is_clause_break, Normalized};
use crate::rules::{Boundary, ExceptionScope, Rule, RuleSet};
use crate::segment::Segmenter;

/// Where a finding is in the original utterance text.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Span {
    /// First character (0-based, Unicode scalar values).
    pub char_start: usize,
    /// One past the last character.
    pub char_end: usize,
    /// First byte (UTF-8).
    pub byte_start: usize,
    /// One past the last byte.
    pub byte_end: usize,
    /// The original characters.
    pub text: String,
}

impl Span {
    /// The span of bytes `[start, end)` of `text`.
    pub fn from_bytes(text: &str, start: usize, end: usize) -> Span {
        let char_start = text[..start].chars().count();
        Span {
            char_start,
            char_end: char_start + text[start..end].chars().count(),
            byte_start: start,
            byte_end: end,
            text: text[start..end].to_string(),
        }
    }
}

/// One violation.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// Index of the rule in the linter's rule set.
    pub rule: usize,
    /// Index of the utterance in the call, when the finding is about one.
    pub utterance: Option<usize>,
    /// What was said, or `None` for something missing.
    pub span: Option<Span>,
    /// For call-level findings: what was expected and where, e.g. "expected
    /// 「您好/你好」 in the first 2 agent utterances; none found".
    pub detail: Option<String>,
}

/// Buffers reused across utterances by one worker thread.
#[derive(Debug, Default)]
pub struct Scratch {
    norm: Normalized,
    hits: Vec<RawHit>,
    /// The regexes a scan runs.
    regexes: Vec<usize>,
    boundaries: Vec<usize>,
    /// The bytes of the utterance that `boundaries` covers.
    segmented: (usize, usize),
    kept: Vec<(usize, usize, usize)>,
    call: CallScan,
}

/// Compiled rules plus everything needed to run them.
#[derive(Debug)]
pub struct Linter {
    rules: RuleSet,
    matcher: Matcher,
    segmenter: Segmenter,
    /// Call-level rules; their phrase sets follow the rules in the matcher.
    call_level: CallLevel,
    /// The phrase sets of call-level rules, hidden rules numbered from
    /// `rules.rules.len()` in matcher hits.
    sets: Vec<Rule>,
}

impl Linter {
    /// Compiles the search structures for `rules`.
    pub fn new(rules: RuleSet) -> Linter {
        let (call_level, sets) = CallLevel::new(&rules.rules);
        // The sets go into the one phrase index with the phrase rules. A set
        // that matters in only a few utterances (a greeting in the first
        // turns) costs a few more matches elsewhere, which is cheaper than a
        // second index scanned where it matters.
        let matcher = if sets.is_empty() {
            Matcher::new(&rules)
        } else {
            let all = RuleSet {
                packs: Vec::new(),
                rules: rules.rules.iter().chain(&sets).cloned().collect(),
            };
            Matcher::new(&all)
        };
        Linter {
            matcher,
            segmenter: Segmenter::default(),
            rules,
            call_level,
            sets,
        }
    }

    /// Whether some rule of this linter needs utterance times that `call`
    /// lacks, so that the rule was skipped for it.
    pub fn skips_timing(&self, call: &Call) -> bool {
        self.call_level.skips_timing(call)
    }

    fn rule_at(&self, index: usize) -> &Rule {
        let n = self.rules.rules.len();
        if index < n {
            &self.rules.rules[index]
        } else {
            &self.sets[index - n]
        }
    }

    /// The rules this linter runs.
    pub fn rules(&self) -> &RuleSet {
        &self.rules
    }

    /// All findings for a call, ordered by utterance, position and rule;
    /// call-level findings follow the phrase findings of their utterance, and
    /// findings about the whole call come first.
    pub fn check_call(&self, call: &Call, scratch: &mut Scratch) -> Vec<Finding> {
        let mut findings = Vec::new();
        let collect = !self.call_level.is_empty() && !call.script;
        if collect {
            self.call_level.start(&mut scratch.call, call);
        }
        for (i, utterance) in call.utterances.iter().enumerate() {
            self.check_utterance(i, utterance, scratch, &mut findings, collect);
        }
        if collect {
            let phrase_findings = findings.len();
            self.call_level
                .evaluate(&self.rules.rules, call, &scratch.call, &mut findings);
            if findings.len() > phrase_findings {
                findings.sort_by_key(|f| f.utterance.map_or(0, |u| u + 1));
            }
        }
        findings
    }

    /// Findings for one utterance of `role` saying `text`.
    pub fn check_text(&self, role: Role, text: &str) -> Vec<Finding> {
        let mut out = Vec::new();
        self.check_utterance(
            0,
            &Utterance::new(role, text),
            &mut Scratch::default(),
            &mut out,
            false,
        );
        out
    }

    fn check_utterance(
        &self,
        index: usize,
        utterance: &Utterance,
        scratch: &mut Scratch,
        out: &mut Vec<Finding>,
        collect: bool,
    ) {
        let Scratch {
            norm,
            hits,
            regexes,
            boundaries,
            segmented,
            kept,
            call,
        } = scratch;
        let scan = self.matcher.may_hit(utterance.role, &utterance.text);
        let observe = collect && call.observes(utterance.role);
        if !scan && !observe {
            return;
        }
        norm.fill(&utterance.text);
        if observe {
            call.observe(index, utterance.role, norm);
        }
        if !scan {
            return;
        }
        hits.clear();
        let phrase_rules = self.rules.rules.len();
        // A set's regexes are not run where its hits cannot matter.
        let wanted =
            |rule: usize| rule < phrase_rules || (collect && call.may_want(rule - phrase_rules, index));
        self.matcher
            .scan_hits(utterance.role, norm, (hits, regexes), wanted);
        if hits.is_empty() {
            return;
        }
        if collect && !self.sets.is_empty() {
            let set_of = |h: &RawHit| (h.rule >= phrase_rules).then(|| h.rule - phrase_rules);
            call.candidates(hits.iter().filter_map(set_of));
            // Set hits that cannot change a call-level verdict need no
            // boundary check and no exceptions.
            hits.retain(|h| set_of(h).is_none_or(|set| call.wants(set, index)));
        } else {
            // No call-level verdict to feed (a script, a single utterance).
            hits.retain(|h| h.rule < phrase_rules);
        }
        if hits.is_empty() {
            // Every hit was of a set that does not matter here.
            return;
        }
        self.matcher
            .scan_exceptions(utterance.role, norm, (hits, regexes));
        let text = norm.text();
        // Where the speaker paused matters only to the rare hit with a
        // negator or a wide denial before it.
        let pauses = std::cell::OnceCell::new();
        let pauses = || &pauses.get_or_init(|| crate::normalize::pauses(norm, &utterance.text))[..];
        kept.clear();
        boundaries.clear();
        for hit in hits.iter().filter(|h| h.kind == HitKind::Hit) {
            let rule = self.rule_at(hit.rule);
            if !survives_context(rule, hit, text, hits, &pauses) {
                continue;
            }
            let mut on_words = |h: &RawHit| self.on_token_boundaries(rule, h, text, (boundaries, segmented));
            // A regex match cut short at a word's start may hide a later one
            // (negation and exceptions were judged on the whole).
            let word_hit = if on_words(hit) {
                Some(*hit)
            } else {
                (self.matcher.later_starts(hit, text).find(|h| on_words(h)))
                    .or_else(|| self.to_word_end(hit, text, boundaries))
            };
            if let Some(h) = word_hit {
                kept.push((h.rule, h.start, h.end));
            }
        }
        kept.sort_unstable();
        let first_new = out.len();
        for (rule, start, end) in merge_overlaps(kept) {
            let (start, end) = trim_punctuation(norm.text(), start, end);
            let (s, e) = norm.original_range(start, end);
            if rule >= phrase_rules {
                call.record(rule - phrase_rules, index, s, e);
                continue;
            }
            out.push(Finding {
                rule,
                utterance: Some(index),
                span: Some(Span::from_bytes(&utterance.text, s, e)),
                detail: None,
            });
        }
        out[first_new..].sort_by_key(|f| (f.span.as_ref().map(|s| s.byte_start), f.rule));
    }

    /// A regex hit that starts a word but ends inside one, moved to the end
    /// of that word when the regex matches all of it: leftmost-first
    /// matching stops `(拿回|拿回来)` at 拿回 inside the word 拿回来. The
    /// hit's words are in `boundaries` (its own boundary check just ran).
    fn to_word_end(&self, hit: &RawHit, text: &str, boundaries: &[usize]) -> Option<RawHit> {
        boundaries.binary_search(&hit.start).ok()?;
        let end = *boundaries.get(boundaries.partition_point(|&b| b <= hit.end))?;
        let longer = RawHit { end, ..*hit };
        self.matcher.matches_whole(&longer, text).then_some(longer)
    }

    fn on_token_boundaries(
        &self,
        rule: &Rule,
        hit: &RawHit,
        text: &str,
        (boundaries, segmented): (&mut Vec<usize>, &mut (usize, usize)),
    ) -> bool {
        if rule.boundary == Boundary::None || hit.source == Source::Detector {
            return true;
        }
        if boundaries.is_empty() || hit.start < segmented.0 || hit.end > segmented.1 {
            *segmented = self
                .segmenter
                .boundaries_around(text, hit.start, hit.end, boundaries);
        }
        boundaries.binary_search(&hit.start).is_ok() && ends_a_word(text, hit.end, boundaries)
    }
}

/// Sentence-final particles that jieba's dictionary glues to the word
/// before them (看吧, 告诉您吧, 好啊).
const PARTICLES: &[char] = &['吧', '吗', '呢', '啊', '呀', '嘛', '啦', '哦', '喔'];

/// Whether a hit ending at byte `end` ends a word: at a token boundary, or
/// where the rest of its token is sentence-final particles (你自己看 in
/// 你自己看吧, where 看吧 is one token), since a particle closes a clause
/// and never makes a new word of what it follows.
fn ends_a_word(text: &str, end: usize, boundaries: &[usize]) -> bool {
    match boundaries.binary_search(&end) {
        Ok(_) => true,
        Err(next) => boundaries
            .get(next)
            .and_then(|&token_end| text.get(end..token_end))
            .is_some_and(|rest| rest.chars().all(|c| PARTICLES.contains(&c))),
    }
}

/// Negation and exceptions: the cheap checks, run before segmentation. A
/// negator counts within the hit's clause unless a pause cuts it off (see
/// [`cut_off`]); an exception counts anywhere in its scope.
fn survives_context<'p>(
    rule: &Rule,
    hit: &RawHit,
    text: &str,
    hits: &[RawHit],
    pauses: &impl Fn() -> &'p [usize],
) -> bool {
    let (clause_start, clause_end) = clause(text, hit.start, hit.end);
    if rule.negation > 0 {
        let cut = |negator_end: usize| cut_off(text, pauses(), negator_end, hit.start);
        let paused_at = |end: usize| pauses().contains(&(clause_start + end));
        let before = &text[clause_start..hit.start];
        if negated(text, clause_start, hit.start, rule.negation, cut) || widely_negated(before, paused_at) {
            return false;
        }
    }
    let (from, to) = match rule.exception_scope {
        ExceptionScope::Clause => (clause_start, clause_end),
        ExceptionScope::Utterance => (0, text.len()),
    };
    !hits
        .iter()
        .any(|e| e.kind == HitKind::Exception && e.rule == hit.rule && e.start < to && e.end > from)
}

/// Characters between a negator and a pause for the pause to end its
/// reach: 我们不会向您索要验证码 您现在把验证码报给我 is two clauses, but in
/// 我们不会 向您索要验证码 the speaker paused mid-clause.
const CLAUSE_BEFORE_PAUSE: usize = 2;

/// Whether a pause between a negator ending at `negator_end` and a hit
/// starting at `hit_start` ends the negator's reach: one at least
/// [`CLAUSE_BEFORE_PAUSE`] characters after the negator, so that its own
/// clause went on before the pause.
fn cut_off(text: &str, pauses: &[usize], negator_end: usize, hit_start: usize) -> bool {
    pauses.iter().any(|&p| {
        (negator_end..=hit_start).contains(&p) && text[negator_end..p].chars().count() >= CLAUSE_BEFORE_PAUSE
    })
}

/// The clause around `[start, end)`: up to the nearest clause punctuation.
fn clause(text: &str, start: usize, end: usize) -> (usize, usize) {
    crate::normalize::widen(text, start, end, is_clause_break)
}

const NEGATORS: &[char] = &['不', '没', '未', '非', '别', '无', '勿', '莫', '禁', '绝'];

/// Words that begin with a negator character but negate nothing, among them
/// affirmations and courtesies (没错, 没问题, 不客气), and answers and
/// reassurances that close on themselves (不会的, 没有没有, 别担心): in
/// 不会的，保本的 the agent denies the customer's worry and then makes the
/// claim. 不用 and 不要 are not here: 不用告诉我验证码 negates what follows.
const NOT_NEGATIONS: &[&str] = &[
    "不但",
    "不仅",
    "不只",
    "不光",
    "不管",
    "不论",
    "不过",
    "不错",
    "不少",
    "不久",
    "不断",
    "不停",
    "不同",
    "不然",
    "不如",
    "不好意思",
    "无论",
    "非常",
    "别的",
    "别人",
    "别处",
    "没准",
    "绝对",
    "无数",
    "没错",
    "没问题",
    "没关系",
    "不客气",
    "不会的",
    "不是的",
    "没有的",
    "没事",
    "不会不会",
    "不是不是",
    "没有没有",
    "不对不对",
    "别担心",
    "不用担心",
    "不要担心",
    "不必担心",
    "别着急",
    "不着急",
    "别急",
    "不要紧",
    "未来",
    // Judgements that end their own phrase: 您不同意也没用 信息已经共享了,
    // 您眼神不好 密码我帮您输.
    "没用",
    "不好",
    "不行",
];

/// Denials whose scope is the rest of the clause, not the few characters of
/// a negator's window: 没有任何产品是零风险的, 没人能保证稳赚不赔,
/// 不是说这个产品就保本了, 别信那些说保本的.
const WIDE_NEGATIONS: &[&str] = &[
    "没有任何",
    "没有哪",
    "没有一款",
    "没有一个",
    "没有一种",
    "没有什么",
    "没人",
    "没有人",
    "谁也不",
    "谁都不",
    "谁也没",
    "谁都没",
    "不代表",
    "不等于",
    "不意味着",
    "并不是",
    "并非",
    "不是说",
    "别信",
    "别相信",
    "不要信",
    "不要相信",
    "不要听信",
    "别听信",
];

/// Whether `word` of [`NOT_NEGATIONS`], said before `after`, negates after
/// all, being a denying modal before a verb of asserting: 眼神不好 judges,
/// 不好保证收益 and 不好说 deny.
fn hedges(word: &str, after: &str) -> bool {
    DENYING_MODALS.contains(&word) && ASSERTING.iter().any(|a| after.starts_with(a))
}

/// A modal denial that, followed within [`MODAL_GAP`] characters by a verb
/// of [`ASSERTING`], denies the whole claim after it: 我可不敢跟您承诺保本,
/// 我们不能保证收益一定能达到.
const DENYING_MODALS: &[&str] = &["不敢", "不能", "无法", "没法", "没办法", "不会", "不可能", "不好"];
const ASSERTING: &[&str] = &["保证", "承诺", "打包票", "担保", "说"];
const MODAL_GAP: usize = 4;

/// Words after which a clause turns, so that a wide denial no longer covers
/// what follows: 我不敢说别的 但这个产品肯定保本.
const TURNS: &[&str] = &["但", "可是", "不过", "只是", "然而", "反正"];

/// Words of risk and loss: a wide denial of them is itself an assurance
/// (没有任何风险, 没人亏过钱), and the claims after it are more of the same.
const LOSSES: &[&str] = &["风险", "亏", "赔", "损失"];

/// Whether `scope` turns ([`TURNS`]), denies a loss ([`LOSSES`]) or
/// compares (没有什么比这个更稳的了: a superlative, not a denial).
fn turns(scope: &str) -> bool {
    (TURNS.iter().chain(LOSSES)).any(|t| scope.contains(t))
        || scope
            .match_indices('比')
            .any(|(i, _)| !scope[i + '比'.len_utf8()..].starts_with(['较', '如']))
}

/// The most characters from a wide denial to the claim it covers.
const WIDE_REACH: usize = 12;

/// Whether `before`, the clause up to a hit, ends in the scope of a wide
/// denial ([`WIDE_NEGATIONS`], or [`DENYING_MODALS`] with a verb of
/// [`ASSERTING`]). A denial the speaker paused right after (`paused_at`
/// its end) said all it denies before the pause: 那些说法您别信 我跟您保证….
fn widely_negated(before: &str, paused_at: impl Fn(usize) -> bool) -> bool {
    let covers = |scope_start: usize| {
        let scope = &before[scope_start..];
        !paused_at(scope_start) && scope.chars().count() <= WIDE_REACH && !turns(scope)
    };
    let word_at =
        |words: &[&'static str], rest: &str| words.iter().find(|w| rest.starts_with(*w)).map(|w| w.len());
    // Every denial starts with one of these: most clauses are told at once.
    let mut starts = before
        .char_indices()
        .filter(|(_, c)| matches!(c, '不' | '没' | '无' | '别' | '并' | '谁'));
    starts.any(|(i, _)| {
        let rest = &before[i..];
        let wide =
            word_at(WIDE_NEGATIONS, rest).is_some_and(|len| covers(i + len) && !neglected(&rest[len..]));
        wide || word_at(DENYING_MODALS, rest).is_some_and(|len| {
            let after = &rest[len..];
            (after.char_indices().take(MODAL_GAP + 1))
                .any(|(j, _)| word_at(ASSERTING, &after[j..]).is_some_and(|v| covers(i + len + j + v)))
        })
    })
}

/// What nobody did for a customer (没人来, 没人管): after 没人 a complaint
/// of neglect, which denies nothing that follows (三次都没人来 你们到底行不行).
const NEGLECTED: &[&str] = &[
    "来", "接", "管", "理", "回", "处理", "联系", "通知", "告诉", "上门", "解决", "负责",
];

/// Whether a wide denial ([`WIDE_NEGATIONS`]) that leaves `after` is of
/// someone's neglect, [`NEGLECTED`].
fn neglected(after: &str) -> bool {
    NEGLECTED.iter().any(|v| after.starts_with(v))
}

/// Words with a negator after their first character that negate nothing:
/// the 别 of 特别 and 区别, the 不 of 差不多 and 说不定, the 非 of 除非.
const NEGATORS_INSIDE: &[&str] = &[
    "特别",
    "区别",
    "分别",
    "级别",
    "类别",
    "个别",
    "差别",
    "性别",
    "识别",
    "告别",
    "鉴别",
    "辨别",
    "派别",
    "判别",
    "除非",
    "莫非",
    "无非",
    "淹没",
    "埋没",
    "出没",
    "沉没",
    "差不多",
    "对不起",
    "了不起",
    "说不定",
    "怪不得",
    "恨不得",
    "巴不得",
    "要不然",
    "来不及",
];

/// Result complements that a verb takes with 不 between them to say it
/// cannot be done: 登不上, 收不到, 操作不了.
const COMPLEMENTS: &[char] = &[
    '了', '上', '到', '动', '懂', '清', '住', '起', '开', '完', '出', '着', '掉', '成', '见',
];

/// Characters before 不 that make it an adverb of what follows (也不上门,
/// 我不懂, 千万不要), not the middle of a potential complement: pronouns,
/// adverbs, modals and particles.
const NOT_VERBS: &[char] = &[
    '也', '都', '就', '还', '可', '并', '绝', '决', '再', '又', '很', '太', '更', '最', '我', '你', '您',
    '他', '她', '它', '们', '是', '要', '会', '能', '得', '说', '千', '万', '请', '从', '一', '这', '那',
    '的', '地',
];

/// Whether 不 between `prev` and `next` sits inside a potential complement
/// (V不C: 登不上了, 操作不了), which says the customer cannot do something
/// and negates nothing after it.
fn is_potential_complement(prev: Option<char>, next: Option<char>) -> bool {
    let verb_before = prev.is_some_and(|p| is_chinese(p) && !NOT_VERBS.contains(&p));
    verb_before && next.is_some_and(|n| COMPLEMENTS.contains(&n))
}

/// Whether a negator stands within `window` characters before `at`, in the
/// clause starting at `clause_start`. A-not-A questions (是不是, 有没有) and
/// the words of [`NOT_NEGATIONS`], every character of them, do not negate.
fn negated(text: &str, clause_start: usize, at: usize, window: usize, cut: impl Fn(usize) -> bool) -> bool {
    let before = &text[clause_start..at];
    // Byte where the window's first character starts.
    let from = match window {
        0 => before.len(),
        n => (before.char_indices().rev().nth(n - 1)).map_or(0, |(i, _)| i),
    };
    let mut prev: Option<char> = None;
    let mut prev_start = 0;
    let mut skip_to = 0;
    for (i, c) in before.char_indices() {
        let inside_a_word = || {
            let word_start = &text[clause_start + prev_start..];
            prev.is_some() && NEGATORS_INSIDE.iter().any(|w| word_start.starts_with(w))
        };
        if i >= skip_to && NEGATORS.contains(&c) && !inside_a_word() {
            let rest = &before[i..];
            let after = |word: &str| &text[clause_start + i + word.len()..];
            match (NOT_NEGATIONS.iter()).find(|w| rest.starts_with(*w) && !hedges(w, after(w))) {
                Some(word) => skip_to = i + word.len(),
                None => {
                    let next = text[clause_start + i + c.len_utf8()..].chars().next();
                    let a_not_a = prev.is_some() && prev == next;
                    let complement = c == '不' && is_potential_complement(prev, next);
                    if i >= from && !a_not_a && !complement && !cut(clause_start + i + c.len_utf8()) {
                        return true;
                    }
                }
            }
        }
        prev = Some(c);
        prev_start = i;
    }
    false
}

/// Narrows `[start, end)` past punctuation at either edge: a pattern that
/// has to consume a clause's trailing comma to know the clause ended should
/// not underline it (「这是规定」, not 「这是规定，」).
fn trim_punctuation(text: &str, start: usize, end: usize) -> (usize, usize) {
    let is_punct =
        |c: char| is_clause_break(c) || matches!(c, ':' | '：' | '、' | '"' | '“' | '”' | '「' | '」');
    let inner = text[start..end].trim_matches(is_punct);
    if inner.is_empty() {
        return (start, end);
    }
    let from = start + (text[start..end].len() - text[start..end].trim_start_matches(is_punct).len());
    (from, from + inner.len())
}

/// Merges overlapping `(rule, start, end)` ranges of the same rule; the input
/// is sorted.
fn merge_overlaps(kept: &[(usize, usize, usize)]) -> Vec<(usize, usize, usize)> {
    let mut merged: Vec<(usize, usize, usize)> = Vec::with_capacity(kept.len());
    for &(rule, start, end) in kept {
        match merged.last_mut() {
            Some(last) if last.0 == rule && start < last.2 => last.2 = last.2.max(end),
            _ => merged.push((rule, start, end)),
        }
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negation_window_and_non_negating_words() {
        let t = "这个产品不保本";
        let at = t.find("保本").unwrap();
        assert!(negated(t, 0, at, 2, |_| false));
        let t = "这个产品是不是保本";
        let at = t.find("保本").unwrap();
        assert!(!negated(t, 0, at, 3, |_| false));
        let t = "不但保本";
        assert!(!negated(t, 0, t.find("保本").unwrap(), 3, |_| false));
        let t = "不,这个保本";
        assert!(!negated(t, "不,".len(), t.find("保本").unwrap(), 4, |_| false));
        // Affirmations that start with a negator.
        for t in ["没错我们就是乱收费", "没问题保本的", "没关系我们就是乱收费"] {
            let at = t.find("我们").or_else(|| t.find("保本")).unwrap();
            assert!(!negated(t, 0, at, 4, |_| false), "{t}");
        }
        let t = "没错,不保本";
        assert!(negated(t, "没错,".len(), t.find("保本").unwrap(), 2, |_| {
            false
        }));
        // Answers and reassurances, doubled or not, before the claim.
        for t in [
            "不会的保本的",
            "不会不会保本的",
            "没有没有您把验证码报一下",
            "别担心保本的",
        ] {
            let at = t.find("保本").or_else(|| t.find("您把")).unwrap();
            assert!(!negated(t, 0, at, 4, |_| false), "{t}");
        }
        let t = "不会的,我们不会保本";
        assert!(negated(t, 0, t.rfind("保本").unwrap(), 3, |_| false));
        // Judgements that end their own phrase, unless a hedge of a claim.
        for (t, hit, denied) in [
            ("您不同意也没用信息已经共享", "信息", false),
            ("您眼神不好密码我帮您输", "密码", false),
            ("这个不好保证收益", "保证收益", true),
        ] {
            let at = t.find(hit).unwrap();
            assert_eq!(negated(t, 0, at, 4, |_| false), denied, "{t}");
        }
    }

    #[test]
    fn spans_do_not_underline_edge_punctuation() {
        let t = "好的,这是规定,没办法";
        let s = t.find(",这").unwrap();
        let e = t.find("没").unwrap();
        assert_eq!(
            &t[trim_punctuation(t, s, e).0..trim_punctuation(t, s, e).1],
            "这是规定"
        );
        assert_eq!(
            trim_punctuation(t, 6, 7),
            (6, 7),
            "all punctuation stays as it was"
        );
        let t = "收益100%";
        assert_eq!(trim_punctuation(t, 0, t.len()), (0, t.len()));
    }

    #[test]
    fn merges_overlapping_hits_of_one_rule() {
        assert_eq!(
            merge_overlaps(&[(0, 0, 6), (0, 3, 9), (1, 3, 6)]),
            vec![(0, 0, 9), (1, 3, 6)]
        );
    }
}
