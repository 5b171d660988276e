//! Word segmentation with jieba's dictionary, used to decide whether a phrase
//! hit is a word or a fragment of a longer one: 保本 in 确保本金 starts inside
//! 确保, so it is not the word 保本.
//!
//! This is jieba-rs 0.11's `cut(text, false)` (no HMM), reduced to what the
//! linter needs, the token boundaries, and run over a dictionary compiled
//! into the binary. `tests/segment.rs` checks it against jieba-rs itself.
//!
//! # How jieba cuts, without the HMM
//!
//! 1. The text splits into blocks: maximal runs of "han" characters (CJK
//!    ideographs, ASCII letters and digits, and `+#&._%-`) and runs of
//!    everything else.
//! 2. Outside han blocks every character is a token, except that `\r\n` is
//!    one.
//! 3. In a han block, every dictionary word starting at a character is a
//!    candidate next step; a character that starts no word at all is a
//!    candidate step by itself, with frequency 1. (One that starts only
//!    longer words is not: that is jieba's DAG.) The route through the
//!    block maximises the sum of `ln(freq) - ln(total)` over its steps; it is
//!    worked out from the end of the block backwards, so each position only
//!    adds its step to the best route already known from where the step
//!    ends. Equal sums go to the longer step.
//! 4. Consecutive one-character steps that are ASCII letters or digits
//!    become one token: `abc`, not `a` / `b` / `c`.
//!
//! # The compiled-in dictionary
//!
//! jieba-rs builds its trie from a 5 MB word list (349k words) when a
//! segmenter is created: about 100 ms and 35 MB in every process, which a
//! one-file CI check paid eleven times over its real work. `build.rs`
//! (`build/jieba_dict.rs`) does that once, at build time, with
//! `rules/userdict.txt` applied as jieba-rs's `load_dict` would, and writes
//! the trie as a flat array that `include_bytes!` puts in the binary, so it
//! is usable as it lies: the operating system pages in the parts a walk
//! touches, and nothing is parsed or allocated at start-up.
//!
//! The trie has one `u64` per node (500k nodes, 4 MB) in breadth-first
//! order: the node's character, where its children begin, and which
//! frequency its word has, if a word ends there. Breadth-first order with
//! children sorted by character makes a node's children one sorted run that
//! ends where the next node's begin, so finding a child is a binary search
//! with nothing else stored. The root has 11k children, so its step, done
//! once per character of every block, goes through a direct table over the
//! main CJK block instead.
//!
//! Only the 5k distinct frequencies are stored, and their logarithms are
//! taken on first use with the same float operations as jieba-rs, so the
//! route sums, and the ties between them, are bit for bit jieba-rs's.

/// jieba's segmenter over the compiled-in dictionary: jieba's default
/// dictionary with the banking user dictionary (`rules/userdict.txt`).
///
/// It holds nothing (the dictionary is static); the private field keeps it
/// constructed through `Segmenter::default()`, so it can gain state without
/// changing its callers.
#[derive(Debug, Default)]
pub struct Segmenter(());

impl Segmenter {
    /// Byte offsets where tokens start or end in `text`, sorted, including 0
    /// and `text.len()`.
    pub fn boundaries(&self, text: &str, out: &mut Vec<usize>) {
        out.clear();
        out.push(0);
        cut_range(text, 0, text.len(), out);
    }

    /// The boundaries of the tokens around bytes `start..end` of `text`:
    /// returns the range `(from, to)` of the blocks they touch, and leaves
    /// in `out` every boundary of [`Segmenter::boundaries`] within it, both
    /// ends included.
    ///
    /// Blocks are cut independently of each other, so a hit needs only its
    /// own blocks cut, not the whole utterance.
    pub fn boundaries_around(
        &self,
        text: &str,
        start: usize,
        end: usize,
        out: &mut Vec<usize>,
    ) -> (usize, usize) {
        // A character outside han blocks (but `\r`, `\n`, which pair up) is a
        // token by itself, so a boundary lies on each side of it.
        let alone = |c: char| !is_han(c) && c != '\r' && c != '\n';
        let (from, to) = crate::normalize::widen(text, start, end, alone);
        out.clear();
        out.push(from);
        cut_range(text, from, to, out);
        (from, to)
    }

    /// The tokens of `text`, for display and tests.
    pub fn tokens<'a>(&self, text: &'a str) -> Vec<&'a str> {
        let mut boundaries = Vec::new();
        self.boundaries(text, &mut boundaries);
        boundaries.windows(2).map(|w| &text[w[0]..w[1]]).collect()
    }
}

