//! Call-level rules: what must be said, in what order, and how it was said.
//!
//! Phrase rules judge one utterance; quality inspection (质检) judges a call.
//! The kinds, documented in `docs/rules-schema.md`:
//!
//! | kind          | fires when                                                        |
//! |---------------|-------------------------------------------------------------------|
//! | `required`    | a phrase set is missing from a window (first/last N, T s, call)    |
//! | `conditional` | a trigger is not followed (preceded) by a requirement, or is by a forbidden set |
//! | `response`    | a customer cue gets no answer within N agent turns / T s, or a forbidden one |
//! | `composition` | all / any / none / at-least-N / near clauses all hold              |
//! | `timing`      | speech rate, interruption, silence, latency, duration              |
//! | `repetition`  | the same normalised sentence is said N times                       |
//!
//! Every phrase set inside a call-level rule is compiled into an ordinary,
//! hidden [`Rule`] and goes into the one matcher automaton with the phrase
//! rules, so it is found by the same per-utterance scan and judged with the
//! same normalisation, token-boundary, negation and exception logic. The
//! engine hands the surviving set hits to [`CallLevel::evaluate`], which only
//! looks at those hits and at utterance times: it never re-scans text.

mod def;
mod eval;

pub use def::*;
pub use eval::CallScan;

use crate::model::{Call, Role, Utterance};
use crate::rules::schema::RuleDef;
use crate::rules::{
    compile_patterns, locate_rule as locate, normalise_phrases, PackError, PackSource, Pattern, Rule,
};

/// A compiled call-level check. Set numbers index [`CallRule::sets`].
#[derive(Debug, Clone)]
pub enum Check {
    /// A set must appear in a window.
    Required {
        /// The set.
        set: usize,
        /// The window.
        window: Window,
        /// Utterances that are only these formulas do not use up a `first`
        /// window.
        skip: Option<Formulas>,
        /// Not judged when the call's last utterance is by one of these
        /// roles and says one of these formulas.
        unless_last: Option<(Formulas, Vec<Role>)>,
    },
    /// Trigger → requirement / forbidden set nearby.
    Conditional {
        /// Trigger set.
        trigger: usize,
        /// Required set.
        require: Option<usize>,
        /// Forbidden set.
        forbid: Option<usize>,
        /// Where, relative to the trigger.
        direction: Direction,
        /// Utterances of any speaker.
        utterances: Option<usize>,
        /// Seconds.
        seconds: Option<f64>,
    },
    /// Customer cue → agent answer.
    Response {
        /// Cue set.
        cue: usize,
        /// Answer set.
        answer: Option<usize>,
        /// Forbidden set.
        forbid: Option<usize>,
        /// Turns of the answering role.
        turns: Option<usize>,
        /// Seconds.
        seconds: Option<f64>,
        /// Turns that are only these formulas do not use up `turns`.
        skip: Option<Formulas>,
    },
    /// Boolean combination of sets.
    Composition {
        /// Call or utterance.
        scope: Scope,
        /// Every one said.
        all: Vec<usize>,
        /// Some said.
        any: Vec<usize>,
        /// None said.
        none: Vec<usize>,
        /// `(count, sets)`.
        at_least: Option<(usize, Vec<usize>)>,
        /// `(a, b, chars)`.
        near: Option<(usize, usize, usize)>,
    },
    /// Characters per minute.
    SpeechRate {
        /// Limit.
        max_cpm: f64,
        /// Utterance or call.
        per: Scope,
        /// Shortest utterance counted, characters.
        min_chars: usize,
        /// Shortest utterance counted, seconds.
        min_seconds: f64,
    },
    /// Starting before the other speaker finished.
    Interruption {
        /// Smallest overlap, seconds.
        min_overlap: f64,
        /// Only after the other speaker said this.
        after_cue: Option<usize>,
        /// Backchannels that interrupt nobody.
        skip: Option<Formulas>,
    },
    /// Gaps.
    Silence {
        /// Limit.
        max_seconds: f64,
        /// Hold notice.
        excused_by: Option<usize>,
        /// Utterances before the gap searched for the notice.
        lookback: usize,
        /// A hold announced by the other side: formulas.
        excused_by_other: Option<Formulas>,
    },
    /// Slow answers.
    Latency {
        /// Limit.
        max_seconds: f64,
    },
    /// Call length.
    Duration {
        /// Lower limit.
        min_seconds: Option<f64>,
        /// Upper limit.
        max_seconds: Option<f64>,
    },
    /// Repeated sentences.
    Repetition {
        /// Occurrences that make a finding.
        min_count: usize,
        /// Shortest sentence counted, characters.
        min_chars: usize,
        /// Formulas taken out of a sentence before its length is judged.
        formulas: Option<Pattern>,
    },
}

