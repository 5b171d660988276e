//! Call-level rules end to end: the default `calls` pack and every kind of
//! `fixtures/calls/kinds.yaml` over mini-calls with and without times.

use assert_cmd::Command;
use callint::engine::{Linter, Scratch};
use callint::model::{Call, Role, Utterance};
use callint::rules::{PackSource, RuleSet};
use serde_json::Value;

fn callint() -> Command {
    let mut cmd = Command::cargo_bin("callint").unwrap();
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"));
    cmd
}

/// `check --select calls` over `fixtures/calls/timed.jsonl` as JSON lines.
fn timed_findings() -> (Vec<Value>, String) {
    let out = callint()
        .args([
            "check",
            "--select",
            "calls",
            "--format",
            "jsonl",
            "--color",
            "never",
            "fixtures/calls/timed.jsonl",
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let records = stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    (records, String::from_utf8(out.stderr).unwrap())
}

fn key(v: &Value) -> (String, String, Option<u64>) {
    (
        v["call_id"].as_str().unwrap().to_string(),
        v["rule"].as_str().unwrap().to_string(),
        v["utterance"].as_u64(),
    )
}

#[test]
fn timed_fixture_calls_produce_exactly_the_expected_findings() {
    let (records, _) = timed_findings();
    let got: Vec<_> = records.iter().map(key).collect();
    let want = [
        ("T002-timing", "CALL-007", None),
        ("T002-timing", "CALL-006", Some(2)),
        ("T002-timing", "CALL-008", Some(3)),
        ("T002-timing", "CALL-009", Some(3)),
        ("T004-content", "CALL-001", Some(0)),
        ("T004-content", "CALL-004", Some(2)),
        ("T004-content", "CALL-005", Some(3)),
    ];
    let want: Vec<_> = want
        .iter()
        .map(|(c, r, u)| (c.to_string(), r.to_string(), *u))
        .collect();
    assert_eq!(got, want);
}

/// `check --format jsonl` findings over `calls` (one call a line), without
/// the file name.
fn findings_of(calls: &str) -> Vec<Value> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("calls.jsonl");
    std::fs::write(&path, calls).unwrap();
    let out = callint()
        .args(["check", "--format", "jsonl"])
        .arg(&path)
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let mut findings: Vec<Value> = stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    for f in &mut findings {
        f.as_object_mut().unwrap().remove("file");
    }
    findings
}

/// The timed fixture with every time rewritten by `time`.
fn timed_fixture_with(time: impl Fn(f64) -> Value) -> String {
    let fixture = std::fs::read_to_string("fixtures/calls/timed.jsonl").unwrap();
    let mut out = String::new();
    for line in fixture.lines() {
        let mut call: Value = serde_json::from_str(line).unwrap();
        for u in call["utterances"].as_array_mut().unwrap() {
            for key in ["start", "end"] {
                if let Some(t) = u[key].as_f64() {
                    u[key] = time(t);
                }
            }
        }
        out += &format!("{call}\n");
    }
    out
}

#[test]
fn times_in_milliseconds_or_as_clock_text_give_the_same_findings_as_seconds() {
    let seconds = findings_of(&timed_fixture_with(|t| t.into()));
    assert!(seconds.iter().any(|f| f["rule"] == "CALL-009"), "{seconds:?}");
    let millis = findings_of(&timed_fixture_with(|t| ((t * 1000.0).round() as u64).into()));
    assert_eq!(millis, seconds);
    let clock = |t: f64| format!("00:{:02}:{:06.3}", (t / 60.0) as u64, t % 60.0).into();
    assert_eq!(findings_of(&timed_fixture_with(clock)), seconds);
}

#[test]
fn an_unreadable_time_skips_its_utterance_with_the_reason() {
    let call = r#"{"call_id":"t","utterances":[{"role":"agent","text":"您好","start":"soon","end":2},{"role":"customer","text":"你好","start":"","end":""}]}"#;
    let out = callint()
        .args(["check", "--select", "SVC", "-"])
        .write_stdin(call)
        .output()
        .unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("line 1, utterance 0: skipped utterance: unreadable `start` time"),
        "{stderr}"
    );
    assert!(stderr.contains("1 call, 1 utterance checked"), "{stderr}");
}

