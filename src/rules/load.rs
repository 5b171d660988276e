//! Reading pack files and pointing at the exact YAML line when one is wrong.
//!
//! serde_yaml reports where a syntax or type error is; for problems found after
//! parsing (a regex that does not compile, a duplicate id) we search the source
//! for the offending value, so the diagnostic still lands on the right line.

use super::schema::PackDef;
use miette::{Diagnostic, NamedSource, SourceSpan};
use thiserror::Error;

/// The text of one pack and where it came from.
#[derive(Debug, Clone)]
pub struct PackSource {
    /// Display path (`rules/service.yaml` for compiled-in packs).
    pub path: String,
    /// YAML text.
    pub text: String,
    /// Compiled into the binary (default packs, callint's own rules): its
    /// regexes are compiled by the test suite, so they can wait until they
    /// are first needed instead of costing every start-up.
    pub built_in: bool,
    /// The same pack as JSON, converted by build.rs for the default packs:
    /// serde_yaml took most of a script check's start-up, serde_json takes
    /// a tenth of that.
    pub json: Option<&'static str>,
}

/// A pack that cannot be used, with the YAML location of the problem.
#[derive(Debug, Error, Diagnostic)]
#[error("{path}: {message}")]
#[diagnostic(code(callint::pack))]
pub struct PackError {
    path: String,
    message: String,
    #[source_code]
    src: NamedSource<String>,
    #[label("{label}")]
    span: Option<SourceSpan>,
    label: String,
    #[help]
    help: Option<String>,
}

impl PackError {
    /// An error at `span` of `source`.
    pub fn at(source: &PackSource, span: Option<SourceSpan>, message: String) -> Self {
        PackError {
            path: source.path.clone(),
            label: "here".into(),
            message,
            src: NamedSource::new(&source.path, source.text.clone()),
            span,
            help: None,
        }
    }

    /// Adds a hint on how to fix it.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// An error about a file that could not be read at all.
    pub fn unreadable(path: &str, reason: &std::io::Error) -> Self {
        PackError::at(
            &PackSource {
                path: path.into(),
                text: String::new(),
                built_in: false,
                json: None,
            },
            None,
            format!("cannot read rule pack: {reason}"),
        )
    }
}

/// Parses one pack file.
pub fn parse_pack(source: &PackSource) -> Result<PackDef, PackError> {
    if let Some(def) = source.json.and_then(|json| serde_json::from_str(json).ok()) {
        return Ok(def);
    }
    // A pack the JSON does not fit goes through YAML for its error location.
    serde_yaml::from_str(&source.text).map_err(|err| {
        let span = err
            .location()
            .map(|loc| SourceSpan::from((loc.index().min(source.text.len()), 1)));
        let message = strip_location(&err.to_string());
        PackError::at(source, span, message)
            .with_help("the pack schema is documented in docs/rules-schema.md")
    })
}

/// serde_yaml appends "at line L column C"; the diagnostic shows that already.
fn strip_location(message: &str) -> String {
    match message.find(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

/// The span of rule `id`'s `id:` line, searched from the start of the file.
pub fn locate_rule(source: &PackSource, id: &str) -> Option<SourceSpan> {
    source
        .text
        .match_indices(id)
        .find(|(at, _)| {
            let line_start = source.text[..*at].rfind('\n').map_or(0, |i| i + 1);
            source.text[line_start..*at].contains("id:")
        })
        .map(|(at, _)| SourceSpan::from((at, id.len())))
}

/// The span of `value` at or after the rule `id`, falling back to the rule.
pub fn locate_value(source: &PackSource, id: &str, value: &str) -> Option<SourceSpan> {
    let rule = locate_rule(source, id);
    let from = rule.map_or(0, |s| s.offset());
    source.text[from..]
        .find(value)
        .map(|i| SourceSpan::from((from + i, value.len())))
        .or(rule)
}
