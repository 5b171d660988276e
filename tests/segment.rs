//! `callint::segment` against jieba-rs itself: the segmenter reimplements
//! jieba-rs 0.11's `cut(text, false)` over a dictionary compiled in at build
//! time, and must put token boundaries exactly where jieba-rs does, with the
//! same user dictionary loaded the way the linter used to load it.
//!
//! Texts: everything in `fixtures/` and every string of the rule packs, raw
//! and normalised as the linter segments them, and a few thousand generated
//! strings. `segment_matches_jieba_on_corpus` (ignored) takes a JSONL corpus,
//! e.g. `benches/gen_corpus.py` output, from `CALLINT_SEGMENT_CORPUS`.

use callint::normalize::Normalized;
use callint::segment::Segmenter;
use jieba_rs::Jieba;
use std::fs;
use std::path::Path;

fn jieba() -> Jieba {
    let mut jieba = Jieba::new();
    let mut dict = std::io::BufReader::new(callint::rules::user_dictionary().as_bytes());
    jieba.load_dict(&mut dict).unwrap();
    jieba
}

/// Checks `texts` raw and normalised; panics with the first difference.
fn check<'a>(texts: impl IntoIterator<Item = &'a str>) -> usize {
    let jieba = jieba();
    let seg = Segmenter::default();
    let mut ours = Vec::new();
    let mut checked = 0;
    for raw in texts {
        let normalized = Normalized::new(raw);
        for text in [raw, normalized.text()] {
            let theirs: Vec<usize> = std::iter::once(0)
                .chain(jieba.cut(text, false).iter().map(|t| t.byte_end))
                .collect();
            seg.boundaries(text, &mut ours);
            if ours != theirs {
                let tokens: Vec<&str> = jieba.cut(text, false).iter().map(|t| t.word).collect();
                panic!(
                    "boundaries differ on {text:?}\n jieba-rs: {tokens:?}\n callint:  {:?}",
                    seg.tokens(text)
                );
            }
            checked += 1;
        }
    }
    checked
}

/// Every string value in `value`.
fn strings_of(value: &serde_yaml::Value, out: &mut Vec<String>) {
    match value {
        serde_yaml::Value::String(s) => out.push(s.clone()),
        serde_yaml::Value::Sequence(items) => items.iter().for_each(|v| strings_of(v, out)),
        serde_yaml::Value::Mapping(map) => map.values().for_each(|v| strings_of(v, out)),
        _ => {}
    }
}

/// The file itself, each of its lines, and every string in it if it is
/// JSON, JSONL or YAML.
fn texts_of(path: &Path, out: &mut Vec<String>) {
    if path.is_dir() {
        let mut entries: Vec<_> = fs::read_dir(path).unwrap().map(|e| e.unwrap().path()).collect();
        entries.sort();
        entries.iter().for_each(|p| texts_of(p, out));
        return;
    }
    let Ok(text) = fs::read_to_string(path) else {
        return;
    };
    out.extend(text.lines().map(str::to_string));
    // A JSON document is also YAML, so one parser and one walker serve all three.
    let documents: Vec<&str> = match path.extension().and_then(|e| e.to_str()) {
        Some("json" | "yaml" | "yml") => vec![text.as_str()],
        Some("jsonl") => text.lines().collect(),
        _ => Vec::new(),
    };
    for document in documents {
        if let Ok(v) = serde_yaml::from_str(document) {
            strings_of(&v, out);
        }
    }
    out.push(text);
}

#[test]
fn segment_matches_jieba_on_fixtures_and_packs() {
    let mut texts = Vec::new();
    texts_of(Path::new("fixtures"), &mut texts);
    texts_of(Path::new("rules"), &mut texts);
    let checked = check(texts.iter().map(String::as_str));
    assert!(checked > 2000, "only {checked} texts found");
}

/// A deterministic xorshift64 generator.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn char_in(&mut self, first: u32, last: u32) -> char {
        char::from_u32(first + (self.next() % u64::from(last - first + 1)) as u32).unwrap_or('?')
    }
}

#[test]
fn segment_matches_jieba_on_generated_text() {
    let default = fs::read_to_string("data/jieba-dict.txt").unwrap();
    let mut words: Vec<&str> = default
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    words.extend(
        callint::rules::user_dictionary()
            .lines()
            .filter_map(|l| l.split_whitespace().next()),
    );
    // Words with ASCII in them are few, and the ones that cross block edges.
    let ascii_words: Vec<&str> = words
        .iter()
        .copied()
        .filter(|w| w.bytes().any(|b| b.is_ascii()))
        .collect();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut texts = Vec::new();
    for _ in 0..5000 {
        let mut text = String::new();
        for _ in 0..1 + rng.below(24) {
            match rng.below(16) {
                0..=5 => text.push_str(words[rng.below(words.len())]),
                6 => text.push_str(ascii_words[rng.below(ascii_words.len())]),
                7 => text.push(rng.char_in(0x4E00, 0x9FFF)),
                8 => text.push(rng.char_in(0x3400, 0x4DBF)),
                9 => text.push(b"abcXYZ0189"[rng.below(10)] as char),
                10 => text.push(b"+#&._%- \t"[rng.below(9)] as char),
                11 => text.push_str(["\r\n", "\r", "\n", "\r\r\n", "\n\r"][rng.below(5)]),
                12 => text.push(['，', '。', '！', '？', '、', '：', '“', '”', '…'][rng.below(9)]),
                13 => text.push(rng.char_in(0xFF01, 0xFF5E)),
                14 => text.push(rng.char_in(0x1F300, 0x1F64F)),
                _ => text.push(
                    [
                        rng.char_in(0x20000, 0x2A6DF),
                        rng.char_in(0x2F800, 0x2FA1F),
                        rng.char_in(0x30000, 0x3134F),
                        rng.char_in(0xF900, 0xFAFF),
                        '\u{3000}',
                        '\u{200b}',
                    ][rng.below(6)],
                ),
            }
        }
        texts.push(text);
    }
    // Runs of dictionary words alone, where the route has the most choice.
    for _ in 0..2000 {
        let text: String = (0..2 + rng.below(12))
            .map(|_| words[rng.below(words.len())])
            .collect();
        texts.push(text);
    }
    check(texts.iter().map(String::as_str));
}

#[test]
#[ignore = "needs CALLINT_SEGMENT_CORPUS=path/to/calls.jsonl; minutes on a large corpus"]
fn segment_matches_jieba_on_corpus() {
    let path = std::env::var("CALLINT_SEGMENT_CORPUS").expect("CALLINT_SEGMENT_CORPUS");
    let text = fs::read_to_string(path).unwrap();
    let mut texts = Vec::new();
    for v in text.lines().filter_map(|l| serde_yaml::from_str(l).ok()) {
        strings_of(&v, &mut texts);
    }
    let checked = check(texts.iter().map(String::as_str));
    eprintln!("{checked} texts match");
}
