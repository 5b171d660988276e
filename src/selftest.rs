//! `test-rules`: every rule's examples are tests. An example under `fire` must
//! produce the rule; one under `pass` must not. Rule authors run this in their
//! own CI, and `cargo test` runs it over the default packs.

use crate::engine::Linter;
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
    let mut failures = Vec::new();
    for (index, rule) in linter.rules().rules.iter().enumerate() {
        let role = rule.roles[0];
        let cases = rule
            .fire_examples
            .iter()
            .map(|e| (e, true))
            .chain(rule.pass_examples.iter().map(|e| (e, false)));
        for (example, must_fire) in cases {
            let fired = linter.check_text(role, example).iter().any(|f| f.rule == index);
            if fired != must_fire {
                let what = if must_fire {
                    "example must fire but did not"
                } else {
                    "example must not fire but did"
                };
                failures.push(failure(sources, &rule.id, example, what));
            }
        }
    }
    failures
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
