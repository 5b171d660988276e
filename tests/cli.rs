//! The real binary over the fixtures: output documents, exit codes, bad input.

use assert_cmd::Command;
use serde_json::Value;
use std::io::Write;
use std::path::Path;

fn callint() -> Command {
    let mut cmd = Command::cargo_bin("callint").unwrap();
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"));
    cmd
}

/// `check` with only the starter pack, so these tests do not move when the
/// default packs change.
fn starter() -> Command {
    let mut cmd = callint();
    cmd.args([
        "check",
        "--no-default-rules",
        "--rules",
        "fixtures/packs/starter.yaml",
        "--color",
        "never",
    ]);
    cmd
}

fn stdout_of(cmd: &mut Command) -> String {
    String::from_utf8(cmd.output().unwrap().stdout).unwrap()
}

/// The findings of `--format jsonl` output, one JSON value per line.
fn json_lines(stdout: &[u8]) -> Vec<Value> {
    (String::from_utf8_lossy(stdout).lines())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn human_output_over_every_input_format() {
    let out = stdout_of(starter().args([
        "fixtures/calls.jsonl",
        "fixtures/call.json",
        "fixtures/transcript.txt",
        "fixtures/scripts",
    ]));
    insta::assert_snapshot!(out);
}

#[test]
fn jsonl_output_is_one_finding_per_line() {
    let out = stdout_of(starter().args([
        "--format",
        "jsonl",
        "fixtures/calls.jsonl",
        "fixtures/scripts/greeting.md",
    ]));
    let records: Vec<serde_json::Value> = out.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    insta::assert_json_snapshot!(records);
}

#[test]
fn concise_output() {
    let out = stdout_of(starter().args([
        "--format",
        "concise",
        "fixtures/calls.jsonl",
        "fixtures/transcript.txt",
    ]));
    insta::assert_snapshot!(out);
}

#[test]
fn spans_point_at_original_characters() {
    let out = stdout_of(starter().args(["--format", "jsonl", "fixtures/calls.jsonl"]));
    let spans: Vec<(String, String)> = out
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .map(|v| {
            (
                v["rule"].as_str().unwrap().to_string(),
                v["span"]["text"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(
        spans.contains(&("TST-001".into(), "穩賺不賠".into())),
        "{spans:?}"
    );
    assert!(
        spans.contains(&("TST-005".into(), "幺三八 零零幺三 八零零零".into())),
        "{spans:?}"
    );
}

#[test]
fn json_document_has_findings_problems_and_summary() {
    let out = stdout_of(starter().args([
        "--format",
        "json",
        "fixtures/calls.jsonl",
        "fixtures/bad/mixed.jsonl",
    ]));
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["summary"]["calls"], 5);
    assert_eq!(doc["summary"]["skipped"]["records"], 4);
    assert_eq!(doc["summary"]["skipped"]["utterances"], 1);
    assert_eq!(doc["problems"].as_array().unwrap().len(), 5);
    let b6 = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["call_id"] == "B6")
        .unwrap();
    assert_eq!(
        b6["utterance"], 1,
        "indices follow the source even when an utterance was skipped"
    );
}

#[test]
fn exit_codes() {
    starter().args(["fixtures/scripts/faq.txt"]).assert().code(0);
    starter()
        .args(["--fail-on", "warning", "fixtures/scripts/faq.txt"])
        .assert()
        .code(1);
    starter().args(["fixtures/calls.jsonl"]).assert().code(1);
    starter()
        .args(["--exit-zero", "fixtures/calls.jsonl"])
        .assert()
        .code(0);
    starter().args(["fixtures/bad/mixed.jsonl"]).assert().code(2);
    starter()
        .args(["no/such/file.jsonl"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("no/such/file.jsonl"));
    starter()
        .args(["--select", "NOPE", "fixtures/calls.jsonl"])
        .assert()
        .code(2);
    for format in ["human", "concise", "json", "jsonl"] {
        starter()
            .args(["--format", format, "fixtures/calls.jsonl"])
            .assert()
            .code(1);
    }
}

#[test]
fn select_and_ignore_by_id_prefix_and_pack() {
    let rules_of = |args: &[&str]| -> Vec<String> {
        let mut cmd = starter();
        cmd.args(["--format", "jsonl"])
            .args(args)
            .arg("fixtures/calls.jsonl");
        stdout_of(&mut cmd)
            .lines()
            .map(|l| {
                serde_json::from_str::<serde_json::Value>(l).unwrap()["rule"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect()
    };
    assert!(rules_of(&["--select", "TST-002"]).iter().all(|r| r == "TST-002"));
    assert!(!rules_of(&["--ignore", "tst-001"]).iter().any(|r| r == "TST-001"));
    assert!(rules_of(&["--select", "starter", "--ignore", "TST"]).is_empty());
}

#[test]
fn bad_input_is_reported_and_counted_and_the_run_goes_on() {
    let assert = starter()
        .args(["fixtures/bad", "fixtures/calls.jsonl"])
        .assert()
        .code(2);
    let out = assert.get_output();
    let stderr = String::from_utf8_lossy(&out.stderr);
    for expected in [
        "fixtures/bad/mixed.jsonl line 2: skipped record: invalid UTF-8",
        "fixtures/bad/mixed.jsonl line 3: skipped record: truncated JSON",
        "fixtures/bad/mixed.jsonl line 4: skipped record: not a valid call object",
        "fixtures/bad/mixed.jsonl line 5: skipped record: call has no utterances",
        "fixtures/bad/mixed.jsonl line 6, utterance 0: skipped utterance: unknown role \"robot\"",
        "fixtures/bad/empty.txt: skipped record: empty file",
        "skipped 0 files, 5 records, 1 utterance",
    ] {
        assert!(stderr.contains(expected), "missing {expected:?} in\n{stderr}");
    }
    assert!(String::from_utf8_lossy(&out.stdout).contains("fixtures/calls.jsonl:1 · call C001"));
}

#[test]
fn unreadable_directory_entries_and_empty_files() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("empty.jsonl"), "").unwrap();
    std::fs::write(dir.path().join("blank.jsonl"), "\n\n").unwrap();
    let assert = starter().arg(dir.path()).assert().code(0);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    assert!(stderr.contains("2 files, 0 calls"), "{stderr}");
}

#[test]
fn reads_stdin_and_gzip() {
    let jsonl = std::fs::read("fixtures/calls.jsonl").unwrap();
    let plain = stdout_of(
        starter()
            .args(["--format", "jsonl", "-"])
            .write_stdin(jsonl.clone()),
    );
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&jsonl).unwrap();
    let gz = gz.finish().unwrap();
    let from_gz_stdin = stdout_of(starter().args(["--format", "jsonl", "-"]).write_stdin(gz.clone()));
    assert_eq!(plain, from_gz_stdin);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("calls.jsonl.gz");
    std::fs::write(&path, gz).unwrap();
    let from_gz_file = stdout_of(starter().args(["--format", "jsonl"]).arg(&path));
    assert_eq!(plain.lines().count(), from_gz_file.lines().count());
    assert!(plain.lines().count() >= 5);
}

#[test]
fn output_is_identical_whatever_the_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("many.jsonl");
    let lines: Vec<String> = std::fs::read_to_string("fixtures/calls.jsonl")
        .unwrap()
        .lines()
        .map(String::from)
        .collect();
    let mut big = String::new();
    for i in 0..3000 {
        big.push_str(&lines[i % lines.len()].replacen("\"C00", &format!("\"R{i}-C00"), 1));
        big.push('\n');
    }
    std::fs::write(&path, big).unwrap();
    let run = |threads: &str| {
        let mut cmd = starter();
        cmd.args(["--format", "jsonl", "--threads", threads]).arg(&path);
        stdout_of(&mut cmd)
    };
    let one = run("1");
    assert_eq!(one.lines().count(), 3000 / 3 * 6);
    assert_eq!(one, run("2"));
    assert_eq!(one, run("4"));
}

#[test]
fn a_fifty_megabyte_line_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge.jsonl");
    let text = "您好请问有什么可以帮您".repeat(50 * 1024 * 1024 / 33);
    let line = format!(
        "{{\"call_id\":\"H\",\"utterances\":[{{\"role\":\"agent\",\"text\":\"{text}保本保息\"}}]}}\n"
    );
    std::fs::write(&path, line).unwrap();
    let out = stdout_of(
        starter()
            .args(["--format", "jsonl", "--select", "TST-001"])
            .arg(&path),
    );
    let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(v["span"]["text"], "保本保息");
}

#[test]
fn broken_packs_are_diagnostics_with_exit_code_2() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("unknown-key.yaml", "pack: p\ntitle: t\nrules:\n  - id: P-001\n    title: x\n    severity: error\n    phrases: [a]\n    exeptions: {}\n    message: m\n", "unknown field `exeptions`"),
        ("bad-regex.yaml", "pack: p\ntitle: t\nrules:\n  - id: P-001\n    title: x\n    severity: error\n    patterns: ['(unclosed']\n    message: m\n", "regex does not compile"),
        ("dup.yaml", "pack: p\ntitle: t\nrules:\n  - id: P-001\n    title: x\n    severity: error\n    phrases: [a]\n    message: m\n  - id: P-001\n    title: y\n    severity: error\n    phrases: [b]\n    message: m\n", "duplicate rule id P-001"),
        ("bad-yaml.yaml", "pack: p\ntitle: [\n", "bad-yaml.yaml"),
    ];
    for (name, yaml, expected) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, yaml).unwrap();
        let assert = callint()
            .args(["check", "--no-default-rules", "--rules"])
            .arg(&path)
            .arg("fixtures/calls.jsonl")
            .assert()
            .code(2);
        let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
        assert!(stderr.contains(expected), "{name}: {stderr}");
        assert!(
            stderr.contains(&format!("{name}:")),
            "{name}: the diagnostic names the file and line: {stderr}"
        );
    }
}

