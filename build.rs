//! Compiles the data tables into the binary at build time, as typos does with
//! its dictionaries: start-up reads no files and parses no YAML it does not need.
//!
//! - `t2s.rs`: the traditional → simplified character table, sorted for binary search.
//! - `packs.rs`: the default rule packs (`rules/*.yaml`) and the jieba user dictionary.

use std::env;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

fn main() {
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("OUT_DIR is set by cargo"));
    write_t2s_table(&out);
    write_default_packs(&out);
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
const SPECIAL: &str = "嗯呃唔啊那\u{200b}\u{200c}\u{200d}\u{2060}\u{feff}\u{3000}\u{3002}零〇洞一幺壹二两贰三叁四肆五伍六陆七拐柒八捌九勾玖";

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

fn write_default_packs(out: &Path) {
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
    let mut src = String::from("/// Default packs as `(path, yaml)`, sorted by file name.\npub static DEFAULT_PACKS: &[(&str, &str)] = &[\n");
    for n in &names {
        println!("cargo:rerun-if-changed=rules/{n}");
        writeln!(src, "    (\"rules/{n}\", include_str!(\"{root}/rules/{n}\")),").unwrap();
    }
    src.push_str("];\n");
    let userdict = Path::new("rules/userdict.txt");
    println!("cargo:rerun-if-changed=rules/userdict.txt");
    if userdict.exists() {
        writeln!(src, "/// The banking user dictionary for jieba.\npub static USER_DICT: &str = include_str!(\"{root}/rules/userdict.txt\");").unwrap();
    } else {
        src.push_str("/// The banking user dictionary for jieba.\npub static USER_DICT: &str = \"\";\n");
    }
    fs::write(out.join("packs.rs"), src).unwrap();
}