/// Formulas read at evaluation time, only where a finding is about to be
/// made: phrases (normalised) found by plain substring search, and patterns
/// as one regex compiled on first use. No token boundaries, negation or
/// exceptions.
#[derive(Debug, Clone)]
pub struct Formulas {
    /// Normalised phrases.
    pub phrases: Vec<String>,
    /// The patterns, as one regex.
    pub patterns: Option<Pattern>,
}

impl Formulas {
    /// For `explain`: the phrases, then the patterns.
    pub fn describe(&self) -> String {
        let mut parts: Vec<String> = self.phrases.clone();
        if let Some(p) = &self.patterns {
            parts.push(format!("/{}/", p.as_str()));
        }
        format!("「{}」", parts.join("/"))
    }
}

/// Where a required set is looked for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Window {
    /// Anywhere.
    Call,
    /// The role's first N utterances.
    First(usize),
    /// The role's last N utterances.
    Last(usize),
    /// Utterances starting in the first T seconds.
    FirstSeconds(f64),
    /// Utterances ending in the last T seconds.
    LastSeconds(f64),
}

/// A call-level rule as compiled: the check plus its phrase sets, each a
/// hidden rule run by the matcher and engine like any phrase rule.
#[derive(Debug, Clone)]
pub struct CallRule {
    /// What is checked.
    pub check: Check,
    /// Phrase sets (`title` is the set's label).
    pub sets: Vec<Rule>,
}

impl CallRule {
    /// Whether the check needs utterance times (and is skipped without them).
    pub fn needs_times(&self) -> bool {
        match &self.check {
            Check::Required { window, .. } => {
                matches!(window, Window::FirstSeconds(_) | Window::LastSeconds(_))
            }
            Check::Conditional { seconds, .. } => seconds.is_some(),
            Check::Response { seconds, turns, .. } => seconds.is_some() && turns.is_none(),
            Check::Composition { .. } | Check::Repetition { .. } => false,
            Check::SpeechRate { .. }
            | Check::Interruption { .. }
            | Check::Silence { .. }
            | Check::Latency { .. }
            | Check::Duration { .. } => true,
        }
    }

    /// The kind's name as written in packs.
    pub fn kind(&self) -> &'static str {
        match self.check {
            Check::Required { .. } => "required",
            Check::Conditional { .. } => "conditional",
            Check::Response { .. } => "response",
            Check::Composition { .. } => "composition",
            Check::SpeechRate { .. } => "timing.speech_rate",
            Check::Interruption { .. } => "timing.interruption",
            Check::Silence { .. } => "timing.silence",
            Check::Latency { .. } => "timing.latency",
            Check::Duration { .. } => "timing.duration",
            Check::Repetition { .. } => "repetition",
        }
    }

    /// What `callint explain` shows: the kind, its parameters and its sets.
    pub fn explain(&self) -> Vec<String> {
        let set = |i: &usize| self.sets[*i].title.clone();
        let opt = |i: &Option<usize>| i.as_ref().map_or("-".to_string(), set);
        let list = |v: &[usize]| v.iter().map(set).collect::<Vec<_>>().join(", ");
        let secs = |t: &Option<f64>| t.map_or("-".to_string(), |t| format!("{t} s"));
        let head = match &self.check {
            Check::Required {
                set: s,
                window,
                skip,
                unless_last,
            } => {
                let mut line = format!(
                    "required: {} in {window:?} (utterances of the set's roles)",
                    set(s)
                );
                if let Some(p) = skip {
                    line.push_str(&format!(
                        ", not counting utterances that only say {}",
                        p.describe()
                    ));
                }
                if let Some((p, roles)) = unless_last {
                    line.push_str(&format!(
                        "; not judged when the last utterance is the {}'s and says {}",
                        roles.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(" or "),
                        p.describe()
                    ));
                }
                line
            }
            Check::Conditional {
                trigger,
                require,
                forbid,
                direction,
                utterances,
                seconds,
            } => format!(
                "conditional: trigger {}; require {}; forbid {}; {direction:?} within {} utterances / {}",
                set(trigger),
                opt(require),
                opt(forbid),
                utterances.map_or("-".to_string(), |n| n.to_string()),
                secs(seconds)
            ),
            Check::Response {
                cue,
                answer,
                forbid,
                turns,
                seconds,
                skip,
            } => format!(
                "response: cue {}; answer {}; forbid {}; within {} turns / {}{}",
                set(cue),
                opt(answer),
                opt(forbid),
                turns.map_or("-".to_string(), |n| n.to_string()),
                secs(seconds),
                skip.as_ref().map_or(String::new(), |p| format!(
                    " (turns that only say {} not counted)",
                    p.describe()
                ))
            ),
            Check::Composition {
                scope,
                all,
                any,
                none,
                at_least,
                near,
            } => {
                let mut parts = vec![format!("composition ({scope:?} scope):")];
                if !all.is_empty() {
                    parts.push(format!("all of {}", list(all)));
                }
                if !any.is_empty() {
                    parts.push(format!("any of {}", list(any)));
                }
                if !none.is_empty() {
                    parts.push(format!("none of {}", list(none)));
                }
                if let Some((n, of)) = at_least {
                    parts.push(format!("at least {n} of {}", list(of)));
                }
                if let Some((a, b, k)) = near {
                    parts.push(format!("{} within {k} characters of {}", set(a), set(b)));
                }
                parts.join(" ")
            }
            Check::SpeechRate {
                max_cpm,
                per,
                min_chars,
                min_seconds,
            } => format!(
                "timing: speech rate over {max_cpm} characters a minute per {per:?} \
                 (utterances of at least {min_chars} characters and {min_seconds} s)"
            ),
            Check::Interruption {
                min_overlap,
                after_cue,
                skip,
            } => format!(
                "timing: starting more than {} ms before the other side finishes{}{}",
                (min_overlap * 1000.0).round(),
                after_cue.map_or(String::new(), |c| format!(", once they said {}", set(&c))),
                skip.as_ref().map_or(String::new(), |p| format!(
                    " (utterances that only say {} not counted)",
                    p.describe()
                ))
            ),
            Check::Silence {
                max_seconds,
                excused_by,
                lookback,
                excused_by_other,
            } => format!(
                "timing: silence over {max_seconds} s{}{}",
                excused_by.map_or(String::new(), |e| format!(
                    ", unless {} was said in the {lookback} utterances before it",
                    set(&e)
                )),
                excused_by_other.as_ref().map_or(String::new(), |p| format!(
                    ", or the other side said {} there",
                    p.describe()
                ))
            ),
            Check::Latency { max_seconds } => {
                format!("timing: answering more than {max_seconds} s after the other side")
            }
            Check::Duration {
                min_seconds,
                max_seconds,
            } => format!(
                "timing: call duration outside {} .. {}",
                secs(min_seconds),
                secs(max_seconds)
            ),
            Check::Repetition {
                min_count,
                min_chars,
                formulas,
            } => {
                let but = if formulas.is_some() {
                    ", not counting formulas"
                } else {
                    ""
                };
                format!("repetition: a sentence of {min_chars}+ characters said {min_count}+ times{but}")
            }
        };
        let mut lines = vec![head];
        if self.needs_times() {
            lines
                .push("needs utterance times; skipped (and counted in the summary) for calls without".into());
        }
        lines.extend(self.describe_sets().into_iter().map(|l| format!("  {l}")));
        lines
    }

    /// One line per phrase set, for `explain`.
    pub fn describe_sets(&self) -> Vec<String> {
        self.sets
            .iter()
            .map(|s| {
                let mut line = format!("{}: {}", s.id.rsplit('/').next().unwrap_or(""), s.title);
                if !s.phrases.is_empty() {
                    line.push_str(&format!(" — {}", s.phrases.join(" / ")));
                }
                for p in &s.patterns {
                    line.push_str(&format!(" — /{}/", p.as_str()));
                }
                line
            })
            .collect()
    }
}