#[test]
fn default_packs_pass_their_own_examples() {
    callint()
        .arg("test-rules")
        .assert()
        .code(0)
        .stdout(predicates::str::contains(" 0 failed"));
}

#[test]
fn test_rules_reports_a_failing_example() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.yaml");
    std::fs::write(&path, "pack: p\ntitle: t\nrules:\n  - id: P-001\n    title: x\n    severity: error\n    phrases: [保本]\n    message: m\n    examples:\n      fire: [这款产品稳赚]\n      pass: [确保本金安全]\n").unwrap();
    let assert = callint().arg("test-rules").arg(&path).assert().code(1);
    let out = assert.get_output();
    assert!(String::from_utf8_lossy(&out.stdout).contains("2 examples: 1 passed, 1 failed"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("P-001: example must fire but did not"),
        "{stderr}"
    );
    assert!(
        stderr.contains("p.yaml:10:14") && stderr.contains("fire: [这款产品稳赚]"),
        "the failing example is shown where the pack says it: {stderr}"
    );
}

#[test]
fn tokens_shows_the_normalised_text_and_its_words() {
    let out = stdout_of(callint().args(["tokens", "这个产品 嗯 保本保息的"]));
    assert_eq!(
        out,
        "这个产品 嗯 保本保息的\n  normalised: 这个产品保本保息的\n  tokens:     这个 / 产品 / 保本保息 / 的\n"
    );
    let out = stdout_of(callint().arg("tokens").write_stdin("您好\n\n谢谢您\n"));
    assert_eq!(out.matches("tokens:").count(), 2, "{out}");
}

