//! callint as a CI gate: the formats CI systems read, the exit-code matrix,
//! `--statistics`, `--stdin-paths`, inline suppressions and baselines.

use assert_cmd::Command;
use std::path::Path;

fn callint() -> Command {
    let mut cmd = Command::cargo_bin("callint").unwrap();
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"));
    cmd
}

/// `check` with only the starter pack.
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

/// `check` with the starter pack, run in `dir` (so file names are relative).
fn starter_in(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("callint").unwrap();
    cmd.current_dir(dir);
    let pack = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/packs/starter.yaml");
    cmd.args(["check", "--no-default-rules", "--color", "never", "--rules"])
        .arg(pack);
    cmd
}

fn stdout_of(cmd: &mut Command) -> String {
    String::from_utf8(cmd.output().unwrap().stdout).unwrap()
}

const INPUTS: [&str; 3] = [
    "fixtures/scripts",
    "fixtures/calls.jsonl",
    "fixtures/transcript.txt",
];

#[test]
fn sarif_output() {
    let out = stdout_of(starter().args(["--format", "sarif"]).args(INPUTS));
    let log: serde_json::Value = serde_json::from_str(&out).unwrap();
    insta::assert_json_snapshot!(log);
}

#[test]
fn json_output() {
    // The json document, for completeness of the per-format snapshots (the
    // elapsed time is the one value that changes between runs).
    let out = stdout_of(starter().args(["--format", "json"]).args(INPUTS));
    let mut doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    doc["summary"]["elapsed_ms"] = 0.into();
    insta::assert_json_snapshot!(doc);
}

#[test]
fn github_output() {
    insta::assert_snapshot!(stdout_of(starter().args(["--format", "github"]).args(INPUTS)));
}

#[test]
fn junit_output() {
    insta::assert_snapshot!(stdout_of(starter().args(["--format", "junit"]).args(INPUTS)));
}

#[test]
fn grouped_output() {
    insta::assert_snapshot!(stdout_of(starter().args(["--format", "grouped"]).args(INPUTS)));
}

#[test]
fn statistics_counts_per_rule_most_first() {
    let out = stdout_of(starter().args(["--statistics"]).args(INPUTS));
    insta::assert_snapshot!(out);
    let counts: Vec<usize> = out
        .lines()
        .map(|l| l.split_whitespace().next().unwrap().parse().unwrap())
        .collect();
    assert!(counts.windows(2).all(|w| w[0] >= w[1]), "{out}");
    let json: serde_json::Value = serde_json::from_str(&stdout_of(
        starter().args(["--statistics", "--format", "json"]).args(INPUTS),
    ))
    .unwrap();
    assert_eq!(json[0]["rule"], "TST-001");
    assert_eq!(json[0]["count"], counts[0]);
    assert_eq!(json.as_array().unwrap().len(), counts.len());
}

/// The SARIF 2.1.0 schema (`tests/sarif-schema-2.1.0.json`, the OASIS
/// 2.1.0-rtm.5 schema as shipped in the `@microsoft/jest-sarif` npm package,
/// MIT) checked with Python's `jsonschema`, which the CI machine has (`.ci/run`
/// installs it when it is missing).
fn schema_errors(log: &str) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("log.sarif");
    std::fs::write(&path, log).unwrap();
    let schema = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sarif-schema-2.1.0.json");
    let script = "import json, sys, jsonschema\n\
        schema = json.load(open(sys.argv[1], encoding='utf-8'))\n\
        doc = json.load(open(sys.argv[2], encoding='utf-8'))\n\
        jsonschema.Draft4Validator.check_schema(schema)\n\
        for e in jsonschema.Draft4Validator(schema).iter_errors(doc):\n    print(list(e.path), e.message)\n";
    let out = std::process::Command::new("python3")
        .args(["-c", script])
        .arg(&schema)
        .arg(&path)
        .output()
        .expect("python3 is needed to validate SARIF against its schema");
    assert!(
        out.status.success(),
        "schema validation did not run (pip install jsonschema): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(String::from)
        .collect()
}