/// How often jieba's dictionary (with the user dictionary) says `word`
/// occurs, if it is a word there.
pub fn word_frequency(word: &str) -> Option<u64> {
    let mut chars = word.chars();
    let mut node = dict::Node::root(chars.next()?)?;
    for c in chars {
        node = node.child(c)?;
    }
    node.word().map(dict::frequency)
}

/// Pushes the end of every token of `text[from..to]`, which starts and ends
/// where blocks do.
fn cut_range(text: &str, from: usize, to: usize, out: &mut Vec<usize>) {
    let mut block: Vec<(usize, char)> = Vec::new();
    let mut route = Vec::new();
    let mut chars = text[from..to]
        .char_indices()
        .map(|(at, c)| (from + at, c))
        .peekable();
    while let Some((at, c)) = chars.next() {
        if is_han(c) {
            block.push((at, c));
            if !chars.peek().is_some_and(|&(_, next)| is_han(next)) {
                cut_block(&block, at + c.len_utf8(), &mut route, out);
                block.clear();
            }
        } else if c == '\r' && chars.next_if(|&(_, next)| next == '\n').is_some() {
            out.push(at + 2);
        } else {
            out.push(at + c.len_utf8());
        }
    }
}

/// jieba-rs's `RE_HAN_DEFAULT` class: CJK ideographs, ASCII letters and
/// digits, and `+#&._%-`.
fn is_han(c: char) -> bool {
    match c {
        '\u{4E00}'..='\u{9FFF}' => true,
        _ if c.is_ascii() => c.is_ascii_alphanumeric() || "+#&._%-".contains(c),
        '\u{3400}'..='\u{4DBF}'
        | '\u{F900}'..='\u{FAFF}'
        | '\u{20000}'..='\u{2A6DF}'
        | '\u{2A700}'..='\u{2B73F}'
        | '\u{2B740}'..='\u{2B81F}'
        | '\u{2B820}'..='\u{2CEAF}'
        | '\u{2CEB0}'..='\u{2EBEF}'
        | '\u{2F800}'..='\u{2FA1F}' => true,
        _ => false,
    }
}

/// One step of the best route through a block, from some character.
#[derive(Clone, Copy)]
struct Step {
    /// Log-probability of the best route from this character to the end.
    prob: f64,
    /// Index of the character after this step's word.
    end: usize,
}

/// Pushes the end of every token of a han block: `block` holds its
/// characters with their byte offsets in the text, `end` is where it ends.
fn cut_block(block: &[(usize, char)], end: usize, route: &mut Vec<Step>, out: &mut Vec<usize>) {
    let n = block.len();
    let weights = &*dict::WEIGHTS;
    route.clear();
    route.resize(n + 1, Step { prob: 0.0, end: n });
    for i in (0..n).rev() {
        let mut best: Option<Step> = None;
        let mut node = dict::Node::root(block[i].1);
        let mut next = i + 1;
        while let Some(at) = node {
            if let Some(word) = at.word() {
                let prob = weights.words[word] + route[next].prob;
                // Words come shortest first, so `>=` gives a tie to the
                // longer one, as jieba-rs does.
                if best.is_none_or(|b| prob >= b.prob) {
                    best = Some(Step { prob, end: next });
                }
            }
            let Some(&(_, c)) = block.get(next) else { break };
            node = at.child(c);
            next += 1;
        }
        route[i] = best.unwrap_or(Step {
            prob: weights.single + route[i + 1].prob,
            end: i + 1,
        });
    }

    let joins = |x: usize| route[x].end == x + 1 && block[x].1.is_ascii_alphanumeric();
    let mut x = 0;
    while x < n {
        let y = route[x].end;
        if !(joins(x) && y < n && joins(y)) {
            out.push(block.get(y).map_or(end, |&(at, _)| at));
        }
        x = y;
    }
}

/// The dictionary `build/jieba_dict.rs` wrote (layout described there):
/// the trie (`NODES`, `ROOT`), the distinct frequencies (`FREQS`) and their
/// total (`TOTAL`).
mod dict {
    use std::sync::LazyLock;

    include!(concat!(env!("OUT_DIR"), "/jieba_dict.rs"));

    /// The log-probabilities jieba-rs weighs words with.
    pub(super) struct Weights {
        /// `ln(freq) - ln(total)` of each of `FREQS`, so a trie node's word
        /// index is also its weight's.
        pub(super) words: Box<[f64]>,
        /// The same for a character that starts no dictionary word
        /// (frequency 1).
        pub(super) single: f64,
    }

