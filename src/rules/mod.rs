//! Rule packs: loading the YAML, checking it, and the compiled rules the
//! engine runs.
//!
//! A rule is declared once, in YAML, and that one declaration feeds matching,
//! `callint explain`, `callint rules`, `test-rules` and the docs — the same way
//! ruff derives everything from a rule's definition.

pub mod docs;
mod load;
pub mod schema;

pub use load::{PackError, PackSource};
pub use schema::{Boundary, Detector, ExceptionScope, Severity};

use crate::model::Role;
use crate::normalize::Normalized;
pub(crate) use load::locate_rule;
use load::{locate_value, parse_pack};
use regex::Regex;
use schema::{PackDef, RuleDef};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/packs.rs"));
}

/// The jieba user dictionary compiled into the binary (`rules/userdict.txt`).
pub fn user_dictionary() -> &'static str {
    embedded::USER_DICT
}

/// A pack as loaded, for listing and `explain`.
#[derive(Debug, Clone)]
pub struct PackInfo {
    /// Pack name.
    pub name: String,
    /// Title.
    pub title: String,
    /// Description.
    pub description: Option<String>,
    /// File it came from.
    pub path: String,
}

/// A rule ready to run.
#[derive(Debug, Clone)]
pub struct Rule {
    /// Stable id.
    pub id: String,
    /// Pack name.
    pub pack: String,
    /// Short name.
    pub title: String,
    /// Severity.
    pub severity: Severity,
    /// Speakers it applies to.
    pub roles: Vec<Role>,
    /// Labels such as the consumer right.
    pub tags: Vec<String>,
    /// Phrases, normalised.
    pub phrases: Vec<String>,
    /// Regexes over normalised text.
    pub patterns: Vec<Regex>,
    /// Built-in detector.
    pub detector: Option<Detector>,
    /// Token-boundary policy.
    pub boundary: Boundary,
    /// Negation window in characters (0: off).
    pub negation: usize,
    /// Exception phrases, normalised.
    pub exception_phrases: Vec<String>,
    /// Exception regexes.
    pub exception_patterns: Vec<Regex>,
    /// Where exceptions count.
    pub exception_scope: ExceptionScope,
    /// Finding message.
    pub message: String,
    /// Recommended wording.
    pub help: Option<String>,
    /// Why it matters.
    pub why: Option<String>,
    /// Sources.
    pub references: Vec<String>,
    /// Utterances that must fire.
    pub fire_examples: Vec<String>,
    /// Utterances that must not.
    pub pass_examples: Vec<String>,
    /// Mini-calls that must fire.
    pub fire_calls: Vec<crate::model::Call>,
    /// Mini-calls that must not.
    pub pass_calls: Vec<crate::model::Call>,
    /// The call-level check, for call-level rules.
    pub call: Option<Box<crate::calllevel::CallRule>>,
}

impl Rule {
    /// Whether the rule looks at what `role` says.
    pub fn applies_to(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }
}

/// Every loaded pack and rule, in load order.
#[derive(Debug, Clone, Default)]
pub struct RuleSet {
    /// Packs.
    pub packs: Vec<PackInfo>,
    /// Rules.
    pub rules: Vec<Rule>,
}

impl RuleSet {
    /// The packs compiled into the binary.
    pub fn default_sources() -> Vec<PackSource> {
        embedded::DEFAULT_PACKS
            .iter()
            .map(|(path, text)| PackSource {
                path: (*path).to_string(),
                text: (*text).to_string(),
            })
            .collect()
    }

    /// Reads pack files: a file, or every `*.yaml` / `*.yml` in a folder.
    pub fn read_sources(path: &Path) -> Result<Vec<PackSource>, PackError> {
        let display = path.display().to_string();
        let files = if path.is_dir() {
            let mut files: Vec<PathBuf> = std::fs::read_dir(path)
                .map_err(|e| PackError::unreadable(&display, &e))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml")))
                .collect();
            files.sort();
            files
        } else {
            vec![path.to_path_buf()]
        };
        files
            .into_iter()
            .map(|file| {
                let shown = file.display().to_string();
                std::fs::read_to_string(&file)
                    .map(|text| PackSource {
                        path: shown.clone(),
                        text,
                    })
                    .map_err(|e| PackError::unreadable(&shown, &e))
            })
            .collect()
    }

    /// Parses and compiles packs; the first problem is returned as a diagnostic.
    pub fn compile(sources: &[PackSource]) -> Result<RuleSet, PackError> {
        let mut set = RuleSet::default();
        let mut seen: HashMap<String, String> = HashMap::new();
        for source in sources {
            let def = parse_pack(source)?;
            for rule in &def.rules {
                if let Some(first) = seen.insert(rule.id.clone(), source.path.clone()) {
                    return Err(PackError::at(
                        source,
                        locate_rule(source, &rule.id),
                        format!("duplicate rule id {} (first defined in {first})", rule.id),
                    ));
                }
                set.rules.push(compile_rule(source, &def, rule)?);
            }
            set.packs.push(PackInfo {
                name: def.pack,
                title: def.title,
                description: def.description,
                path: source.path.clone(),
            });
        }
        Ok(set)
    }

