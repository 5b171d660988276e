//! The YAML shape of call-level rules, as documented in
//! `docs/rules-schema.md` ("Call-level rules").
//!
//! A call-level rule is an ordinary rule entry with exactly one of the keys
//! `required`, `conditional`, `response`, `composition`, `timing` or
//! `repetition`. Every struct denies unknown keys, like the rest of the pack
//! schema.

use crate::model::Role;
use crate::rules::schema::{Boundary, ExceptionsDef};
use serde::Deserialize;

/// A set of phrases and regexes judged with exactly the semantics of a phrase
/// rule: normalisation, token boundaries, negation and exceptions.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PhraseSetDef {
    /// A short name used in finding details (default: the first phrases).
    #[serde(default)]
    pub label: Option<String>,
    /// Speakers whose utterances are searched (default depends on the slot).
    #[serde(default)]
    pub roles: Option<Vec<Role>>,
    /// Literal phrases.
    #[serde(default)]
    pub phrases: Vec<String>,
    /// Regexes.
    #[serde(default)]
    pub patterns: Vec<String>,
    /// Token-boundary policy.
    #[serde(default)]
    pub boundary: Boundary,
    /// Negation scope in characters; 0 disables it.
    #[serde(default)]
    pub negation: usize,
    /// Cancelling contexts.
    #[serde(default)]
    pub exceptions: ExceptionsDef,
}

/// Where a required phrase set must appear. At most one key; none means the
/// whole call.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WindowDef {
    /// The first N utterances of the role.
    #[serde(default)]
    pub first: Option<usize>,
    /// The last N utterances of the role.
    #[serde(default)]
    pub last: Option<usize>,
    /// Utterances starting in the first T seconds of the call.
    #[serde(default)]
    pub first_seconds: Option<f64>,
    /// Utterances ending in the last T seconds of the call.
    #[serde(default)]
    pub last_seconds: Option<f64>,
    /// With `first`: utterances that say nothing but these formulas (喂 /
    /// 能听到吗) are not counted; the window reaches past them, by at most
    /// as many utterances as it has.
    #[serde(default)]
    pub skip: Option<FormulasDef>,
}

/// `required`: a phrase set must appear in a window.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequiredDef {
    /// Name used in finding details.
    #[serde(default)]
    pub label: Option<String>,
    /// Speakers searched (default: the rule's roles).
    #[serde(default)]
    pub roles: Option<Vec<Role>>,
    /// Literal phrases.
    #[serde(default)]
    pub phrases: Vec<String>,
    /// Regexes.
    #[serde(default)]
    pub patterns: Vec<String>,
    /// Token-boundary policy.
    #[serde(default)]
    pub boundary: Boundary,
    /// Negation scope in characters; 0 disables it.
    #[serde(default)]
    pub negation: usize,
    /// Cancelling contexts.
    #[serde(default)]
    pub exceptions: ExceptionsDef,
    /// Where (default: anywhere in the call).
    #[serde(default)]
    pub window: WindowDef,
    /// The requirement is not judged when the call's last utterance is by
    /// one of these roles (default: the other side) and says one of these
    /// formulas: the other side ended the call (我挂了 / 不用了 挂了).
    #[serde(default)]
    pub unless_last: Option<SaidDef>,
}

impl RequiredDef {
    /// The phrase set part.
    pub fn set(&self) -> PhraseSetDef {
        PhraseSetDef {
            label: self.label.clone(),
            roles: self.roles.clone(),
            phrases: self.phrases.clone(),
            patterns: self.patterns.clone(),
            boundary: self.boundary,
            negation: self.negation,
            exceptions: self.exceptions.clone(),
        }
    }
}

/// Where the requirement of a conditional rule is looked for, relative to
/// the trigger.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// In the trigger's utterance or later.
    #[default]
    After,
    /// In the trigger's utterance or earlier.
    Before,
    /// Either.
    Around,
}

