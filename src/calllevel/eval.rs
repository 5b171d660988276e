//! Evaluating call-level rules over what the per-utterance scan found.
//!
//! The engine records, for every utterance, the surviving hits of every
//! phrase set ([`CallScan::record`]) and, only when some rule needs them, the
//! spoken-character count and the sentences of the normalised text
//! ([`CallScan::observe`]). Evaluation then works on those records and the
//! utterance times alone.

use super::{CallLevel, Check, Direction, Formulas, Limit, Scope, Want, Window};
use crate::engine::{Finding, Span};
use crate::model::{Call, Role};
use crate::normalize::Normalized;
use crate::report::clock;
use crate::rules::{Pattern, Rule};
use std::cell::RefCell;

/// A surviving hit of a phrase set: utterance and original byte range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct SetHit {
    utt: u32,
    start: u32,
    end: u32,
}

/// A sentence of the normalised text, for repetition; `start..end` are
/// byte offsets in the normalised text.
#[derive(Debug, Clone, Copy)]
struct Sentence {
    hash: u64,
    utt: u32,
    start: u32,
    end: u32,
    chars: u32,
}

/// What the per-utterance scan of one call leaves for call-level rules;
/// reused across calls by one worker.
#[derive(Debug, Default)]
pub struct CallScan {
    /// Per global set, in utterance order.
    hits: Vec<Vec<SetHit>>,
    /// Per utterance: letters and digits spoken (when a rule needs them).
    chars: Vec<u32>,
    sentences: Vec<Sentence>,
    /// The spoken bytes of the sentence being read, without its punctuation.
    spoken: Vec<u8>,
    chars_roles: Vec<Role>,
    sentence_roles: Vec<Role>,
    /// Per global set: which utterances' hits matter.
    pub(super) wants: Vec<Want>,
    /// Per global set: a hit has been recorded.
    found: Vec<bool>,
    /// Per global set: the utterance of its latest recorded hit.
    last: Vec<u32>,
    /// Per role (agent, customer): utterances of that role up to and
    /// including each utterance.
    pub(super) upto: [Vec<u32>; 2],
    /// Utterance masks for `Want::Mask`.
    pub(super) mask: Vec<bool>,
    /// Sets with a candidate (before boundary checks) in the current utterance.
    candidates: Vec<usize>,
    /// Per global set: whether a set waits on its candidates in the same
    /// utterance (`Want::After` with `same`).
    pub(super) same_triggers: Vec<bool>,
    /// Sentences shorter than this are not kept.
    sentence_chars: u32,
    /// Whether every utterance of the call has times.
    timed: bool,
}

impl CallScan {
    pub(super) fn reset(
        &mut self,
        sets: usize,
        utterances: usize,
        chars: &[Role],
        sentences: &[Role],
        sentence_chars: usize,
        timed: bool,
    ) {
        self.sentence_chars = sentence_chars as u32;
        self.timed = timed;
        self.hits.resize_with(sets, Vec::new);
        for h in &mut self.hits {
            h.clear();
        }
        self.chars.clear();
        self.chars.resize(utterances, 0);
        self.sentences.clear();
        self.chars_roles.clear();
        self.chars_roles.extend_from_slice(chars);
        self.sentence_roles.clear();
        self.sentence_roles.extend_from_slice(sentences);
        self.wants.clear();
        self.found.clear();
        self.found.resize(sets, false);
        self.last.clear();
        self.last.resize(sets, 0);
        self.mask.clear();
    }

    /// Whether a hit of global set `set` in utterance `utt` can change any
    /// call-level verdict; when not, the engine skips its boundary check.
    #[inline]
    pub fn wants(&self, set: usize, utt: usize) -> bool {
        match self.wants.get(set) {
            Some(&Want::After { trigger, same, limit }) => {
                let t = trigger as usize;
                let from = if same && self.candidates.contains(&t) {
                    utt
                } else if self.found[t] {
                    self.last[t] as usize
                } else {
                    return false;
                };
                match limit {
                    Limit::Any => true,
                    Limit::Utterances(n) => utt - from <= n as usize,
                    Limit::Turns(n, role) => {
                        let upto = &self.upto[role];
                        upto[utt].saturating_sub(upto[from]) <= n
                    }
                }
            }
            Some(Want::All) => true,
            Some(Want::First) => !self.found[set],
            Some(&Want::Range(lo, hi)) => !self.found[set] && (lo as usize..hi as usize).contains(&utt),
            Some(&Want::Mask(offset)) => self.mask.get(offset as usize + utt).copied().unwrap_or(false),
            None => false,
        }
    }

    /// Whether a hit of global set `set` in utterance `utt` may change a
    /// verdict, told before the utterance is scanned: as [`CallScan::wants`],
    /// except that it cannot yet tell for a set that waits on a trigger in
    /// the same utterance, nor for such a trigger, so for those it says yes.
    #[inline]
    pub fn may_want(&self, set: usize, utt: usize) -> bool {
        match self.wants.get(set) {
            Some(Want::After { same: true, .. }) => true,
            _ => self.same_triggers.get(set) == Some(&true) || self.wants(set, utt),
        }
    }