    /// Keeps the rules matched by `select` (all when empty) and not by `ignore`.
    ///
    /// A selector is a pack name, a rule id or an id prefix, case-insensitive.
    /// A selector that matches no rule is an error: it is almost always a typo.
    pub fn select(&mut self, select: &[String], ignore: &[String]) -> Result<(), String> {
        for selector in select.iter().chain(ignore) {
            if !self.rules.iter().any(|r| selects(selector, r)) {
                return Err(format!("`{selector}` matches no rule id, id prefix or pack"));
            }
        }
        self.rules.retain(|rule| {
            (select.is_empty() || select.iter().any(|s| selects(s, rule)))
                && !ignore.iter().any(|s| selects(s, rule))
        });
        Ok(())
    }

    /// Looks a rule up by id, case-insensitive.
    pub fn get(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.id.eq_ignore_ascii_case(id))
    }
}

fn selects(selector: &str, rule: &Rule) -> bool {
    let s = selector.to_ascii_uppercase();
    rule.pack.eq_ignore_ascii_case(selector) || rule.id.starts_with(&s)
}

fn valid_id(id: &str) -> bool {
    let mut parts = id.split('-');
    let head = parts.next().unwrap_or_default();
    head.starts_with(|c: char| c.is_ascii_uppercase())
        && head.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        && parts.clone().next().is_some()
        && parts.all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()))
}

fn compile_rule(source: &PackSource, pack: &PackDef, def: &RuleDef) -> Result<Rule, PackError> {
    let at_rule = || locate_rule(source, &def.id);
    if !valid_id(&def.id) {
        return Err(
            PackError::at(source, at_rule(), format!("invalid rule id `{}`", def.id))
                .with_help("ids look like SVC-001: upper-case letters, a dash, then letters or digits"),
        );
    }
    let roles = def.roles.clone().unwrap_or_else(|| vec![Role::Agent]);
    let call = crate::calllevel::compile(source, &pack.pack, def, &roles)?;
    if call.is_none() && def.phrases.is_empty() && def.patterns.is_empty() && def.detector.is_none() {
        return Err(PackError::at(
            source,
            at_rule(),
            format!("rule {} has no phrases, patterns or detector", def.id),
        ));
    }
    Ok(Rule {
        id: def.id.clone(),
        pack: pack.pack.clone(),
        title: def.title.clone(),
        severity: def.severity,
        roles,
        tags: def.tags.clone(),
        phrases: normalise_phrases(source, def, &def.phrases)?,
        patterns: compile_patterns(source, def, &def.patterns)?,
        detector: def.detector,
        boundary: def.boundary,
        negation: def.negation,
        exception_phrases: normalise_phrases(source, def, &def.exceptions.phrases)?,
        exception_patterns: compile_patterns(source, def, &def.exceptions.patterns)?,
        exception_scope: def.exceptions.scope,
        message: def.message.clone(),
        help: def.help.clone(),
        why: def.why.clone(),
        references: def.references.clone(),
        fire_examples: def.examples.fire.clone(),
        pass_examples: def.examples.pass.clone(),
        fire_calls: example_calls(&def.id, "fire", &def.examples.fire_calls),
        pass_calls: example_calls(&def.id, "pass", &def.examples.pass_calls),
        call: call.map(Box::new),
    })
}

fn example_calls(
    id: &str,
    kind: &str,
    calls: &[Vec<crate::calllevel::UtteranceDef>],
) -> Vec<crate::model::Call> {
    calls
        .iter()
        .enumerate()
        .map(|(i, c)| crate::calllevel::example_call(format!("{id} {kind}_calls[{i}]"), c))
        .collect()
}

pub(crate) fn normalise_phrases(
    source: &PackSource,
    def: &RuleDef,
    phrases: &[String],
) -> Result<Vec<String>, PackError> {
    phrases
        .iter()
        .map(|p| {
            let n = Normalized::new(p).text().to_string();
            if n.is_empty() {
                Err(PackError::at(
                    source,
                    locate_value(source, &def.id, p),
                    format!("rule {}: phrase {p:?} is empty after normalisation", def.id),
                ))
            } else {
                Ok(n)
            }
        })
        .collect()
}

pub(crate) fn compile_patterns(
    source: &PackSource,
    def: &RuleDef,
    patterns: &[String],
) -> Result<Vec<Regex>, PackError> {
    patterns
        .iter()
        .map(|p| {
            let regex = Regex::new(p).map_err(|e| {
                PackError::at(
                    source,
                    locate_value(source, &def.id, p),
                    format!("rule {}: regex does not compile: {e}", def.id),
                )
            })?;
            if regex.is_match("") {
                return Err(PackError::at(
                    source,
                    locate_value(source, &def.id, p),
                    format!("rule {}: regex {p:?} matches the empty string", def.id),
                ));
            }
            Ok(regex)
        })
        .collect()
}
