//! Script catalogs: `.yaml` / `.json` files listing script entries, and `.csv`
//! files with a text column.
//!
//! Each entry becomes one call (a script, so call-level rules do not apply)
//! named by the entry's id, with one agent utterance per line of its text.
//! Where the text is comes from `.callint.yaml`:
//!
//! ```yaml
//! catalog:
//!   text: "scripts[].text"    # default; `[]` walks an array, `.` a key
//!   id: "scripts[].id"        # default
//!   csv-text: 话术            # CSV: header name or 1-based column number (default `text`)
//!   csv-id: 编号              # default `id` (row number when there is no such column)
//! ```
//!
//! Line and column are exact for the text as written in the file: the reader
//! finds each line of each text in the source, in order. Text that is written
//! with escapes (`"\u4f60"`, YAML folded scalars) cannot be found verbatim; its
//! findings carry the entry id but no line.

use super::Record;
use crate::config::CatalogConfig;
use crate::model::{Call, Role, Utterance};
use serde_json::Value;

/// A line of script text without a trailing `# callint:` comment.
fn strip_comment(line: &str) -> &str {
    crate::suppress::directive_start(line)
        .map_or(line, |at| &line[..at])
        .trim()
}

/// One step of a catalog path.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    Key(String),
    Each,
}

fn parse_path(path: &str) -> Vec<Step> {
    let mut steps = Vec::new();
    for part in path.split('.').filter(|p| !p.is_empty()) {
        let mut part = part;
        let mut each = 0;
        while let Some(p) = part.strip_suffix("[]") {
            part = p;
            each += 1;
        }
        if !part.is_empty() {
            steps.push(Step::Key(part.to_string()));
        }
        steps.extend(std::iter::repeat_n(Step::Each, each));
    }
    steps
}

/// `(entry, text)` pairs: the entry is the value at the last `[]` before the text field.
fn entries<'v>(value: &'v Value, steps: &[Step], entry: &'v Value, out: &mut Vec<(&'v Value, &'v Value)>) {
    match steps.split_first() {
        None => out.push((entry, value)),
        Some((Step::Key(k), rest)) => {
            if let Some(v) = value.get(k) {
                entries(v, rest, entry, out);
            }
        }
        Some((Step::Each, rest)) => {
            if let Some(items) = value.as_array() {
                for item in items {
                    entries(item, rest, item, out);
                }
            }
        }
    }
}

/// The id path relative to an entry: what follows the last `[]`.
fn id_field(id_path: &str) -> Vec<Step> {
    let steps = parse_path(id_path);
    let last_each = steps.iter().rposition(|s| *s == Step::Each);
    steps[last_each.map_or(0, |i| i + 1)..].to_vec()
}

fn lookup<'v>(value: &'v Value, steps: &[Step]) -> Option<&'v Value> {
    steps.iter().try_fold(value, |v, step| match step {
        Step::Key(k) => v.get(k),
        Step::Each => None,
    })
}

fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Finds lines of text in the source, in order, for line and column.
struct Locator<'s> {
    lines: Vec<&'s str>,
    line: usize,
    byte: usize,
}

impl<'s> Locator<'s> {
    fn new(source: &'s str) -> Self {
        Locator {
            lines: source.lines().collect(),
            line: 0,
            byte: 0,
        }
    }

    /// 1-based line and character column of the next occurrence of `needle`.
    fn find(&mut self, needle: &str) -> Option<(usize, usize)> {
        for l in self.line..self.lines.len() {
            let text = self.lines[l];
            let from = if l == self.line {
                self.byte.min(text.len())
            } else {
                0
            };
            if let Some(at) = text.get(from..).and_then(|t| t.find(needle)) {
                let at = from + at;
                self.line = l;
                self.byte = at + needle.len();
                return Some((l + 1, text[..at].chars().count() + 1));
            }
        }
        None
    }
}

fn call_for(file: &str, id: String, texts: Vec<(String, Option<(usize, usize)>)>) -> Call {
    let utterances = texts
        .into_iter()
        .enumerate()
        .map(|(index, (text, at))| Utterance {
            index,
            role: Role::Agent,
            text,
            start: None,
            end: None,
            line: at.map(|a| a.0),
            column: at.map(|a| a.1),
        })
        .collect();
    Call {
        id: format!("{file}#{id}"),
        utterances,
        script: true,
        ..Call::default()
    }
}