#[test]
fn sarif_is_valid_against_the_2_1_0_schema() {
    // Every input kind, bad records included (they become notifications).
    let out = stdout_of(starter().args(["--format", "sarif", "fixtures"]));
    assert_eq!(schema_errors(&out), Vec::<String>::new());
    // With the default packs: every rule's metadata.
    let out = stdout_of(callint().args(["check", "--format", "sarif", "fixtures/scripts"]));
    assert_eq!(schema_errors(&out), Vec::<String>::new());
    let log: serde_json::Value = serde_json::from_str(&out).unwrap();
    let run = &log["runs"][0];
    assert_eq!(log["version"], "2.1.0");
    assert_eq!(run["columnKind"], "unicodeCodePoints");
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    assert!(rules.len() > 20);
    assert!(rules
        .iter()
        .all(|r| r["help"]["text"].as_str().is_some_and(|t| !t.is_empty())));
    for result in run["results"].as_array().unwrap() {
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], result["ruleId"]);
        assert_eq!(
            result["partialFingerprints"]["callint/v1"]
                .as_str()
                .unwrap()
                .len(),
            16
        );
    }
    // The validator does reject a broken log.
    let mut broken = log.clone();
    broken["version"] = "2.0.0".into();
    broken["runs"][0]["columnKind"] = "bytes".into();
    assert_eq!(schema_errors(&broken.to_string()).len(), 2);
}

#[test]
fn sarif_columns_count_characters_and_uris_are_encoded() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("话术 库")).unwrap();
    std::fs::write(
        dir.path().join("话术 库/理财.txt"),
        "您好，这款ｅ产品保本保息。\n",
    )
    .unwrap();
    let out = stdout_of(starter_in(dir.path()).args(["--format", "sarif", "话术 库"]));
    let log: serde_json::Value = serde_json::from_str(&out).unwrap();
    let location = &log["runs"][0]["results"][0]["locations"][0]["physicalLocation"];
    assert_eq!(
        location["artifactLocation"]["uri"],
        "%E8%AF%9D%E6%9C%AF%20%E5%BA%93/%E7%90%86%E8%B4%A2.txt"
    );
    assert_eq!(location["region"]["startColumn"], 9);
    assert_eq!(location["region"]["endColumn"], 13);
    assert_eq!(location["region"]["snippet"]["text"], "保本保息");
}

#[test]
fn github_annotations_escape_what_the_runner_reads() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a,b:c.txt"), "100% 保本保息\n").unwrap();
    let out = stdout_of(starter_in(dir.path()).args(["--format", "github", "a,b:c.txt"]));
    assert!(
        out.starts_with(
            "::error file=a%2Cb%3Ac.txt,line=1,col=6,endLine=1,endColumn=10,title=TST-001 承诺保本::"
        ),
        "{out}"
    );
    assert_eq!(
        out.lines().count(),
        1,
        "newlines in the message are escaped: {out}"
    );
}

#[test]
fn exit_code_matrix_is_the_same_for_every_format() {
    // (args, input, expected exit code)
    let cases: &[(&[&str], &str, i32)] = &[
        (&[], "fixtures/scripts/faq.txt", 0),
        (&["--fail-on", "warning"], "fixtures/scripts/faq.txt", 1),
        (&["--fail-on", "info"], "fixtures/scripts/faq.txt", 1),
        (
            &["--fail-on", "warning", "--exit-zero"],
            "fixtures/scripts/faq.txt",
            0,
        ),
        (&[], "fixtures/calls.jsonl", 1),
        (&["--exit-zero"], "fixtures/calls.jsonl", 0),
        (&["--select", "TST-004"], "fixtures/calls.jsonl", 0),
        (
            &["--select", "TST-004", "--fail-on", "info"],
            "fixtures/calls.jsonl",
            1,
        ),
        (&[], "fixtures/bad/mixed.jsonl", 2),
        (&["--exit-zero"], "fixtures/bad/mixed.jsonl", 2),
        (&[], "no/such/file.txt", 2),
        (&["--select", "NOPE"], "fixtures/calls.jsonl", 2),
    ];
    let formats = [
        "human", "concise", "json", "jsonl", "sarif", "github", "junit", "grouped",
    ];
    for (args, input, code) in cases {
        for format in formats {
            starter()
                .args(["--format", format])
                .args(*args)
                .arg(input)
                .assert()
                .code(*code);
        }
        starter()
            .arg("--statistics")
            .args(*args)
            .arg(input)
            .assert()
            .code(*code);
    }
}

