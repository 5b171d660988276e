//! `.callint.yaml`: a project's settings, found from the working directory
//! upwards (or named with `--config`).
//!
//! ```yaml
//! packs: [service, order9]        # default packs to enable (default: all)
//! default-rules: true             # false: only the packs under `rules`
//! rules: [qa/rules/]              # extra pack files or folders (relative to this file)
//! select: [SVC, O9]               # ids, id prefixes or pack names
//! ignore: [SVC-010]
//! severity: {SVC-001: error}      # per-rule severity overrides
//! parameters:                     # per-rule matching parameters
//!   SVC-004: {negation: 4, boundary: none}
//! fail-on: warning                # default for --fail-on
//! exclude: ["archive/**"]         # paths never linted (globs, relative to this file)
//! per-path-ignores:               # rules switched off for some paths
//!   "training/**": [SVC]
//! roles: {理赔专员: agent, 被保险人: customer}   # extra role spellings
//! fields:                         # vendor transcript JSON whose keys differ from ours
//!   utterances: Sentences
//!   text: Text
//!   role: ChannelId
//!   role-values: {"0": agent, "1": customer}
//!   start: BeginTime
//!   end: EndTime
//!   time-unit: ms
//!   call-id: TaskId
//! catalog:                        # .yaml/.json script catalogs and .csv files
//!   text: "scripts[].text"
//!   id: "scripts[].id"
//!   csv-text: 话术
//!   csv-id: 编号
//! encoding: gbk                   # default --encoding
//! ```
//!
//! Unknown keys are errors pointing at the YAML line, as in rule packs: a
//! misspelt `ignroe:` must never silently switch nothing off.

use crate::model::Role;
use crate::rules::Severity;
use miette::{Diagnostic, NamedSource, SourceSpan};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::path::{Component, Path, PathBuf};
use std::sync::OnceLock;
use thiserror::Error;

/// File names looked for, in order, in each folder from the working directory up.
pub const FILE_NAMES: [&str; 2] = [".callint.yaml", ".callint.yml"];

/// The settings a config file may hold. Every field is optional.
#[derive(Debug, Default, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ConfigFile {
    /// Default packs to enable, by name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub packs: Option<Vec<String>>,
    /// Whether to load the packs compiled into callint.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_rules: Option<bool>,
    /// Extra pack files or folders.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rules: Option<Vec<PathBuf>>,
    /// Rules to run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub select: Option<Vec<String>>,
    /// Rules to skip.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ignore: Option<Vec<String>>,
    /// Severity overrides by rule id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub severity: Option<BTreeMap<String, Severity>>,
    /// Matching parameters by rule id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parameters: Option<BTreeMap<String, RuleParameters>>,
    /// Default `--fail-on`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fail_on: Option<Severity>,
    /// Globs of paths never linted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exclude: Option<Vec<String>>,
    /// Rules switched off for paths matching a glob.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub per_path_ignores: Option<BTreeMap<String, Vec<String>>>,
    /// Extra role spellings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub roles: Option<BTreeMap<String, Role>>,
    /// Field mapping for vendor transcript JSON.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fields: Option<FieldMap>,
    /// Where the text is in script catalogs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub catalog: Option<CatalogConfig>,
    /// Default `--encoding`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encoding: Option<String>,
}

/// The matching parameters of a phrase rule a project may change.
#[derive(Debug, Default, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RuleParameters {
    /// Negation window in characters (0: off).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub negation: Option<usize>,
    /// `token` or `none`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub boundary: Option<crate::rules::Boundary>,
}

/// Units of utterance times in mapped JSON.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum TimeUnit {
    /// Seconds.
    S,
    /// Milliseconds.
    Ms,
}

