//! JSON arrays of calls, streamed like JSONL: every element is linted or
//! reported, a break in the array is named after the elements before it, and
//! the findings are those of the same calls as JSONL.

use assert_cmd::Command;
use serde_json::Value;
use std::path::Path;

/// `check` with only the starter pack, as in `tests/cli.rs`.
fn starter() -> Command {
    let mut cmd = Command::cargo_bin("callint").unwrap();
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"));
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
