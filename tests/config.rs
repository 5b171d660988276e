//! `.callint.yaml`: discovery, every setting, errors, and `callint config`.

use assert_cmd::Command;
use std::path::{Path, PathBuf};

fn starter_pack() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/packs/starter.yaml")
}

fn callint_in(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("callint").unwrap();
    cmd.current_dir(dir);
    cmd
}

fn concise(cmd: &mut Command) -> (Vec<String>, i32) {
    let out = cmd
        .args(["--format", "concise", "--color", "never"])
        .output()
        .unwrap();
    let lines = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(String::from)
        .collect();
    (lines, out.status.code().unwrap())
}

/// A project with a config at its root, the starter pack only (in
/// `qa/packs/`, named relative to the config file).
fn project(config: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("qa/packs")).unwrap();
    std::fs::copy(starter_pack(), dir.path().join("qa/packs/starter.yaml")).unwrap();
    let text = format!("default-rules: false\nrules: [qa/packs/]\n{config}");
    std::fs::write(dir.path().join(".callint.yaml"), text).unwrap();
    std::fs::create_dir_all(dir.path().join("scripts/deep")).unwrap();
    std::fs::write(
        dir.path().join("scripts/deep/a.txt"),
        "您别激动。\n这款产品保本保息。\n",
    )
    .unwrap();
    dir
}

#[test]
fn discovered_from_a_subfolder_with_paths_relative_to_the_file() {
    let dir = project("severity: {TST-002: error}\n");
    let (lines, code) = concise(callint_in(&dir.path().join("scripts/deep")).args(["check", "a.txt"]));
    assert_eq!(
        lines,
        [
            "a.txt:1:2: error TST-002 对客户使用生硬指令 「别激动」",
            "a.txt:2:5: error TST-001 对非存款产品承诺保本或收益 「保本保息」"
        ]
    );
    assert_eq!(code, 1);
    // --isolated ignores it: the default packs run and TST-* do not exist.
    let (lines, _) =
        concise(callint_in(&dir.path().join("scripts/deep")).args(["check", "--isolated", "a.txt"]));
    assert!(lines.iter().all(|l| !l.contains("TST-")), "{lines:?}");
}

#[test]
fn per_rule_parameters() {
    // TST-002 has token boundaries: 别叫 inside 特别叫人 does not fire …
    let dir = project("");
    std::fs::write(dir.path().join("p.txt"), "特别叫人放心\n这个产品不保本\n").unwrap();
    let (lines, _) = concise(callint_in(dir.path()).args(["check", "p.txt"]));
    assert_eq!(lines, Vec::<String>::new());
    // … until the project switches them off; and without TST-001's negation
    // window, 不保本 fires.
    let dir = project("parameters:\n  TST-002: {boundary: none}\n  TST-001: {negation: 0}\n");
    std::fs::write(dir.path().join("p.txt"), "特别叫人放心\n这个产品不保本\n").unwrap();
    let (lines, _) = concise(callint_in(dir.path()).args(["check", "p.txt"]));
    assert_eq!(
        lines,
        [
            "p.txt:1:2: warning TST-002 对客户使用生硬指令 「别叫」",
            "p.txt:2:6: error TST-001 对非存款产品承诺保本或收益 「保本」"
        ]
    );
    let dir = project("parameters:\n  TST-002: {negation: 2, window: 3}\n");
    let out = callint_in(dir.path())
        .args(["check", "scripts"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown field `window`"));
}

#[test]
fn explicit_config_path() {
    let dir = project("");
    let other = dir.path().join("strict.yaml");
    std::fs::write(
        &other,
        format!(
            "default-rules: false\nrules: [{}]\nselect: [TST-002]\nfail-on: warning\n",
            starter_pack().display()
        ),
    )
    .unwrap();
    let (lines, code) = concise(callint_in(dir.path()).args(["check", "--config", "strict.yaml", "scripts"]));
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].contains("TST-002"));
    assert_eq!(code, 1, "fail-on: warning from the config");
    // The command line wins: --select replaces, --fail-on overrides.
    let (lines, code) = concise(callint_in(dir.path()).args([
        "check",
        "--config",
        "strict.yaml",
        "--select",
        "TST-001",
        "--fail-on",
        "error",
        "scripts",
    ]));
    assert_eq!(lines.len(), 1);
    assert!(lines[0].contains("TST-001"));
    assert_eq!(code, 1);
}

