//! Word segmentation with jieba, used to decide whether a phrase hit is a word
//! or a fragment of a longer one: 保本 in 确保本金 starts inside 确保, so it is
//! not the word 保本.
//!
//! Loading jieba's dictionary takes tens of milliseconds, and most utterances
//! never need it (they contain no candidate hit), so the dictionary is loaded
//! on first use. A script-library check with no findings never pays for it.

use jieba_rs::Jieba;
use std::sync::OnceLock;

/// A lazily loaded jieba segmenter with the banking user dictionary.
#[derive(Default)]
pub struct Segmenter {
    jieba: OnceLock<Jieba>,
    user_dictionary: &'static str,
}

impl std::fmt::Debug for Segmenter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Segmenter")
            .field("loaded", &self.jieba.get().is_some())
            .finish()
    }
}

impl Segmenter {
    /// A segmenter that adds `user_dictionary` (jieba's `word freq [tag]` lines)
    /// to the default dictionary when it loads.
    pub fn new(user_dictionary: &'static str) -> Self {
        Segmenter {
            jieba: OnceLock::new(),
            user_dictionary,
        }
    }

    fn jieba(&self) -> &Jieba {
        self.jieba.get_or_init(|| {
            let mut jieba = Jieba::new();
            let mut dict = std::io::BufReader::new(self.user_dictionary.as_bytes());
            jieba
                .load_dict(&mut dict)
                .expect("the compiled-in user dictionary is checked by the segment tests");
            jieba
        })
    }

    /// Byte offsets where tokens start or end in `text`, sorted, including 0
    /// and `text.len()`.
    pub fn boundaries(&self, text: &str, out: &mut Vec<usize>) {
        out.clear();
        out.push(0);
        // HMM off: its new-word discovery glues runs of single characters
        // (你别, 我行) into one token and hides real boundaries from rules.
        for token in self.jieba().cut(text, false) {
            out.push(token.byte_end);
        }
    }

    /// The tokens of `text`, for display and tests.
    pub fn tokens<'a>(&self, text: &'a str) -> Vec<&'a str> {
        self.jieba()
            .cut(text, false)
            .into_iter()
            .map(|t| t.word)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_dictionary_loads_and_keeps_words_apart() {
        let seg = Segmenter::new(crate::rules::user_dictionary());
        let tokens = seg.tokens("确保本金安全");
        assert!(!tokens.contains(&"保本"), "{tokens:?}");
        let tokens = seg.tokens("特别叫人放心");
        assert!(!tokens.iter().any(|t| t.starts_with("别")), "{tokens:?}");
    }
}