/// A mini-call on one line, for `explain`: `agent 0–1.2 喂 │ customer …`.
pub fn one_line(call: &Call) -> String {
    call.utterances
        .iter()
        .map(|u| match (u.start, u.end) {
            (Some(s), Some(e)) => format!("{} {s}–{e} {}", u.role, u.text),
            _ => format!("{} {}", u.role, u.text),
        })
        .collect::<Vec<_>>()
        .join(" │ ")
}

/// Whether every utterance of `call` carries a start and an end time.
pub fn has_times(call: &Call) -> bool {
    call.utterances
        .iter()
        .all(|u| u.start.is_some() && u.end.is_some())
}

/// The mini-call of an example, utterances numbered in order.
pub fn example_call(id: String, utterances: &[UtteranceDef]) -> Call {
    Call {
        id,
        utterances: utterances
            .iter()
            .enumerate()
            .map(|(i, u)| Utterance {
                index: i,
                start: u.start,
                end: u.end,
                ..Utterance::new(u.role, u.text.clone())
            })
            .collect(),
        ..Call::default()
    }
}

/// Compiles the call-level part of `def`, if it has one.
pub(crate) fn compile(
    source: &PackSource,
    pack: &str,
    def: &RuleDef,
    roles: &[Role],
) -> Result<Option<CallRule>, PackError> {
    let kinds = [
        def.required.is_some(),
        def.conditional.is_some(),
        def.response.is_some(),
        def.composition.is_some(),
        def.timing.is_some(),
        def.repetition.is_some(),
    ];
    let count = kinds.iter().filter(|k| **k).count();
    if count == 0 {
        return Ok(None);
    }
    let err = |msg: String| PackError::at(source, locate(source, &def.id), msg);
    if count > 1 {
        return Err(err(format!(
            "rule {}: a rule has at most one of required, conditional, response, composition, timing, repetition",
            def.id
        )));
    }
    if !def.phrases.is_empty() || !def.patterns.is_empty() || def.detector.is_some() {
        return Err(err(format!(
            "rule {}: a call-level rule keeps its phrases inside its `{}` block, not at the top level",
            def.id,
            [
                "required",
                "conditional",
                "response",
                "composition",
                "timing",
                "repetition"
            ][kinds.iter().position(|k| *k).unwrap_or(0)]
        ))
        .with_help("see \"Call-level rules\" in docs/rules-schema.md"));
    }
    let mut c = Compiler {
        source,
        pack,
        def,
        sets: Vec::new(),
    };
    let customer = [Role::Customer];
    let agent = [Role::Agent];
    let check = if let Some(r) = &def.required {
        let set = c.set("required", &r.set(), roles)?;
        let w = &r.window;
        let given = [
            w.first.is_some(),
            w.last.is_some(),
            w.first_seconds.is_some(),
            w.last_seconds.is_some(),
        ];
        if given.iter().filter(|g| **g).count() > 1 {
            return Err(err(format!(
                "rule {}: window takes one of first, last, first_seconds, last_seconds",
                def.id
            )));
        }
        let window = match (w.first, w.last, w.first_seconds, w.last_seconds) {
            (Some(n), ..) => Window::First(positive(n, &err, "window.first")?),
            (_, Some(n), ..) => Window::Last(positive(n, &err, "window.last")?),
            (_, _, Some(t), _) => Window::FirstSeconds(seconds(t, &err, "window.first_seconds")?),
            (_, _, _, Some(t)) => Window::LastSeconds(seconds(t, &err, "window.last_seconds")?),
            _ => Window::Call,
        };
        let skip = match &w.skip {
            Some(_) if !matches!(window, Window::First(_)) => {
                return Err(err(format!(
                    "rule {}: window.skip goes with a `first` window",
                    def.id
                )));
            }
            Some(f) => said(source, def, f, "window.skip")?,
            None => None,
        };
        let unless_last = match &r.unless_last {
            Some(u) => {
                let set_roles = &c.sets[set].roles;
                let others: Vec<Role> = [Role::Agent, Role::Customer]
                    .into_iter()
                    .filter(|r| !set_roles.contains(r))
                    .collect();
                let roles = u.roles.clone().unwrap_or(others);
                said(source, def, &u.formulas(), "unless_last")?.map(|p| (p, roles))
            }
            None => None,
        };
        Check::Required {
            set,
            window,
            skip,
            unless_last,
        }
    } else if let Some(r) = &def.conditional {
        if r.require.is_none() && r.forbid.is_none() {
            return Err(err(format!(
                "rule {}: conditional needs `require` or `forbid`",
                def.id
            )));
        }
        if r.within.turns.is_some() {
            return Err(err(format!(
                "rule {}: conditional windows count `utterances`, not `turns`",
                def.id
            )));
        }
        if r.within.skip.is_some() {
            return Err(err(format!(
                "rule {}: within.skip goes with the `turns` of a response",
                def.id
            )));
        }
        Check::Conditional {
            trigger: c.set("trigger", &r.trigger, roles)?,
            require: c.opt_set("require", r.require.as_ref(), roles)?,
            forbid: c.opt_set("forbid", r.forbid.as_ref(), roles)?,
            direction: r.direction,
            utterances: r.within.utterances,
            seconds: r
                .within
                .seconds
                .map(|t| seconds(t, &err, "within.seconds"))
                .transpose()?,
        }
    } else if let Some(r) = &def.response {
        if r.answer.is_none() && r.forbid.is_none() {
            return Err(err(format!(
                "rule {}: response needs `answer` or `forbid`",
                def.id
            )));
        }
        if r.within.utterances.is_some() {
            return Err(err(format!(
                "rule {}: response windows count `turns` of the answering role, not `utterances`",
                def.id
            )));
        }
        let cue = c.set("cue", &r.cue, &customer)?;
        let answer = c.opt_set("answer", r.answer.as_ref(), &agent)?;
        let forbid = c.opt_set("forbid", r.forbid.as_ref(), &agent)?;
        if let (Some(a), Some(f)) = (answer, forbid) {
            if c.sets[a].roles != c.sets[f].roles {
                return Err(err(format!(
                    "rule {}: answer and forbid must have the same roles",
                    def.id
                )));
            }
        }
        Check::Response {
            cue,
            answer,
            forbid,
            turns: r
                .within
                .turns
                .map(|n| positive(n, &err, "within.turns"))
                .transpose()?,
            seconds: r
                .within
                .seconds
                .map(|t| seconds(t, &err, "within.seconds"))
                .transpose()?,
            skip: match &r.within.skip {
                Some(_) if r.within.turns.is_none() => {
                    return Err(err(format!("rule {}: within.skip needs within.turns", def.id)));
                }
                Some(f) => said(source, def, f, "within.skip")?,
                None => None,
            },
        }
    } else if let Some(r) = &def.composition {
        if r.all.is_empty() && r.any.is_empty() && r.at_least.is_none() && r.near.is_none() {
            return Err(err(format!(
                "rule {}: composition needs a positive clause (all, any, at_least or near); \
                 for \"X must be said\" use `required`",
                def.id
            )));
        }
        let list = |name: &str, sets: &[PhraseSetDef], c: &mut Compiler| {
            sets.iter()
                .enumerate()
                .map(|(i, s)| c.set(&format!("{name}{}", i + 1), s, roles))
                .collect::<Result<Vec<_>, _>>()
        };
        let all = list("all", &r.all, &mut c)?;
        let any = list("any", &r.any, &mut c)?;
        let none = list("none", &r.none, &mut c)?;
        let at_least = match &r.at_least {
            Some(a) => {
                if a.count == 0 || a.count > a.of.len() {
                    return Err(err(format!(
                        "rule {}: at_least.count must be between 1 and the number of sets",
                        def.id
                    )));
                }
                Some((a.count, list("at_least", &a.of, &mut c)?))
            }
            None => None,
        };
        let near = match &r.near {
            Some(n) => Some((
                c.set("near_a", &n.a, roles)?,
                c.set("near_b", &n.b, roles)?,
                n.chars,
            )),
            None => None,
        };
        Check::Composition {
            scope: r.scope,
            all,
            any,
            none,
            at_least,
            near,
        }
    } else if let Some(t) = &def.timing {
        let given = [
            t.speech_rate.is_some(),
            t.interruption.is_some(),
            t.silence.is_some(),
            t.latency.is_some(),
            t.duration.is_some(),
        ];
        if given.iter().filter(|g| **g).count() != 1 {
            return Err(err(format!(
                "rule {}: timing takes exactly one of speech_rate, interruption, silence, latency, duration",
                def.id
            )));
        }
        if let Some(s) = &t.speech_rate {
            Check::SpeechRate {
                max_cpm: seconds(s.max_cpm, &err, "speech_rate.max_cpm")?,
                per: s.per,
                min_chars: s.min_chars,
                min_seconds: s.min_seconds.max(0.05),
            }
        } else if let Some(i) = &t.interruption {
            let others: Vec<Role> = [Role::Agent, Role::Customer]
                .into_iter()
                .filter(|r| !roles.contains(r))
                .collect();
            if others.is_empty() {
                return Err(err(format!(
                    "rule {}: interruption needs `roles` to name the interrupting side only",
                    def.id
                )));
            }
            Check::Interruption {
                min_overlap: i.min_overlap_ms.max(0.0) / 1000.0,
                after_cue: c.opt_set("after_cue", i.after_cue.as_ref(), &others)?,
                skip: match &i.skip {
                    Some(f) => said(source, def, f, "interruption.skip")?,
                    None => None,
                },
            }
        } else if let Some(s) = &t.silence {
            Check::Silence {
                max_seconds: seconds(s.max_seconds, &err, "silence.max_seconds")?,
                excused_by: c.opt_set("excused_by", s.excused_by.as_ref(), roles)?,
                lookback: s.lookback,
                excused_by_other: match &s.excused_by_other {
                    Some(f) => said(source, def, f, "silence.excused_by_other")?,
                    None => None,
                },
            }
        } else if let Some(l) = &t.latency {
            Check::Latency {
                max_seconds: seconds(l.max_seconds, &err, "latency.max_seconds")?,
            }
        } else {
            let d = t.duration.clone().unwrap_or_default();
            if d.min_seconds.is_none() && d.max_seconds.is_none() {
                return Err(err(format!(
                    "rule {}: duration needs min_seconds or max_seconds",
                    def.id
                )));
            }
            Check::Duration {
                min_seconds: d.min_seconds,
                max_seconds: d.max_seconds,
            }
        }
    } else if let Some(r) = &def.repetition {
        Check::Repetition {
            min_count: r.min_count.max(2),
            min_chars: r.min_chars.max(1),
            formulas: match &r.exceptions {
                Some(f) => formulas(source, def, f, "repetition exceptions")?,
                None => None,
            },
        }
    } else {
        unreachable!("one kind is present")
    };
    Ok(Some(CallRule { check, sets: c.sets }))
}

