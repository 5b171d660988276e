//! The real binary with the DEFAULT packs over `fixtures/bank/`: realistic
//! bank and insurer calls of several minutes, with times, and one plain-text
//! transcript; and `fixtures/vendor/`, an ASR vendor's export read through a
//! field mapping. What a bank QA reviewer would check: every pack finds
//! something, the compliant calls and the warnings stay clean, and the spans
//! point at what the agent actually said.

use assert_cmd::Command;
use serde_json::Value;
use std::collections::BTreeSet;

fn callint() -> Command {
    let mut cmd = Command::cargo_bin("callint").unwrap();
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"));
    cmd
}

/// `check --isolated FORMAT fixtures/bank/` with the default packs: stdout
/// and the exit code.
fn bank(format: &str) -> (String, Option<i32>) {
    let out = callint()
        .args([
            "check",
            "--isolated",
            "--color",
            "never",
            "--format",
            format,
            "fixtures/bank/",
        ])
        .output()
        .unwrap();
    (String::from_utf8(out.stdout).unwrap(), out.status.code())
}

fn records() -> Vec<Value> {
    let (out, code) = bank("jsonl");
    assert_eq!(code, Some(1));
    out.lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

/// The findings of one call, as `(rule, utterance)`.
fn of_call(records: &[Value], call: &str) -> Vec<(String, Option<u64>)> {
    records
        .iter()
        .filter(|r| r["call_id"] == call)
        .map(|r| (r["rule"].as_str().unwrap().to_string(), r["utterance"].as_u64()))
        .collect()
}

fn span(r: &Value) -> &str {
    r["span"]["text"].as_str().unwrap_or("")
}

#[test]
fn concise_output() {
    let (out, code) = bank("concise");
    assert_eq!(code, Some(1));
    insta::assert_snapshot!(out);
}

#[test]
fn jsonl_output() {
    insta::assert_json_snapshot!(records());
}

#[test]
fn every_default_pack_finds_something() {
    let records = records();
    let packs: BTreeSet<&str> = records.iter().map(|r| r["pack"].as_str().unwrap()).collect();
    for pack in ["service", "order9", "complaint", "privacy", "calls"] {
        assert!(packs.contains(pack), "no {pack} finding: {packs:?}");
    }
}

#[test]
fn the_compliant_calls_have_no_findings() {
    let records = records();
    // Full risk disclosure (理财非存款、产品有风险、投资须谨慎), 不保本, 不代表实际收益,
    // deposits described as deposits, codes to be typed in by the customer.
    let found = of_call(&records, "BK-WM-0003");
    assert!(found.is_empty(), "{found:?}");
    // Anti-fraud call: 安全账户, 验证码 and 密码 are all warnings, the hold is announced.
    let found = of_call(&records, "BK-FR-0005");
    assert!(found.is_empty(), "{found:?}");
}

#[test]
fn warnings_about_codes_do_not_fire_but_asking_for_one_does() {
    let records = records();
    let o9_014: Vec<(&str, u64)> = records
        .iter()
        .filter(|r| r["rule"] == "O9-014")
        .map(|r| (r["call_id"].as_str().unwrap(), r["utterance"].as_u64().unwrap()))
        .collect();
    // BK-CC-0006: 您把验证码报给我一下 and 卡片背面的三位数字报一下, nothing else:
    // not 请不要向任何人透露验证码 (BK-CC-0001 #46, BK-FR-0005 #12), not
    // 他有没有让您提供验证码 (BK-FR-0005 #10), not BK-WM-0003 #31.
    assert_eq!(o9_014, [("BK-CC-0006", 8), ("BK-CC-0006", 12)]);
    let warning = records.iter().any(|r| {
        r["text"]
            .as_str()
            .unwrap_or("")
            .contains("请不要向任何人透露验证码")
    });
    assert!(!warning);
}

#[test]
fn the_mis_sold_wealth_call_is_reported_where_it_happened() {
    let records = records();
    let call: Vec<&Value> = records.iter().filter(|r| r["call_id"] == "BK-WM-0002").collect();
    let has = |rule: &str, text: &str| call.iter().any(|r| r["rule"] == rule && span(r) == text);
    // Traditional characters in the transcript, reported as spoken.
    assert!(has("O9-001", "穩賺不賠"), "{call:?}");
    assert!(has("O9-001", "保本保息"));
    assert!(has("O9-002", "零风险"));
    assert!(has("O9-003", "跟存定期一样"));
    assert!(has("O9-004", "走个形式"));
    // The pitch is never followed by a risk disclosure.
    let disclosure = call.iter().find(|r| r["rule"] == "CALL-004").unwrap();
    assert_eq!(disclosure["utterance"], 4);
    assert!(disclosure["span"].is_null());
    // The customer says 我不需要 and the agent pushes on.
    assert!(call.iter().any(|r| r["rule"] == "CALL-011"));
}

#[test]
fn full_numbers_are_reported_and_tail_digits_are_not() {
    let records = records();
    let privacy: Vec<(&str, &str, &str)> = records
        .iter()
        .filter(|r| r["pack"] == "privacy")
        .map(|r| {
            (
                r["rule"].as_str().unwrap(),
                r["call_id"].as_str().unwrap(),
                span(r),
            )
        })
        .collect();
    assert_eq!(
        privacy,
        [
            // Chinese numerals with 幺, grouped as spoken.
            ("PRV-002", "BK-CC-0006", "六二二五 八八幺二 三四五六 七八九八"),
            ("PRV-003", "BK-CC-0006", "幺三九 幺二三四 五六七八"),
            ("PRV-001", "IN-CL-0007", "三二零一零六一九八五一一一二三四一一"),
            ("PRV-003", "IN-CL-0007", "13912345678"),
            // Full-width digits in the plain-text transcript.
            (
                "PRV-002",
                "fixtures/bank/transcript.txt",
                "６２２２ ０２１０ ０１１２ ３４５９"
            ),
        ]
    );
    // 尾号5678, 后四位, 尾号3321 and the policy number are never reported.
    assert!(records
        .iter()
        .filter(|r| r["pack"] == "privacy")
        .all(|r| !r["text"].as_str().unwrap().contains("尾号")));
}

#[test]
fn timing_rules_fire_on_the_overlap_and_the_unannounced_silence_only() {
    let records = records();
    let timing: Vec<(&str, &str, u64)> = records
        .iter()
        .filter(|r| ["CALL-006", "CALL-009"].contains(&r["rule"].as_str().unwrap()))
        .map(|r| {
            (
                r["rule"].as_str().unwrap(),
                r["call_id"].as_str().unwrap(),
                r["utterance"].as_u64().unwrap(),
            )
        })
        .collect();
    // BK-CC-0001: the agent talks over 我要打12378，还要找媒体曝光你们.
    // BK-CC-0006: 21.5 s of dead air after 好的. The 24 s hold in BK-FR-0005
    // and the holds in BK-CC-0001 follow 请您稍等.
    assert_eq!(
        timing,
        [("CALL-006", "BK-CC-0001", 20), ("CALL-009", "BK-CC-0006", 16)]
    );
}

#[test]
fn the_complaint_call_is_judged_turn_by_turn() {
    let records = records();
    let call = of_call(&records, "BK-CC-0001");
    let rules: Vec<&str> = call.iter().map(|(r, _)| r.as_str()).collect();
    // Badly first: 这是规定, 急什么, 不归我们客服管, 您去投诉吧, no apology.
    for rule in ["SVC-005", "SVC-002", "SVC-001", "CMP-001", "CALL-005"] {
        assert!(rules.contains(&rule), "{rule} missing: {call:?}");
    }
    // Then well: the supervisor's 如对处理结果不满意，您也可以拨打12378 is not
    // steering the customer to complain.
    assert!(call.iter().all(|(_, u)| u.is_none_or(|u| u < 26)), "{call:?}");
}

#[test]
fn the_plain_text_transcript_survives_asr_noise() {
    let records = records();
    let transcript: Vec<(&str, &str)> = records
        .iter()
        .filter(|r| r["file"] == "fixtures/bank/transcript.txt" && r["pack"] == "service")
        .map(|r| (r["rule"].as_str().unwrap(), span(r)))
        .collect();
    // Spaces between characters, the filler 那个, traditional characters.
    assert!(
        transcript.contains(&("SVC-001", "这 个 不 归 我 管")),
        "{transcript:?}"
    );
    assert!(transcript.contains(&("SVC-002", "急什么")));
    assert!(transcript.contains(&("SVC-005", "我也沒辦法")));
}

#[test]
fn a_vendor_export_is_read_through_the_field_mapping() {
    // fixtures/vendor/.callint.yaml maps Sentences[].Text, ChannelId 0/1 and
    // times in milliseconds.
    let out = callint()
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/vendor"))
        .args(["check", "--format", "jsonl", "asr-export.json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let records: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let got: Vec<(&str, u64, &str)> = records
        .iter()
        .map(|r| {
            (
                r["rule"].as_str().unwrap(),
                r["utterance"].as_u64().unwrap(),
                span(r),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("O9-025", 10, "你这种人"),
            ("O9-029", 12, "再不还钱我们就通知你单位"),
            ("CMP-005", 14, "投诉也没用"),
        ]
    );
    let first = &records[0];
    assert_eq!(first["call_id"], "ASR-20261121-7720-0193");
    assert_eq!(first["agent_id"], "A7720");
    assert_eq!(first["role"], "agent");
    // Milliseconds read as seconds.
    assert_eq!(first["time"], serde_json::json!([53.8, 57.0]));
}

#[test]
fn a_vendor_export_reads_the_same_without_the_mapping() {
    // Sentences, Text, BeginTime/EndTime, TaskId and AgentId are known keys;
    // channel 0 greets with 工号, so it is the agent; the times are plainly
    // milliseconds.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("asr-export.json");
    std::fs::copy("fixtures/vendor/asr-export.json", &path).unwrap();
    let check = |dir: &std::path::Path| {
        let out = callint()
            .current_dir(dir)
            .args(["check", "--format", "jsonl", "asr-export.json"])
            .output()
            .unwrap();
        (out.status.code(), String::from_utf8(out.stdout).unwrap())
    };
    let mapped = check(std::path::Path::new("fixtures/vendor"));
    assert_eq!(check(dir.path()), mapped);
    assert_eq!(mapped.1.lines().count(), 3);
}
