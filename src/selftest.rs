//! `test-rules`: every rule's examples are tests. An example under `fire` must
//! produce the rule; one under `pass` must not. Rule authors run this in their
//! own CI, and `cargo test` runs it over the default packs.
//!
//! Call-level rules are judged on whole calls: `fire_calls` / `pass_calls`
//! are mini-calls (utterances with a role, text and optional times), and a
//! plain `fire` / `pass` string of such a rule is a one-utterance call.

use crate::engine::{Linter, Scratch};
use crate::rules::{PackSource, RuleSet};
use miette::{Diagnostic, NamedSource, SourceSpan};
use thiserror::Error;

/// An example that did not behave as its rule says.
#[derive(Debug, Error, Diagnostic)]
#[error("{rule}: {what}")]
#[diagnostic(code(callint::test_rules))]
pub struct ExampleFailure {
    /// Rule id.
    pub rule: String,
    /// `must fire but did not` / `must not fire but did`.
    pub what: String,
    /// The example text.
    pub example: String,
    #[source_code]
    src: NamedSource<String>,
    #[label("this example")]
    span: Option<SourceSpan>,
}

/// Runs the examples of every rule in `rules`, linted with all of `rules`.
pub fn run_examples(sources: &[PackSource], rules: RuleSet) -> Vec<ExampleFailure> {
    let linter = Linter::new(rules);
    let mut scratch = Scratch::default();
    let mut failures = Vec::new();
    for (index, rule) in linter.rules().rules.iter().enumerate() {
        let role = rule.roles[0];
        let cases = rule
            .fire_examples
            .iter()
            .map(|e| (e, true))
            .chain(rule.pass_examples.iter().map(|e| (e, false)));
        let call_level = rule.call.is_some();
        for (example, must_fire) in cases {
            let fired = if call_level {
                let call = crate::calllevel::example_call(
                    String::new(),
                    &[crate::calllevel::UtteranceDef {
                        role,
                        text: example.clone(),
                        start: None,
                        end: None,
                    }],
                );
                linter
                    .check_call(&call, &mut scratch)
                    .iter()
                    .any(|f| f.rule == index)
            } else {
                linter.check_text(role, example).iter().any(|f| f.rule == index)
            };
            if fired != must_fire {
                let what = if must_fire {
                    "example must fire but did not"
                } else {
                    "example must not fire but did"
                };
                failures.push(failure(sources, &rule.id, example, what));
            }
        }
        let calls = (rule.fire_calls.iter().map(|c| (c, true, "fire_calls")))
            .chain(rule.pass_calls.iter().map(|c| (c, false, "pass_calls")));
        let mut counts = [0usize; 2];
        for (call, must_fire, kind) in calls {
            let n = &mut counts[usize::from(must_fire)];
            let findings = linter.check_call(call, &mut scratch);
            let fired: Vec<_> = findings.iter().filter(|f| f.rule == index).collect();
            if fired.is_empty() == must_fire {
                let what = match fired.first().and_then(|f| f.detail.as_deref()) {
                    None if must_fire => format!("{kind}[{n}] must fire but did not"),
                    None => format!("{kind}[{n}] must not fire but did"),
                    Some(detail) => format!("{kind}[{n}] must not fire but did: {detail}"),
                };
                let first = call.utterances.first().map_or("", |u| u.text.as_str());
                failures.push(failure(sources, &rule.id, first, &what));
            }
            *n += 1;
        }
    }
    failures
}

/// How many examples `rule` has: utterances and whole calls.
pub fn example_count(rule: &crate::rules::Rule) -> usize {
    rule.fire_examples.len() + rule.pass_examples.len() + rule.fire_calls.len() + rule.pass_calls.len()
}

fn failure(sources: &[PackSource], rule: &str, example: &str, what: &str) -> ExampleFailure {
    let source = sources.iter().find(|s| s.text.contains(rule));
    let span = source.and_then(|s| {
        let from = s.text.find(rule)?;
        s.text[from..]
            .find(example)
            .map(|i| SourceSpan::from((from + i, example.len())))
    });
    ExampleFailure {
        rule: rule.to_string(),
        what: what.to_string(),
        example: example.to_string(),
        src: NamedSource::new(
            source.map_or("<unknown>", |s| s.path.as_str()),
            source.map_or_else(String::new, |s| s.text.clone()),
        ),
        span,
    }
}
