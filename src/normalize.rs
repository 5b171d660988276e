//! Normalisation: the copy of an utterance that rules match against, and the
//! offset map that leads every match back to the characters the user wrote.
//!
//! ASR output and hand-typed scripts spell the same words many ways: full-width
//! Latin letters and digits, traditional characters (穩賺不賠), spaces between
//! characters (保 本 保 息) and fillers (嗯, 呃, 那个). Rules are written once, in
//! simplified Chinese without spaces; this module folds every utterance into
//! that form:
//!
//! | input                      | normalised       |
//! |----------------------------|------------------|
//! | `ＥＴＣ` / `ETC`            | `etc`            |
//! | `穩賺不賠`                  | `稳赚不赔`        |
//! | `保 本 保 息`               | `保本保息`        |
//! | `保嗯本保息`                | `保本保息`        |
//! | `那个，这个产品`            | `,这个产品`       |
//!
//! The offset map is a list of *segments*: runs of normalised text that sit at
//! a constant offset from the original because every character in them kept
//! its UTF-8 length (simplified and traditional characters are both three
//! bytes). A new segment starts only where something was dropped (a space, a
//! filler) or a character changed length (full-width `Ａ` to `a`), so a typical
//! utterance has one or two segments, and mapping a match back is a binary
//! search over them. Building the map costs a comparison per character, not a
//! write per byte.

include!(concat!(env!("OUT_DIR"), "/t2s.rs"));

/// A normalised utterance plus its map back to the original text.
///
/// Reuse one value across utterances with [`Normalized::fill`] to keep the hot
/// path free of allocation.
#[derive(Debug, Default, Clone)]
pub struct Normalized {
    text: String,
    /// Segments sorted by normalised start; see the module docs.
    segments: Vec<Segment>,
    /// Original byte where the current segment's next character must start to
    /// extend it; `u32::MAX` when the next character starts a new segment.
    next_original: u32,
    /// How many characters of `text` can be read as digits (5, 五, 幺…); lets
    /// the number detectors skip the many utterances that cannot hold one.
    digit_chars: usize,
}

/// A run of normalised text at a constant offset from the original.
#[derive(Debug, Clone, Copy)]
struct Segment {
    /// Normalised byte where the run starts.
    normalized: u32,
    /// Original byte where it starts.
    original: u32,
    /// For a character whose length changed: its original length, the run
    /// being that one character. Zero for a regular run.
    changed_len: u32,
}

/// Single characters ASR inserts as hesitation, dropped wherever they occur
/// (唔 only where no word follows it, see [`CANTONESE_NOT`]). 额 is
/// deliberately absent: it is the 额 of 额度 and 金额.
fn is_filler(c: char) -> bool {
    matches!(c, '嗯' | '呃' | '唔' | '啊')
}

/// Cantonese 唔 before a word is the negator 不 (唔保本, 唔会蚀本), not a
/// hesitation, and is read as 不.
const CANTONESE_NOT: (char, char) = ('唔', '不');

/// Characters invisible to a reader that must not split a phrase.
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200b}' | '\u{200c}' | '\u{200d}' | '\u{2060}' | '\u{feff}')
}

/// Clause punctuation after normalisation (full-width forms already folded).
/// The enumeration comma 、 is not one: 稳赚不赔、零风险 is one claim.
pub fn is_clause_break(c: char) -> bool {
    matches!(
        c,
        '。' | '！' | '？' | '；' | '…' | ',' | '.' | '!' | '?' | ';' | '\n' | '\r'
    )
}

/// The bytes of `text` around `start..end` out to the nearest character on
/// each side for which `edge` holds (the edges themselves left out), or to
/// the ends of the text.
pub fn widen(text: &str, start: usize, end: usize, edge: impl Fn(char) -> bool) -> (usize, usize) {
    let from = (text[..start].char_indices().rev())
        .find(|&(_, c)| edge(c))
        .map_or(0, |(at, c)| at + c.len_utf8());
    let to = text[end..].find(&edge).map_or(text.len(), |at| end + at);
    (from, to)
}