/// Where a vendor's transcript JSON keeps what we call `utterances`, `text`, ….
///
/// Each value is a key, or a dotted path (`result.sentences`); `text` may also
/// be written `Sentences[].Text`, which sets `utterances` too.
#[derive(Debug, Default, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct FieldMap {
    /// The array of utterances.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub utterances: Option<String>,
    /// An utterance's text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// An utterance's speaker.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// Speaker values and the role each means (`"0": agent`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role_values: Option<BTreeMap<String, Role>>,
    /// Start time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start: Option<String>,
    /// End time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end: Option<String>,
    /// Unit of the times; unset, each call's speech rate tells seconds
    /// from milliseconds ([`crate::model::Call::rescale_millisecond_times`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_unit: Option<TimeUnit>,
    /// The call's id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub call_id: Option<String>,
    /// The agent's id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
}

/// Where the script text is in `.yaml` / `.json` catalogs and `.csv` files.
#[derive(Debug, Default, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct CatalogConfig {
    /// Path to the text fields, e.g. `scripts[].text` (default: `scripts[].text`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Path to each entry's id, e.g. `scripts[].id` (default: `scripts[].id`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// CSV column with the text: a header name or a 1-based number (default: `text`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub csv_text: Option<String>,
    /// CSV column with the entry id (default: `id`, when present).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub csv_id: Option<String>,
}

/// A config file that cannot be used, with the YAML location of the problem.
#[derive(Debug, Error, Diagnostic)]
#[error("{path}: {message}")]
#[diagnostic(
    code(callint::config),
    help("the settings are documented in the README, section \"Configuration\"")
)]
pub struct ConfigError {
    path: String,
    message: String,
    #[source_code]
    src: NamedSource<String>,
    #[label("here")]
    span: Option<SourceSpan>,
}

impl ConfigError {
    fn new(path: &Path, text: &str, span: Option<SourceSpan>, message: String) -> Self {
        let shown = path.display().to_string();
        ConfigError {
            path: shown.clone(),
            message,
            src: NamedSource::new(shown, text.to_string()),
            span,
        }
    }
}

/// The settings in force and where they came from.
#[derive(Debug, Default, Clone)]
pub struct Config {
    /// The file read, if any.
    pub path: Option<PathBuf>,
    /// Folder that relative paths in the file are relative to.
    pub dir: PathBuf,
    /// The settings.
    pub file: ConfigFile,
    /// The file's text, for diagnostics.
    pub text: String,
}

impl Config {
    /// Finds and reads the config: `explicit`, else the first `.callint.yaml`
    /// from the working directory up; none with `isolated`.
    pub fn load(explicit: Option<&Path>, isolated: bool) -> Result<Config, Box<ConfigError>> {
        let cwd = std::env::current_dir().unwrap_or_default();
        let path = match explicit {
            Some(p) => Some(p.to_path_buf()),
            None if isolated => None,
            None => discover(&cwd),
        };
        let Some(path) = path else {
            return Ok(Config {
                path: None,
                dir: cwd,
                file: ConfigFile::default(),
                text: String::new(),
            });
        };
        let text = std::fs::read_to_string(&path).map_err(|e| {
            Box::new(ConfigError::new(
                &path,
                "",
                None,
                format!("cannot read config: {e}"),
            ))
        })?;
        let file = parse(&path, &text)?;
        let dir = absolute(&cwd, path.parent().unwrap_or(Path::new(".")));
        Ok(Config {
            path: Some(path),
            dir,
            file,
            text,
        })
    }

    /// `path` of the file resolved against the config's folder.
    pub fn resolve(&self, path: &Path) -> PathBuf {
        if path.is_absolute() || self.path.is_none() {
            path.to_path_buf()
        } else {
            self.dir.join(path)
        }
    }

    /// An error about `value` in this config file (pointing at it when found).
    pub fn error_at(&self, value: &str, message: String) -> Box<ConfigError> {
        let path = self.path.clone().unwrap_or_default();
        let span = self.text.find(value).map(|i| SourceSpan::from((i, value.len())));
        Box::new(ConfigError::new(&path, &self.text, span, message))
    }

    /// Where a setting came from, for `callint config`.
    pub fn origin(&self, set: bool) -> String {
        match (&self.path, set) {
            (Some(p), true) => p.display().to_string(),
            _ => "default".into(),
        }
    }