/// One regex for `repetition.exceptions`: normalised phrases (longest
/// first) then patterns, each checked as a rule's own are; `None` when both
/// lists are empty.
fn formulas(
    source: &PackSource,
    def: &RuleDef,
    f: &FormulasDef,
    what: &str,
) -> Result<Option<Pattern>, PackError> {
    let (phrases, patterns) = formula_parts(source, def, f)?;
    let parts: Vec<String> = (phrases.iter().map(|p| regex::escape(p)))
        .chain(patterns)
        .collect();
    if parts.is_empty() {
        return Ok(None);
    }
    assemble(source, def, what, parts.join("|")).map(Some)
}

/// [`Formulas`] for `window.skip`, `within.skip`, `unless_last` and
/// `silence.excused_by_other`; `None` when both lists are empty.
fn said(
    source: &PackSource,
    def: &RuleDef,
    f: &FormulasDef,
    what: &str,
) -> Result<Option<Formulas>, PackError> {
    let (phrases, patterns) = formula_parts(source, def, f)?;
    if phrases.is_empty() && patterns.is_empty() {
        return Ok(None);
    }
    let patterns = if patterns.is_empty() {
        None
    } else {
        Some(assemble(source, def, what, patterns.join("|"))?)
    };
    Ok(Some(Formulas { phrases, patterns }))
}