/// Folds one character: full-width to half-width, ASCII to lower case,
/// traditional to simplified.
pub fn fold_char(c: char) -> char {
    let c = match c {
        '\u{ff01}'..='\u{ff5e}' => char::from_u32(c as u32 - 0xfee0).unwrap_or(c),
        '\u{3000}' => ' ',
        '\u{3002}' => '。',
        // Cantonese 冇 is 没(有): 冇风险, 冇问题.
        '冇' => '没',
        _ => c,
    };
    if c.is_ascii() {
        return c.to_ascii_lowercase();
    }
    to_simplified(c)
}

/// Every character that [`fold_char`] turns into one of `targets` (sorted),
/// paired with what it becomes: the spellings under which a character of a
/// rule's phrase can reach the normalised text.
pub fn chars_folding_to(targets: &[char]) -> Vec<(char, char)> {
    let target = |c: char| targets.binary_search(&c).is_ok();
    // The candidates undo each step of `fold_char`: upper case, full width,
    // the ideographic space, traditional characters. Folding each candidate
    // checks it.
    let full_width = |c: char| match c {
        '!'..='~' => char::from_u32(c as u32 + 0xfee0),
        ' ' => Some('\u{3000}'),
        _ => None,
    };
    let mut candidates: Vec<char> = (targets.iter())
        .flat_map(|&c| [c, c.to_ascii_uppercase()])
        .flat_map(|c| [Some(c), full_width(c)])
        .flatten()
        .collect();
    candidates.extend(T2S.iter().filter(|&&(_, s)| target(s)).map(|&(t, _)| t));
    candidates.push('冇');
    candidates.sort_unstable();
    candidates.dedup();
    let mut pairs: Vec<(char, char)> = (candidates.into_iter())
        .map(|c| (c, fold_char(c)))
        .filter(|&(_, folded)| target(folded))
        .collect();
    // Read so only before a word, which `fold_char` cannot see.
    if target(CANTONESE_NOT.1) {
        pairs.push(CANTONESE_NOT);
    }
    pairs
}

/// Where the run of plain characters starting at byte `at` of `text` ends.
///
/// One- and three-byte characters (ASCII and CJK, nearly all call text) are
/// looked up straight from their bytes: a three-byte character's first two
/// bytes pick its 64-bit word of the table and its last byte the bit. The
/// general decoder costs several times as much, on the path every
/// character of every utterance takes.
fn plain_run_end(text: &str, at: usize) -> usize {
    let mut rest = &text.as_bytes()[at..];
    loop {
        match *rest {
            [lead @ 0xe0..=0xef, b1, b2, ref tail @ ..] => {
                let word = PLAIN_BMP_BITS[usize::from(lead & 0x0f) << 6 | usize::from(b1 & 0x3f)];
                if word & (1 << (b2 & 0x3f)) == 0 {
                    break;
                }
                rest = tail;
            }
            [lead @ 0..=0x7f, ref tail @ ..] => {
                if !is_plain(char::from(lead)) {
                    break;
                }
                rest = tail;
            }
            [] => break,
            _ => {
                let at = text.len() - rest.len();
                let c = text[at..].chars().next().expect("at is a char boundary");
                if !is_plain(c) {
                    break;
                }
                rest = &rest[c.len_utf8()..];
            }
        }
    }
    text.len() - rest.len()
}

/// Whether the normaliser copies `c` unchanged and it is no digit.
fn is_plain(c: char) -> bool {
    let cp = c as usize;
    cp < 0x10000 && PLAIN_BMP_BITS[cp / 64] & (1 << (cp % 64)) != 0
}

fn to_simplified(c: char) -> char {
    let cp = c as usize;
    if cp < 0x10000 && T2S_BMP_BITS[cp / 64] & (1 << (cp % 64)) == 0 {
        return c;
    }
    match T2S.binary_search_by_key(&c, |&(t, _)| t) {
        Ok(i) => T2S[i].1,
        Err(_) => c,
    }
}

impl Normalized {
    /// Normalises `original` into a new value.
    pub fn new(original: &str) -> Self {
        let mut n = Normalized::default();
        n.fill(original);
        n
    }