    pub(super) static WEIGHTS: LazyLock<Weights> = LazyLock::new(|| {
        let log_total = (TOTAL as f64).ln();
        Weights {
            words: FREQS.iter().map(|&f| (f as f64).ln() - log_total).collect(),
            single: 0.0 - log_total,
        }
    });

    /// The frequency of the word with index `word`.
    pub(super) fn frequency(word: usize) -> u64 {
        FREQS[word]
    }

    /// A trie node: the prefix of dictionary words read so far.
    #[derive(Clone, Copy)]
    pub(super) struct Node {
        index: usize,
        entry: u64,
    }

    /// The packed entry of node `index`. `include_bytes!` data has no
    /// alignment, so entries are read as bytes (one load on x86 and ARM).
    fn entry(index: usize) -> u64 {
        let mut bytes = [0; 8];
        bytes.copy_from_slice(&NODES[8 * index..8 * index + 8]);
        u64::from_le_bytes(bytes)
    }

    fn first_child(entry: u64) -> usize {
        ((entry >> CHILD_SHIFT) & CHILD_MASK) as usize
    }

    impl Node {
        /// The node for the one-character prefix `c`, if a word starts with it.
        pub(super) fn root(c: char) -> Option<Node> {
            let cp = c as u32;
            if (ROOT_FIRST..=ROOT_LAST).contains(&cp) {
                let at = 2 * (cp - ROOT_FIRST) as usize;
                let index = usize::from(u16::from_le_bytes([ROOT[at], ROOT[at + 1]]));
                return (index != 0).then(|| Node {
                    index,
                    entry: entry(index),
                });
            }
            Node {
                index: 0,
                entry: entry(0),
            }
            .child(c)
        }

        /// The node for this prefix followed by `c`, if a word starts with it.
        pub(super) fn child(self, c: char) -> Option<Node> {
            let (mut lo, mut hi) = (first_child(self.entry), first_child(entry(self.index + 1)));
            while lo < hi {
                let mid = lo + (hi - lo) / 2;
                let entry = entry(mid);
                match ((entry >> CHAR_SHIFT) as u32).cmp(&(c as u32)) {
                    std::cmp::Ordering::Less => lo = mid + 1,
                    std::cmp::Ordering::Greater => hi = mid,
                    std::cmp::Ordering::Equal => return Some(Node { index: mid, entry }),
                }
            }
            None
        }

        /// The index in `FREQS` of the word this prefix spells, if it is one.
        pub(super) fn word(self) -> Option<usize> {
            let word = self.entry & NO_WORD;
            (word != NO_WORD).then_some(word as usize)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_dictionary_keeps_words_apart() {
        let seg = Segmenter::default();
        let tokens = seg.tokens("确保本金安全");
        assert!(!tokens.contains(&"保本"), "{tokens:?}");
        let tokens = seg.tokens("特别叫人放心");
        assert!(!tokens.iter().any(|t| t.starts_with("别")), "{tokens:?}");
        // A word only the user dictionary has.
        assert!(seg.tokens("请提供动态码").contains(&"动态码"));
    }

    #[test]
    fn blocks_ascii_runs_and_line_breaks() {
        let seg = Segmenter::default();
        assert_eq!(seg.tokens("abc网球拍卖会def"), ["abc", "网球", "拍卖会", "def"]);
        assert_eq!(seg.tokens("x\r\n\ty！！"), ["x", "\r\n", "\t", "y", "！", "！"]);
        assert_eq!(seg.tokens("\r\r\n\n"), ["\r", "\r\n", "\n"]);
        assert_eq!(seg.tokens(""), Vec::<&str>::new());
    }

    #[test]
    fn boundaries_around_a_hit_are_those_of_the_whole_text() {
        let seg = Segmenter::default();
        let texts = [
            "您好，确保本金安全，abc网球拍卖会def！",
            "x\r\n\ty！！保本保息,稳赚不赔 app下载",
            "我们这个产品保本保息的，您放心",
            "\r\n\r\n",
        ];
        let (mut whole, mut around) = (Vec::new(), Vec::new());
        for text in texts {
            seg.boundaries(text, &mut whole);
            let starts: Vec<usize> = text
                .char_indices()
                .map(|(at, _)| at)
                .chain([text.len()])
                .collect();
            for (i, &start) in starts.iter().enumerate() {
                for &end in &starts[i..] {
                    let (from, to) = seg.boundaries_around(text, start, end, &mut around);
                    assert!(from <= start && end <= to, "{text:?} {start}..{end}");
                    let expected: Vec<usize> =
                        whole.iter().copied().filter(|&b| from <= b && b <= to).collect();
                    assert_eq!(around, expected, "{text:?} {start}..{end}");
                }
            }
        }
    }
}
