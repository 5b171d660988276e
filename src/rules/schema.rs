//! The YAML shape of a rule pack, as documented in `docs/rules-schema.md`.
//!
//! Every struct denies unknown keys: a misspelt `exeptions:` must be an error
//! pointing at the line, never a rule that silently stops excluding anything.

use crate::model::Role;
use serde::{Deserialize, Serialize};

/// One pack file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PackDef {
    /// Pack name, used by `--select` / `--ignore`.
    pub pack: String,
    /// One-line title.
    pub title: String,
    /// Longer description for `explain`.
    #[serde(default)]
    pub description: Option<String>,
    /// The rules.
    #[serde(default)]
    pub rules: Vec<RuleDef>,
}

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing.
    Info,
    /// A service-standard breach.
    Warning,
    /// A regulatory breach.
    Error,
}

impl Severity {
    /// Lower-case name as written in packs and output.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// Where a phrase hit may start and end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Boundary {
    /// On jieba token boundaries only.
    #[default]
    Token,
    /// Anywhere.
    None,
}

/// Built-in detectors for things no phrase list can enumerate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Detector {
    /// An 18-digit PRC resident ID number with a valid check digit.
    IdNumber,
    /// A 16–19 digit bank card number that passes the Luhn check.
    BankCard,
    /// An 11-digit mainland mobile number.
    Mobile,
}

/// Contexts that cancel a hit.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExceptionsDef {
    /// Literal phrases.
    #[serde(default)]
    pub phrases: Vec<String>,
    /// Regexes.
    #[serde(default)]
    pub patterns: Vec<String>,
    /// Where an exception must occur to cancel a hit.
    #[serde(default)]
    pub scope: ExceptionScope,
}

/// How far from a hit an exception still cancels it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ExceptionScope {
    /// The hit's clause (up to 。！？；，).
    #[default]
    Clause,
    /// The whole utterance: for context that follows in the next clause
    /// (宣传稳赚不赔，这些都是违规说法).
    Utterance,
}

/// Utterances that must and must not produce the rule.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExamplesDef {
    /// Must produce a finding of this rule.
    #[serde(default)]
    pub fire: Vec<String>,
    /// Must not.
    #[serde(default)]
    pub pass: Vec<String>,
    /// Whole mini-calls that must produce the rule (call-level rules).
    #[serde(default)]
    pub fire_calls: Vec<Vec<crate::calllevel::UtteranceDef>>,
    /// Whole mini-calls that must not.
    #[serde(default)]
    pub pass_calls: Vec<Vec<crate::calllevel::UtteranceDef>>,
}

/// One rule as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleDef {
    /// Stable id such as `SVC-001`.
    pub id: String,
    /// Short name.
    pub title: String,
    /// Default severity.
    pub severity: Severity,
    /// Speakers the rule applies to; agent when absent.
    #[serde(default)]
    pub roles: Option<Vec<Role>>,
    /// Labels such as the consumer right.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Literal phrases.
    #[serde(default)]
    pub phrases: Vec<String>,
    /// Regexes.
    #[serde(default)]
    pub patterns: Vec<String>,
    /// A built-in detector.
    #[serde(default)]
    pub detector: Option<Detector>,
    /// Token-boundary policy.
    #[serde(default)]
    pub boundary: Boundary,
    /// Negation scope in characters; 0 disables it.
    #[serde(default)]
    pub negation: usize,
    /// Cancelling contexts.
    #[serde(default)]
    pub exceptions: ExceptionsDef,
    /// What the finding says.
    pub message: String,
    /// Recommended wording.
    #[serde(default)]
    pub help: Option<String>,
    /// Why it matters.
    #[serde(default)]
    pub why: Option<String>,
    /// Sources.
    #[serde(default)]
    pub references: Vec<String>,
    /// Self-test examples.
    #[serde(default)]
    pub examples: ExamplesDef,
    /// Call-level kinds (at most one; see `crate::calllevel`).
    #[serde(default)]
    pub required: Option<crate::calllevel::RequiredDef>,
    /// A trigger and what must (not) be said near it.
    #[serde(default)]
    pub conditional: Option<crate::calllevel::ConditionalDef>,
    /// A customer cue and the agent's answer.
    #[serde(default)]
    pub response: Option<crate::calllevel::ResponseDef>,
    /// all / any / none / at_least / near.
    #[serde(default)]
    pub composition: Option<crate::calllevel::CompositionDef>,
    /// Speech rate, interruption, silence, latency, duration.
    #[serde(default)]
    pub timing: Option<crate::calllevel::TimingDef>,
    /// The same sentence said N times.
    #[serde(default)]
    pub repetition: Option<crate::calllevel::RepetitionDef>,
}