    /// Records a surviving hit of global set `set` in utterance `utt`, at
    /// original bytes `[start, end)`.
    pub fn record(&mut self, set: usize, utt: usize, start: usize, end: usize) {
        let hit = SetHit {
            utt: utt as u32,
            start: start as u32,
            end: end as u32,
        };
        if let Some(found) = self.found.get_mut(set) {
            *found = true;
            self.last[set] = utt as u32;
        }
        if let Some(list) = self.hits.get_mut(set) {
            // One hit per utterance is enough for every check but spans;
            // keep the first few so `near` can pair them.
            let same = list.iter().rev().take_while(|h| h.utt == hit.utt).count();
            if same < 8 {
                list.push(hit);
            }
        }
    }

    /// Notes the sets with a candidate hit in the current utterance, before
    /// any of them is judged, so that [`CallScan::wants`] can tell whether a
    /// trigger was said in the same utterance.
    pub fn candidates(&mut self, sets: impl Iterator<Item = usize>) {
        self.candidates.clear();
        self.candidates.extend(sets);
    }

    /// Whether call-level rules need anything from the normalised text of
    /// what `role` says ([`CallScan::observe`]).
    pub fn observes(&self, role: Role) -> bool {
        self.chars_roles.contains(&role) || self.sentence_roles.contains(&role)
    }

    /// Takes what call-level rules need from utterance `utt`'s normalised
    /// text, said by a role it [observes](CallScan::observes).
    pub fn observe(&mut self, utt: usize, role: Role, norm: &Normalized) {
        let want_chars = self.chars_roles.contains(&role);
        let want_sentences = self.sentence_roles.contains(&role);
        // One pass over the bytes, no decoding: the spoken-character count,
        // and each sentence's spoken characters gathered without punctuation
        // and spacing (which do not make two sentences different), hashed
        // whole at its end.
        let bytes = norm.text().as_bytes();
        let mut total = 0u32;
        let mut sentence = SentenceSpan::default();
        self.spoken.clear();
        let mut i = 0;
        while i < bytes.len() {
            // U+4000–U+9FFF, nearly every character of Chinese text, is
            // spoken: take a whole run of them at once.
            let run = cjk_run_len(&bytes[i..]);
            let (end, chars) = if run > 0 {
                (i + run, (run / 3) as u32)
            } else {
                let end = (i + utf8_len(bytes[i])).min(bytes.len());
                (end, u32::from(spoken_at(bytes, i)))
            };
            if chars > 0 {
                total += chars;
                if want_sentences {
                    sentence.add(i, end, chars);
                    self.spoken.extend_from_slice(&bytes[i..end]);
                }
            } else if want_sentences && sentence_break_at(bytes, i) {
                self.sentence(utt, std::mem::take(&mut sentence));
            }
            i = end;
        }
        if want_sentences {
            self.sentence(utt, sentence);
        }
        if want_chars {
            if let Some(c) = self.chars.get_mut(utt) {
                *c = total;
            }
        }
    }

    #[inline]
    fn sentence(&mut self, utt: usize, s: SentenceSpan) {
        if s.chars > 0 && s.chars >= self.sentence_chars {
            // Normalised offsets: mapped back to the original only for the
            // rare sentence that becomes a finding.
            self.sentences.push(Sentence {
                hash: hash_spoken(&self.spoken),
                utt: utt as u32,
                start: s.first as u32,
                end: s.last as u32,
                chars: s.chars,
            });
        }
        self.spoken.clear();
    }
}

/// Where a sentence's spoken characters lie in the normalised text, and how
/// many there are.
#[derive(Default)]
struct SentenceSpan {
    chars: u32,
    first: usize,
    last: usize,
}

impl SentenceSpan {
    fn add(&mut self, from: usize, to: usize, chars: u32) {
        if self.chars == 0 {
            self.first = from;
        }
        self.chars += chars;
        self.last = to;
    }
}

/// A hash of a sentence's spoken bytes: eight bytes mixed at a time.
fn hash_spoken(bytes: &[u8]) -> u64 {
    let mut words = bytes.chunks_exact(8);
    let mut hash = HASH_SEED;
    for word in &mut words {
        let word = u64::from_le_bytes(word.try_into().expect("eight bytes"));
        hash = fold_mul(hash ^ word, HASH_MUL);
    }
    let tail = (words.remainder().iter().rev()).fold(0, |w, &b| w << 8 | u64::from(b));
    let hash = fold_mul(hash ^ tail, HASH_MUL ^ bytes.len() as u64);
    fold_mul(hash, HASH_MUL)
}

/// Bytes of the run of U+4000–U+9FFF characters that `b` starts with.
#[inline]
fn cjk_run_len(b: &[u8]) -> usize {
    let mut rest = b;
    while let [0xe4..=0xe9, _, _, ref tail @ ..] = *rest {
        rest = tail;
    }
    b.len() - rest.len()
}

const HASH_SEED: u64 = 0x243f_6a88_85a3_08d3;
const HASH_MUL: u64 = 0x9e37_79b9_7f4a_7c15;

/// One multiply whose high and low halves are folded together: every input
/// bit reaches every output bit (foldhash's and wyhash's mixing step).
#[inline]
fn fold_mul(a: u64, b: u64) -> u64 {
    let m = u128::from(a) * u128::from(b);
    (m as u64) ^ ((m >> 64) as u64)
}

fn utf8_len(lead: u8) -> usize {
    match lead {
        0..=0x7f => 1,
        0xf0.. => 4,
        0xe0.. => 3,
        _ => 2,
    }
}

