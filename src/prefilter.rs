//! Which utterances cannot hold any of a few phrases, told from the original
//! text before it is normalised.
//!
//! Normalising an utterance and scanning it costs far more than reading its
//! characters once. Where a role's phrases are few, as the complaint cues and
//! refusals call-level rules listen for in customers' turns, nearly every
//! utterance holds none of them, and a cheaper test tells so.
//!
//! A phrase can only match the normalised text if each of its characters is
//! there, and normalising never invents a character: it drops spaces and
//! fillers and folds each remaining character ([`fold_char`]) to one that
//! rules are written in (穩 to 稳, Ａ to a). So [`Prefilter`] gives every
//! character of every phrase a bit, looks up each original character under
//! all the spellings that fold to a phrase character, and lets an utterance
//! through only when the bits it sets cover every character of some phrase.
//! The test can let through an utterance where no phrase matches (the
//! characters present but apart) and never holds back one where a phrase
//! does.
//!
//! Comparing every phrase with the bits would cost more than it saves, so
//! each phrase is filed under its rarest character by jieba's word
//! frequencies (诉 of 投诉, 用 of 不用了): only the phrases filed under a
//! character the utterance has are compared, and most utterances have none.
//!
//! [`fold_char`]: crate::normalize::fold_char

use crate::normalize::chars_folding_to;
use crate::segment::word_frequency;

/// One more than the most distinct phrase characters a prefilter tracks:
/// one bit each, ids 1 to 255 in a byte.
const MAX_CHARS: usize = 256;
/// Most phrases worth a prefilter: the more there are, the more utterances
/// hold all the characters of one of them, and the agents' thousands would
/// let nearly every utterance through.
pub const MAX_PHRASES: usize = 512;

/// A set of phrase characters, one bit per character id.
type Bits = [u64; MAX_CHARS / 64];

/// The characters of a set of phrases, for a cheap first test of whether
/// an original text can hold one of them.
#[derive(Debug)]
pub struct Prefilter {
    /// Per BMP code point: 1 + the id of the phrase character it folds to,
    /// or 0 when it folds to none.
    bmp: Box<[u8; 0x10000]>,
    /// Characters beyond the BMP that fold to a phrase character, with ids.
    astral: Vec<(char, u8)>,
    /// The characters phrases are filed under.
    rarest: Bits,
    /// Per character id: the characters of each phrase filed under it.
    filed: Vec<Vec<Bits>>,
}

impl Prefilter {
    /// A prefilter for `phrases` (normalised), or `None` when they are too
    /// many, or use too many characters, for one to pay.
    pub fn new(phrases: &[String]) -> Option<Prefilter> {
        if phrases.len() > MAX_PHRASES {
            return None;
        }
        if phrases.iter().any(|p| p.trim().is_empty()) {
            return None;
        }
        let chars = tracked_chars(phrases)?;
        let id = |c: char| chars.binary_search(&c).ok();
        let mut bmp = Box::new([0u8; 0x10000]);
        let mut astral = Vec::new();
        for (spelling, folded) in chars_folding_to(&chars) {
            let bit = id(folded).expect("folds to a phrase character") as u8;
            match usize::try_from(u32::from(spelling)) {
                Ok(cp) if cp < bmp.len() => bmp[cp] = bit + 1,
                _ => astral.push((spelling, bit)),
            }
        }
        let mut rarest = Bits::default();
        let mut filed = vec![Vec::new(); chars.len()];
        for phrase in phrases {
            let ids: Vec<usize> = phrase.chars().filter_map(id).collect();
            let rare = *(ids.iter())
                .min_by_key(|&&i| rarity(chars[i]))
                .expect("a phrase's rarest character is tracked");
            set(&mut rarest, rare);
            let mut bits = Bits::default();
            ids.into_iter().for_each(|i| set(&mut bits, i));
            filed[rare].push(bits);
        }
        Some(Prefilter {
            bmp,
            astral,
            rarest,
            filed,
        })
    }

    /// Whether `original` has every character of at least one phrase, in
    /// some spelling that normalises to it.
    pub fn may_match(&self, original: &str) -> bool {
        let mut have = Bits::default();
        let mut rest = original.as_bytes();
        // Three-byte (CJK) and ASCII characters, nearly all of speech, are
        // looked up from their bytes without decoding.
        loop {
            let id = match *rest {
                [lead @ 0xe0..=0xef, b1, b2, ref tail @ ..] => {
                    rest = tail;
                    self.bmp[usize::from(lead & 0x0f) << 12
                        | usize::from(b1 & 0x3f) << 6
                        | usize::from(b2 & 0x3f)]
                }
                [ascii @ 0..=0x7f, ref tail @ ..] => {
                    rest = tail;
                    self.bmp[usize::from(ascii)]
                }
                [] => break,
                _ => {
                    let at = original.len() - rest.len();
                    let c = original[at..].chars().next().expect("at a character boundary");
                    rest = &rest[c.len_utf8()..];
                    self.id_of(c)
                }
            };
            if id != 0 {
                set(&mut have, usize::from(id - 1));
            }
        }
        let covers = |need: &Bits| need.iter().zip(&have).all(|(n, h)| n & !h == 0);
        (0..MAX_CHARS / 64).any(|word| {
            let mut rare = have[word] & self.rarest[word];
            while rare != 0 {
                let id = word * 64 + rare.trailing_zeros() as usize;
                if self.filed[id].iter().any(covers) {
                    return true;
                }
                rare &= rare - 1;
            }
            false
        })
    }
}