/// How far a conditional or response window reaches. Absent keys do not limit.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WithinDef {
    /// Utterances of any speaker (conditional).
    #[serde(default)]
    pub utterances: Option<usize>,
    /// Turns of the answering role (response).
    #[serde(default)]
    pub turns: Option<usize>,
    /// Seconds from the trigger's end (after) or start (before).
    #[serde(default)]
    pub seconds: Option<f64>,
    /// Response only: turns of the answering role that say nothing but
    /// these formulas (嗯 / 好 / 我在听) are not counted; the window reaches
    /// past them, by at most as many turns as it has.
    #[serde(default)]
    pub skip: Option<FormulasDef>,
}

/// `conditional`: when the trigger is said, a requirement must be met
/// nearby, and/or a forbidden set must not be said nearby.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConditionalDef {
    /// What starts the obligation (roles default to the rule's roles).
    pub trigger: PhraseSetDef,
    /// What must be said in the window (roles default to the rule's roles).
    #[serde(default)]
    pub require: Option<PhraseSetDef>,
    /// What must not be said in the window (roles default to the rule's roles).
    #[serde(default)]
    pub forbid: Option<PhraseSetDef>,
    /// Before, after or around the trigger.
    #[serde(default)]
    pub direction: Direction,
    /// How far.
    #[serde(default)]
    pub within: WithinDef,
}

/// `response`: after a customer cue the agent must answer, and must not say
/// something.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResponseDef {
    /// The cue (roles default to customer).
    pub cue: PhraseSetDef,
    /// What the answer must contain (roles default to agent).
    #[serde(default)]
    pub answer: Option<PhraseSetDef>,
    /// What the answer must not contain (roles default to agent).
    #[serde(default)]
    pub forbid: Option<PhraseSetDef>,
    /// How far: `turns` of the answering role and/or `seconds`.
    #[serde(default)]
    pub within: WithinDef,
}

/// Scope of a composition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// The whole call.
    #[default]
    Call,
    /// Each utterance on its own.
    Utterance,
}

/// `at_least`: N of the sets.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AtLeastDef {
    /// How many.
    pub count: usize,
    /// Of which sets.
    pub of: Vec<PhraseSetDef>,
}

/// `near`: A within K characters of B in one utterance.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NearDef {
    /// One side.
    pub a: PhraseSetDef,
    /// The other.
    pub b: PhraseSetDef,
    /// Largest gap between them, in characters of the original text.
    pub chars: usize,
}

/// `composition`: all of the given clauses must hold for the rule to fire.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompositionDef {
    /// Call (default) or utterance.
    #[serde(default)]
    pub scope: Scope,
    /// Every set is said.
    #[serde(default)]
    pub all: Vec<PhraseSetDef>,
    /// At least one set is said.
    #[serde(default)]
    pub any: Vec<PhraseSetDef>,
    /// No set is said.
    #[serde(default)]
    pub none: Vec<PhraseSetDef>,
    /// At least `count` of the sets are said.
    #[serde(default)]
    pub at_least: Option<AtLeastDef>,
    /// Two sets are said close together in one utterance.
    #[serde(default)]
    pub near: Option<NearDef>,
}

/// Speech rate in characters per minute.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpeechRateDef {
    /// Highest acceptable rate.
    pub max_cpm: f64,
    /// `utterance` (each on its own) or `call` (all of the role's speech).
    #[serde(default)]
    pub per: Scope,
    /// Utterances with fewer characters are ignored.
    #[serde(default = "default_min_chars")]
    pub min_chars: usize,
    /// Utterances shorter than this are ignored.
    #[serde(default = "default_min_seconds")]
    pub min_seconds: f64,
}

fn default_min_chars() -> usize {
    8
}

fn default_min_seconds() -> f64 {
    1.0
}