    /// Makes role aliases and the field mapping visible to the readers.
    pub fn install(&self) {
        if let Some(roles) = &self.file.roles {
            let map = roles.iter().map(|(k, v)| (k.trim().to_lowercase(), *v)).collect();
            let _ = ROLE_ALIASES.set(map);
        }
        if let Some(fields) = &self.file.fields {
            let _ = FIELD_MAP.set(fields.clone());
        }
        if let Some(catalog) = &self.file.catalog {
            let _ = CATALOG.set(catalog.clone());
        }
    }

    /// The path of `file` (as given on the command line) relative to the
    /// config's folder, with `/` separators, for glob matching.
    pub fn relative(&self, file: &str) -> String {
        let cwd = std::env::current_dir().unwrap_or_default();
        let abs = absolute(&cwd, Path::new(file));
        let rel = abs.strip_prefix(&self.dir).unwrap_or(&abs);
        rel.components()
            .filter_map(|c| match c {
                Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
                _ => None,
            })
            .collect::<Vec<_>>()
            .join("/")
    }

    /// Whether `file` matches one of the `exclude` globs.
    pub fn excluded(&self, file: &str) -> bool {
        let globs = self.file.exclude.as_deref().unwrap_or_default();
        !globs.is_empty() && {
            let rel = self.relative(file);
            globs.iter().any(|g| glob_matches(g, &rel))
        }
    }

    /// The rule selectors switched off for `file` by `per-path-ignores`.
    pub fn path_ignores(&self, file: &str) -> Vec<String> {
        let Some(map) = &self.file.per_path_ignores else {
            return Vec::new();
        };
        let rel = self.relative(file);
        map.iter()
            .filter(|(glob, _)| glob_matches(glob, &rel))
            .flat_map(|(_, codes)| codes.iter().cloned())
            .collect()
    }
}

static ROLE_ALIASES: OnceLock<HashMap<String, Role>> = OnceLock::new();
static FIELD_MAP: OnceLock<FieldMap> = OnceLock::new();
static CATALOG: OnceLock<CatalogConfig> = OnceLock::new();

/// A role spelling from the config's `roles`.
pub fn role_alias(spelling: &str) -> Option<Role> {
    ROLE_ALIASES.get()?.get(&spelling.trim().to_lowercase()).copied()
}

/// The config's field mapping, when it has one.
pub fn field_map() -> Option<&'static FieldMap> {
    FIELD_MAP.get()
}

/// Whether the config has a `catalog` section (folders are then searched for
/// `.yaml`, `.yml` and `.csv` catalogs too).
pub fn catalog_configured() -> bool {
    CATALOG.get().is_some()
}

/// The config's catalog settings, defaults filled in.
pub fn catalog() -> CatalogConfig {
    catalog_with_defaults(CATALOG.get())
}

/// `catalog` with every unset field at its default.
pub fn catalog_with_defaults(catalog: Option<&CatalogConfig>) -> CatalogConfig {
    let c = catalog.cloned().unwrap_or_default();
    CatalogConfig {
        text: c.text.or_else(|| Some("scripts[].text".into())),
        id: c.id.or_else(|| Some("scripts[].id".into())),
        csv_text: c.csv_text.or_else(|| Some("text".into())),
        csv_id: c.csv_id.or_else(|| Some("id".into())),
    }
}

fn discover(start: &Path) -> Option<PathBuf> {
    let mut dir = Some(start);
    while let Some(d) = dir {
        for name in FILE_NAMES {
            let candidate = d.join(name);
            if candidate.is_file() {
                return Some(candidate);
            }
        }
        dir = d.parent();
    }
    None
}

