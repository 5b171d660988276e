//! Table-driven checks of the library entry point over the starter pack: what
//! fires and what must not, in the style of aho-corasick's `SearchTest` tables.

use callint::engine::Linter;
use callint::model::Role;
use callint::rules::RuleSet;

fn linter() -> Linter {
    let sources = RuleSet::read_sources(std::path::Path::new("fixtures/packs/starter.yaml")).unwrap();
    Linter::new(RuleSet::compile(&sources).unwrap())
}

/// Expected findings: (rule, matched original text), in order.
type Expected = &'static [(&'static str, &'static str)];

/// (speaker, utterance, expected findings)
const CASES: &[(Role, &str, Expected)] = &[
    // token boundaries
    (Role::Agent, "我们会确保本金安全", &[]),
    (Role::Agent, "这款产品保本", &[("TST-001", "保本")]),
    (Role::Agent, "特别叫人放心", &[]),
    (Role::Agent, "你别叫了", &[("TST-002", "别叫")]),
    // normalisation: traditional, spaces, fillers, full width
    (Role::Agent, "穩賺不賠", &[("TST-001", "穩賺不賠")]),
    (Role::Agent, "保 本 保 息", &[("TST-001", "保 本 保 息")]),
    (Role::Agent, "保嗯本保息的", &[("TST-001", "保嗯本保息")]),
    (
        Role::Agent,
        "您的手机号是１３８００１３８０００",
        &[("TST-005", "１３８００１３８０００")],
    ),
    // negation and exceptions
    (Role::Agent, "这款产品不保本", &[]),
    (Role::Agent, "这款产品是不是保本的", &[("TST-001", "保本")]),
    (Role::Agent, "我们不承诺保本", &[]),
    // an answer that denies the customer's worry does not negate the claim
    (Role::Agent, "不会的 保本的", &[("TST-001", "保本")]),
    (Role::Agent, "不会不会保本的", &[("TST-001", "保本")]),
    (Role::Agent, "别担心保本的", &[("TST-001", "保本")]),
    (Role::Agent, "不会的，我们不保本", &[]),
    // a pause ends a negator's reach once its own clause went on
    (Role::Agent, "不亏钱保本的产品很多", &[]),
    (Role::Agent, "不亏钱 保本的产品很多", &[("TST-001", "保本")]),
    // spaces every character or two are not pauses
    (Role::Agent, "不 亏 钱 保 本 的 产 品 很 多", &[]),
    // 不 inside a potential complement (V不C) negates the verb only
    (Role::Agent, "这个操作不了的话 保本的", &[("TST-001", "保本")]),
    // Cantonese 唔 before a word negates; alone it is a hesitation
    (Role::Agent, "呢个产品唔保本嘅", &[]),
    (Role::Agent, "唔 呢个产品保本嘅", &[("TST-001", "保本")]),
    // the 别 of 特别, the 不 of 差不多 negate nothing
    (Role::Agent, "这款特别稳 保本的", &[("TST-001", "保本")]),
    (Role::Agent, "差不多保本", &[("TST-001", "保本")]),
    // denials whose scope is the rest of the clause
    (Role::Agent, "没有任何产品是保本的", &[]),
    (Role::Agent, "我可不敢跟您承诺保本", &[]),
    (Role::Agent, "我不敢说别的 但这个产品保本", &[("TST-001", "保本")]),
    (Role::Agent, "没有人亏过钱 保本的", &[("TST-001", "保本")]),
    // 没人 of neglect (nobody came, nobody cared) denies nothing after it
    (Role::Agent, "没人管您的钱 保本的", &[("TST-001", "保本")]),
    (Role::Agent, "没人能保证保本", &[]),
    // 不好 judges (眼神不好) unless it hedges a claim (不好保证)
    (Role::Agent, "您眼神不好 保本的", &[("TST-001", "保本")]),
    (Role::Agent, "我也不好跟您说保本", &[]),
    (
        Role::Agent,
        "那些说法您别信 我跟您说 保本的",
        &[("TST-001", "保本")],
    ),
    (Role::Agent, "请不要向任何人透露验证码", &[]),
    (
        Role::Agent,
        "请告诉我您收到的验证码",
        &[("TST-003", "告诉我您收到的验证码")],
    ),
    // a regex's leftmost match starts inside 预报; the one from 告诉 counts
    (
        Role::Agent,
        "天气预报告诉我验证码",
        &[("TST-003", "告诉我验证码")],
    ),
    // a regex's leftmost-first match ends inside the word 拿回来; the
    // longer alternative ends with the word
    (Role::Agent, "本金都能拿回来", &[("TST-001", "本金都能拿回来")]),
    (Role::Agent, "本金都能拿回来的", &[("TST-001", "本金都能拿回来")]),
    // roles
    (Role::Customer, "你们这个保本保息吗", &[]),
    (Role::Customer, "我要投诉", &[("TST-004", "投诉")]),
    (Role::Agent, "我要投诉", &[]),
    // numbers: only full, valid numbers
    (Role::Agent, "尾号八零零零的手机", &[]),
    (
        Role::Agent,
        "号码是幺三八 零零幺三 八零零零",
        &[("TST-005", "幺三八 零零幺三 八零零零")],
    ),
    (Role::Agent, "金额是一二三四五六七八九零一二元", &[]),
    // edge cases
    (Role::Agent, "", &[]),
    (Role::Agent, "😀保本😀", &[("TST-001", "保本")]),
];

#[test]
fn starter_pack_table() {
    let linter = linter();
    for (role, text, expected) in CASES {
        let got: Vec<(&str, &str)> = linter
            .check_text(*role, text)
            .iter()
            .map(|f| {
                let span = f.span.as_ref().expect("phrase findings have spans");
                assert_eq!(&text[span.byte_start..span.byte_end], span.text);
                (
                    linter.rules().rules[f.rule].id.as_str(),
                    &text[span.byte_start..span.byte_end],
                )
            })
            .collect();
        assert_eq!(&got, expected, "{role:?} {text:?}");
    }
}