/// Talking over the other speaker.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InterruptionDef {
    /// Smallest overlap that counts, in milliseconds.
    pub min_overlap_ms: f64,
    /// Only once the other speaker has said this (in the interrupted
    /// utterance or before it).
    #[serde(default)]
    pub after_cue: Option<PhraseSetDef>,
    /// Backchannels (嗯 / 对 / 我在听) said while the other side speaks:
    /// an utterance that only says these formulas interrupts nobody.
    #[serde(default)]
    pub skip: Option<FormulasDef>,
}

/// Dead air between utterances.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SilenceDef {
    /// Longest acceptable gap.
    pub max_seconds: f64,
    /// A hold notice that excuses the gap (roles default to the rule's roles).
    #[serde(default)]
    pub excused_by: Option<PhraseSetDef>,
    /// How many utterances before the gap may carry the hold notice.
    #[serde(default = "default_lookback")]
    pub lookback: usize,
    /// A hold the other side announced (你等一下 我去找卡): formulas
    /// searched in the other side's utterances among the `lookback` ones.
    #[serde(default)]
    pub excused_by_other: Option<FormulasDef>,
}

fn default_lookback() -> usize {
    2
}

/// Time from the other speaker's end to the role's next start.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LatencyDef {
    /// Longest acceptable wait.
    pub max_seconds: f64,
}

/// Call length.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DurationDef {
    /// Shortest acceptable call.
    #[serde(default)]
    pub min_seconds: Option<f64>,
    /// Longest acceptable call.
    #[serde(default)]
    pub max_seconds: Option<f64>,
}

/// `timing`: exactly one measurement. Needs utterance times.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimingDef {
    /// Characters per minute.
    #[serde(default)]
    pub speech_rate: Option<SpeechRateDef>,
    /// Talking over the other speaker.
    #[serde(default)]
    pub interruption: Option<InterruptionDef>,
    /// Dead air.
    #[serde(default)]
    pub silence: Option<SilenceDef>,
    /// Slow answers.
    #[serde(default)]
    pub latency: Option<LatencyDef>,
    /// Call length.
    #[serde(default)]
    pub duration: Option<DurationDef>,
}

/// `repetition`: the same normalised sentence said N times in a call.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RepetitionDef {
    /// How many times makes a finding.
    pub min_count: usize,
    /// Sentences with fewer characters are ignored.
    #[serde(default = "default_repetition_chars")]
    pub min_chars: usize,
    /// Formulas (hold notices, greetings, closing questions) that do not
    /// make a sentence count: a sentence left with fewer than `min_chars`
    /// spoken characters once these are taken out is not counted.
    #[serde(default)]
    pub exceptions: Option<FormulasDef>,
}

/// Formulas: phrases and regexes over normalised text, without token
/// boundaries, negation or exceptions (`repetition.exceptions`,
/// `window.skip`, `within.skip`, `silence.excused_by_other`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FormulasDef {
    /// Literal phrases.
    #[serde(default)]
    pub phrases: Vec<String>,
    /// Regexes.
    #[serde(default)]
    pub patterns: Vec<String>,
}

/// Formulas said by some roles: `required.unless_last`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SaidDef {
    /// Speakers (default depends on the slot).
    #[serde(default)]
    pub roles: Option<Vec<Role>>,
    /// Literal phrases.
    #[serde(default)]
    pub phrases: Vec<String>,
    /// Regexes.
    #[serde(default)]
    pub patterns: Vec<String>,
}

impl SaidDef {
    /// The formulas, without the roles.
    pub fn formulas(&self) -> FormulasDef {
        FormulasDef {
            phrases: self.phrases.clone(),
            patterns: self.patterns.clone(),
        }
    }
}

fn default_repetition_chars() -> usize {
    6
}

/// One utterance of a mini-call example.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UtteranceDef {
    /// Speaker.
    pub role: Role,
    /// What was said.
    pub text: String,
    /// Start, seconds.
    #[serde(default)]
    pub start: Option<f64>,
    /// End, seconds.
    #[serde(default)]
    pub end: Option<f64>,
}
