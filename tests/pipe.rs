//! Pipe mode (`check --format jsonl --emit-call-summary -`) and `callint merge`:
//! what a Spark job or Hadoop Streaming relies on.

use assert_cmd::Command;
use serde_json::Value;
use std::io::{BufRead, BufReader, Write};
use std::process::Stdio;
use std::sync::mpsc;
use std::time::Duration;

fn callint() -> Command {
    let mut cmd = Command::cargo_bin("callint").unwrap();
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"));
    cmd
}

fn lines(bytes: &[u8]) -> Vec<Value> {
    String::from_utf8(bytes.to_vec())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn fixture_calls() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/calls.jsonl")).unwrap()
}

#[test]
fn call_summary_lines_follow_each_calls_findings() {
    let out = callint()
        .args([
            "check",
            "--isolated",
            "--format",
            "jsonl",
            "--emit-call-summary",
            "--exit-zero",
            "-",
        ])
        .write_stdin(fixture_calls())
        .output()
        .unwrap();
    let records = lines(&out.stdout);
    let calls = fixture_calls().lines().filter(|l| !l.trim().is_empty()).count();
    let call_lines: Vec<&Value> = records.iter().filter(|r| r["type"] == "call").collect();
    let summary: Vec<&Value> = records.iter().filter(|r| r["type"] == "summary").collect();
    let problems = records.iter().filter(|r| r["type"] == "problem").count();
    assert_eq!(summary.len(), 1);
    assert!(records.last().unwrap()["type"] == "summary");
    assert_eq!(
        call_lines.len() + problems,
        calls,
        "every record is a call or a problem"
    );
    assert_eq!(summary[0]["calls"], call_lines.len());
    // Each finding's call line comes next, and counts it.
    let mut pending: Vec<&Value> = Vec::new();
    for record in &records {
        match record.get("type").and_then(Value::as_str) {
            None => pending.push(record),
            Some("call") => {
                for f in &pending {
                    assert_eq!(f["call_id"], record["call_id"]);
                }
                let counted: u64 = ["error", "warning", "info"]
                    .iter()
                    .map(|s| record["findings"][s].as_u64().unwrap())
                    .sum();
                assert_eq!(counted as usize, pending.len());
                assert!(record["utterances"].as_u64().unwrap() > 0);
                pending.clear();
            }
            Some(_) => {}
        }
    }
    assert!(pending.is_empty());
    let first = call_lines[0];
    assert_eq!(first["call_id"], "C001");
    assert_eq!(first["agent_id"], "A07");
    assert_eq!(first["duration"], 13.0);
    assert!(records
        .iter()
        .any(|r| r.get("type").is_none() && r["rule"].is_string()));
}