/// Whether the character starting at byte `i` of normalised text is spoken:
/// a letter, digit or CJK character, not punctuation, a symbol or a space.
/// Decided on the UTF-8 bytes (no decoding, no Unicode tables): ASCII
/// letters and digits, and every other character except U+0080–U+00BF,
/// U+2000–U+2FFF (punctuation, symbols), U+3000–U+303F (CJK punctuation),
/// U+FE00–U+FE7F and U+FF00–U+FF0F.
#[inline]
fn spoken_at(b: &[u8], i: usize) -> bool {
    let at = |k: usize| b.get(i + k).copied().unwrap_or(0);
    match b[i] {
        c @ 0..=0x7f => c.is_ascii_alphanumeric(),
        0xc2 | 0xe2 => false,
        0xe3 => at(1) != 0x80,
        0xef => !(at(1) == 0xb8 || at(1) == 0xb9 || (at(1) == 0xbc && at(2) <= 0x8f)),
        _ => true,
    }
}

/// Whether `text` (normalised) is nothing but `formulas`: read from the
/// start, each spoken character begins an occurrence of a phrase (longest
/// first) or a pattern match, which is stepped over; punctuation and spaces
/// are stepped over too. Most turns are told at their first spoken character.
fn only_formulas(formulas: &Formulas, text: &str) -> bool {
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if !spoken_at(b, i) {
            i += utf8_len(b[i]);
            continue;
        }
        let rest = &text[i..];
        let step = (formulas.phrases.iter())
            .find(|p| rest.starts_with(p.as_str()))
            .map(String::len)
            .or_else(|| {
                // The leftmost match starts here if any match does.
                let re = formulas.patterns.as_ref()?.regex();
                re.find(rest)
                    .filter(|m| m.start() == 0)
                    .map(|m| m.end())
                    .filter(|&n| n > 0)
            });
        match step {
            Some(n) => i += n,
            None => return false,
        }
    }
    true
}

/// Whether `sentence` keeps fewer than `min_chars` spoken characters once
/// every match of `formulas` is taken out.
fn is_formula(formulas: &regex::Regex, sentence: &str, min_chars: usize) -> bool {
    let mut left = 0;
    let mut from = 0;
    let count = |s: &str| {
        let b = s.as_bytes();
        (0..b.len())
            .filter(|&i| (b[i] & 0xc0) != 0x80 && spoken_at(b, i))
            .count()
    };
    for m in formulas.find_iter(sentence) {
        left += count(&sentence[from..m.start()]);
        from = m.end();
    }
    left += count(&sentence[from..]);
    left < min_chars
}

/// Sentence ends: 。 … and (full-width forms already folded) ! ? ; and line breaks.
#[inline]
fn sentence_break_at(b: &[u8], i: usize) -> bool {
    let at = |k: usize| b.get(i + k).copied().unwrap_or(0);
    match b[i] {
        b'!' | b'?' | b';' | b'\n' | b'\r' => true,
        0xe3 => at(1) == 0x80 && at(2) == 0x82,
        0xe2 => at(1) == 0x80 && at(2) == 0xa6,
        _ => false,
    }
}

impl CallLevel {
    /// Appends the findings of every call-level rule for `call`; `rules` are
    /// the linter's rules, `scan` what the per-utterance pass recorded.
    pub fn evaluate(&self, rules: &[Rule], call: &Call, scan: &CallScan, out: &mut Vec<Finding>) {
        let timed = scan.timed;
        // Normalised text for the rare formula checks, one buffer per call.
        let norm = RefCell::new(Normalized::default());
        for &(rule, base) in &self.rules {
            let Some(c) = rules[rule].call.as_deref() else {
                continue;
            };
            if c.needs_times() && !timed {
                continue;
            }
            let mut e = Eval {
                call,
                scan,
                base,
                sets: &c.sets,
                rule,
                roles: &rules[rule].roles,
                timed,
                norm: &norm,
                out,
            };
            e.run(&c.check);
        }
    }
}

struct Eval<'a> {
    call: &'a Call,
    scan: &'a CallScan,
    base: usize,
    sets: &'a [Rule],
    rule: usize,
    roles: &'a [Role],
    timed: bool,
    norm: &'a RefCell<Normalized>,
    out: &'a mut Vec<Finding>,
}

