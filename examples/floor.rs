//! The throughput *floor* for callint: the least work any transcript linter must do.
//!
//! Reads canonical JSONL (one call per line), parses every line with sonic-rs (the
//! parser callint uses) into borrowed structs, and scans every utterance's text with
//! ONE Aho-Corasick automaton built from a phrase list (one phrase per line). Line batches are parsed and scanned
//! in parallel with rayon while a reader thread fetches the next batch. No
//! normalisation, no segmentation, no rule logic: this is the hardware/design limit
//! that `callint check` is measured against (see benches/throughput.sh).
//!
//!     cargo build --release --example floor
//!     target/release/examples/floor --phrases phrases.txt calls.jsonl
//!     gzip -dc calls.jsonl.gz | target/release/examples/floor --phrases phrases.txt -
//!
//! stdout: `bytes calls utterances matches` (one line); stderr: the same, plus MB/s.
//! Options: `--threads N` (default: rayon's default), `--batch-mb N` (default 8),
//! `--ac-kind dfa|nfa|auto` (default dfa: the fastest scan; nfa = contiguous NFA).
//! A path ending in `.gz` is decompressed with flate2.

use std::borrow::Cow;
use std::fs::File;
use std::io::{self, Read};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::sync_channel;
use std::time::Instant;

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use rayon::prelude::*;
use serde::Deserialize;

#[derive(Deserialize)]
struct Call<'a> {
    #[serde(borrow)]
    #[allow(dead_code)]
    call_id: Cow<'a, str>,
    #[serde(borrow)]
    utterances: Vec<Utterance<'a>>,
}

#[derive(Deserialize)]
struct Utterance<'a> {
    #[serde(borrow)]
    #[allow(dead_code)]
    role: Cow<'a, str>,
    #[serde(borrow)]
    text: Cow<'a, str>,
}

#[derive(Default)]
struct Counts {
    calls: AtomicU64,
    utterances: AtomicU64,
    matches: AtomicU64,
    bad_lines: AtomicU64,
}

fn usage() -> ! {
    eprintln!("usage: floor --phrases FILE [--threads N] [--batch-mb N] [--ac-kind dfa|nfa|auto] (PATH | -)");
    std::process::exit(2);
}

fn main() {
    let mut phrases_path = None;
    let mut input = None;
    let mut threads = 0usize;
    let mut batch_mb = 8usize;
    let mut ac_kind = String::from("dfa");
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--phrases" => phrases_path = args.next(),
            "--threads" => {
                threads = args
                    .next()
                    .and_then(|s| s.parse().ok())
                    .unwrap_or_else(|| usage())
            }
            "--batch-mb" => {
                batch_mb = args
                    .next()
                    .and_then(|s| s.parse().ok())
                    .unwrap_or_else(|| usage())
            }
            "--ac-kind" => ac_kind = args.next().unwrap_or_else(|| usage()),
            "-h" | "--help" => usage(),
            _ if input.is_none() => input = Some(a),
            _ => usage(),
        }
    }
    let (Some(phrases_path), Some(input)) = (phrases_path, input) else {
        usage()
    };
    if threads > 0 {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build_global()
            .expect("rayon pool");
    }

    let phrases: Vec<String> = std::fs::read_to_string(&phrases_path)
        .unwrap_or_else(|e| {
            eprintln!("floor: {phrases_path}: {e}");
            std::process::exit(2)
        })
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect();
    let t_build = Instant::now();
    // Standard semantics so that overlapping matches are reported, like callint.
    let kind = match ac_kind.as_str() {
        "dfa" => Some(AhoCorasickKind::DFA),
        "nfa" => Some(AhoCorasickKind::ContiguousNFA),
        "auto" => None,
        _ => usage(),
    };
    let ac = AhoCorasick::builder()
        .match_kind(MatchKind::Standard)
        .kind(kind)
        .build(&phrases)
        .or_else(|_| {
            AhoCorasick::builder()
                .match_kind(MatchKind::Standard)
                .build(&phrases)
        })
        .expect("aho-corasick build");
    let build_ms = t_build.elapsed().as_secs_f64() * 1e3;

    let reader: Box<dyn Read + Send> = if input == "-" {
        Box::new(io::stdin())
    } else {
        let f = File::open(&input).unwrap_or_else(|e| {
            eprintln!("floor: {input}: {e}");
            std::process::exit(2)
        });
        if input.ends_with(".gz") {
            Box::new(flate2::read::MultiGzDecoder::new(io::BufReader::with_capacity(
                1 << 20,
                f,
            )))
        } else {
            Box::new(f)
        }
    };

    let t0 = Instant::now();
    let batch = batch_mb.max(1) << 20;
    // Reader thread: fill batches of ~`batch` bytes that end on a line boundary.
    let (tx, rx) = sync_channel::<Vec<u8>>(2);
    let reader_thread = std::thread::spawn(move || -> io::Result<u64> {
        let mut r = reader;
        let mut carry: Vec<u8> = Vec::new();
        let mut total = 0u64;
        loop {
            let mut buf = std::mem::take(&mut carry);
            let start = buf.len();
            buf.resize(start + batch, 0);
            let mut filled = start;
            while filled < buf.len() {
                let n = r.read(&mut buf[filled..])?;
                if n == 0 {
                    break;
                }
                filled += n;
            }
            total += (filled - start) as u64;
            buf.truncate(filled);
            if filled == start {
                if !buf.is_empty() {
                    let _ = tx.send(buf);
                }
                return Ok(total);
            }
            // keep a trailing partial line for the next batch
            if let Some(nl) = buf.iter().rposition(|&b| b == b'\n') {
                carry = buf[nl + 1..].to_vec();
                buf.truncate(nl + 1);
            } else {
                carry = buf;
                continue;
            }
            if tx.send(buf).is_err() {
                return Ok(total);
            }
        }
    });

    let counts = Counts::default();
    for buf in rx {
        buf.par_split(|&b| b == b'\n').for_each(|line| {
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            if line.iter().all(u8::is_ascii_whitespace) {
                return;
            }
            match sonic_rs::from_slice::<Call>(line) {
                Ok(call) => {
                    let mut m = 0u64;
                    for u in &call.utterances {
                        m += ac.find_overlapping_iter(u.text.as_ref()).count() as u64;
                    }
                    counts.calls.fetch_add(1, Ordering::Relaxed);
                    counts
                        .utterances
                        .fetch_add(call.utterances.len() as u64, Ordering::Relaxed);
                    counts.matches.fetch_add(m, Ordering::Relaxed);
                }
                Err(_) => {
                    counts.bad_lines.fetch_add(1, Ordering::Relaxed);
                }
            }
        });
    }
    let bytes = match reader_thread.join().expect("reader thread") {
        Ok(n) => n,
        Err(e) => {
            eprintln!("floor: read error: {e}");
            std::process::exit(1)
        }
    };
    let secs = t0.elapsed().as_secs_f64();
    let (calls, utts, matches, bad) = (
        counts.calls.into_inner(),
        counts.utterances.into_inner(),
        counts.matches.into_inner(),
        counts.bad_lines.into_inner(),
    );
    println!("{bytes} {calls} {utts} {matches}");
    eprintln!(
        "floor: bytes={bytes} calls={calls} utterances={utts} matches={matches} bad_lines={bad} \
         phrases={} ac={:?} build={build_ms:.1}ms threads={} secs={secs:.3} MB/s={:.1}",
        phrases.len(),
        ac.kind(),
        rayon::current_num_threads(),
        bytes as f64 / 1e6 / secs
    );
}