/// Formulas' phrases, normalised and longest first, and their patterns,
/// checked and each wrapped in a group to be joined with others.
fn formula_parts(
    source: &PackSource,
    def: &RuleDef,
    f: &FormulasDef,
) -> Result<(Vec<String>, Vec<String>), PackError> {
    let mut phrases = normalise_phrases(source, def, &f.phrases)?;
    phrases.sort_by_key(|p| std::cmp::Reverse(p.len()));
    let patterns = compile_patterns(source, def, &f.patterns)?;
    let groups = patterns.iter().map(|p| format!("(?:{})", p.as_str())).collect();
    Ok((phrases, groups))
}

/// Compiles an assembled formula regex, reported at the rule when it fails.
fn assemble(source: &PackSource, def: &RuleDef, what: &str, text: String) -> Result<Pattern, PackError> {
    let id = &def.id;
    Pattern::assembled(text, source.built_in).map_err(|e| {
        PackError::at(
            source,
            locate(source, id),
            format!("rule {id}: {what} do not compile: {e}"),
        )
    })
}

fn positive(n: usize, err: &impl Fn(String) -> PackError, what: &str) -> Result<usize, PackError> {
    if n == 0 {
        Err(err(format!("{what} must be at least 1")))
    } else {
        Ok(n)
    }
}