#[test]
fn unknown_keys_and_bad_values_are_diagnostics_at_the_yaml_line() {
    let cases = [
        (
            "select: [TST]\nignroe: [TST-002]\n",
            "unknown field `ignroe`",
            "2 │ ignroe",
        ),
        (
            "fields:\n  text: Text\n  rol: ChannelId\n",
            "unknown field `rol`",
            "3 │   rol",
        ),
        (
            "severity: {TST-001: fatal}\n",
            "unknown variant `fatal`",
            "1 │ severity",
        ),
        ("fail-on: loud\n", "unknown variant `loud`", "1 │ fail-on"),
    ];
    for (yaml, message, line) in cases {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(".callint.yaml"), yaml).unwrap();
        let out = callint_in(dir.path())
            .args(["check", "--color", "never", "x.txt"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(message), "{yaml}: {stderr}");
        assert!(stderr.contains(line), "{yaml}: {stderr}");
        assert!(stderr.contains(".callint.yaml"), "{stderr}");
    }
    // Values that parse but name nothing.
    let dir = project("severity: {TST-999: error}\n");
    let out = callint_in(dir.path())
        .args(["check", "scripts"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("severity: no rule `TST-999`"));
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(".callint.yaml"), "packs: [servce]\n").unwrap();
    let out = callint_in(dir.path()).args(["rules"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("`servce` is not a default pack"), "{stderr}");
}

#[test]
fn packs_select_only_some_default_packs() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(".callint.yaml"), "packs: [privacy]\n").unwrap();
    let out = callint_in(dir.path())
        .args(["rules", "--format", "json"])
        .output()
        .unwrap();
    let rules: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let packs: std::collections::BTreeSet<&str> = rules
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["pack"].as_str().unwrap())
        .collect();
    assert_eq!(packs.into_iter().collect::<Vec<_>>(), ["callint", "privacy"]);
}

#[test]
fn exclude_and_per_path_ignores() {
    let dir = project(
        "exclude: [\"archive/**\"]\nper-path-ignores:\n  \"training/**\": [TST-001]\n  \"*.md\": [starter]\n",
    );
    for (path, text) in [
        ("archive/old.txt", "保本保息\n"),
        ("training/t.txt", "这款产品保本保息，您别激动\n"),
        ("scripts/b.md", "- 保本保息\n"),
    ] {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let (lines, _) = concise(callint_in(dir.path()).args(["check", "."]));
    assert_eq!(
        lines,
        [
            "./scripts/deep/a.txt:1:2: warning TST-002 对客户使用生硬指令 「别激动」",
            "./scripts/deep/a.txt:2:5: error TST-001 对非存款产品承诺保本或收益 「保本保息」",
            "./training/t.txt:1:11: warning TST-002 对客户使用生硬指令 「别激动」",
        ]
    );
    // Excluded files stay excluded when named (as pre-commit names them).
    let (lines, code) = concise(callint_in(dir.path()).args(["check", "archive/old.txt"]));
    assert_eq!((lines.len(), code), (0, 0));
}

#[test]
fn role_aliases_and_vendor_field_mapping() {
    let dir = project(
        "roles: {理赔专员: agent, 被保险人: customer}\n\
         fields:\n  text: Sentences[].Text\n  role: ChannelId\n  role-values: {0: agent, 1: customer}\n  \
         start: BeginTime\n  end: EndTime\n  time-unit: ms\n  call-id: TaskId\n",
    );
    std::fs::write(
        dir.path().join("t.txt"),
        "理赔专员：您别激动\n被保险人：我要投诉\n",
    )
    .unwrap();
    let (lines, _) = concise(callint_in(dir.path()).args(["check", "t.txt"]));
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(lines[1].contains("TST-004"), "{lines:?}");
    std::fs::write(
        dir.path().join("vendor.jsonl"),
        "{\"TaskId\":\"T-9\",\"Sentences\":[{\"ChannelId\":1,\"Text\":\"喂\",\"BeginTime\":0},{\"ChannelId\":0,\"Text\":\"这款产品保本保息\",\"BeginTime\":61500,\"EndTime\":64000}]}\n",
    )
    .unwrap();
    let out = callint_in(dir.path())
        .args(["check", "--format", "jsonl", "vendor.jsonl"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["call_id"], "T-9");
    assert_eq!(v["role"], "agent");
    assert_eq!(v["utterance"], 1);
    assert_eq!(v["time"], serde_json::json!([61.5, 64.0]));
    assert_eq!(v["span"]["text"], "保本保息");
}

#[test]
fn config_command_prints_values_and_origins() {
    let dir = project("ignore: [TST-004]\nfail-on: warning\n");
    let out = callint_in(&dir.path().join("scripts"))
        .arg("config")
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let origin = dir.path().join(".callint.yaml").display().to_string();
    assert!(
        text.contains(&format!("ignore: [\"TST-004\"]  # {origin}")),
        "{text}"
    );
    assert!(
        text.contains(&format!("fail-on: \"warning\"  # {origin}")),
        "{text}"
    );
    assert!(text.contains("select: []  # default"), "{text}");
    assert!(text.contains("default-rules: false"), "{text}");
    let out = callint_in(dir.path())
        .args(["config", "--isolated"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("# no config file"), "{text}");
    // What it prints is valid YAML.
    let _: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
}