#[test]
fn call_level_findings_have_null_spans_and_say_what_was_expected() {
    let (records, _) = timed_findings();
    for r in &records {
        assert!(r["span"].is_null(), "{r}");
        let detail = r["detail"].as_str().unwrap();
        assert!(!detail.is_empty());
    }
    let greeting = records.iter().find(|r| r["rule"] == "CALL-001").unwrap();
    assert_eq!(
        greeting["detail"],
        "expected 开场问候（您好/欢迎致电…） in the first 2 agent utterances; none found"
    );
    assert_eq!(greeting["text"], "喂，你说。");
    let disclosure = records.iter().find(|r| r["rule"] == "CALL-004").unwrap();
    assert!(
        disclosure["detail"]
            .as_str()
            .unwrap()
            .starts_with("「推荐一款我们的理财」 (推介投资或保险产品) said here; expected 风险揭示"),
        "{disclosure}"
    );
    let silence = records.iter().find(|r| r["rule"] == "CALL-009").unwrap();
    assert!(
        silence["detail"]
            .as_str()
            .unwrap()
            .starts_with("18.5 s of silence after this utterance"),
        "{silence}"
    );
}

#[test]
fn a_call_without_times_gets_no_timing_findings_and_the_summary_says_why() {
    let (records, stderr) = timed_findings();
    assert!(records.iter().all(|r| r["call_id"] != "T003-timing-no-times"));
    assert!(
        stderr.contains("callint: 1 call without times: timing rules skipped"),
        "{stderr}"
    );
    let out = callint()
        .args([
            "check",
            "--select",
            "calls",
            "--format",
            "json",
            "fixtures/calls/timed.jsonl",
        ])
        .output()
        .unwrap();
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["summary"]["timing_skipped_calls"], 1);
    assert_eq!(doc["findings"].as_array().unwrap().len(), 7);
}

#[test]
fn human_and_concise_show_the_detail() {
    let human = callint()
        .args([
            "check",
            "--select",
            "CALL-001,CALL-007",
            "--color",
            "never",
            "fixtures/calls/timed.jsonl",
        ])
        .output()
        .unwrap();
    let human = String::from_utf8(human.stdout).unwrap();
    assert!(human.contains("CALL-001 [warning]"), "{human}");
    assert!(
        human.contains("in the first 2 agent utterances; none found"),
        "{human}"
    );
    assert!(human.contains("喂，你说。"), "{human}");
    assert!(
        human.contains("agent speech over the call: 336 characters a minute"),
        "{human}"
    );
    let concise = callint()
        .args([
            "check",
            "--select",
            "CALL-009",
            "--format",
            "concise",
            "fixtures/calls/timed.jsonl",
        ])
        .output()
        .unwrap();
    let concise = String::from_utf8(concise.stdout).unwrap();
    assert!(
        concise.starts_with(
            "fixtures/calls/timed.jsonl:2 · call T002-timing · #3 agent · 00:09.5: warning CALL-009 "
        ),
        "{concise}"
    );
    assert!(concise.contains(" — 18.5 s of silence"), "{concise}");
}

#[test]
fn script_files_get_no_call_level_findings() {
    let out = callint()
        .args([
            "check",
            "--select",
            "calls",
            "--format",
            "jsonl",
            "fixtures/scripts",
        ])
        .output()
        .unwrap();
    assert!(out.stdout.is_empty(), "{}", String::from_utf8_lossy(&out.stdout));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(!stderr.contains("without times"), "{stderr}");
}

#[test]
fn every_kind_passes_its_examples() {
    let out = callint()
        .args(["test-rules", "fixtures/calls/kinds.yaml"])
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("14 rules, 43 examples: 43 passed, 0 failed"),
        "{stdout}"
    );
}

#[test]
fn a_wrong_example_is_reported_with_the_detail() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.yaml");
    std::fs::write(
        &path,
        "pack: bad\ntitle: t\nrules:\n  - id: BAD-001\n    title: t\n    severity: info\n    \
         required: {phrases: [您好], window: {first: 1}}\n    message: m\n    examples:\n      \
         pass_calls:\n        - - {role: agent, text: 喂}\n",
    )
    .unwrap();
    let out = callint().arg("test-rules").arg(&path).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = flat(&String::from_utf8(out.stderr).unwrap());
    assert!(
        stderr.contains(
            "pass_calls[0] must not fire but did: expected 「您好」 in the first 1 agent utterance"
        ),
        "{stderr}"
    );
}

fn pack_error(yaml: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.yaml");
    std::fs::write(&path, yaml).unwrap();
    let out = callint()
        .args(["check", "--no-default-rules", "--rules"])
        .arg(&path)
        .arg("fixtures/call.json")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    flat(&String::from_utf8(out.stderr).unwrap())
}