fn seconds(t: f64, err: &impl Fn(String) -> PackError, what: &str) -> Result<f64, PackError> {
    if t.is_finite() && t > 0.0 {
        Ok(t)
    } else {
        Err(err(format!("{what} must be a positive number")))
    }
}

struct Compiler<'a> {
    source: &'a PackSource,
    pack: &'a str,
    def: &'a RuleDef,
    sets: Vec<Rule>,
}

impl Compiler<'_> {
    fn opt_set(
        &mut self,
        name: &str,
        set: Option<&PhraseSetDef>,
        roles: &[Role],
    ) -> Result<Option<usize>, PackError> {
        set.map(|s| self.set(name, s, roles)).transpose()
    }

    fn set(&mut self, name: &str, set: &PhraseSetDef, roles: &[Role]) -> Result<usize, PackError> {
        let (source, def) = (self.source, self.def);
        if set.phrases.is_empty() && set.patterns.is_empty() {
            return Err(PackError::at(
                source,
                locate(source, &def.id),
                format!("rule {}: `{name}` has no phrases or patterns", def.id),
            ));
        }
        let phrases = normalise_phrases(source, def, &set.phrases)?;
        let label = set.label.clone().unwrap_or_else(|| {
            let shown: Vec<&str> = if phrases.is_empty() {
                set.patterns.iter().map(String::as_str).take(2).collect()
            } else {
                set.phrases.iter().map(String::as_str).take(3).collect()
            };
            let more = set.phrases.len().max(set.patterns.len()) > shown.len();
            format!("「{}{}」", shown.join("/"), if more { "/…" } else { "" })
        });
        self.sets.push(Rule {
            id: format!("{}/{name}", def.id),
            pack: self.pack.to_string(),
            title: label,
            severity: def.severity,
            roles: set.roles.clone().unwrap_or_else(|| roles.to_vec()),
            tags: Vec::new(),
            phrases,
            patterns: compile_patterns(source, def, &set.patterns)?,
            detector: None,
            boundary: set.boundary,
            negation: set.negation,
            exception_phrases: normalise_phrases(source, def, &set.exceptions.phrases)?,
            exception_patterns: compile_patterns(source, def, &set.exceptions.patterns)?,
            exception_scope: set.exceptions.scope,
            message: String::new(),
            help: None,
            why: None,
            references: Vec::new(),
            fire_examples: Vec::new(),
            pass_examples: Vec::new(),
            fire_calls: Vec::new(),
            pass_calls: Vec::new(),
            call: None,
        });
        Ok(self.sets.len() - 1)
    }
}

/// When the hits of a phrase set matter, so that the engine can skip the
/// token-boundary check (jieba) for hits nobody will look at.
#[derive(Debug, Clone, Copy, PartialEq)]
enum SetUse {
    /// Every hit, anywhere in the call.
    Every,
    /// Only whether the set is said anywhere: the first hit is enough.
    First,
    /// Only once set `trigger` (same rule) has been said: in an earlier
    /// utterance, or with `same`, in this one too.
    After {
        /// The rule-local trigger set.
        trigger: usize,
        /// Whether the trigger's own utterance counts.
        same: bool,
        /// How far after the latest trigger.
        limit: Limit,
    },
    /// A required set: only hits in the window, and the first is enough.
    Window(Window),
    /// A hold notice: only in the `lookback` utterances before a gap over
    /// `max_seconds`.
    Excuse {
        /// The silence rule's limit.
        max_seconds: f64,
        /// Utterances searched before the gap.
        lookback: usize,
    },
}

