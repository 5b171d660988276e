//! Script-library formats: .txt, .md, .yaml / .json catalogs and .csv, each
//! with exact line and character column for Chinese text.

use assert_cmd::Command;
use std::path::Path;

fn starter_in(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("callint").unwrap();
    cmd.current_dir(dir);
    let pack = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/packs/starter.yaml");
    cmd.args([
        "check",
        "--no-default-rules",
        "--color",
        "never",
        "--format",
        "jsonl",
        "--rules",
    ])
    .arg(pack);
    cmd
}

/// `(rule, line, column, span text, call id)` of each finding.
fn findings(cmd: &mut Command) -> Vec<(String, u64, u64, String, String)> {
    let out = cmd.output().unwrap();
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .map(|v| {
            (
                v["rule"].as_str().unwrap().to_string(),
                v["line"].as_u64().unwrap_or(0),
                v["column"].as_u64().unwrap_or(0),
                v["span"]["text"].as_str().unwrap_or_default().to_string(),
                v["call_id"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn f(rule: &str, line: u64, column: u64, text: &str, call: &str) -> (String, u64, u64, String, String) {
    (rule.into(), line, column, text.into(), call.into())
}

#[test]
fn txt_and_markdown_columns_count_characters() {
    let dir = tempfile::tempdir().unwrap();
    // Full-width spaces and letters before the hit: columns are characters, not bytes or cells.
    std::fs::write(dir.path().join("a.txt"), "\u{3000}\u{3000}ＡＢ您好，保本保息。\n").unwrap();
    std::fs::write(
        dir.path().join("b.md"),
        "---\ntitle: 保本保息\n---\n# 标题\n\n1. 您好，这款产品保本保息\n\n```\n保本保息\n```\n",
    )
    .unwrap();
    assert_eq!(
        findings(starter_in(dir.path()).args(["a.txt", "b.md"])),
        [
            f("TST-001", 1, 8, "保本保息", "a.txt"),
            f("TST-001", 6, 11, "保本保息", "b.md")
        ]
    );
}

#[test]
fn yaml_and_json_catalogs_name_the_entry() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("lib.yaml"),
        "# 话术库\nscripts:\n  - id: GREET-01\n    text: 您好，工号1234为您服务。\n  - id: SELL-02\n    text: |\n      这款产品非常稳健。\n      保本保息，您放心。\n  - id: SELL-03\n    text: [\"别激动，听我说\", 理财非存款]\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("lib.json"),
        "{\"scripts\": [\n  {\"id\": \"J-1\", \"text\": \"您好\"},\n  {\"id\": \"J-2\", \"text\": \"这款产品保本保息\"}\n]}\n",
    )
    .unwrap();
    assert_eq!(
        findings(starter_in(dir.path()).args(["lib.yaml", "lib.json"])),
        [
            f("TST-001", 8, 7, "保本保息", "lib.yaml#SELL-02"),
            f("TST-002", 10, 13, "别激动", "lib.yaml#SELL-03"),
            f("TST-001", 3, 30, "保本保息", "lib.json#J-2"),
        ]
    );
    // A JSON call is still a call.
    let calls = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/call.json");
    assert!(!findings(starter_in(dir.path()).arg(calls)).is_empty());
}

#[test]
fn catalog_paths_and_csv_columns_come_from_the_config() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join(".callint.yaml"),
        "catalog:\n  text: \"categories[].items[].say\"\n  id: \"categories[].items[].key\"\n  csv-text: 话术\n  csv-id: 编号\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("nested.yml"),
        "categories:\n  - name: 理财\n    items:\n      - key: W-1\n        say: 保本保息\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("table.csv"),
        "编号,话术,备注\r\nR1,\"您好，稳健的产品保本保息\",x\r\nR2,\"第一行\n  您别激动\",y\r\n",
    )
    .unwrap();
    // Folders are searched for catalogs once the config has a `catalog` section.
    assert_eq!(
        findings(starter_in(dir.path()).arg(".")),
        [
            f("TST-001", 5, 14, "保本保息", "./nested.yml#W-1"),
            f("TST-001", 2, 13, "保本保息", "./table.csv#R1"),
            f("TST-002", 4, 4, "别激动", "./table.csv#R2"),
        ]
    );
    // A missing column is a problem with the file, exit code 2.
    std::fs::write(dir.path().join("other.csv"), "a,b\n1,2\n").unwrap();
    let out = starter_in(dir.path()).arg("other.csv").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no column `话术`"));
}

#[test]
fn suppressions_work_in_catalogs() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("lib.yaml"),
        "scripts:\n  - id: A\n    text: 这款产品保本保息  # callint: ignore[TST-001] 监管原文引用\n  - id: B\n    text: 您别激动 # callint: ignore[TST-001] 放错了行\n",
    )
    .unwrap();
    assert_eq!(
        findings(starter_in(dir.path()).arg("lib.yaml")),
        [
            f("TST-002", 5, 12, "别激动", "lib.yaml#B"),
            f("CALLINT-001", 5, 34, "TST-001", "lib.yaml"),
        ]
    );
}