impl Prefilter {
    /// 1 + the id of the phrase character `c` folds to, or 0.
    fn id_of(&self, c: char) -> u8 {
        match self.bmp.get(c as usize) {
            Some(&id) => id,
            None => (self.astral.iter())
                .find(|&&(a, _)| a == c)
                .map_or(0, |&(_, id)| id + 1),
        }
    }
}

/// How often a character is said as a word: the rarest of a phrase's
/// characters is the one it is filed under.
fn rarity(c: char) -> u64 {
    word_frequency(c.encode_utf8(&mut [0; 4])).unwrap_or(0)
}

/// The phrase characters the prefilter gives bits, sorted: all of them when
/// they fit, else each phrase's rarest and as many of the rest, rarest first,
/// as fit. A character left out is only not required, so the test still
/// never holds back a text where a phrase matches; it only lets a few more
/// through. `None` when even the rarest ones do not fit.
fn tracked_chars(phrases: &[String]) -> Option<Vec<char>> {
    let mut chars: Vec<char> = phrases.iter().flat_map(|p| p.chars()).collect();
    chars.retain(|c| !c.is_whitespace());
    chars.sort_unstable();
    chars.dedup();
    if chars.len() < MAX_CHARS {
        return Some(chars);
    }
    let rarest = |p: &String| {
        p.chars()
            .filter(|c| !c.is_whitespace())
            .min_by_key(|&c| rarity(c))
    };
    let mut tracked: Vec<char> = phrases.iter().filter_map(rarest).collect();
    tracked.sort_unstable();
    tracked.dedup();
    chars.retain(|c| tracked.binary_search(c).is_err());
    chars.sort_by_key(|&c| rarity(c));
    let room = (MAX_CHARS - 1).checked_sub(tracked.len())?;
    tracked.extend(chars.into_iter().take(room));
    tracked.sort_unstable();
    Some(tracked)
}

fn set(bits: &mut Bits, id: usize) {
    bits[id / 64] |= 1 << (id % 64);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::Normalized;

    fn prefilter(phrases: &[&str]) -> Prefilter {
        let phrases: Vec<String> = phrases.iter().map(|p| p.to_string()).collect();
        Prefilter::new(&phrases).expect("few phrases")
    }

    #[test]
    fn passes_every_spelling_the_normaliser_folds_to_a_phrase() {
        let filter = prefilter(&["投诉", "12378", "不用了", "态度太差"]);
        for text in [
            "我要投诉你们",
            "我要 投 嗯 诉",
            "我要投訴",
            "打１２３７８",
            "不 用 了 谢谢",
            "你們態度太差了",
        ] {
            let phrase_there = ["投诉", "12378", "不用了", "态度太差"]
                .iter()
                .any(|p| Normalized::new(text).text().contains(p));
            assert!(phrase_there, "the example itself: {text}");
            assert!(filter.may_match(text), "{text}");
        }
    }

    #[test]
    fn holds_back_texts_missing_a_character_of_every_phrase() {
        let filter = prefilter(&["投诉", "12378", "不用了"]);
        for text in ["好的 我知道了", "我想查一下账单", "嗯 不 是的", "电话1238"] {
            assert!(!filter.may_match(text), "{text}");
        }
        // All the characters, apart: let through, the scan decides.
        assert!(filter.may_match("了解一下 不过用的是"));
    }

    #[test]
    fn never_holds_back_a_text_where_the_scan_would_find_a_phrase() {
        let phrases = ["投诉", "12378", "不用了", "态度太差", "找你们领导", "ab"];
        let filter = prefilter(&phrases);
        // Phrase characters in other spellings, with the spaces, fillers and
        // neighbours normalisation drops or keeps.
        let pool: Vec<char> = "投诉訴1２3７8不用了態度太差找你們们领導导AＢb 　嗯那个呃的我"
            .chars()
            .collect();
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        let mut found = 0;
        for _ in 0..50_000 {
            let len = 2 + next(10);
            let text: String = (0..len).map(|_| pool[next(pool.len())]).collect();
            let normalized = Normalized::new(&text);
            if phrases.iter().any(|p| normalized.text().contains(p)) {
                found += 1;
                assert!(filter.may_match(&text), "{text}");
            }
        }
        assert!(found > 100, "the texts should hold phrases often: {found}");
    }

    #[test]
    fn declines_phrase_sets_too_large_to_pay() {
        let many: Vec<String> = (0..=MAX_PHRASES).map(|i| format!("词{i}")).collect();
        assert!(Prefilter::new(&many).is_none());
        let wide: Vec<String> = (0x4e00..0x4e00 + MAX_CHARS as u32)
            .filter_map(char::from_u32)
            .map(String::from)
            .collect();
        assert!(Prefilter::new(&wide).is_none());
    }

    #[test]
    fn phrases_with_more_characters_than_bits_still_filter() {
        // 300 two-character phrases over 400 distinct characters: each
        // phrase's rarest character is tracked, and some of the others.
        // Phrases are normalised: characters the normaliser keeps as they are.
        let plain: Vec<char> = (0x4e00..0x5000)
            .filter_map(char::from_u32)
            .filter(|&c| crate::normalize::fold_char(c) == c)
            .take(400)
            .collect();
        let phrases: Vec<String> = (0..300)
            .map(|i| format!("{}{}", plain[i], plain[300 + i % 100]))
            .collect();
        let filter = Prefilter::new(&phrases).expect("a prefilter despite the characters");
        for p in &phrases {
            assert!(filter.may_match(&format!("嗯 {p} 是的")), "{p}");
        }
        assert!(!filter.may_match("好的 我知道了 谢谢"));
    }
}
