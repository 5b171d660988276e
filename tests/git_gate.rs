//! The integration files, exercised as CI and pre-commit would run them: a
//! temporary git repository of scripts, a commit, the gate fails, a fix or a
//! suppression, the gate passes.
//!
//! `pre-commit` itself is not run (its `language: rust` hooks build callint
//! with cargo, too slow for a test); the test runs the hook's `entry` on the
//! files its `files` / `exclude` patterns select, which is what pre-commit does.

use assert_cmd::Command;
use std::path::{Path, PathBuf};

fn repo_file(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

fn git(dir: &Path, args: &[&str]) -> String {
    let out = std::process::Command::new("git")
        .args([
            "-c",
            "user.name=QA",
            "-c",
            "user.email=qa@example.com",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("git is needed for this test");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

struct Hook {
    entry: Vec<String>,
    files: regex::Regex,
    exclude: Option<regex::Regex>,
}

fn hook(id: &str) -> Hook {
    let text = std::fs::read_to_string(repo_file(".pre-commit-hooks.yaml")).unwrap();
    let hooks: Vec<serde_yaml::Value> = serde_yaml::from_str(&text).unwrap();
    let hook = hooks.iter().find(|h| h["id"].as_str() == Some(id)).unwrap();
    assert_eq!(hook["language"].as_str(), Some("rust"));
    Hook {
        entry: hook["entry"]
            .as_str()
            .unwrap()
            .split_whitespace()
            .map(String::from)
            .collect(),
        files: regex::Regex::new(hook["files"].as_str().unwrap()).unwrap(),
        exclude: hook["exclude"].as_str().map(|e| regex::Regex::new(e).unwrap()),
    }
}

/// Runs a hook the way `pre-commit run --all-files` does; returns (exit code, stdout).
fn run_hook(dir: &Path, id: &str) -> (i32, String) {
    let hook = hook(id);
    assert_eq!(hook.entry[0], "callint");
    let files: Vec<String> = git(dir, &["ls-files"])
        .lines()
        .filter(|f| hook.files.is_match(f) && !hook.exclude.as_ref().is_some_and(|e| e.is_match(f)))
        .map(String::from)
        .collect();
    let out = Command::cargo_bin("callint")
        .unwrap()
        .current_dir(dir)
        .args(&hook.entry[1..])
        .args(&files)
        .output()
        .unwrap();
    (out.status.code().unwrap(), String::from_utf8(out.stdout).unwrap())
}

fn script_repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    git(d, &["init", "-q", "-b", "main"]);
    std::fs::write(
        d.join(".callint.yaml"),
        format!(
            "default-rules: false\nrules: [{}]\nfail-on: warning\nexclude: [README.md]\ncatalog:\n  csv-text: 话术\n  csv-id: 编号\n",
            repo_file("fixtures/packs/starter.yaml").display()
        ),
    )
    .unwrap();
    std::fs::create_dir_all(d.join("scripts")).unwrap();
    std::fs::write(d.join("README.md"), "# 话术库\n这里说明保本保息是违规话术。\n").unwrap();
    std::fs::write(
        d.join("scripts/greeting.md"),
        "# 开场白\n\n- 您好，请问有什么可以帮您？\n- 您别激动，我们马上处理。\n",
    )
    .unwrap();
    std::fs::write(d.join("scripts/faq.txt"), "您好，请问有什么可以帮您？\n").unwrap();
    std::fs::write(
        d.join("scripts/table.csv"),
        "编号,话术\nR1,理财非存款，产品有风险\n",
    )
    .unwrap();
    git(d, &["add", "."]);
    git(d, &["commit", "-q", "-m", "scripts"]);
    dir
}

#[test]
fn pre_commit_hook_fails_then_passes_after_a_suppression_or_a_fix() {
    let repo = script_repo();
    let d = repo.path();
    let (code, out) = run_hook(d, "callint");
    assert_eq!(code, 1, "{out}");
    assert_eq!(
        out,
        "scripts/greeting.md:4:4: warning TST-002 对客户使用生硬指令 「别激动」\n"
    );
    assert_eq!(run_hook(d, "callint-catalogs").0, 0);

    // A suppression without a reason does not pass the gate …
    std::fs::write(
        d.join("scripts/greeting.md"),
        "# 开场白\n\n- 您好，请问有什么可以帮您？\n- 您别激动，我们马上处理。 <!-- callint: ignore[TST-002] -->\n",
    )
    .unwrap();
    git(d, &["commit", "-qam", "suppress without a reason"]);
    let (code, out) = run_hook(d, "callint");
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("CALLINT-002"), "{out}");

    // … one with a reason does.
    std::fs::write(
        d.join("scripts/greeting.md"),
        "# 开场白\n\n- 您好，请问有什么可以帮您？\n- 您别激动，我们马上处理。 <!-- callint: ignore[TST-002] 质检组 2026-11 评审通过 -->\n",
    )
    .unwrap();
    git(d, &["commit", "-qam", "suppress with a reason"]);
    assert_eq!(run_hook(d, "callint"), (0, String::new()));

    // A bad catalog row fails the catalog hook; rewording it passes.
    std::fs::write(d.join("scripts/table.csv"), "编号,话术\nR1,这款理财保本保息\n").unwrap();
    git(d, &["commit", "-qam", "new row"]);
    let (code, out) = run_hook(d, "callint-catalogs");
    assert_eq!(code, 1);
    assert_eq!(
        out,
        "scripts/table.csv:2:8 · entry R1: error TST-001 对非存款产品承诺保本或收益 「保本保息」\n"
    );
    std::fs::write(
        d.join("scripts/table.csv"),
        "编号,话术\nR1,理财非存款，产品有风险，投资须谨慎\n",
    )
    .unwrap();
    git(d, &["commit", "-qam", "reword"]);
    assert_eq!(run_hook(d, "callint-catalogs").0, 0);
}

/// The pull-request step of examples/ci/github-actions.yml.
fn diff_gate(d: &Path, base: &str) -> (i32, String) {
    let changed = git(
        d,
        &[
            "diff",
            "--name-only",
            "--diff-filter=d",
            &format!("{base}...HEAD"),
        ],
    );
    let out = Command::cargo_bin("callint")
        .unwrap()
        .current_dir(d)
        .args(["check", "--stdin-paths", "--format", "github"])
        .write_stdin(changed)
        .output()
        .unwrap();
    (out.status.code().unwrap(), String::from_utf8(out.stdout).unwrap())
}

#[test]
fn pull_request_gate_lints_only_changed_files_and_passes_after_a_fix() {
    let workflow = std::fs::read_to_string(repo_file("examples/ci/github-actions.yml")).unwrap();
    for command in [
        "git diff --name-only --diff-filter=d \"origin/${{ github.base_ref }}...HEAD\"",
        "| callint check --stdin-paths --format github",
        "callint check --format sarif --output callint.sarif --exit-zero .",
        "github/codeql-action/upload-sarif",
    ] {
        assert!(workflow.contains(command), "the workflow runs {command:?}");
    }
    let _: serde_yaml::Value = serde_yaml::from_str(&workflow).unwrap();

    let repo = script_repo();
    let d = repo.path();
    git(d, &["checkout", "-q", "-b", "topic"]);
    // The PR touches faq.txt (a breach), deletes nothing else, and edits config
    // and README (not scripts: skipped, not errors).
    std::fs::write(
        d.join("scripts/faq.txt"),
        "您好，请问有什么可以帮您？\n这款产品保本保息，您放心。\n",
    )
    .unwrap();
    std::fs::write(d.join("README.md"), "# 话术库（已更新）\n").unwrap();
    std::fs::remove_file(d.join("scripts/table.csv")).unwrap();
    git(d, &["commit", "-qam", "PR"]);
    let (code, out) = diff_gate(d, "main");
    assert_eq!(code, 1, "{out}");
    assert!(
        out.starts_with(
            "::error file=scripts/faq.txt,line=2,col=5,endLine=2,endColumn=9,title=TST-001 承诺保本::"
        ),
        "{out}"
    );
    assert_eq!(
        out.lines().count(),
        1,
        "greeting.md's warning is not in the diff: {out}"
    );
    std::fs::write(
        d.join("scripts/faq.txt"),
        "您好，请问有什么可以帮您？\n理财非存款，产品有风险，投资须谨慎。\n",
    )
    .unwrap();
    git(d, &["commit", "-qam", "fix"]);
    assert_eq!(diff_gate(d, "main"), (0, String::new()));

    // The SARIF step over the whole library: --exit-zero, a valid log.
    let out = Command::cargo_bin("callint")
        .unwrap()
        .current_dir(d)
        .args([
            "check",
            "--format",
            "sarif",
            "--output",
            "callint.sarif",
            "--exit-zero",
            ".",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let log: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("callint.sarif")).unwrap()).unwrap();
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 1, "{results:?}");
    assert_eq!(
        results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "scripts/greeting.md"
    );
}