    /// Normalises `original`, reusing this value's buffers.
    pub fn fill(&mut self, original: &str) {
        self.text.clear();
        self.segments.clear();
        self.next_original = u32::MAX;
        self.digit_chars = 0;
        let mut pending_space: Option<(u32, u32)> = None;
        // Whether a filler was dropped since the last character pushed.
        let mut after_filler = false;
        let mut at = 0;
        while at < original.len() {
            let pause_goes_on = |c: char| c.is_whitespace() || is_filler(fold_char(c));
            if after_filler && !original[at..].starts_with(pause_goes_on) {
                after_filler = false;
                let repeat = self.stutter_len(&original[at..]);
                if repeat > 0 {
                    at += repeat;
                    continue;
                }
            }
            if pending_space.is_none() {
                // Nearly all call text is runs of plain characters: copy each
                // run at once instead of character by character.
                let end = plain_run_end(original, at);
                if end > at {
                    self.push_plain_run(&original[at..end], at as u32);
                    at = end;
                    continue;
                }
            }
            let raw = original[at..].chars().next().expect("at is a char boundary");
            let range = (at as u32, (at + raw.len_utf8()) as u32);
            at = range.1 as usize;
            let c = fold_char(raw);
            if c.is_whitespace() {
                pending_space.get_or_insert(range);
                continue;
            }
            if c == CANTONESE_NOT.0
                && original[at..]
                    .chars()
                    .next()
                    .is_some_and(|n| is_cantonese_word_start(fold_char(n)))
            {
                self.push(CANTONESE_NOT.1, range);
                continue;
            }
            if is_filler(c) {
                after_filler = true;
                continue;
            }
            if is_invisible(c) {
                continue;
            }
            let mut rest = original[at..].chars();
            if c == '那' && rest.next().map(fold_char) == Some('个') {
                let after = rest.next();
                if self.at_clause_start() || after.is_none_or(|n| !is_word_char(fold_char(n))) {
                    at += '个'.len_utf8();
                    continue;
                }
            }
            if let Some(space) = pending_space.take() {
                // A space survives only where it separates two Latin words or numbers.
                if self.text.ends_with(|p: char| p.is_ascii_alphanumeric()) && c.is_ascii_alphanumeric() {
                    self.push(' ', space);
                }
            }
            self.push(c, range);
        }
    }

    /// How many bytes at the start of `rest` repeat the last one or two
    /// characters of the text across a filler: a hesitation repaired, as
    /// in 保嗯保本 or 零 呃 零风险. The repeat is dropped, so that the
    /// phrase reads as it was meant. Only after a filler: across a bare
    /// pause a repeat is as often a new clause (告诉您 您老公) or emphasis
    /// (晓得 晓得了) as a stutter. Digits and Latin letters are never
    /// dropped: 幺三八 嗯 八八 is a phone number.
    fn stutter_len(&self, rest: &str) -> usize {
        for n in [2, 1] {
            let Some((from, _)) = self.text.char_indices().rev().nth(n - 1) else {
                continue;
            };
            let mut again = rest.char_indices().map(|(i, c)| (i + c.len_utf8(), fold_char(c)));
            let repeated = self.text[from..].chars().try_fold(0, |_, c| match again.next() {
                Some((end, d)) if d == c && is_stutter_char(c) => Some(end),
                _ => None,
            });
            if let Some(len) = repeated {
                return len;
            }
        }
        0
    }

    fn at_clause_start(&self) -> bool {
        self.text.chars().next_back().is_none_or(is_clause_break)
    }

    fn push(&mut self, c: char, range: (u32, u32)) {
        if crate::digits::digit_value(c).is_some() {
            self.digit_chars += 1;
        }
        let original_len = range.1 - range.0;
        let regular = original_len as usize == c.len_utf8();
        if !regular || range.0 != self.next_original {
            self.segments.push(Segment {
                normalized: self.text.len() as u32,
                original: range.0,
                changed_len: if regular { 0 } else { original_len },
            });
        }
        self.next_original = if regular { range.1 } else { u32::MAX };
        self.text.push(c);
    }