#[test]
fn stdin_paths_lints_the_listed_files_and_skips_deleted_ones() {
    let out = stdout_of(
        starter()
            .args(["--stdin-paths", "--format", "concise"])
            .write_stdin(
                "fixtures/scripts/greeting.md\n\ndeleted/in/this/commit.md\nfixtures/scripts/faq.txt\n",
            ),
    );
    let files: Vec<&str> = out.lines().map(|l| l.split(':').next().unwrap()).collect();
    assert_eq!(
        files,
        ["fixtures/scripts/greeting.md", "fixtures/scripts/faq.txt"]
    );
    starter()
        .args(["--stdin-paths", "--fail-on", "warning"])
        .write_stdin("fixtures/scripts/faq.txt\n")
        .assert()
        .code(1);
    starter()
        .args(["--stdin-paths", "--fail-on", "warning"])
        .write_stdin("")
        .assert()
        .code(0);
}

fn findings(cmd: &mut Command) -> Vec<(String, usize, usize)> {
    stdout_of(cmd.args(["--format", "jsonl"]))
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .map(|v| {
            (
                v["rule"].as_str().unwrap().to_string(),
                v["line"].as_u64().unwrap() as usize,
                v["column"].as_u64().unwrap() as usize,
            )
        })
        .collect()
}

#[test]
fn suppressions_used_unused_and_without_reason() {
    let dir = tempfile::tempdir().unwrap();
    let script = "\
# callint: ignore[TST-001] 合规部 2026-11 批准的对照示例
这款产品保本保息。
您别激动，我们马上处理。 # callint: ignore[TST-002] 培训对白
请告诉我您收到的验证码 # callint: ignore[TST-001] 写错了规则
# callint: ignore[TST-002]
您别激动。
# callint: ignore[NOPE-001] 不存在的规则
保本保息的产品没有了
";
    std::fs::write(dir.path().join("s.txt"), script).unwrap();
    let got = findings(starter_in(dir.path()).arg("s.txt"));
    assert_eq!(
        got,
        [
            // line 4: the finding stays (the comment names the wrong rule) …
            ("TST-003".to_string(), 4, 2),
            // line 6: the comment above it has no reason, so it suppresses nothing
            ("TST-002".to_string(), 6, 2),
            ("TST-001".to_string(), 8, 1),
            // The comments themselves come after the file's findings:
            // … and the suppression on line 4 is unused,
            ("CALLINT-001".to_string(), 4, 31),
            // line 5 has no reason, line 7 names no rule.
            ("CALLINT-002".to_string(), 5, 1),
            ("CALLINT-002".to_string(), 7, 19),
        ]
    );
    // The comments are not speech: nothing is reported inside them.
    let human = stdout_of(starter_in(dir.path()).arg("s.txt"));
    insta::assert_snapshot!(human);
    // --no-suppressions shows what they hide; --ignore CALLINT-001 silences the unused report.
    let all = findings(starter_in(dir.path()).args(["--no-suppressions", "s.txt"]));
    assert!(all.contains(&("TST-001".to_string(), 2, 5)), "{all:?}");
    assert!(all.contains(&("TST-002".to_string(), 3, 2)), "{all:?}");
    let quiet = findings(starter_in(dir.path()).args(["--ignore", "CALLINT-001", "s.txt"]));
    assert!(!quiet.iter().any(|f| f.0 == "CALLINT-001"));
}

