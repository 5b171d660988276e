//! Build-time half of `src/segment.rs`: turns jieba's default dictionary plus
//! our user dictionary into the static trie the segmenter walks, so no
//! process ever parses 349k dictionary lines or inserts them into a trie.
//!
//! Output, in `OUT_DIR`:
//!
//! - `jieba_nodes.bin`: one little-endian `u64` per trie node, breadth-first.
//!   Node 0 is the root. A node packs its character, the index of its first
//!   child and the index of its word's frequency in `FREQS` (or
//!   `NODE_NO_WORD` when no word ends there). Breadth-first numbering with
//!   children sorted by character makes every node's children one sorted,
//!   contiguous run that ends where the next node's children begin, so a
//!   child is found by binary search with no child count stored; one extra
//!   node at the end closes the last run.
//! - `jieba_root.bin`: little-endian `u16` per character of the main CJK
//!   block (U+4E00..=U+9FFF), the root child for that character or 0: the
//!   first step of every walk is the hottest lookup and nearly always lands
//!   in that block.
//! - `jieba_dict.rs`: the layout constants below, the distinct frequencies
//!   (`FREQS`, ascending), the dictionary's total frequency, and the two
//!   files above as `include_bytes!` statics.
//!
//! Frequencies, not their logarithms, are stored: the segmenter takes
//! `ln` at run time with the same float operations as jieba-rs, so ties
//! between routes break the same way on every platform.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::fs;
use std::path::Path;

/// Bits of a node holding its word's index in `FREQS`.
const WORD_BITS: u32 = 20;
/// The word index of a node that ends no word.
const NO_WORD: u64 = (1 << WORD_BITS) - 1;
/// First bit of the first-child index (23 bits: 8M nodes).
const CHILD_SHIFT: u32 = WORD_BITS;
const CHILD_BITS: u32 = 23;
/// First bit of the character (21 bits: all of Unicode).
const CHAR_SHIFT: u32 = CHILD_SHIFT + CHILD_BITS;
/// The characters the root table covers.
const ROOT_FIRST: u32 = 0x4E00;
const ROOT_LAST: u32 = 0x9FFF;

/// Writes the trie and returns every word with its frequency.
pub fn write_jieba_dict(out: &Path) -> HashMap<String, u64> {
    println!("cargo:rerun-if-changed=data/jieba-dict.txt");
    println!("cargo:rerun-if-changed=rules/userdict.txt");
    let default = fs::read_to_string("data/jieba-dict.txt").expect("data/jieba-dict.txt");
    let user = fs::read_to_string("rules/userdict.txt").unwrap_or_default();
    let (words, total) = merge(&default, &user);
    let mut freqs: Vec<u64> = words.iter().map(|w| w.1).collect();
    freqs.sort_unstable();
    freqs.dedup();
    assert!(
        (freqs.len() as u64) < NO_WORD,
        "too many distinct word frequencies"
    );
    let (nodes, root) = build_trie(&words, &freqs);

    fs::write(
        out.join("jieba_nodes.bin"),
        nodes.iter().flat_map(|n| n.to_le_bytes()).collect::<Vec<u8>>(),
    )
    .unwrap();
    fs::write(
        out.join("jieba_root.bin"),
        root.iter().flat_map(|n| n.to_le_bytes()).collect::<Vec<u8>>(),
    )
    .unwrap();
    let mut src = format!(
        "const NO_WORD: u64 = {NO_WORD:#x};\n\
         const CHILD_SHIFT: u32 = {CHILD_SHIFT};\n\
         const CHILD_MASK: u64 = {:#x};\n\
         const CHAR_SHIFT: u32 = {CHAR_SHIFT};\n\
         const ROOT_FIRST: u32 = {ROOT_FIRST:#x};\n\
         const ROOT_LAST: u32 = {ROOT_LAST:#x};\n\
         /// Sum of the frequencies of every dictionary record, as jieba-rs counts it.\n\
         const TOTAL: u64 = {total};\n\
         static NODES: &[u8] = include_bytes!(concat!(env!(\"OUT_DIR\"), \"/jieba_nodes.bin\"));\n\
         static ROOT: &[u8] = include_bytes!(concat!(env!(\"OUT_DIR\"), \"/jieba_root.bin\"));\n\
         static FREQS: [u64; {}] = [\n",
        (1u64 << CHILD_BITS) - 1,
        freqs.len()
    );
    for f in &freqs {
        writeln!(src, "    {f},").unwrap();
    }
    src.push_str("];\n");
    fs::write(out.join("jieba_dict.rs"), src).unwrap();
    words.into_iter().map(|(w, f)| (w.to_string(), f)).collect()
}