#[test]
fn explain_and_rules_list() {
    let mut cmd = callint();
    cmd.args([
        "explain",
        "tst-001",
        "--no-default-rules",
        "--rules",
        "fixtures/packs/starter.yaml",
    ]);
    insta::assert_snapshot!(stdout_of(&mut cmd));
    callint().args(["explain", "NOPE-999"]).assert().code(2);
    let mut cmd = callint();
    cmd.args([
        "rules",
        "--format",
        "json",
        "--no-default-rules",
        "--rules",
        "fixtures/packs/starter.yaml",
    ]);
    let list: serde_json::Value = serde_json::from_str(&stdout_of(&mut cmd)).unwrap();
    // The starter pack's 5 rules and callint's own 2 (about suppression comments).
    assert_eq!(list.as_array().unwrap().len(), 7);
    assert_eq!(list[0]["tags"][0], "知情权");
}

// JSON arrays of calls, streamed like JSONL: every element is linted or
// reported, a break in the array is named after the elements before it, and
// the findings are those of the same calls as JSONL.

/// The calls of `fixtures/calls.jsonl`, one per line.
fn fixture_calls() -> Vec<String> {
    let text =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/calls.jsonl")).unwrap();
    text.lines().map(String::from).collect()
}

/// `--format jsonl` findings without where they are in their file.
fn findings_without_location(stdout: &[u8]) -> Vec<Value> {
    let text = String::from_utf8(stdout.to_vec()).unwrap();
    text.lines()
        .map(|line| {
            let mut finding: Value = serde_json::from_str(line).unwrap();
            let object = finding.as_object_mut().unwrap();
            for key in ["file", "line", "column"] {
                object.remove(key);
            }
            finding
        })
        .collect()
}