/// How far after its latest trigger an `After` set matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Limit {
    /// To the end of the call.
    Any,
    /// At most this many utterances later.
    Utterances(u32),
    /// Within this many utterances of role (index into `CallScan::upto`).
    Turns(u32, usize),
}

/// Per set: its use, roles, and whether its rule needs times.
#[derive(Debug, Clone)]
struct SetInfo {
    usage: SetUse,
    roles: Vec<Role>,
    needs_times: bool,
}

/// Every call-level rule of a linter, with where its sets sit among the
/// matcher's rules.
#[derive(Debug, Default)]
pub struct CallLevel {
    /// `(rule index, first global set index)`.
    rules: Vec<(usize, usize)>,
    /// Per global set.
    sets: Vec<SetInfo>,
    /// Some rule needs utterance times.
    needs_times: bool,
    /// Roles whose spoken-character counts some rule needs.
    chars_roles: Vec<Role>,
    /// Roles whose sentences some rule needs.
    sentence_roles: Vec<Role>,
    /// The shortest sentence any repetition rule counts.
    sentence_chars: usize,
}

fn set_uses(check: &Check, sets: &[Rule]) -> Vec<(usize, SetUse)> {
    use SetUse::*;
    let every = |sets: &[Option<usize>]| sets.iter().flatten().map(|&s| (s, Every)).collect();
    match check {
        Check::Required {
            set, window, skip, ..
        } => {
            // Skipped utterances let a `first` window reach up to twice as far.
            let reach = match (window, skip) {
                (self::Window::First(n), Some(_)) => self::Window::First(2 * n),
                _ => *window,
            };
            vec![(*set, Window(reach))]
        }
        Check::Conditional {
            trigger,
            require,
            forbid,
            direction,
            utterances,
            ..
        } => {
            let mut v: Vec<(usize, SetUse)> = every(&[Some(*trigger)]);
            let usage = match direction {
                Direction::After => After {
                    trigger: *trigger,
                    same: true,
                    limit: utterances.map_or(Limit::Any, |n| Limit::Utterances(n as u32)),
                },
                _ => Every,
            };
            v.extend(require.iter().chain(forbid).map(|&s| (s, usage)));
            v
        }
        Check::Response {
            cue,
            answer,
            forbid,
            turns,
            skip,
            ..
        } => {
            let mut v: Vec<(usize, SetUse)> = every(&[Some(*cue)]);
            let answering = answer.or(*forbid).map_or(&[][..], |s| &sets[s].roles[..]);
            // Skipped turns let the window reach up to twice as far.
            let turns = turns.map(|n| if skip.is_some() { 2 * n } else { n });
            let turns = &turns;
            let limit = match (turns, answering) {
                (Some(n), [Role::Agent]) => Limit::Turns(*n as u32, 0),
                (Some(n), [Role::Customer]) => Limit::Turns(*n as u32, 1),
                (Some(n), _) => Limit::Utterances(*n as u32),
                (None, _) => Limit::Any,
            };
            let usage = After {
                trigger: *cue,
                same: false,
                limit,
            };
            v.extend(answer.iter().chain(forbid).map(|&s| (s, usage)));
            v
        }
        Check::Composition {
            scope,
            all,
            any,
            none,
            at_least,
            near,
        } => {
            let usage = if *scope == Scope::Call { First } else { Every };
            let mut v: Vec<(usize, SetUse)> = (all.iter().chain(any).chain(none))
                .chain(at_least.iter().flat_map(|(_, of)| of))
                .map(|&s| (s, usage))
                .collect();
            v.extend(near.iter().flat_map(|&(a, b, _)| [(a, Every), (b, Every)]));
            v
        }
        Check::Interruption { after_cue, .. } => after_cue.iter().map(|&s| (s, First)).collect(),
        Check::Silence {
            max_seconds,
            excused_by,
            lookback,
            ..
        } => excused_by
            .iter()
            .map(|&s| {
                let usage = Excuse {
                    max_seconds: *max_seconds,
                    lookback: *lookback,
                };
                (s, usage)
            })
            .collect(),
        _ => Vec::new(),
    }
}