impl Eval<'_> {
    fn hits(&self, set: usize) -> &[SetHit] {
        &self.scan.hits[self.base + set]
    }

    fn in_utt(&self, set: usize, u: usize) -> &[SetHit] {
        let hits = self.hits(set);
        let from = hits.partition_point(|h| (h.utt as usize) < u);
        let to = from + hits[from..].partition_point(|h| h.utt as usize == u);
        &hits[from..to]
    }

    fn has(&self, set: usize, u: usize) -> bool {
        !self.in_utt(set, u).is_empty()
    }

    /// Utterances with a hit of `set`, in order, each once.
    fn utts_of(&self, set: usize) -> Vec<usize> {
        let mut v: Vec<usize> = self.hits(set).iter().map(|h| h.utt as usize).collect();
        v.dedup();
        v
    }

    fn len(&self) -> usize {
        self.call.utterances.len()
    }

    fn role(&self, u: usize) -> Role {
        self.call.utterances[u].role
    }

    fn start(&self, u: usize) -> f64 {
        self.call.utterances[u].start.unwrap_or(0.0)
    }

    fn end(&self, u: usize) -> f64 {
        self.call.utterances[u].end.unwrap_or(0.0)
    }

    /// The utterance number as the source has it.
    fn num(&self, u: usize) -> usize {
        self.call.utterances[u].index
    }

    fn text(&self, h: &SetHit) -> &str {
        &self.call.utterances[h.utt as usize].text[h.start as usize..h.end as usize]
    }

    fn span(&self, h: &SetHit) -> Span {
        Span::from_bytes(
            &self.call.utterances[h.utt as usize].text,
            h.start as usize,
            h.end as usize,
        )
    }

    fn label(&self, set: usize) -> &str {
        &self.sets[set].title
    }

    fn push(&mut self, utterance: Option<usize>, span: Option<Span>, detail: String) {
        self.out.push(Finding {
            rule: self.rule,
            utterance,
            span,
            detail: Some(detail),
        });
    }

    fn run(&mut self, check: &Check) {
        match check {
            Check::Required {
                set,
                window,
                skip,
                unless_last,
            } => self.required(*set, *window, skip.as_ref(), unless_last.as_ref()),
            Check::Conditional {
                trigger,
                require,
                forbid,
                direction,
                utterances,
                seconds,
            } => self.conditional(*trigger, *require, *forbid, *direction, *utterances, *seconds),
            Check::Response {
                cue,
                answer,
                forbid,
                turns,
                seconds,
                skip,
            } => self.response(*cue, *answer, *forbid, *turns, *seconds, skip.as_ref()),
            Check::Composition {
                scope,
                all,
                any,
                none,
                at_least,
                near,
            } => self.composition(*scope, all, any, none, at_least.as_ref(), *near),
            Check::SpeechRate {
                max_cpm,
                per,
                min_chars,
                min_seconds,
            } => self.speech_rate(*max_cpm, *per, *min_chars, *min_seconds),
            Check::Interruption {
                min_overlap,
                after_cue,
                skip,
            } => self.interruption(*min_overlap, *after_cue, skip.as_ref()),
            Check::Silence {
                max_seconds,
                excused_by,
                lookback,
                excused_by_other,
            } => self.silence(*max_seconds, *excused_by, *lookback, excused_by_other.as_ref()),
            Check::Latency { max_seconds } => self.latency(*max_seconds),
            Check::Duration {
                min_seconds,
                max_seconds,
            } => self.duration(*min_seconds, *max_seconds),
            Check::Repetition {
                min_count,
                min_chars,
                formulas,
            } => self.repetition(*min_count, *min_chars, formulas.as_ref()),
        }
    }

    /// Whether utterance `u` says nothing but `formulas`: no spoken
    /// character of its normalised text is left once they are taken out.
    fn only_formulas(&self, formulas: &Formulas, u: usize) -> bool {
        let mut norm = self.norm.borrow_mut();
        norm.fill(&self.call.utterances[u].text);
        only_formulas(formulas, norm.text())
    }

    /// Whether utterance `u`'s normalised text says one of `formulas`.
    fn says(&self, formulas: &Formulas, u: usize) -> bool {
        let mut norm = self.norm.borrow_mut();
        norm.fill(&self.call.utterances[u].text);
        let text = norm.text();
        formulas.phrases.iter().any(|p| text.contains(p.as_str()))
            || formulas
                .patterns
                .as_ref()
                .is_some_and(|re| re.regex().is_match(text))
    }

    /// The first utterances of `of_role`: `n` counted ones, and up to `n`
    /// more that only say `skip` (not counted), in order.
    fn reach(&self, of_role: impl Iterator<Item = usize>, n: usize, skip: &Formulas) -> Vec<usize> {
        let (mut counted, mut skipped) = (0, 0);
        let mut window = Vec::new();
        for u in of_role {
            if counted == n {
                break;
            }
            if skipped < n && self.only_formulas(skip, u) {
                skipped += 1;
            } else {
                counted += 1;
            }
            window.push(u);
        }
        window
    }

    fn required(
        &mut self,
        set: usize,
        window: Window,
        skip: Option<&Formulas>,
        unless_last: Option<&(Formulas, Vec<Role>)>,
    ) {
        let sets = self.sets;
        let roles = &sets[set].roles;
        let of_role = || (0..self.len()).filter(|&u| roles.contains(&self.role(u)));
        // (utterances in the window, whether the set is said there, edge)
        let scan = |window: &mut dyn Iterator<Item = usize>| {
            let (mut count, mut found, mut edge) = (0, false, None);
            for u in window {
                count += 1;
                found = found || self.has(set, u);
                edge.get_or_insert(u);
            }
            (count, found, edge)
        };
        let (count, found, edge) = match window {
            Window::Call => (of_role().count(), !self.hits(set).is_empty(), None),
            Window::First(n) => scan(&mut of_role().take(n)),
            Window::Last(n) => scan(&mut of_role().rev().take(n)),
            Window::FirstSeconds(t) => {
                let t0 = (0..self.len())
                    .map(|u| self.start(u))
                    .fold(f64::INFINITY, f64::min);
                scan(&mut of_role().filter(|&u| self.start(u) < t0 + t))
            }
            Window::LastSeconds(t) => {
                let t1 = (0..self.len())
                    .map(|u| self.end(u))
                    .fold(f64::NEG_INFINITY, f64::max);
                scan(&mut of_role().rev().filter(|&u| self.end(u) > t1 - t))
            }
        };
        if count == 0 || found {
            return;
        }
        // Only now, with the set missing from the plain window, the rarer
        // checks that can excuse it: utterances that do not count, and the
        // other side ending the call.
        if let (Window::First(n), Some(skip)) = (window, skip) {
            if self.reach(of_role(), n, skip).iter().any(|&u| self.has(set, u)) {
                return;
            }
        }
        if let Some((said, by)) = unless_last {
            let last = self.len() - 1;
            if by.contains(&self.role(last)) && self.says(said, last) {
                return;
            }
        }
        let who = role_names(roles);
        let place = match window {
            Window::Call => format!("any {who} utterance of the call"),
            Window::First(n) => format!("the first {n} {who} utterance{}", plural(n)),
            Window::Last(n) => format!("the last {n} {who} utterance{}", plural(n)),
            Window::FirstSeconds(t) => format!("{who} speech in the first {t} s of the call"),
            Window::LastSeconds(t) => format!("{who} speech in the last {t} s of the call"),
        };
        let detail = format!("expected {} in {place}; none found", self.label(set));
        self.push(edge, None, detail);
    }

    fn conditional(
        &mut self,
        trigger: usize,
        require: Option<usize>,
        forbid: Option<usize>,
        direction: Direction,
        utterances: Option<usize>,
        seconds: Option<f64>,
    ) {
        let in_window = |e: &Self, t: usize, u: usize| {
            let after = u >= t
                && utterances.is_none_or(|n| u - t <= n)
                && seconds.is_none_or(|s| e.start(u) <= e.end(t) + s);
            let before = u <= t
                && utterances.is_none_or(|n| t - u <= n)
                && seconds.is_none_or(|s| e.end(u) >= e.start(t) - s);
            match direction {
                Direction::After => after,
                Direction::Before => before,
                Direction::Around => after || before,
            }
        };
        let extent = extent(direction, utterances, seconds);
        let mut missing: Vec<usize> = Vec::new();
        let mut forbidden_at: Vec<usize> = Vec::new();
        for t in self.utts_of(trigger) {
            if let Some(req) = require {
                if !self.hits(req).iter().any(|h| in_window(self, t, h.utt as usize)) {
                    missing.push(t);
                }
            }
            if let Some(f) = forbid {
                let found: Vec<SetHit> = self
                    .hits(f)
                    .iter()
                    .filter(|h| {
                        in_window(self, t, h.utt as usize) && !forbidden_at.contains(&(h.utt as usize))
                    })
                    .copied()
                    .collect();
                for h in found {
                    if forbidden_at.contains(&(h.utt as usize)) {
                        continue;
                    }
                    forbidden_at.push(h.utt as usize);
                    let said = self.in_utt(trigger, t)[0];
                    let detail = format!(
                        "{} said {extent} the trigger 「{}」 (#{})",
                        self.label(f),
                        self.text(&said),
                        self.num(t)
                    );
                    self.push(Some(h.utt as usize), Some(self.span(&h)), detail);
                }
            }
        }
        if let (Some(req), Some(&t)) = (require, missing.first()) {
            let said = self.in_utt(trigger, t)[0];
            let mut detail = format!(
                "「{}」 ({}) said here; expected {} {extent} it; none found",
                self.text(&said),
                self.label(trigger),
                self.label(req)
            );
            if missing.len() > 1 {
                detail.push_str(&format!(" ({} triggers in this call without it)", missing.len()));
            }
            self.push(Some(t), None, detail);
        }
    }

    fn response(
        &mut self,
        cue: usize,
        answer: Option<usize>,
        forbid: Option<usize>,
        turns: Option<usize>,
        seconds: Option<f64>,
        skip: Option<&Formulas>,
    ) {
        let Some(answering) = answer.or(forbid) else {
            return;
        };
        let roles = self.sets[answering].roles.clone();
        let who = role_names(&roles);
        let seconds = seconds.filter(|_| self.timed);
        let mut missing: Vec<usize> = Vec::new();
        let mut forbidden_at: Vec<usize> = Vec::new();
        for c in self.utts_of(cue) {
            let later = || (c + 1..self.len()).filter(|&u| roles.contains(&self.role(u)));
            let in_time = |u: &usize| seconds.is_none_or(|s| self.start(*u) <= self.end(c) + s);
            let mut window: Vec<usize> = later()
                .take(turns.unwrap_or(usize::MAX))
                .filter(in_time)
                .collect();
            // Turns that only say `skip` let the window reach further; told
            // only where it can matter: a forbidden set, or no answer yet.
            if let (Some(n), Some(skip)) = (turns, skip) {
                if forbid.is_some() || answer.is_some_and(|a| !window.iter().any(|&u| self.has(a, u))) {
                    window = self.reach(later(), n, skip).into_iter().filter(in_time).collect();
                }
            }
            if window.is_empty() {
                continue;
            }
            let said = self.in_utt(cue, c)[0];
            if let Some(a) = answer {
                // A complaint voiced again soon after the agent apologised for
                // it (非常抱歉… 那我要投诉) was answered already: twice the
                // window's turns before the cue count.
                let earlier = (0..c).rev().filter(|&u| roles.contains(&self.role(u)));
                let answered_before = turns.is_some_and(|n| earlier.take(2 * n).any(|u| self.has(a, u)));
                if !answered_before && !window.iter().any(|&u| self.has(a, u)) {
                    missing.push(c);
                }
            }
            if let Some(f) = forbid {
                for &u in &window {
                    if forbidden_at.contains(&u) {
                        continue;
                    }
                    if let Some(&h) = self.in_utt(f, u).first() {
                        forbidden_at.push(u);
                        let detail = format!(
                            "{} said in answer to 「{}」 (#{})",
                            self.label(f),
                            self.text(&said),
                            self.num(c)
                        );
                        self.push(Some(u), Some(self.span(&h)), detail);
                    }
                }
            }
        }
        if let (Some(a), Some(&c)) = (answer, missing.first()) {
            let said = self.in_utt(cue, c)[0];
            let mut within = Vec::new();
            if let Some(n) = turns {
                within.push(format!("in the next {n} {who} turn{}", plural(n)));
            }
            if let Some(s) = seconds {
                within.push(format!("within {s} s"));
            }
            if within.is_empty() {
                within.push(format!("in any later {who} turn"));
            }
            let mut detail = format!(
                "「{}」 ({}) said here; expected {} {}; none found",
                self.text(&said),
                self.label(cue),
                self.label(a),
                within.join(" and ")
            );
            if missing.len() > 1 {
                detail.push_str(&format!(" ({} cues in this call without it)", missing.len()));
            }
            self.push(Some(c), None, detail);
        }
    }

    fn near_in(&self, a: usize, b: usize, chars: usize, u: usize) -> Option<SetHit> {
        let text = &self.call.utterances[u].text;
        for x in self.in_utt(a, u) {
            for y in self.in_utt(b, u) {
                let (l, r) = if x.end <= y.start {
                    (x.end, y.start)
                } else {
                    (y.end, x.start)
                };
                let gap = if l < r {
                    text[l as usize..r as usize].chars().count()
                } else {
                    0
                };
                if gap <= chars {
                    return Some(SetHit {
                        utt: x.utt,
                        start: x.start.min(y.start),
                        end: x.end.max(y.end),
                    });
                }
            }
        }
        None
    }

    fn describe(
        &self,
        all: &[usize],
        any: &[usize],
        none: &[usize],
        at_least: Option<&(usize, Vec<usize>)>,
        near: Option<(usize, usize, usize)>,
    ) -> String {
        let names = |sets: &[usize]| sets.iter().map(|&s| self.label(s)).collect::<Vec<_>>().join(", ");
        let mut parts = Vec::new();
        if !all.is_empty() {
            parts.push(format!("all of {}", names(all)));
        }
        if !any.is_empty() {
            parts.push(format!("one of {}", names(any)));
        }
        if let Some((n, of)) = at_least {
            parts.push(format!("{n} or more of {}", names(of)));
        }
        if let Some((a, b, k)) = near {
            parts.push(format!(
                "{} within {k} characters of {}",
                self.label(a),
                self.label(b)
            ));
        }
        if !none.is_empty() {
            parts.push(format!("none of {}", names(none)));
        }
        parts.join("; ")
    }

    fn composition(
        &mut self,
        scope: Scope,
        all: &[usize],
        any: &[usize],
        none: &[usize],
        at_least: Option<&(usize, Vec<usize>)>,
        near: Option<(usize, usize, usize)>,
    ) {
        match scope {
            Scope::Utterance => {
                for u in 0..self.len() {
                    let has = |s: &usize| self.has(*s, u);
                    let near_hit = near.map(|(a, b, k)| self.near_in(a, b, k, u));
                    let holds = all.iter().all(has)
                        && (any.is_empty() || any.iter().any(has))
                        && !none.iter().any(has)
                        && at_least.is_none_or(|(n, of)| of.iter().filter(|s| has(s)).count() >= *n)
                        && near_hit.is_none_or(|h| h.is_some());
                    if !holds {
                        continue;
                    }
                    let first = near_hit.flatten().or_else(|| {
                        all.iter()
                            .chain(any)
                            .chain(at_least.map_or(&[][..], |(_, of)| of))
                            .filter_map(|&s| self.in_utt(s, u).first().copied())
                            .min_by_key(|h| h.start)
                    });
                    let detail = format!(
                        "this utterance has {}",
                        self.describe(all, any, none, at_least, near)
                    );
                    self.push(Some(u), first.map(|h| self.span(&h)), detail);
                }
            }
            Scope::Call => {
                let has = |s: &usize| !self.hits(*s).is_empty();
                let near_hit =
                    near.map(|(a, b, k)| self.utts_of(a).into_iter().find_map(|u| self.near_in(a, b, k, u)));
                let holds = all.iter().all(has)
                    && (any.is_empty() || any.iter().any(has))
                    && !none.iter().any(has)
                    && at_least.is_none_or(|(n, of)| of.iter().filter(|s| has(s)).count() >= *n)
                    && near_hit.is_none_or(|h| h.is_some());
                if !holds {
                    return;
                }
                let first = near_hit.flatten().or_else(|| {
                    all.iter()
                        .chain(any)
                        .chain(at_least.map_or(&[][..], |(_, of)| of))
                        .filter_map(|&s| self.hits(s).first().copied())
                        .min_by_key(|h| (h.utt, h.start))
                });
                let detail = format!("this call has {}", self.describe(all, any, none, at_least, near));
                self.push(
                    first.map(|h| h.utt as usize),
                    first.map(|h| self.span(&h)),
                    detail,
                );
            }
        }
    }

    fn speech_rate(&mut self, max_cpm: f64, per: Scope, min_chars: usize, min_seconds: f64) {
        let (mut chars, mut secs) = (0u64, 0.0f64);
        for u in 0..self.len() {
            if !self.roles.contains(&self.role(u)) {
                continue;
            }
            let n = self.scan.chars.get(u).copied().unwrap_or(0) as usize;
            let d = self.end(u) - self.start(u);
            if n < min_chars || d < min_seconds {
                continue;
            }
            chars += n as u64;
            secs += d;
            let rate = n as f64 / d * 60.0;
            if per == Scope::Utterance && rate > max_cpm {
                let detail =
                    format!("{rate:.0} characters a minute ({n} characters in {d:.1} s); limit {max_cpm}");
                self.push(Some(u), None, detail);
            }
        }
        if per == Scope::Call && secs > 0.0 {
            let rate = chars as f64 / secs * 60.0;
            if rate > max_cpm {
                let detail = format!(
                    "{} speech over the call: {rate:.0} characters a minute ({chars} characters in {secs:.1} s); limit {max_cpm}",
                    role_names(self.roles)
                );
                self.push(None, None, detail);
            }
        }
    }

    fn interruption(&mut self, min_overlap: f64, after_cue: Option<usize>, skip: Option<&Formulas>) {
        let first_cue = after_cue.map(|c| self.hits(c).first().map_or(usize::MAX, |h| h.utt as usize));
        if first_cue == Some(usize::MAX) {
            return;
        }
        // The latest end among the other speakers' utterances so far: when
        // it is not far enough past a start, nobody was talked over there.
        let mut latest_other_end = f64::NEG_INFINITY;
        for u in 0..self.len() {
            if !self.roles.contains(&self.role(u)) {
                latest_other_end = latest_other_end.max(self.end(u));
                continue;
            }
            let at = self.start(u);
            if latest_other_end - at <= min_overlap {
                continue;
            }
            let talked_over = (u.saturating_sub(8)..u).rev().find(|&p| {
                !self.roles.contains(&self.role(p))
                    && self.start(p) < at
                    && self.end(p) - at > min_overlap
                    && first_cue.is_none_or(|c| c <= p)
            });
            // Read only for an overlap that would be a finding: a backchannel
            // (嗯 / 对对 / 我在听) while the customer talks is listening.
            let backchannel = || skip.is_some_and(|f| self.only_formulas(f, u));
            if let Some(p) = talked_over.filter(|_| !backchannel()) {
                let detail = format!(
                    "started at {} while the {} was still speaking (#{} until {}): {:.1} s overlap; limit {} ms",
                    clock(at),
                    self.role(p),
                    self.num(p),
                    clock(self.end(p)),
                    self.end(p) - at,
                    (min_overlap * 1000.0).round()
                );
                self.push(Some(u), None, detail);
            }
        }
    }

    fn silence(
        &mut self,
        max_seconds: f64,
        excused_by: Option<usize>,
        lookback: usize,
        excused_by_other: Option<&Formulas>,
    ) {
        let mut last_end = f64::NEG_INFINITY;
        for u in 0..self.len() {
            let gap = self.start(u) - last_end;
            if u > 0 && gap > max_seconds {
                let before = u.saturating_sub(lookback)..u;
                let excused = excused_by.is_some_and(|s| before.clone().any(|p| self.has(s, p)))
                    || excused_by_other.is_some_and(|f| {
                        before
                            .clone()
                            .any(|p| !self.roles.contains(&self.role(p)) && self.says(f, p))
                    });
                if !excused {
                    let notice = excused_by.map_or(String::new(), |s| {
                        format!(", with no hold notice {} before it", self.label(s))
                    });
                    let detail = format!(
                        "{gap:.1} s of silence after this utterance ({} → {}, #{} next){notice}; limit {max_seconds} s",
                        clock(last_end),
                        clock(self.start(u)),
                        self.num(u)
                    );
                    self.push(Some(u - 1), None, detail);
                }
            }
            last_end = last_end.max(self.end(u));
        }
    }

    fn latency(&mut self, max_seconds: f64) {
        for u in 1..self.len() {
            let p = u - 1;
            if !self.roles.contains(&self.role(u)) || self.roles.contains(&self.role(p)) {
                continue;
            }
            let wait = self.start(u) - self.end(p);
            if wait > max_seconds {
                let detail = format!(
                    "answered {wait:.1} s after the {} finished (#{} at {}); limit {max_seconds} s",
                    self.role(p),
                    self.num(p),
                    clock(self.end(p))
                );
                self.push(Some(u), None, detail);
            }
        }
    }

    fn duration(&mut self, min_seconds: Option<f64>, max_seconds: Option<f64>) {
        let t0 = (0..self.len())
            .map(|u| self.start(u))
            .fold(f64::INFINITY, f64::min);
        let t1 = (0..self.len())
            .map(|u| self.end(u))
            .fold(f64::NEG_INFINITY, f64::max);
        let d = t1 - t0;
        if !d.is_finite() {
            return;
        }
        if let Some(max) = max_seconds.filter(|&m| d > m) {
            self.push(
                None,
                None,
                format!("the call lasted {}; limit {}", clock(d), clock(max)),
            );
        } else if let Some(min) = min_seconds.filter(|&m| d < m) {
            self.push(
                None,
                None,
                format!("the call lasted {}; at least {} expected", clock(d), clock(min)),
            );
        }
    }

    fn repetition(&mut self, min_count: usize, min_chars: usize, formulas: Option<&Pattern>) {
        let mut said: Vec<&Sentence> = self
            .scan
            .sentences
            .iter()
            .filter(|s| s.chars as usize >= min_chars && self.roles.contains(&self.role(s.utt as usize)))
            .collect();
        said.sort_by_key(|s| (s.hash, s.utt, s.start));
        let mut found: Vec<(u32, u32, u32, Vec<usize>)> = Vec::new();
        for group in said.chunk_by(|a, b| a.hash == b.hash) {
            if group.len() >= min_count {
                if let Some(re) = formulas.map(Pattern::regex) {
                    let first = group[0];
                    let norm = Normalized::new(&self.call.utterances[first.utt as usize].text);
                    let text = &norm.text()[first.start as usize..first.end as usize];
                    if is_formula(re, text, min_chars) {
                        continue;
                    }
                }
                let at = group[min_count - 1];
                let nums = group.iter().map(|s| self.num(s.utt as usize)).collect();
                found.push((at.utt, at.start, at.end, nums));
            }
        }
        found.sort_by_key(|f| (f.0, f.1));
        for (utt, start, end, nums) in found {
            let list: Vec<String> = nums.iter().map(|n| format!("#{n}")).collect();
            let detail = format!(
                "the same sentence said {} times in this call ({}); {min_count} or more is a finding",
                nums.len(),
                list.join(", ")
            );
            let norm = Normalized::new(&self.call.utterances[utt as usize].text);
            let (start, end) = norm.original_range(start as usize, end as usize);
            let (start, end) = (start as u32, end as u32);
            let span = self.span(&SetHit { utt, start, end });
            self.push(Some(utt as usize), Some(span), detail);
        }
    }
}

