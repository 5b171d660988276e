//! Compiles the data tables into the binary at build time, as typos does with
//! its dictionaries: start-up reads no files and parses no YAML it does not need.
//!
//! - `t2s.rs`: the traditional → simplified character table, sorted for binary search.
//! - `packs.rs`: the default rule packs (`rules/*.yaml`), each also converted to
//!   JSON (serde_json reads it in a tenth of the time serde_yaml takes, which was
//!   most of a script check's start-up), the required literals of their regexes (worked out by `src/literals.rs`, the same code the loader runs
//!   for user packs), and the jieba user dictionary.
//! - `jieba_dict.rs` (+ two `.bin` files): jieba's default dictionary with the
//!   user dictionary applied, as the static trie `src/segment.rs` walks; see
//!   `build/jieba_dict.rs`.

use std::collections::HashMap;
use std::env;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

#[allow(dead_code)]
#[path = "src/literals.rs"]
mod literals;

#[path = "build/jieba_dict.rs"]
mod jieba_dict;

fn main() {
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("OUT_DIR is set by cargo"));
    write_t2s_table(&out);
    let words = jieba_dict::write_jieba_dict(&out);
    write_default_packs(&out, &words);
}

fn write_t2s_table(out: &Path) {
    println!("cargo:rerun-if-changed=data/t2s.txt");
    let text = fs::read_to_string("data/t2s.txt").expect("data/t2s.txt");
    let mut pairs: Vec<(char, char)> = text
        .lines()
        .filter_map(|line| {
            let mut it = line.split_whitespace().map(|s| s.chars().next());
            Some((it.next()??, it.next()??))
        })
        .filter(|(t, s)| t != s)
        .collect();
    pairs.sort_unstable();
    pairs.dedup_by_key(|p| p.0);
    // A bitmap over the Basic Multilingual Plane lets the common case (a
    // character with no traditional form) skip the binary search.
    let mut bits = vec![0u64; 1024];
    for (t, _) in &pairs {
        let cp = *t as usize;
        if cp < 0x10000 {
            bits[cp / 64] |= 1 << (cp % 64);
        }
    }
    let mut src = String::from("static T2S: &[(char, char)] = &[\n");
    for (t, s) in &pairs {
        writeln!(src, "    ({t:?}, {s:?}),").unwrap();
    }
    src.push_str("];\nstatic T2S_BMP_BITS: [u64; 1024] = [\n");
    for b in bits {
        writeln!(src, "    {b:#x},").unwrap();
    }
    src.push_str("];\n");
    write_plain_table(&mut src, &pairs);
    fs::write(out.join("t2s.rs"), src).unwrap();
}

/// Characters the normaliser may change, drop or count. Kept in step with
/// `normalize.rs` and `digits.rs` by a test there.
const SPECIAL: &str = "嗯呃唔冇啊那\u{200b}\u{200c}\u{200d}\u{2060}\u{feff}\u{3000}\u{3002}零〇洞一幺壹二两贰三叁四肆五伍六陆七拐柒八捌九勾玖";

/// One bit per BMP character: set when the character is *plain*, i.e. the
/// normaliser copies it unchanged and it is not a digit. Plain characters,
/// nearly all of call text, take the normaliser's fast path.
fn write_plain_table(src: &mut String, pairs: &[(char, char)]) {
    let mut bits = vec![0u64; 1024];
    for cp in 0..0x10000u32 {
        let Some(c) = char::from_u32(cp) else { continue };
        let changed = pairs.binary_search_by_key(&c, |p| p.0).is_ok()
            || c.is_ascii_uppercase()
            || c.is_ascii_digit()
            || ('\u{ff01}'..='\u{ff5e}').contains(&c);
        if !(changed || c.is_whitespace() || SPECIAL.contains(c)) {
            bits[cp as usize / 64] |= 1 << (cp % 64);
        }
    }
    src.push_str("static PLAIN_BMP_BITS: [u64; 1024] = [\n");
    for b in bits {
        writeln!(src, "    {b:#x},").unwrap();
    }
    src.push_str("];\n");
}