fn record(location: String, call: Call) -> Record {
    Record {
        location,
        call: if call.utterances.is_empty() {
            Err("entry has no text".into())
        } else {
            Ok(call)
        },
        skipped_utterances: Vec::new(),
    }
}

/// Reads a YAML or JSON catalog already parsed into `value`.
fn from_value(
    value: &Value,
    source: &str,
    file: &str,
    config: &CatalogConfig,
) -> Result<Vec<Record>, String> {
    let text_path = config.text.as_deref().unwrap_or("scripts[].text");
    let steps = parse_path(text_path);
    let id_steps = id_field(config.id.as_deref().unwrap_or("scripts[].id"));
    let mut pairs = Vec::new();
    entries(value, &steps, value, &mut pairs);
    if pairs.is_empty() {
        return Err(format!(
            "no `{text_path}` in this catalog (set `catalog.text` in .callint.yaml)"
        ));
    }
    let mut locator = Locator::new(source);
    let mut records = Vec::new();
    for (n, (entry, text)) in pairs.into_iter().enumerate() {
        let id = lookup(entry, &id_steps)
            .and_then(scalar)
            .unwrap_or_else(|| format!("{}", n + 1));
        let variants: Vec<&str> = match text {
            Value::String(s) => vec![s.as_str()],
            Value::Array(items) => items.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        let mut texts = Vec::new();
        for variant in variants {
            for line in variant.lines().map(strip_comment).filter(|l| !l.is_empty()) {
                texts.push((line.to_string(), locator.find(line)));
            }
        }
        records.push(record(format!("entry {id}"), call_for(file, id, texts)));
    }
    Ok(records)
}

/// Reads a `.yaml` / `.yml` catalog.
pub fn read_yaml(source: &str, file: &str, config: &CatalogConfig) -> Result<Vec<Record>, String> {
    let value: Value = serde_yaml::from_str(source).map_err(|e| format!("not a YAML script catalog: {e}"))?;
    from_value(&value, source, file, config)
}

/// Reads a `.json` file as a catalog if it has the catalog's text path and
/// is not a call; `None` means "read it as calls".
pub fn try_json(bytes: &[u8], file: &str, config: &CatalogConfig) -> Option<Vec<Record>> {
    let text_path = config.text.as_deref().unwrap_or("scripts[].text");
    let root = match parse_path(text_path).first() {
        Some(Step::Key(k)) => k.clone(),
        _ => return None,
    };
    let needle = format!("\"{root}\"");
    if !bytes.windows(needle.len()).any(|w| w == needle.as_bytes()) {
        return None;
    }
    let source = std::str::from_utf8(bytes).ok()?;
    let value: Value = serde_json::from_str(source).ok()?;
    if value.get(&root).is_none() || value.get("utterances").is_some() {
        return None;
    }
    Some(from_value(&value, source, file, config).unwrap_or_else(|reason| {
        vec![Record {
            location: String::new(),
            call: Err(reason),
            skipped_utterances: Vec::new(),
        }]
    }))
}

/// One CSV field: its text, and the 1-based line and column its text starts at.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Field {
    pub text: String,
    pub line: usize,
    pub column: usize,
}

