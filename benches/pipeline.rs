//! Criterion benchmarks for the hot path, stage by stage, on realistic
//! utterances with the default packs. Each benchmark first checks the number
//! of findings it expects, so a faster wrong answer fails instead of passing.

use callint::engine::{Linter, Scratch};
use callint::model::{Call, Role, Utterance};
use callint::normalize::Normalized;
use callint::rules::RuleSet;
use callint::segment::Segmenter;
use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};

const CLEAN: &[&str] = &[
    "您好，很高兴为您服务，请问有什么可以帮您？",
    "我想查询一下我信用卡这个月的账单，还有那个分期的手续费是怎么算的。",
    "好的，请您提供一下身份证后四位，我这边帮您核实一下身份。",
    "嗯 您这个月的账单金额是三千二百元，最后还款日是十五号。",
    "这款理财产品不保本，理财非存款，产品有风险，投资须谨慎。",
    "请不要向任何人透露验证码，我们的工作人员不会向您索要密码。",
    "感谢您的来电，祝您生活愉快，再见。",
];

fn call() -> Call {
    let mut call = Call {
        id: "bench".into(),
        ..Call::default()
    };
    // Numbered so that no sentence repeats (CALL-010), closing with the
    // agent's goodbye (CALL-002): a call no call-level rule objects to.
    let closing = CLEAN.len() - 1;
    for i in 0..40 {
        let role = if i % 2 == 0 { Role::Agent } else { Role::Customer };
        let text = CLEAN[if i == 38 { closing } else { i % closing }];
        let mut u = Utterance::new(role, format!("（第{}句）{text}", i + 1));
        u.index = i;
        call.utterances.push(u);
    }
    call
}

fn bytes(call: &Call) -> u64 {
    call.utterances.iter().map(|u| u.text.len() as u64).sum()
}

fn benches(c: &mut Criterion) {
    let rules = RuleSet::compile(&RuleSet::default_sources()).expect("default packs compile");
    let linter = Linter::new(rules);
    let call = call();
    let mut scratch = Scratch::default();
    assert_eq!(
        linter.check_call(&call, &mut scratch).len(),
        0,
        "the clean call has no findings"
    );

    let mut group = c.benchmark_group("per call (40 utterances)");
    group.throughput(Throughput::Bytes(bytes(&call)));
    group.bench_function("normalise", |b| {
        let mut n = Normalized::default();
        b.iter(|| {
            for u in &call.utterances {
                n.fill(black_box(&u.text));
            }
        })
    });
    let segmenter = Segmenter::default();
    let mut bounds = Vec::new();
    group.bench_function("segment", |b| {
        b.iter(|| {
            for u in &call.utterances {
                segmenter.boundaries(black_box(&u.text), &mut bounds);
            }
        })
    });
    group.bench_function("check_call (normalise + match + rules)", |b| {
        b.iter(|| linter.check_call(black_box(&call), &mut scratch))
    });
    let mut dirty = call.clone();
    dirty.utterances[0].text = "这款产品保本保息，稳赚不赔，你急什么".into();
    assert!(
        !linter.check_call(&dirty, &mut scratch).is_empty(),
        "the dirty call has findings"
    );
    group.bench_function("check_call with a violation", |b| {
        b.iter(|| linter.check_call(black_box(&dirty), &mut scratch))
    });
    group.finish();
}

criterion_group!(pipeline, benches);
criterion_main!(pipeline);