fn absolute(cwd: &Path, path: &Path) -> PathBuf {
    let joined = if path.is_absolute() {
        path.to_path_buf()
    } else {
        cwd.join(path)
    };
    let mut out = PathBuf::new();
    for c in joined.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// Parses a config file's text.
pub fn parse(path: &Path, text: &str) -> Result<ConfigFile, Box<ConfigError>> {
    if text.trim().is_empty() {
        return Ok(ConfigFile::default());
    }
    let file: ConfigFile = serde_yaml::from_str(text).map_err(|err| {
        let span = err
            .location()
            .map(|loc| SourceSpan::from((loc.index().min(text.len()), 1)));
        let message = err.to_string();
        let message = match message.find(" at line ") {
            Some(i) => message[..i].to_string(),
            None => message,
        };
        Box::new(ConfigError::new(path, text, span, message))
    })?;
    for (key, codes) in file.per_path_ignores.iter().flatten() {
        if codes.is_empty() {
            let span = text.find(key.as_str()).map(|i| SourceSpan::from((i, key.len())));
            return Err(Box::new(ConfigError::new(
                path,
                text,
                span,
                format!("per-path-ignores: `{key}` lists no rules"),
            )));
        }
    }
    Ok(file)
}

/// Matches a gitignore-style glob against a `/`-separated relative path.
///
/// `*` and `?` stay within a path segment, `**` spans segments, and a glob
/// without `/` matches the file name at any depth (`*.md`). A glob naming a
/// folder matches everything under it.
pub fn glob_matches(glob: &str, path: &str) -> bool {
    let glob = glob.trim_start_matches("./");
    let glob = glob.strip_suffix('/').unwrap_or(glob);
    if !glob.contains('/') {
        return path
            .split('/')
            .any(|seg| segment_matches(glob.as_bytes(), seg.as_bytes()));
    }
    let g: Vec<&str> = glob.split('/').collect();
    let p: Vec<&str> = path.split('/').collect();
    segments_match(&g, &p)
}

fn segments_match(g: &[&str], p: &[&str]) -> bool {
    match g.split_first() {
        // A glob that ran out with path left over named a folder of it.
        None => true,
        Some((&"**", rest)) => (0..=p.len()).any(|i| segments_match(rest, &p[i..])),
        Some((first, rest)) => match p.split_first() {
            Some((seg, p_rest)) => {
                segment_matches(first.as_bytes(), seg.as_bytes()) && segments_match(rest, p_rest)
            }
            None => false,
        },
    }
}

fn segment_matches(g: &[u8], s: &[u8]) -> bool {
    match g.split_first() {
        None => s.is_empty(),
        Some((b'*', rest)) => (0..=s.len()).any(|i| segment_matches(rest, &s[i..])),
        Some((b'?', rest)) => {
            // One character, which may be several bytes.
            let len = std::str::from_utf8(s)
                .ok()
                .and_then(|t| t.chars().next())
                .map_or(1, char::len_utf8);
            !s.is_empty() && segment_matches(rest, &s[len.min(s.len())..])
        }
        Some((c, rest)) => s.first() == Some(c) && segment_matches(rest, &s[1..]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob_matches("*.md", "scripts/a.md"));
        assert!(glob_matches("archive/**", "archive/2024/a.txt"));
        assert!(glob_matches("archive", "archive/a.txt"));
        assert!(glob_matches("scripts/*/培训?.md", "scripts/x/培训一.md"));
        assert!(!glob_matches("scripts/*.md", "scripts/x/a.md"));
        assert!(glob_matches("scripts/**/*.md", "scripts/a.md"));
        assert!(glob_matches("**/legacy/*", "a/b/legacy/c.txt"));
        assert!(!glob_matches("legacy/*", "a/legacy/c.txt"));
    }

    #[test]
    fn unknown_keys_are_errors_with_a_location() {
        let text = "select: [SVC]\nignroe: [SVC-001]\n";
        let err = parse(Path::new("x.yaml"), text).unwrap_err();
        assert!(err.message.contains("unknown field `ignroe`"), "{}", err.message);
        assert_eq!(err.span.unwrap().offset(), text.find("ignroe").unwrap());
        let fields = "fields:\n  utterances: Sentences\n  txt: Text\n";
        let err = parse(Path::new("x.yaml"), fields).unwrap_err();
        assert!(err.message.contains("unknown field `txt`"), "{}", err.message);
    }

    #[test]
    fn role_values_may_be_numbers() {
        let f = parse(
            Path::new("x.yaml"),
            "fields:\n  role: ChannelId\n  role-values: {0: agent, 1: customer}\n",
        )
        .unwrap();
        assert_eq!(
            f.fields.unwrap().role_values.unwrap().get("1"),
            Some(&Role::Customer)
        );
    }
}