/// Parses CSV (RFC 4180: quotes, doubled quotes, newlines inside quotes, CRLF).
pub(super) fn parse_csv(source: &str) -> Result<Vec<Vec<Field>>, String> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut chars = source.chars().peekable();
    let (mut line, mut column) = (1, 1);
    loop {
        let (start_line, mut start_column) = (line, column);
        let mut text = String::new();
        let mut quoted = false;
        if chars.peek() == Some(&'"') {
            chars.next();
            column += 1;
            start_column = column;
            quoted = true;
            loop {
                match chars.next() {
                    None => return Err(format!("unterminated quoted field starting on line {start_line}")),
                    Some('"') if chars.peek() == Some(&'"') => {
                        chars.next();
                        column += 2;
                        text.push('"');
                    }
                    Some('"') => {
                        column += 1;
                        break;
                    }
                    Some('\n') => {
                        line += 1;
                        column = 1;
                        text.push('\n');
                    }
                    Some(c) => {
                        column += 1;
                        text.push(c);
                    }
                }
            }
        }
        loop {
            match chars.peek() {
                None | Some(',') | Some('\n') => break,
                Some('\r') => {
                    chars.next();
                }
                Some(&c) => {
                    chars.next();
                    column += 1;
                    if !quoted {
                        text.push(c);
                    }
                }
            }
        }
        row.push(Field {
            text,
            line: start_line,
            column: start_column,
        });
        match chars.next() {
            Some(',') => column += 1,
            Some('\n') => {
                rows.push(std::mem::take(&mut row));
                line += 1;
                column = 1;
            }
            None => {
                if row.len() > 1 || row.first().is_some_and(|f| !f.text.is_empty()) {
                    rows.push(row);
                }
                break;
            }
            Some(_) => unreachable!(),
        }
    }
    rows.retain(|r| r.iter().any(|f| !f.text.trim().is_empty()));
    Ok(rows)
}

fn column_index(header: &[Field], wanted: &str) -> Option<usize> {
    if let Ok(n) = wanted.parse::<usize>() {
        return (n >= 1).then(|| n - 1);
    }
    header.iter().position(|f| f.text.trim() == wanted)
}

/// Reads the rows of a `.csv` script table: one call per row, the text
/// column's lines as utterances.
pub(super) fn read_csv(
    rows: Vec<Vec<Field>>,
    file: &str,
    config: &CatalogConfig,
) -> Result<Vec<Record>, String> {
    let Some((header, body)) = rows.split_first() else {
        return Err("empty file".into());
    };
    let wanted = config.csv_text.as_deref().unwrap_or("text");
    let numeric = wanted.parse::<usize>().is_ok();
    let text_col = column_index(header, wanted).ok_or_else(|| {
        format!(
            "no column `{wanted}` (set `catalog.csv-text` in .callint.yaml to a header or a 1-based number)"
        )
    })?;
    let id_col = column_index(header, config.csv_id.as_deref().unwrap_or("id"));
    // A numbered column means there may be no header row to skip.
    let body: Vec<&Vec<Field>> = if numeric && column_index(header, "text").is_none() && id_col.is_none() {
        rows.iter().collect()
    } else {
        body.iter().collect()
    };
    let mut records = Vec::new();
    for row in body {
        let first_line = row.first().map_or(0, |f| f.line);
        let id = id_col
            .and_then(|c| row.get(c))
            .map(|f| f.text.trim().to_string())
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| format!("line {first_line}"));
        let Some(field) = row.get(text_col) else {
            records.push(Record {
                location: format!("line {first_line}"),
                call: Err(format!("row has no column {}", text_col + 1)),
                skipped_utterances: Vec::new(),
            });
            continue;
        };
        let mut texts = Vec::new();
        for (i, raw) in field.text.split('\n').enumerate() {
            let trimmed = strip_comment(raw);
            if trimmed.is_empty() {
                continue;
            }
            let lead = raw[..raw.len() - raw.trim_start().len()].chars().count();
            let column = if i == 0 { field.column } else { 1 } + lead;
            texts.push((trimmed.to_string(), Some((field.line + i, column))));
        }
        records.push(record(format!("line {first_line}"), call_for(file, id, texts)));
    }
    Ok(records)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_keep_line_and_character_column() {
        let rows = parse_csv("id,话术\r\nA1,\"您好，\"\"保本\"\"\n第二行\"\n\"A2\",普通\n").unwrap();
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[1][1].text, "您好，\"保本\"\n第二行");
        assert_eq!((rows[1][1].line, rows[1][1].column), (2, 5));
        assert_eq!((rows[2][1].line, rows[2][1].column), (4, 6));
    }

    #[test]
    fn paths() {
        assert_eq!(
            parse_path("a.b[].c"),
            vec![
                Step::Key("a".into()),
                Step::Key("b".into()),
                Step::Each,
                Step::Key("c".into())
            ]
        );
        assert_eq!(parse_path("[].text"), vec![Step::Each, Step::Key("text".into())]);
        assert_eq!(id_field("scripts[].meta.id"), parse_path("meta.id"));
    }
}