#[test]
fn call_summary_needs_jsonl() {
    let out = callint()
        .args([
            "check",
            "--isolated",
            "--format",
            "json",
            "--emit-call-summary",
            "fixtures/calls.jsonl",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--emit-call-summary"));
}

/// Findings arrive while stdin is still open: output is flushed per batch,
/// not only when the 64 KB output buffer fills (here it never would: two
/// findings, then more than a 4 MB batch of calls without any).
#[test]
fn findings_are_flushed_per_batch_while_stdin_stays_open() {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_callint"))
        .args([
            "check",
            "--isolated",
            "--format",
            "jsonl",
            "--select",
            "O9-001",
            "--exit-zero",
            "--quiet",
            "-",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Read stdout from the start (and drain it), so callint never blocks on it.
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut reader = BufReader::new(stdout);
        let mut first = String::new();
        reader.read_line(&mut first).unwrap();
        let _ = tx.send(first);
        std::io::copy(&mut reader, &mut std::io::sink()).unwrap();
    });
    let calls = fixture_calls();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(calls.lines().next().unwrap().as_bytes()).unwrap();
    stdin.write_all(b"\n").unwrap();
    let quiet = "{\"call_id\":\"F\",\"utterances\":[{\"role\":\"agent\",\"text\":\"好的，请稍等。\"}]}\n";
    let mut written = 0;
    while written < 5 << 20 {
        stdin.write_all(quiet.as_bytes()).unwrap();
        written += quiet.len();
    }
    stdin.flush().unwrap();
    let first = rx.recv_timeout(Duration::from_secs(60));
    drop(stdin);
    let status = child.wait().unwrap();
    let first = first.expect("no output within 60 s while stdin was open");
    assert!(first.contains("\"rule\":\"O9-001\""), "{first}");
    assert_eq!(status.code(), Some(0));
}

#[test]
fn merge_of_parts_equals_one_run() {
    let dir = std::env::temp_dir().join(format!("callint-merge-{}", std::process::id()));
    let parts = dir.join("out/date=2026-11-21");
    std::fs::create_dir_all(&parts).unwrap();
    let calls = fixture_calls();
    let all: Vec<&str> = calls.lines().collect();
    let (a, b) = all.split_at(all.len() / 2);
    for (name, half) in [("part-00000.txt", a), ("part-00001.txt", b)] {
        let out = callint()
            .args([
                "check",
                "--isolated",
                "--format",
                "jsonl",
                "--emit-call-summary",
                "--exit-zero",
                "-",
            ])
            .write_stdin(half.join("\n"))
            .output()
            .unwrap();
        std::fs::write(parts.join(name), out.stdout).unwrap();
    }
    std::fs::write(dir.join("out/_SUCCESS"), "").unwrap();
    std::fs::write(parts.join(".part-00000.txt.crc"), "not json").unwrap();

    let single_stats = callint()
        .args([
            "check",
            "--isolated",
            "--statistics",
            "--format",
            "json",
            "--exit-zero",
            "-",
        ])
        .write_stdin(calls.clone())
        .output()
        .unwrap();
    let merged_stats = callint()
        .args(["merge", "--format", "statistics"])
        .arg(dir.join("out"))
        .output()
        .unwrap();
    assert_eq!(
        merged_stats.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&merged_stats.stderr)
    );
    let single: Value = serde_json::from_slice(&single_stats.stdout).unwrap();
    let merged: Value = serde_json::from_slice(&merged_stats.stdout).unwrap();
    assert!(!single.as_array().unwrap().is_empty());
    assert_eq!(single, merged);

    let single_doc = callint()
        .args(["check", "--isolated", "--format", "json", "--exit-zero", "-"])
        .write_stdin(calls)
        .output()
        .unwrap();
    let merged_doc = callint().args(["merge"]).arg(dir.join("out")).output().unwrap();
    let single: Value = serde_json::from_slice(&single_doc.stdout).unwrap();
    let merged: Value = serde_json::from_slice(&merged_doc.stdout).unwrap();
    for key in [
        "calls",
        "utterances",
        "findings",
        "skipped",
        "skipped_reasons",
        "timing_skipped_calls",
    ] {
        assert_eq!(single["summary"][key], merged["summary"][key], "summary.{key}");
    }
    assert_eq!(merged["summary"]["files"], 2);
    let key = |f: &Value| format!("{}|{}|{}|{}", f["call_id"], f["utterance"], f["rule"], f["span"]);
    let mut a: Vec<String> = single["findings"].as_array().unwrap().iter().map(key).collect();
    let mut b: Vec<String> = merged["findings"].as_array().unwrap().iter().map(key).collect();
    a.sort();
    b.sort();
    assert_eq!(a, b);
    assert_eq!(single["calls_by_agent"], merged["calls_by_agent"]);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn merge_rejects_lines_that_are_not_callint_output() {
    let dir = std::env::temp_dir().join(format!("callint-merge-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("part-0"), "{\"x\": 1}\n").unwrap();
    let out = callint().args(["merge"]).arg(&dir).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("part-0:1"));
    std::fs::remove_dir_all(&dir).unwrap();
}