    /// `push` for a run of plain characters (same length, no digits) that
    /// starts at byte `start` of the original.
    fn push_plain_run(&mut self, run: &str, start: u32) {
        if start != self.next_original {
            self.segments.push(Segment {
                normalized: self.text.len() as u32,
                original: start,
                changed_len: 0,
            });
        }
        self.next_original = start + run.len() as u32;
        self.text.push_str(run);
    }

    /// The original byte range of the normalised character starting at `at`.
    fn original_char(&self, at: usize) -> (usize, usize) {
        let i = self.segments.partition_point(|s| s.normalized as usize <= at) - 1;
        let seg = self.segments[i];
        let start = seg.original as usize + (at - seg.normalized as usize);
        let len = if seg.changed_len > 0 {
            seg.changed_len as usize
        } else {
            self.text[at..].chars().next().map_or(0, char::len_utf8)
        };
        (start, start + len)
    }

    /// How many characters could be digits of a spoken or written number.
    pub fn digit_chars(&self) -> usize {
        self.digit_chars
    }

    /// The normalised text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Maps a byte range of the normalised text to the byte range of the
    /// original text it came from.
    ///
    /// An empty range maps to an empty range at the original position.
    pub fn original_range(&self, start: usize, end: usize) -> (usize, usize) {
        if self.text.is_empty() {
            return (0, 0);
        }
        let start = floor_char_boundary(&self.text, start.min(self.text.len() - 1));
        let (s, _) = self.original_char(start);
        if end <= start {
            return (s, s);
        }
        let last = floor_char_boundary(&self.text, (end - 1).min(self.text.len() - 1));
        (s, self.original_char(last).1)
    }
}

/// Where the speaker paused, as ASR marks it with a space between two
/// Chinese characters: the normalised byte offset of the character after
/// each such space (spaces are dropped from the normalised text). None when
/// the spaces come every few characters: such a transcript spaces words or
/// characters (我们 不会 向您 索要), not pauses.
pub fn pauses(norm: &Normalized, original: &str) -> Vec<usize> {
    let mut out = Vec::new();
    let text = norm.text();
    for seg in norm.segments.iter().skip(1) {
        let at = seg.normalized as usize;
        let (Some(before), Some(after)) = (text[..at].chars().next_back(), text[at..].chars().next()) else {
            continue;
        };
        if !is_chinese(before) || !is_chinese(after) {
            continue;
        }
        let gap_start = norm.original_char(at - before.len_utf8()).1;
        let gap = original.get(gap_start..seg.original as usize).unwrap_or("");
        if gap.contains(char::is_whitespace) {
            out.push(at);
        }
    }
    let chinese = text.chars().filter(|&c| is_chinese(c)).count();
    if chinese < MIN_CHARS_PER_PAUSE * (out.len() + 1) {
        out.clear();
    }
    out
}

/// Fewer Chinese characters than this between spaces, on average, and the
/// spaces separate words, not clauses.
const MIN_CHARS_PER_PAUSE: usize = 4;

/// Whether `c` is a CJK ideograph (the unified block and extension A).
pub fn is_chinese(c: char) -> bool {
    matches!(c, '\u{3400}'..='\u{9FFF}')
}

/// Whether a character can start the word that makes 唔 a negator.
fn is_cantonese_word_start(c: char) -> bool {
    is_chinese(c) && !is_filler(c)
}