/// The dictionary as jieba-rs 0.11 holds it after `Jieba::new()` and
/// `load_dict(user)`: every word with the frequency it ends up with, sorted,
/// and `total`, the sum over all records it keeps.
///
/// jieba-rs appends the default dictionary's lines without looking for
/// duplicates (a repeated word gets a new record, the trie points at the
/// last one, and both count in the total); a user line for a known word
/// replaces the frequency of the record the trie points at, and a line
/// without a frequency means frequency 0, not `suggest_freq`.
fn merge<'a>(default: &'a str, user: &'a str) -> (Vec<(&'a str, u64)>, u64) {
    let mut total = 0u64;
    let mut words: Vec<(&str, u64)> = Vec::new();
    // jieba-rs splits the default dictionary on ASCII whitespace only.
    for line in default.lines() {
        let mut it = line.split_ascii_whitespace();
        let Some(word) = it.next() else { continue };
        let freq = it
            .next()
            .map_or(0, |f| parse_freq("data/jieba-dict.txt", line, f));
        total += freq;
        words.push((word, freq));
    }
    // Stable: among duplicates the last line stays last, and wins.
    words.sort_by_key(|w| w.0);
    words.reverse();
    words.dedup_by_key(|w| w.0);
    words.reverse();

    let mut added: BTreeMap<&str, u64> = BTreeMap::new();
    for line in user.lines() {
        let mut it = line.split_whitespace();
        let Some(word) = it.next() else { continue };
        let freq = it.next().map_or(0, |f| parse_freq("rules/userdict.txt", line, f));
        let known = match words.binary_search_by_key(&word, |w| w.0) {
            Ok(i) => Some(&mut words[i].1),
            Err(_) => added.get_mut(word),
        };
        match known {
            Some(old) => {
                total = total - *old + freq;
                *old = freq;
            }
            None => {
                total += freq;
                added.insert(word, freq);
            }
        }
    }
    words.extend(added);
    words.sort_by_key(|w| w.0);
    (words, total)
}

fn parse_freq(file: &str, line: &str, freq: &str) -> u64 {
    freq.parse()
        .unwrap_or_else(|e| panic!("{file}: `{line}`: frequency {freq}: {e}"))
}

/// The breadth-first node array and the root table for `words` (sorted).
///
/// UTF-8 byte order is code point order, so the words' `d`-character
/// prefixes come out of the sorted list already in breadth-first order for
/// depth `d`: grouped by parent, parents in order, children by character.
fn build_trie(words: &[(&str, u64)], freqs: &[u64]) -> (Vec<u64>, Vec<u16>) {
    // Per node: character, first child (None until it gets one), word.
    let mut chars: Vec<u32> = vec![0];
    let mut first_child: Vec<Option<u64>> = vec![None];
    let mut word: Vec<u64> = vec![NO_WORD];
    // The words still being walked, each with its frequency, the byte
    // offset of its next character and the node of the prefix before it.
    let mut active: Vec<(&str, u64, usize, usize)> = words.iter().map(|&(w, f)| (w, f, 0, 0)).collect();
    let mut depth1_end = None;
    while !active.is_empty() {
        let mut prev: Option<(usize, char)> = None;
        let mut next = Vec::with_capacity(active.len());
        for &(w, f, at, parent) in &active {
            let c = w[at..].chars().next().unwrap();
            if prev != Some((parent, c)) {
                prev = Some((parent, c));
                first_child[parent].get_or_insert(chars.len() as u64);
                chars.push(c as u32);
                first_child.push(None);
                word.push(NO_WORD);
            }
            let node = chars.len() - 1;
            let at = at + c.len_utf8();
            if at == w.len() {
                word[node] = freqs.binary_search(&f).unwrap() as u64;
            } else {
                next.push((w, f, at, node));
            }
        }
        depth1_end.get_or_insert(chars.len());
        active = next;
    }

    let n = chars.len();
    assert!((n as u64) < (1 << CHILD_BITS), "too many trie nodes");
    // A node without children gets an empty run where the next node's begins.
    let mut nodes = vec![0u64; n + 1];
    nodes[n] = (n as u64) << CHILD_SHIFT;
    let mut run_end = n as u64;
    for i in (0..n).rev() {
        let child = first_child[i].unwrap_or(run_end);
        run_end = child;
        nodes[i] = (u64::from(chars[i]) << CHAR_SHIFT) | (child << CHILD_SHIFT) | word[i];
    }

    let mut root = vec![0u16; (ROOT_LAST - ROOT_FIRST + 1) as usize];
    for i in 1..depth1_end.unwrap_or(1) {
        if (ROOT_FIRST..=ROOT_LAST).contains(&chars[i]) {
            root[(chars[i] - ROOT_FIRST) as usize] = u16::try_from(i).expect("root children fit in u16");
        }
    }
    (nodes, root)
}