/// A diagnostic with miette's line wrapping undone.
fn flat(s: &str) -> String {
    s.replace('│', " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn malformed_call_level_rules_are_pack_errors() {
    let head = "pack: p\ntitle: t\nrules:\n  - id: P-001\n    title: t\n    severity: info\n    message: m\n";
    let two_kinds = format!("{head}    required: {{phrases: [您好]}}\n    repetition: {{min_count: 3}}\n");
    assert!(pack_error(&two_kinds).contains("at most one of required"));
    let typo = format!("{head}    required: {{phrases: [您好], windw: {{first: 2}}}}\n");
    assert!(pack_error(&typo).contains("unknown field `windw`"));
    let top_level = format!("{head}    phrases: [您好]\n    required: {{phrases: [您好]}}\n");
    assert!(pack_error(&top_level).contains("keeps its phrases inside its `required` block"));
    let no_require = format!("{head}    conditional: {{trigger: {{phrases: [理财]}}}}\n");
    assert!(pack_error(&no_require).contains("conditional needs `require` or `forbid`"));
    let two_timings =
        format!("{head}    timing: {{latency: {{max_seconds: 5}}, duration: {{max_seconds: 9}}}}\n");
    assert!(pack_error(&two_timings).contains("timing takes exactly one of"));
    let bad_regex = format!("{head}    required: {{patterns: ['(']}}\n");
    assert!(pack_error(&bad_regex).contains("regex does not compile"));
    let skip_last =
        format!("{head}    required: {{phrases: [再见], window: {{last: 2, skip: {{phrases: [喂]}}}}}}\n");
    assert!(pack_error(&skip_last).contains("window.skip goes with a `first` window"));
    let skip_seconds = format!(
        "{head}    response: {{cue: {{phrases: [投诉]}}, answer: {{phrases: [抱歉]}}, within: {{seconds: 30, skip: {{phrases: [嗯]}}}}}}\n"
    );
    assert!(pack_error(&skip_seconds).contains("within.skip needs within.turns"));
    let skip_conditional = format!(
        "{head}    conditional: {{trigger: {{phrases: [理财]}}, require: {{phrases: [风险]}}, within: {{utterances: 2, skip: {{phrases: [嗯]}}}}}}\n"
    );
    assert!(pack_error(&skip_conditional).contains("within.skip goes with the `turns` of a response"));
}

/// The library API: call-level evaluation works on a `Call` built in code and
/// reuses the scratch buffers across calls.
#[test]
fn library_check_call_reuses_scratch_across_calls() {
    let sources = RuleSet::default_sources()
        .into_iter()
        .filter(|s| s.path.ends_with("calls.yaml"))
        .collect::<Vec<PackSource>>();
    let linter = Linter::new(RuleSet::compile(&sources).unwrap());
    let utterance = |role, text: &str, start: f64, end: f64| Utterance {
        start: Some(start),
        end: Some(end),
        ..Utterance::new(role, text)
    };
    let rude = Call {
        id: "rude".into(),
        utterances: vec![
            utterance(Role::Agent, "喂。", 0.0, 1.0),
            utterance(Role::Customer, "查余额。", 1.5, 3.0),
        ],
        ..Call::default()
    };
    let polite = Call {
        id: "polite".into(),
        utterances: vec![
            utterance(Role::Agent, "您好，请讲。", 0.0, 2.0),
            utterance(Role::Customer, "查余额。", 2.5, 4.0),
            utterance(Role::Agent, "余额三百元，谢谢您，再见。", 4.5, 8.0),
        ],
        ..Call::default()
    };
    let mut scratch = Scratch::default();
    let ids = |call: &Call, scratch: &mut Scratch| -> Vec<String> {
        linter
            .check_call(call, scratch)
            .iter()
            .map(|f| linter.rules().rules[f.rule].id.clone())
            .collect()
    };
    assert_eq!(ids(&rude, &mut scratch), ["CALL-003", "CALL-001", "CALL-002"]);
    assert!(ids(&polite, &mut scratch).is_empty());
    assert_eq!(ids(&rude, &mut scratch), ["CALL-003", "CALL-001", "CALL-002"]);
    assert!(!linter.skips_timing(&polite));
    let untimed = Call {
        utterances: vec![Utterance::new(Role::Agent, "您好")],
        ..Call::default()
    };
    assert!(linter.skips_timing(&untimed));
}