impl CallLevel {
    /// Collects the call-level rules of `rules`; their sets, in order, are
    /// returned to be appended after the phrase rules in the matcher.
    pub fn new(rules: &[Rule]) -> (CallLevel, Vec<Rule>) {
        let mut level = CallLevel::default();
        let mut sets = Vec::new();
        for (i, rule) in rules.iter().enumerate() {
            let Some(c) = &rule.call else {
                continue;
            };
            level.rules.push((i, sets.len()));
            let mut infos: Vec<SetInfo> = c
                .sets
                .iter()
                .map(|s| SetInfo {
                    usage: SetUse::Every,
                    roles: s.roles.clone(),
                    needs_times: c.needs_times(),
                })
                .collect();
            let base = sets.len();
            for (set, usage) in set_uses(&c.check, &c.sets) {
                infos[set].usage = match usage {
                    SetUse::After { trigger, same, limit } => SetUse::After {
                        trigger: base + trigger,
                        same,
                        limit,
                    },
                    other => other,
                };
            }
            level.sets.extend(infos);
            sets.extend(c.sets.iter().cloned());
            level.needs_times |= c.needs_times();
            if let Check::Repetition { min_chars, .. } = c.check {
                level.sentence_chars = if level.sentence_roles.is_empty() {
                    min_chars
                } else {
                    level.sentence_chars.min(min_chars)
                };
            }
            let roles = match c.check {
                Check::SpeechRate { .. } => &mut level.chars_roles,
                Check::Repetition { .. } => &mut level.sentence_roles,
                _ => continue,
            };
            for role in &rule.roles {
                if !roles.contains(role) {
                    roles.push(*role);
                }
            }
        }
        (level, sets)
    }

    /// Whether there is anything to evaluate.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// Whether some rule needs times `call` does not have.
    pub fn skips_timing(&self, call: &Call) -> bool {
        self.needs_times && !call.script && !has_times(call)
    }

    /// Prepares `scan` for `call`: which set hits will matter where, and
    /// what to take from each utterance.
    pub fn start(&self, scan: &mut CallScan, call: &Call) {
        let n = call.utterances.len();
        let timed = has_times(call);
        // Characters per utterance only matter to speech rate, which needs times.
        let chars_roles = if timed { &self.chars_roles[..] } else { &[] };
        scan.reset(
            self.sets.len(),
            n,
            chars_roles,
            &self.sentence_roles,
            self.sentence_chars,
            timed,
        );
        for (r, role) in [Role::Agent, Role::Customer].into_iter().enumerate() {
            let mut count = 0;
            scan.upto[r].clear();
            scan.upto[r].extend(call.utterances.iter().map(|u| {
                count += u32::from(u.role == role);
                count
            }));
        }
        for info in &self.sets {
            let want = if info.needs_times && !timed {
                Want::Range(0, 0)
            } else {
                want(info, call, timed, scan)
            };
            scan.wants.push(want);
        }
        scan.same_triggers.clear();
        scan.same_triggers.resize(self.sets.len(), false);
        for want in &scan.wants {
            if let Want::After {
                trigger, same: true, ..
            } = *want
            {
                scan.same_triggers[trigger as usize] = true;
            }
        }
    }
}

/// Which utterances' hits of a set matter in one call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Want {
    /// Every utterance.
    All,
    /// Until the first hit.
    First,
    /// Utterances `lo..hi`, until the first hit.
    Range(u32, u32),
    /// Utterances marked in `CallScan::mask` from this offset.
    Mask(u32),
    /// Once global set `trigger` has a hit in an earlier utterance, or with
    /// `same`, a candidate in this one.
    After {
        /// Global set.
        trigger: u32,
        /// Whether the trigger's own utterance counts.
        same: bool,
        /// How far after the latest trigger.
        limit: Limit,
    },
}

fn want(info: &SetInfo, call: &Call, timed: bool, scan: &mut CallScan) -> Want {
    let u = &call.utterances;
    let of_role = || (0..u.len()).filter(|&i| info.roles.contains(&u[i].role));
    match info.usage {
        SetUse::Every => Want::All,
        SetUse::After { trigger, same, limit } => Want::After {
            trigger: trigger as u32,
            same,
            limit,
        },
        SetUse::First | SetUse::Window(Window::Call) => Want::First,
        SetUse::Window(Window::First(k)) => match of_role().take(k).last() {
            Some(last) => Want::Range(0, last as u32 + 1),
            None => Want::Range(0, 0),
        },
        SetUse::Window(Window::Last(k)) => match of_role().rev().take(k).last() {
            Some(first) => Want::Range(first as u32, u.len() as u32),
            None => Want::Range(0, 0),
        },
        SetUse::Window(_) => Want::All,
        SetUse::Excuse {
            max_seconds,
            lookback,
        } => {
            if !timed {
                return Want::Range(0, 0);
            }
            let offset = scan.mask.len();
            scan.mask.resize(offset + u.len(), false);
            let mut last_end = f64::NEG_INFINITY;
            for (i, utterance) in u.iter().enumerate() {
                let start = utterance.start.unwrap_or(0.0);
                if i > 0 && start - last_end > max_seconds {
                    for p in i.saturating_sub(lookback)..i {
                        scan.mask[offset + p] = true;
                    }
                }
                last_end = last_end.max(utterance.end.unwrap_or(0.0));
            }
            Want::Mask(offset as u32)
        }
    }
}