fn floor_char_boundary(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

fn is_stutter_char(c: char) -> bool {
    !c.is_ascii() && is_word_char(c) && crate::digits::digit_value(c).is_none()
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() && !is_filler(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(s: &str) -> String {
        Normalized::new(s).text().to_string()
    }

    #[test]
    fn finds_every_character_that_folds_to_a_target() {
        let mut targets = vec!['a', '3', '稳', '个', '了', ' '];
        targets.sort_unstable();
        let mut found = chars_folding_to(&targets);
        found.sort_unstable();
        let everything = (0..=0x10ffff).filter_map(char::from_u32);
        let mut expected: Vec<(char, char)> = everything
            .map(|c| (c, fold_char(c)))
            .filter(|(_, f)| targets.contains(f))
            .collect();
        expected.sort_unstable();
        assert_eq!(found, expected);
        for spelling in ['A', 'Ａ', 'ａ', '３', '穩', '個'] {
            assert!(found.iter().any(|&(c, _)| c == spelling), "{spelling}");
        }
    }

    #[test]
    fn folds_the_spellings_rules_must_not_care_about() {
        let cases = [
            ("穩賺不賠", "稳赚不赔"),
            ("保 本 保 息", "保本保息"),
            ("保嗯本　保息", "保本保息"),
            ("ＥＴＣ卡", "etc卡"),
            ("办理ETC 卡", "办理etc卡"),
            ("ETC Card", "etc card"),
            ("年化 3.5 %", "年化3.5%"),
            ("您好，请问", "您好,请问"),
            ("那个，这个产品", ",这个产品"),
            ("那个那个产品保本", "产品保本"),
            ("我要那个产品", "我要那个产品"),
            ("额度和金额", "额度和金额"),
            ("保\u{200b}本", "保本"),
            ("", ""),
            // A hesitation repaired across a filler; not digits, and not a
            // repeat across a bare pause.
            ("保嗯保本", "保本"),
            ("保本嗯保本", "保本"),
            ("是个定 呃 定期存款", "是个定期存款"),
            ("无风 呃 无风险", "无风险"),
            ("幺三八 嗯 八八六六", "幺三八八八六六"),
            ("告诉您 您老公", "告诉您您老公"),
        ];
        for (input, want) in cases {
            assert_eq!(norm(input), want, "input {input:?}");
        }
    }

    #[test]
    fn maps_matches_back_to_original_characters() {
        let orig = "这个 保 嗯 本 保 息的";
        let n = Normalized::new(orig);
        let at = n.text().find("保本保息").unwrap();
        let (s, e) = n.original_range(at, at + "保本保息".len());
        assert_eq!(&orig[s..e], "保 嗯 本 保 息");
    }

    #[test]
    fn cantonese_negators_read_as_mandarin() {
        assert_eq!(Normalized::new("唔保本").text(), "不保本");
        assert_eq!(Normalized::new("冇风险").text(), "没风险");
        assert_eq!(Normalized::new("唔 保本").text(), "保本");
        assert_eq!(Normalized::new("唔").text(), "");
    }

    #[test]
    fn plain_characters_are_exactly_those_left_alone() {
        for cp in 0..0x10000u32 {
            let Some(c) = char::from_u32(cp) else { continue };
            if is_plain(c) {
                assert_eq!(fold_char(c), c, "{c:?} is plain but folds");
                assert!(
                    !c.is_whitespace() && !is_filler(c) && !is_invisible(c) && c != '那',
                    "{c:?}"
                );
                assert!(
                    crate::digits::digit_value(c).is_none(),
                    "{c:?} is plain but a digit"
                );
            }
        }
    }

    #[test]
    fn plain_runs_end_at_the_first_character_that_is_not_plain() {
        let samples = (0..0x10000u32).chain([0x1f600, 0x20000]);
        for c in samples.filter_map(char::from_u32) {
            let text = format!("好a{c}好");
            let expected = if is_plain(c) { text.len() } else { 4 };
            assert_eq!(plain_run_end(&text, 0), expected, "{c:?}");
            assert_eq!(
                plain_run_end(&text, 4),
                if is_plain(c) { text.len() } else { 4 },
                "{c:?}"
            );
        }
    }

    #[test]
    fn maps_every_character_through_drops_and_width_changes() {
        let orig = "Ａ 嗯保\u{200b}本 那个，ETC  卡穩";
        let n = Normalized::new(orig);
        for (at, c) in n.text().char_indices() {
            let (s, e) = n.original_range(at, at + c.len_utf8());
            let back: String = orig[s..e].chars().map(fold_char).collect();
            assert_eq!(
                back,
                c.to_string(),
                "char {c:?} at {at} maps to {:?}",
                &orig[s..e]
            );
        }
    }

    #[test]
    fn maps_traditional_and_full_width_one_to_one() {
        let orig = "這是ＥＴＣ穩賺";
        let n = Normalized::new(orig);
        let at = n.text().find("etc稳赚").unwrap();
        let (s, e) = n.original_range(at, at + "etc稳赚".len());
        assert_eq!(&orig[s..e], "ＥＴＣ穩賺");
    }
}