#[test]
fn suppressions_in_a_dialogue_transcript() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("call.txt"),
        "# callint: ignore-file[TST-004] 投诉录音，客户提到投诉是正常的\n\
         [00:00:01] 坐席：您好，请问有什么可以帮您？\n\
         [00:00:04] 客户：我要投诉\n\
         [00:00:09] 坐席：您别激动 # callint: ignore[TST-002] 已由质检复核\n\
         [00:00:12] 坐席：这款产品保本保息\n",
    )
    .unwrap();
    let out = starter_in(dir.path())
        .args(["--format", "concise", "call.txt"])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "call.txt:5:19: error TST-001 对非存款产品承诺保本或收益 「保本保息」\n"
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "no problems: comment lines are not utterances"
    );
    // Trailing whitespace (as a cut comment leaves) keeps columns right.
    std::fs::write(dir.path().join("t.txt"), "坐席：您别激动 \t\n客户：好的  \n").unwrap();
    let out = starter_in(dir.path())
        .args(["--format", "concise", "t.txt"])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "t.txt:1:5: warning TST-002 对客户使用生硬指令 「别激动」\n"
    );
}

#[test]
fn whole_file_and_markdown_suppressions() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("training.md"),
        "# 反面教材\n\n<!-- callint: ignore-file[starter] 培训用的反面示例 -->\n\n- 这款产品保本保息\n- 您别激动\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("notes.md"),
        "# 话术\n\n# callint: ignore[TST-001] 引用监管原文\n- 严禁宣传“保本保息”\n- 您别激动 <!-- callint: ignore[TST-002] 对白 -->\n",
    )
    .unwrap();
    assert_eq!(findings(starter_in(dir.path()).arg("training.md")), []);
    assert_eq!(findings(starter_in(dir.path()).arg("notes.md")), []);
    starter_in(dir.path())
        .args(["--fail-on", "info", "."])
        .assert()
        .code(0);
}

#[test]
fn baseline_round_trip_survives_moved_lines() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.txt");
    std::fs::write(&path, "这款产品保本保息。\n您别激动。\n").unwrap();
    starter_in(dir.path())
        .args([
            "--fail-on",
            "warning",
            "--write-baseline",
            "baseline.json",
            "s.txt",
        ])
        .assert()
        .code(0);
    let baseline = std::fs::read_to_string(dir.path().join("baseline.json")).unwrap();
    assert!(baseline.contains("\"s.txt\""), "{baseline}");
    assert!(!baseline.contains("\"line\""), "no line numbers: {baseline}");
    let gate = |dir: &Path| {
        let mut cmd = starter_in(dir);
        cmd.args(["--fail-on", "warning", "--baseline", "baseline.json", "s.txt"]);
        cmd
    };
    gate(dir.path()).assert().code(0);
    // Lines move, get re-indented and spelt in traditional characters: still known.
    std::fs::write(&path, "您好。\n\n  您别激动。\n這款產品保本保息。\n").unwrap();
    gate(dir.path()).assert().code(0);
    assert_eq!(findings(&mut gate(dir.path())), []);
    // A second copy of a known finding is new, and so is a new one.
    std::fs::write(
        &path,
        "这款产品保本保息。\n您别激动。\n您别激动。\n别激动行不行\n",
    )
    .unwrap();
    let got = findings(&mut gate(dir.path()));
    assert_eq!(
        got,
        [("TST-002".to_string(), 3, 2), ("TST-002".to_string(), 4, 1)]
    );
    gate(dir.path()).assert().code(1);
    // A broken baseline is a usage error.
    std::fs::write(dir.path().join("baseline.json"), "{}").unwrap();
    gate(dir.path()).assert().code(2);
}