fn role_names(roles: &[Role]) -> String {
    match roles {
        [one] => one.as_str().to_string(),
        _ => "agent or customer".to_string(),
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

fn extent(direction: Direction, utterances: Option<usize>, seconds: Option<f64>) -> String {
    let (side, rest) = match direction {
        Direction::After => ("after", "later in the call than"),
        Direction::Before => ("before", "earlier in the call than"),
        Direction::Around => ("around", "anywhere in the call around"),
    };
    match (utterances, seconds) {
        (None, None) => rest.to_string(),
        (Some(n), None) => format!("within {n} utterance{} {side}", plural(n)),
        (None, Some(s)) => format!("within {s} s {side}"),
        (Some(n), Some(s)) => format!("within {n} utterance{} and {s} s {side}", plural(n)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sentences_of(texts: &[&str]) -> (Vec<u64>, Vec<u32>) {
        let mut scan = CallScan::default();
        scan.reset(0, texts.len(), &[Role::Agent], &[Role::Agent], 1, false);
        for (i, text) in texts.iter().enumerate() {
            scan.observe(i, Role::Agent, &Normalized::new(text));
        }
        (
            scan.sentences.iter().map(|s| s.hash).collect(),
            scan.chars.clone(),
        )
    }

    #[test]
    fn punctuation_and_spacing_do_not_change_a_sentence() {
        let (hashes, chars) = sentences_of(&[
            "您好，请问有什么可以帮您的吗？",
            "您好请问有什么可以帮您的吗",
            "您 好,请问有什么可以帮您的「吗」!",
            "您好，請問有什麼可以幫您的嗎",
        ]);
        assert_eq!(hashes.len(), 4);
        assert!(hashes.iter().all(|&h| h == hashes[0]), "{hashes:x?}");
        assert_eq!(chars, [13, 13, 13, 13]);
    }

    #[test]
    fn different_sentences_hash_apart() {
        // Same characters in another order, one character more or less, and
        // runs that end at every offset of an eight-byte word.
        let texts = [
            "您好请问有什么可以帮您",
            "请问您好有什么可以帮您",
            "您好请问有什么可以帮",
            "您好请问有什么可以帮您a",
            "a您好请问有什么可以帮您",
        ];
        let (hashes, _) = sentences_of(&texts);
        let mut unique = hashes.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), texts.len(), "{hashes:x?}");
    }

    #[test]
    fn sentences_split_at_sentence_ends_only() {
        let (hashes, _) = sentences_of(&["好的。您稍等！我查一下；马上就好…请稍候", "好的,您稍等"]);
        assert_eq!(hashes.len(), 6);
        assert_ne!(hashes[5], hashes[0]);
    }

    #[test]
    fn a_turn_is_only_formulas_when_nothing_spoken_is_left() {
        let phrases = |ps: &[&str]| Formulas {
            phrases: ps.iter().map(|p| p.to_string()).collect(),
            patterns: None,
        };
        let backchannel = phrases(&["我在听", "好", "的", "是", "对"]);
        let norm = |t: &str| Normalized::new(t).text().to_string();
        assert!(only_formulas(&backchannel, &norm("嗯 我在听")));
        assert!(only_formulas(&backchannel, &norm("好的，好的。")));
        assert!(only_formulas(&backchannel, &norm("是的 对对对")));
        assert!(only_formulas(&backchannel, &norm("")));
        assert!(!only_formulas(&backchannel, &norm("好的 我帮您登记")));
        assert!(!only_formulas(&backchannel, &norm("您说的对")));
        let line = Formulas {
            phrases: vec!["喂".into()],
            patterns: Some(Pattern::assembled("(?:(能|可以)?听(得)?(到|见)(吗)?)".into(), false).unwrap()),
        };
        assert!(only_formulas(&line, &norm("喂 喂 能听到吗")));
        assert!(!only_formulas(&line, &norm("喂 您好")));
    }

    #[test]
    fn formulas_are_taken_out_before_the_length_is_judged() {
        let re = regex::Regex::new("请您稍等|帮您查询一下|(?:请问还有(其他|别的)[^,。]{0,6}帮您)").unwrap();
        assert!(is_formula(&re, "好的请您稍等我这边帮您查询一下", 8));
        assert!(is_formula(&re, "请问还有其他可以帮您的吗", 8));
        assert!(!is_formula(&re, "这个是系统规定的无法办理请您稍等", 8));
        assert!(!is_formula(&re, "这个是系统规定的无法办理", 8));
    }
}