#[test]
fn an_array_has_the_findings_of_the_same_calls_as_jsonl() {
    let calls = fixture_calls();
    let dir = tempfile::tempdir().unwrap();
    let array = dir.path().join("export.json");
    std::fs::write(&array, format!("[\n  {}\n]\n", calls.join(",\n  "))).unwrap();
    let jsonl = starter()
        .args(["--format", "jsonl", "fixtures/calls.jsonl"])
        .output()
        .unwrap();
    let from_array = starter()
        .args(["--format", "jsonl"])
        .arg(&array)
        .output()
        .unwrap();
    assert_eq!(from_array.status.code(), Some(1));
    let expected = findings_without_location(&jsonl.stdout);
    assert!(!expected.is_empty());
    assert_eq!(findings_without_location(&from_array.stdout), expected);
    let lines: Vec<Value> = String::from_utf8(from_array.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(
        lines
            .iter()
            .all(|f| f["line"] == 1 + f["call_id"].as_str().unwrap()[3..].parse::<u64>().unwrap()),
        "each call's findings carry the line its element starts on: {lines:?}"
    );
    let from_stdin = starter()
        .args(["--format", "jsonl", "--input-format", "json", "-"])
        .write_stdin(std::fs::read(&array).unwrap())
        .output()
        .unwrap();
    assert_eq!(findings_without_location(&from_stdin.stdout), expected);
}

#[test]
fn a_bad_element_and_a_truncated_end_are_reported_and_the_rest_is_linted() {
    let calls = fixture_calls();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("export.json");
    let elements = [
        calls[0].as_str(),
        r#"{"call_id":"B5","utterances":[]}"#,
        r#"{"utterances":[{"role":"agent","text":"这款产品保本保息。"}]}"#,
        calls[2].as_str(),
        r#"{"call_id":"T5","utterances":[{"role":"agent","te"#,
    ];
    std::fs::write(&path, format!("[\n{}", elements.join(",\n"))).unwrap();
    let output = starter().args(["--format", "json"]).arg(&path).output().unwrap();
    assert_eq!(
        output.status.code(),
        Some(2),
        "a skipped record makes the exit code 2"
    );
    let file = path.display().to_string();
    let doc: Value = serde_json::from_slice(&output.stdout).unwrap();
    let problem = |location: &str, reason: &str| serde_json::json!({"file": file, "location": location, "reason": reason, "skipped": "record"});
    assert_eq!(
        doc["problems"],
        serde_json::json!([
            problem("record 2", "call has no utterances"),
            problem(
                "record 5",
                "truncated JSON: the file ends inside this record, which starts on line 6"
            ),
        ])
    );
    let mut ids: Vec<&str> = (doc["findings"].as_array().unwrap().iter())
        .map(|f| f["call_id"].as_str().unwrap())
        .collect();
    ids.dedup();
    assert_eq!(ids, ["C001", &format!("{file}#3"), "C003"]);
    assert_eq!(doc["summary"]["calls"], 3);
    assert_eq!(doc["summary"]["skipped"]["records"], 2);
    assert_eq!(doc["summary"]["skipped"]["files"], 0);
}

#[test]
fn garbage_between_elements_stops_the_file_after_the_elements_before_it() {
    let calls = fixture_calls();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("export.json");
    std::fs::write(
        &path,
        format!("[{},\n{}\noops, {}]", calls[0], calls[1], calls[2]),
    )
    .unwrap();
    let assert = starter().arg(&path).assert().code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    let at = calls[0].len() + calls[1].len() + 4;
    let expected = format!(
        "{} line 3: skipped record: malformed JSON array: expected `,` or `]` after record 2, \
         found `o` at byte offset {at}; the rest of the file is not read",
        path.display()
    );
    assert!(stderr.contains(&expected), "missing {expected:?} in\n{stderr}");
    assert!(stderr.contains("1 file, 2 calls"), "{stderr}");
}

#[test]
fn a_single_call_and_an_empty_array_read_as_before() {
    starter().arg("fixtures/call.json").assert().code(1);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("empty.json");
    std::fs::write(&path, " [ ]\n").unwrap();
    let assert = starter().arg(&path).assert().code(0);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    assert!(stderr.contains("1 file, 0 calls"), "{stderr}");
}

/// `(rule, line, column, text)` of each jsonl finding.
fn findings_of(cmd: &mut Command) -> Vec<(String, u64, u64, String)> {
    stdout_of(cmd)
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .map(|f| {
            let field = |k: &str| f[k].clone();
            (
                field("rule").as_str().unwrap().to_string(),
                field("line").as_u64().unwrap_or(0),
                field("column").as_u64().unwrap_or(0),
                field("text").as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

#[test]
fn files_in_other_encodings_read_as_their_utf8_original() {
    let text = std::fs::read_to_string("fixtures/transcript.txt").unwrap();
    let utf16 = |big: bool| -> Vec<u8> {
        let units = "\u{feff}".chars().chain(text.chars()).collect::<String>();
        let to_bytes = |u: u16| if big { u.to_be_bytes() } else { u.to_le_bytes() };
        units.encode_utf16().flat_map(to_bytes).collect()
    };
    let dir = tempfile::tempdir().unwrap();
    let copies = [
        (
            "utf8-bom.txt",
            [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat(),
            None,
        ),
        ("utf16le.txt", utf16(false), None),
        ("utf16be.txt", utf16(true), Some("gbk")),
        (
            "gbk.txt",
            encoding_rs::GBK.encode(&text).0.into_owned(),
            Some("gbk"),
        ),
    ];
    let original = findings_of(starter().args(["--format", "jsonl", "fixtures/transcript.txt"]));
    assert!(original.len() >= 2, "{original:?}");
    for (name, bytes, encoding) in copies {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        let mut cmd = starter();
        cmd.args(["--format", "jsonl"]).arg(&path);
        if let Some(label) = encoding {
            cmd.args(["--encoding", label]);
        }
        assert_eq!(findings_of(&mut cmd), original, "{name}");
    }
    let gbk = dir.path().join("gbk.txt");
    let assert = starter().arg(&gbk).assert().code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(
        stderr.contains("invalid UTF-8 on line 1 (if the file is GBK or GB18030, pass `--encoding gbk`)"),
        "{stderr}"
    );
    let assert = starter()
        .args(["--encoding", "klingon"])
        .arg(&gbk)
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(stderr.contains("unknown encoding \"klingon\""), "{stderr}");
}

#[test]
fn csv_transcript_tables_group_rows_into_calls() {
    let assert = starter()
        .args(["--format", "jsonl", "fixtures/table.csv"])
        .assert()
        .code(2); // the skipped utterance
    let out = assert.get_output();
    let findings = json_lines(&out.stdout);
    let got: Vec<(&str, &str, u64, u64, u64, Value)> = findings
        .iter()
        .map(|f| {
            let n = |k: &str| f[k].as_u64().unwrap();
            let s = |k: &str| f[k].as_str().unwrap();
            (
                s("rule"),
                s("call_id"),
                n("utterance"),
                n("line"),
                n("column"),
                f["time"].clone(),
            )
        })
        .collect();
    let time = |a: f64, b: f64| serde_json::json!([a, b]);
    assert_eq!(
        got,
        [
            ("TST-004", "T1", 1, 3, 9, time(4.0, 7.0)),
            ("TST-002", "T1", 2, 4, 9, time(8.0, 12.5)),
            // The second line of a quoted cell.
            ("TST-001", "T1", 2, 5, 5, time(8.0, 12.5)),
            ("TST-001", "T2", 0, 7, 11, time(1.0, 3.0)),
        ]
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("fixtures/table.csv line 6: skipped utterance: unknown role \"机器人\""),
        "{stderr}"
    );
    assert!(stderr.contains("2 calls, 4 utterances"), "{stderr}");
}

#[test]
fn jsonl_written_a_row_per_utterance_is_read_as_calls_of_consecutive_rows() {
    // A table exported a row per utterance: rows of one call are consecutive.
    let input = concat!(
        r#"{"id":1,"session_id":"A","speaker":"客户","content":"我要投诉","start":0,"end":2}"#,
        "\n",
        r#"{"id":2,"session_id":"A","speaker":"坐席","content":"这个保本","start":2.5,"end":4}"#,
        "\n\n",
        "not json\n",
        r#"{"id":3,"session_id":"B","speaker":"坐席","content":"对 保本"}"#,
        "\n",
    );
    let assert = starter()
        .args(["--format", "jsonl", "-"])
        .write_stdin(input)
        .assert()
        .code(2); // the unreadable row
    let out = assert.get_output();
    let got: Vec<(String, String, u64, u64)> = json_lines(&out.stdout)
        .into_iter()
        .map(|f| {
            let s = |k: &str| f[k].as_str().unwrap().to_owned();
            (
                s("rule"),
                s("call_id"),
                f["utterance"].as_u64().unwrap(),
                f["line"].as_u64().unwrap(),
            )
        })
        .collect();
    let expected = [
        ("TST-004", "A", 0, 1),
        ("TST-001", "A", 1, 2),
        ("TST-001", "B", 0, 5),
    ];
    assert_eq!(
        got,
        expected.map(|(r, c, u, l)| (r.to_owned(), c.to_owned(), u, l))
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("<stdin> line 4: skipped utterance: not a valid utterance object"),
        "{stderr}"
    );
    assert!(stderr.contains("2 calls, 3 utterances"), "{stderr}");
}

#[test]
fn a_json_array_of_utterances_is_read_as_its_calls() {
    let input = concat!(
        "[\n",
        r#"  {"role": "客户", "text": "我要投诉"},"#,
        "\n",
        r#"  {"role": "坐席", "text": "这个保本"}"#,
        "\n]\n",
    );
    let assert = starter()
        .args(["--format", "jsonl", "--input-format", "json", "-"])
        .write_stdin(input)
        .assert()
        .code(1);
    let out = assert.get_output();
    let got: Vec<(String, u64, u64)> = json_lines(&out.stdout)
        .into_iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_owned(),
                f["utterance"].as_u64().unwrap(),
                f["line"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(got, [("TST-004".to_owned(), 0, 2), ("TST-001".to_owned(), 1, 3)]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("1 call, 2 utterances"), "{stderr}");
}

#[test]
fn chat_logs_and_dataset_dialogues_read_by_their_own_keys() {
    // A chat log (user / assistant, `messages`, `content`) and a dialogue
    // dataset's record (`dialog`, `speaker` Q / A, `utterance`).
    let input = concat!(
        r#"{"call_id":"chat","messages":[{"role":"user","content":"我要投诉"},{"role":"assistant","content":"这个保本"}]}"#,
        "\n",
        r#"{"call_id":"qa","dialog":[{"speaker":"Q","utterance":"保本吗"},{"speaker":"A","utterance":"对 保本"}]}"#,
        "\n",
    );
    let out = stdout_of(starter().args(["--format", "jsonl", "-"]).write_stdin(input));
    let got: Vec<(String, String, u64)> = json_lines(out.as_bytes())
        .into_iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_owned(),
                f["call_id"].as_str().unwrap().to_owned(),
                f["utterance"].as_u64().unwrap(),
            )
        })
        .collect();
    // TST-004 is a customer rule, TST-001 an agent one.
    let expected = [
        ("TST-004", "chat", 0),
        ("TST-001", "chat", 1),
        ("TST-001", "qa", 1),
    ]
    .map(|(r, c, u)| (r.to_owned(), c.to_owned(), u));
    assert_eq!(got, expected);
}
