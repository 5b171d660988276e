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

use crate::literals::{required_factors, Factors};
use crate::model::Role;
use crate::normalize::Normalized;
pub(crate) use load::locate_rule;
use load::{locate_value, parse_pack};
use regex::Regex;
use schema::{PackDef, RuleDef};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

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
    pub patterns: Vec<Pattern>,
    /// Built-in detector.
    pub detector: Option<Detector>,
    /// Token-boundary policy.
    pub boundary: Boundary,
    /// Negation window in characters (0: off).
    pub negation: usize,
    /// Exception phrases, normalised.
    pub exception_phrases: Vec<String>,
    /// Exception regexes.
    pub exception_patterns: Vec<Pattern>,
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
            .map(|(path, text, json)| PackSource {
                path: (*path).to_string(),
                text: (*text).to_string(),
                built_in: true,
                json: Some(json),
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
                        built_in: false,
                        json: None,
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
) -> Result<Vec<Pattern>, PackError> {
    patterns
        .iter()
        .map(|p| {
            if source.built_in {
                if let Some(pattern) = Pattern::built_in(p) {
                    return Ok(pattern);
                }
            }
            let error = |message: String| PackError::at(source, locate_value(source, &def.id, p), message);
            let hir = regex_syntax::Parser::new()
                .parse(p)
                .map_err(|e| error(format!("rule {}: regex does not compile: {e}", def.id)))?;
            if hir.properties().minimum_len() == Some(0) {
                return Err(error(format!(
                    "rule {}: regex {p:?} matches the empty string",
                    def.id
                )));
            }
            let pattern = Pattern::new(p, &hir);
            if !source.built_in {
                // Past the syntax, a regex can still fail (too big): find out now,
                // at its line in the user's pack, not in the middle of a run.
                let compiled = Regex::new(p)
                    .map_err(|e| error(format!("rule {}: regex does not compile: {e}", def.id)))?;
                let _ = pattern.0.regex.set(compiled);
            }
            Ok(pattern)
        })
        .collect()
}

/// A rule's regex over normalised text: checked when its pack loads,
/// compiled the first time an utterance needs it. Most runs need a handful
/// of the default packs' 400 regexes, and compiling them all took 40 ms of
/// every start-up. Clones share the compiled regex.
#[derive(Clone)]
pub struct Pattern(Arc<LazyRegex>);

struct LazyRegex {
    source: String,
    regex: OnceLock<Regex>,
    /// `^(?:source)$`, for the rare hit whose leftmost-first match ends
    /// inside a word where a longer alternative would not.
    whole: OnceLock<Regex>,
    can_match: bool,
    factors: Option<Factors>,
}

impl Pattern {
    fn new(source: &str, hir: &regex_syntax::hir::Hir) -> Pattern {
        Pattern(Arc::new(LazyRegex {
            source: source.to_string(),
            regex: OnceLock::new(),
            whole: OnceLock::new(),
            can_match: hir.properties().minimum_len().is_some(),
            factors: required_factors(hir, &crate::segment::word_frequency),
        }))
    }

    /// A regex of the default packs, analysed at build time.
    fn built_in(source: &str) -> Option<Pattern> {
        let table = embedded::BUILT_IN_PATTERNS;
        let at = table.binary_search_by_key(&source, |e| e.0).ok()?;
        let (_, can_match, factors) = table[at];
        let strings = |set: &[&str]| set.iter().map(|s| s.to_string()).collect();
        Some(Pattern(Arc::new(LazyRegex {
            source: source.to_string(),
            regex: OnceLock::new(),
            whole: OnceLock::new(),
            can_match,
            factors: factors.map(|(indexed, checked)| Factors {
                indexed: strings(indexed),
                checked: checked.iter().map(|set| strings(set)).collect(),
            }),
        })))
    }

    /// A regex made of parts already checked, such as escaped phrases and
    /// patterns of the same pack: compiled now for a user's pack, whose
    /// regex can still be too big, and on first use for a built-in one.
    pub(crate) fn assembled(source: String, built_in: bool) -> Result<Pattern, regex::Error> {
        let regex = OnceLock::new();
        if !built_in {
            let _ = regex.set(Regex::new(&source)?);
        }
        Ok(Pattern(Arc::new(LazyRegex {
            source,
            regex,
            whole: OnceLock::new(),
            can_match: true,
            factors: None,
        })))
    }

    /// Whether the regex matches anything at all (`[^\s\S]` does not).
    pub fn can_match(&self) -> bool {
        self.0.can_match
    }

    /// What an utterance must contain for the regex to match there.
    pub fn factors(&self) -> Option<&Factors> {
        self.0.factors.as_ref()
    }

    /// The regex as written in the pack.
    pub fn as_str(&self) -> &str {
        &self.0.source
    }

    /// The compiled regex.
    pub fn regex(&self) -> &Regex {
        self.0.regex.get_or_init(|| {
            Regex::new(&self.0.source).expect("built-in regexes compile (tested); others compiled at load")
        })
    }

    /// Whether the regex matches all of `text`, start to end.
    pub fn matches_whole(&self, text: &str) -> bool {
        let whole = self.0.whole.get_or_init(|| {
            Regex::new(&format!("^(?:{})$", self.0.source)).expect("a regex that compiles compiles anchored")
        });
        whole.is_match(text)
    }
}

impl std::fmt::Debug for Pattern {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Pattern").field(&self.0.source).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A regex without a required literal the phrase index can trigger it
    /// on runs in a `RegexSet` over every utterance of its roles: one such
    /// pattern cost 3% of a dump's instructions. Write it as phrases, or give
    /// it a word of two characters that every match contains.
    #[test]
    fn every_default_regex_has_literals_to_trigger_it() {
        let untriggered: Vec<&str> = (embedded::BUILT_IN_PATTERNS.iter())
            .filter(|(_, can_match, factors)| *can_match && factors.is_none())
            .map(|(source, _, _)| *source)
            .collect();
        assert!(untriggered.is_empty(), "{untriggered:?}");
    }

    /// Default packs are read from the JSON build.rs made of them.
    #[test]
    fn each_default_pack_reads_the_same_from_its_json_as_from_its_yaml() {
        for source in RuleSet::default_sources() {
            // YAML reads a bare 12378 as a string where the schema wants one;
            // its JSON form is a number, which serde_json will not take.
            let json: PackDef = serde_json::from_str(source.json.unwrap())
                .unwrap_or_else(|e| panic!("{}: {e} (quote the value in the YAML)", source.path));
            let yaml: PackDef = serde_yaml::from_str(&source.text).unwrap();
            assert_eq!(format!("{json:?}"), format!("{yaml:?}"), "{}", source.path);
            assert!(!json.rules.is_empty(), "{}", source.path);
        }
    }

    /// Built-in regexes compile lazily, trusting this test.
    #[test]
    fn every_built_in_regex_compiles() {
        let mut sources = RuleSet::default_sources();
        sources.push(crate::suppress::builtin_pack());
        let rules = RuleSet::compile(&sources).unwrap().rules;
        let (_, sets) = crate::calllevel::CallLevel::new(&rules);
        let mut compiled = 0;
        for rule in rules.iter().chain(&sets) {
            for pattern in rule.patterns.iter().chain(&rule.exception_patterns) {
                Regex::new(pattern.as_str()).unwrap_or_else(|e| panic!("{}: {e}", rule.id));
                compiled += 1;
            }
        }
        assert!(compiled > 400, "{compiled}");
    }

    #[test]
    fn the_build_time_analysis_of_built_in_regexes_is_current() {
        assert!(embedded::BUILT_IN_PATTERNS.len() > 400);
        for &(source, _, _) in embedded::BUILT_IN_PATTERNS {
            let table = Pattern::built_in(source).unwrap();
            let now = Pattern::new(source, &regex_syntax::Parser::new().parse(source).unwrap());
            assert_eq!(table.can_match(), now.can_match(), "{source}");
            assert_eq!(table.factors(), now.factors(), "{source}");
        }
    }

    #[test]
    fn a_user_regex_that_is_too_big_fails_at_load() {
        let source = PackSource {
            path: "mine.yaml".into(),
            text: "pack: mine\ntitle: mine\nrules:\n  - id: M-1\n    title: t\n    severity: warning\n    roles: [agent]\n    patterns: ['(\\w{100}){100}']\n    message: m\n".into(),
            built_in: false,
            json: None,
        };
        let err = RuleSet::compile(&[source]).unwrap_err();
        assert!(err.to_string().contains("regex does not compile"), "{err}");
    }
}