fn write_default_packs(out: &Path, words: &HashMap<String, u64>) {
    println!("cargo:rerun-if-changed=rules");
    let mut names: Vec<String> = fs::read_dir("rules")
        .map(|dir| {
            dir.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".yaml") || n.ends_with(".yml"))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    let root = env::var("CARGO_MANIFEST_DIR").unwrap();
    let mut src = String::from(
        "/// Default packs as `(path, yaml, the same as json)`, sorted by file name.\n\
         pub static DEFAULT_PACKS: &[(&str, &str, &str)] = &[\n",
    );
    for n in &names {
        println!("cargo:rerun-if-changed=rules/{n}");
        let json = out.join(format!("{n}.json"));
        fs::write(&json, pack_as_json(&format!("rules/{n}"))).unwrap();
        let json = json.display();
        writeln!(
            src,
            "    (\"rules/{n}\", include_str!(\"{root}/rules/{n}\"), include_str!(\"{json}\")),"
        )
        .unwrap();
    }
    src.push_str("];\n");
    write_pattern_table(&mut src, &names, words);
    let userdict = Path::new("rules/userdict.txt");
    println!("cargo:rerun-if-changed=rules/userdict.txt");
    if userdict.exists() {
        writeln!(src, "/// The banking user dictionary for jieba.\npub static USER_DICT: &str = include_str!(\"{root}/rules/userdict.txt\");").unwrap();
    } else {
        src.push_str("/// The banking user dictionary for jieba.\npub static USER_DICT: &str = \"\";\n");
    }
    fs::write(out.join("packs.rs"), src).unwrap();
}

/// The pack at `path` as JSON. A pack that is not valid YAML becomes `null`,
/// which the loader rejects with an error pointing into the YAML.
fn pack_as_json(path: &str) -> String {
    let text = fs::read_to_string(path).unwrap();
    let yaml: serde_yaml::Value = serde_yaml::from_str(&text).unwrap_or(serde_yaml::Value::Null);
    serde_json::to_string(&yaml).expect("pack keys are strings")
}

/// Every regex of the default packs with what the matcher needs to know of it:
/// whether it can match at all, and its required literals. Parsing 400 regexes
/// and expanding their literal sets took half of a script check's start-up.
/// `words`: the jieba dictionary's word frequencies, by which the rarest
/// required literals are chosen for the phrase index.
fn write_pattern_table(src: &mut String, names: &[String], words: &HashMap<String, u64>) {
    println!("cargo:rerun-if-changed=src/literals.rs");
    let mut patterns = Vec::new();
    for n in names {
        let text = fs::read_to_string(format!("rules/{n}")).unwrap();
        let yaml: serde_yaml::Value = serde_yaml::from_str(&text).unwrap_or(serde_yaml::Value::Null);
        collect_patterns(&yaml, &mut patterns);
    }
    patterns.sort();
    patterns.dedup();
    src.push_str(
        "/// A regex's required literals: the indexed set and the checked sets.\n\
         pub type StaticFactors = (&'static [&'static str], &'static [&'static [&'static str]]);\n\
         /// `(regex, can match, required literals)` for every regex of the\n\
         /// default packs, sorted by regex.\n\
         pub static BUILT_IN_PATTERNS: &[(&str, bool, Option<StaticFactors>)] = &[\n",
    );
    for p in &patterns {
        let Ok(hir) = regex_syntax::Parser::new().parse(p) else {
            continue; // the loader reports it, at its line
        };
        let can_match = hir.properties().minimum_len().is_some();
        let factors = match literals::required_factors(&hir, &|w| words.get(w).copied()) {
            Some(f) => format!(
                "Some((&{:?}, &[{}]))",
                f.indexed,
                f.checked
                    .iter()
                    .map(|c| format!("&{c:?}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            None => "None".into(),
        };
        writeln!(src, "    ({p:?}, {can_match}, {factors}),").unwrap();
    }
    src.push_str("];\n");
}

/// The strings of every `patterns:` list, wherever it sits in a pack.
fn collect_patterns(value: &serde_yaml::Value, out: &mut Vec<String>) {
    match value {
        serde_yaml::Value::Mapping(map) => {
            for (key, value) in map {
                if let (Some("patterns"), serde_yaml::Value::Sequence(items)) = (key.as_str(), value) {
                    out.extend(items.iter().filter_map(|i| i.as_str().map(str::to_string)));
                } else {
                    collect_patterns(value, out);
                }
            }
        }
        serde_yaml::Value::Sequence(items) => items.iter().for_each(|i| collect_patterns(i, out)),
        _ => {}
    }
}
