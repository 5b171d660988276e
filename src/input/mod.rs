//! Input readers: from paths on the command line to calls, record by record.
//!
//! The format is chosen from the file name (`.jsonl`, `.ndjson`, `.json`, `.txt`,
//! `.md`, each optionally `.gz`); gzip is recognised by its magic bytes, so
//! `zcat`-less pipelines work too. JSONL, and JSON that is an array of calls,
//! are read in batches of lines or elements so that memory stays bounded
//! whatever the size of the file; JSONL written a row per utterance is read
//! in batches of whole calls. Every other format is a document read whole.
//!
//! Readers never stop at a bad record: they hand back an error for that
//! record, naming the file, the line or record, and the reason.

pub mod array;
pub mod batch;
pub mod catalog;
pub mod jsonl;
pub mod mapped;
mod speakers;
mod table;
pub mod text;

use crate::model::Call;
use encoding_rs::Encoding;
use encoding_rs_io::DecodeReaderBytesBuilder;
use flate2::read::MultiGzDecoder;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

/// How to read an input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Decide from the file name (stdin: JSONL).
    Auto,
    /// One call per line, or one utterance per line.
    Jsonl,
    /// One call, an array of calls, or an array of utterances.
    Json,
    /// `坐席：…` / `客户：…` lines, one call per file.
    Transcript,
    /// Script library: every line is agent speech.
    Script,
    /// Markdown script library.
    Markdown,
    /// `.yaml` / `.yml` script catalog (see `catalog` in `.callint.yaml`).
    Catalog,
    /// `.csv`: a transcript table (role and text columns, a row per
    /// utterance) or a script table (see `catalog.csv-text`).
    Csv,
}

/// Where input comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// Standard input.
    Stdin,
    /// A file.
    File(PathBuf),
}

impl Input {
    /// The name used in diagnostics.
    pub fn display_name(&self) -> String {
        match self {
            Input::Stdin => "<stdin>".into(),
            Input::File(p) => p.display().to_string(),
        }
    }

    /// The format this input is read as, given the user's choice.
    pub fn format(&self, chosen: Format) -> Format {
        if chosen != Format::Auto {
            return chosen;
        }
        let Input::File(path) = self else {
            return Format::Jsonl;
        };
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_ascii_lowercase();
        let name = name.strip_suffix(".gz").unwrap_or(&name);
        match Path::new(name).extension().and_then(|e| e.to_str()) {
            Some("json") => Format::Json,
            Some("md" | "markdown") => Format::Markdown,
            Some("yaml" | "yml") => Format::Catalog,
            Some("csv") => Format::Csv,
            Some("txt" | "text") => Format::Auto,
            _ => Format::Jsonl,
        }
    }
}

/// Extensions picked up when walking a folder.
const KNOWN_EXTENSIONS: &[&str] = &["jsonl", "ndjson", "json", "txt", "md", "markdown"];

fn has_known_extension(path: &Path) -> bool {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let name = name.strip_suffix(".gz").unwrap_or(&name);
    Path::new(name)
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| {
            KNOWN_EXTENSIONS.contains(&e)
                // Catalogs only when the config says where their text is, so
                // that rule packs and CI files in a tree are not read as scripts.
                || (matches!(e, "yaml" | "yml" | "csv") && crate::config::catalog_configured())
        })
}

/// A problem with an input, a record or an utterance.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    /// File name as shown to the user.
    pub file: Arc<str>,
    /// `line 7`, `record 3`, `line 7, utterance 2`; empty for the whole file.
    pub location: String,
    /// What went wrong.
    pub reason: String,
    /// What was left out because of it.
    pub scope: ProblemScope,
}

/// What a problem cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProblemScope {
    /// A file or folder could not be read at all.
    File,
    /// One record (call) was skipped.
    Record,
    /// One utterance was skipped; the rest of the call was linted.
    Utterance,
}

impl ProblemScope {
    /// What the problem cost, as every reporter words it: `skipped record`.
    pub fn skipped(self) -> &'static str {
        match self {
            ProblemScope::File => "skipped file",
            ProblemScope::Record => "skipped record",
            ProblemScope::Utterance => "skipped utterance",
        }
    }
}

/// Expands folders (recursively, sorted, hidden entries skipped) into files.
pub fn expand(paths: &[PathBuf], problems: &mut Vec<Problem>) -> Vec<Input> {
    let mut inputs = Vec::new();
    for path in paths {
        if path.as_os_str() == "-" {
            inputs.push(Input::Stdin);
        } else if path.is_dir() {
            walk(path, &mut inputs, problems);
        } else if path.exists() {
            inputs.push(Input::File(path.clone()));
        } else {
            problems.push(file_problem(path, "no such file or directory".into()));
        }
    }
    inputs
}

fn walk(dir: &Path, inputs: &mut Vec<Input>, problems: &mut Vec<Problem>) {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => return problems.push(file_problem(dir, format!("cannot read folder: {e}"))),
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        let hidden = path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with('.'));
        if hidden {
            continue;
        }
        if path.is_dir() {
            walk(&path, inputs, problems);
        } else if has_known_extension(&path) {
            inputs.push(Input::File(path));
        }
    }
}

fn file_problem(path: &Path, reason: String) -> Problem {
    Problem {
        file: path.display().to_string().into(),
        location: String::new(),
        reason,
        scope: ProblemScope::File,
    }
}

/// Opens an input as UTF-8, decompressing gzip and decoding other
/// encodings transparently.
pub fn open(input: &Input) -> io::Result<Box<dyn BufRead + Send>> {
    let raw: Box<dyn Read + Send> = match input {
        Input::Stdin => Box::new(io::stdin()),
        Input::File(path) => Box::new(File::open(path)?),
    };
    let mut reader = BufReader::with_capacity(256 * 1024, raw);
    let gzip = reader.fill_buf()?.starts_with(&[0x1f, 0x8b]);
    if gzip {
        decoded(Box::new(BufReader::with_capacity(
            256 * 1024,
            MultiGzDecoder::new(reader),
        )))
    } else {
        decoded(Box::new(reader))
    }
}

/// The encoding of inputs without a byte-order mark, when not UTF-8.
static ENCODING: OnceLock<&'static Encoding> = OnceLock::new();

/// Reads inputs without a byte-order mark as `label` (`gbk`, `gb18030`,
/// `big5`, `utf-16le`, … as the WHATWG Encoding Standard names them).
pub fn set_encoding(label: &str) -> Result<(), String> {
    let encoding = Encoding::for_label(label.trim().as_bytes()).ok_or_else(|| {
        format!("unknown encoding {label:?} (try utf-8, gbk, gb18030, big5, utf-16le or utf-16be)")
    })?;
    let _ = ENCODING.set(encoding);
    Ok(())
}

/// `reader` as UTF-8. A UTF-8 byte-order mark, which Notepad writes, is
/// dropped; UTF-16 with a byte-order mark (Windows' and Excel's "Unicode")
/// and everything in the `--encoding` given are transcoded, with
/// undecodable bytes as U+FFFD. UTF-8 input is passed through untouched,
/// so that the common case costs no copy.
fn decoded(mut reader: Box<dyn BufRead + Send>) -> io::Result<Box<dyn BufRead + Send>> {
    let start = reader.fill_buf()?;
    if start.starts_with(b"\xEF\xBB\xBF") {
        reader.consume(3);
        return Ok(reader);
    }
    let utf16 = start.starts_with(b"\xFF\xFE") || start.starts_with(b"\xFE\xFF");
    let explicit = ENCODING.get().copied().filter(|&e| e != encoding_rs::UTF_8);
    if !utf16 && explicit.is_none() {
        return Ok(reader);
    }
    let decoder = DecodeReaderBytesBuilder::new()
        .encoding(explicit)
        .bom_override(true)
        .build(reader);
    Ok(Box::new(BufReader::with_capacity(256 * 1024, decoder)))
}

/// Says how to read a file that is not UTF-8.
const ENCODING_HINT: &str = "if the file is GBK or GB18030, pass `--encoding gbk`";

/// One call read from an input, or why it could not be.
#[derive(Debug)]
pub struct Record {
    /// `line 7` / `record 2` / empty for a one-call file.
    pub location: String,
    /// The call, or the reason it was skipped.
    pub call: Result<Call, String>,
    /// Utterances left out of the call, with reasons.
    pub skipped_utterances: Vec<(String, String)>,
}

/// Parses one JSONL line into a record.
pub fn record_from_line(file: &str, line_no: usize, bytes: &[u8]) -> Record {
    let call = parse_record(bytes, &format!("{file}:{line_no}"), "line");
    finish_record(format!("line {line_no}"), call)
}

/// Makes one call of consecutive utterance rows, each `(line number, JSON)`.
pub fn record_from_rows(file: &str, rows: &[(usize, &[u8])]) -> Record {
    let first = rows.first().map_or(0, |r| r.0);
    let location = match rows.last() {
        Some(&(last, _)) if last != first => format!("lines {first}-{last}"),
        _ => format!("line {first}"),
    };
    match jsonl::parse_rows(rows, &format!("{file}:{first}")) {
        Ok((call, problems)) => Record {
            location,
            call: Ok(call),
            skipped_utterances: (problems.into_iter())
                .map(|(line, reason)| (format!("line {line}"), reason))
                .collect(),
        },
        Err(reason) => Record {
            location,
            call: Err(reason),
            skipped_utterances: Vec::new(),
        },
    }
}

/// Whether a JSONL input is written a row per utterance, by its first
/// non-blank line. A first line too long for the reader's buffer is taken
/// for a call.
pub fn is_row_per_utterance(reader: &mut dyn BufRead) -> bool {
    first_record_is_row(reader, |buffer| {
        let line =
            (buffer.split(|&b| b == b'\n')).find(|line| line.iter().any(|b| !b.is_ascii_whitespace()))?;
        (line.len() < buffer.len()).then_some(line)
    })
}

/// Whether a JSON array holds utterances rather than calls, by its first
/// element. A first element too long for the reader's buffer is taken for
/// a call.
fn is_array_of_rows(reader: &mut dyn BufRead) -> bool {
    first_record_is_row(reader, |buffer| {
        let mut elements = Vec::new();
        batch::Split::scan(&mut array::Splitter::default(), buffer, &mut elements);
        elements.first().map(|e| &buffer[e.start..e.end])
    })
}

/// Whether the record `first` finds in the reader's buffer, looked at
/// without consuming it, is an utterance. With `fields:` in the config,
/// which names a call's keys, records are always calls.
fn first_record_is_row(reader: &mut dyn BufRead, first: impl FnOnce(&[u8]) -> Option<&[u8]>) -> bool {
    if crate::config::field_map().is_some() {
        return false;
    }
    reader
        .fill_buf()
        .ok()
        .and_then(first)
        .is_some_and(jsonl::is_utterance_row)
}

/// The calls of a JSON array of utterance rows, read whole: consecutive
/// rows with the same call id make a call.
fn rows_from_array(bytes: &[u8], name: &str) -> Vec<Record> {
    let mut split = array::Splitter::default();
    let mut elements = Vec::new();
    batch::Split::scan(&mut split, bytes, &mut elements);
    let broken = batch::Split::finish(&mut split, bytes, &mut elements);
    let mut records = Vec::new();
    let mut calls = jsonl::RowCalls::default();
    let mut rows: Vec<(usize, &[u8])> = Vec::new();
    for element in &elements {
        let row = &bytes[element.start..element.end];
        if calls.starts_call(row) {
            records.push(record_from_rows(name, &std::mem::take(&mut rows)));
        }
        rows.push((element.line, row));
    }
    if !rows.is_empty() {
        records.push(record_from_rows(name, &rows));
    }
    records.extend(broken.map(|b| Record {
        location: b.location,
        call: Err(b.reason),
        skipped_utterances: Vec::new(),
    }));
    records
}

/// Parses the `index`th (1-based) element of a JSON array of calls into a record.
pub fn record_from_element(file: &str, index: usize, bytes: &[u8]) -> Record {
    let call = parse_record(bytes, &format!("{file}#{index}"), "record");
    finish_record(format!("record {index}"), call)
}

/// Parses one call of a stream; `unit` names what the bytes are in messages.
fn parse_record(bytes: &[u8], fallback_id: &str, unit: &str) -> jsonl::ParsedCall {
    // Parsing validates UTF-8; only a failed record pays for a second look
    // that gives invalid UTF-8 its own, clearer message.
    jsonl::parse_call(bytes, fallback_id).map_err(|reason| match std::str::from_utf8(bytes) {
        Err(e) => format!(
            "invalid UTF-8 at byte {} of the {unit} ({ENCODING_HINT})",
            e.valid_up_to()
        ),
        Ok(_) => reason,
    })
}

/// A JSON input, opened, by what its first byte after whitespace says it is.
pub enum JsonStart {
    /// `[`: an array of calls, to be read in batches.
    Array(Box<dyn BufRead + Send>),
    /// `[` and an utterance: one call's (or a few calls') utterances, to be
    /// read whole.
    Rows(Box<dyn BufRead + Send>),
    /// Anything else: one call or a script catalog, to be read whole.
    Document(Box<dyn BufRead + Send>),
}

/// Looks at a JSON input's first byte after whitespace, without losing any:
/// the whitespace looked past is put back in front of the reader, since a
/// catalog's line numbers count it. (The script catalog is never an array:
/// its texts are found under a key.)
pub fn json_start(mut reader: Box<dyn BufRead + Send>) -> io::Result<JsonStart> {
    let mut space = Vec::new();
    let first = loop {
        let buffer = reader.fill_buf()?;
        if buffer.is_empty() {
            break None;
        }
        let blank = buffer.iter().take_while(|&&b| array::is_space(b)).count();
        if blank < buffer.len() {
            break Some(buffer[blank]);
        }
        space.extend_from_slice(buffer);
        let read = buffer.len();
        reader.consume(read);
    };
    let rows = first == Some(b'[') && is_array_of_rows(&mut reader);
    if !space.is_empty() {
        reader = Box::new(io::Cursor::new(space).chain(reader));
    }
    Ok(match first {
        Some(b'[') if rows => JsonStart::Rows(reader),
        Some(b'[') => JsonStart::Array(reader),
        _ => JsonStart::Document(reader),
    })
}

fn finish_record(location: String, parsed: Result<(Call, Vec<jsonl::UtteranceProblem>), String>) -> Record {
    match parsed {
        Ok((call, problems)) => Record {
            skipped_utterances: problems
                .into_iter()
                .map(|p| (format!("{location}, utterance {}", p.index), p.reason))
                .collect(),
            location,
            call: Ok(call),
        },
        Err(reason) => Record {
            location,
            call: Err(reason),
            skipped_utterances: Vec::new(),
        },
    }
}

/// A `.csv`: a transcript table when it has role and text columns, else a
/// script table.
fn read_csv(text: &str, name: &str, config: &crate::config::CatalogConfig) -> Result<Vec<Record>, String> {
    let rows = catalog::parse_csv(text)?;
    let map = crate::config::field_map().cloned().unwrap_or_default();
    if let Some((header, body)) = rows.split_first() {
        if let Some(columns) = table::Columns::find(header, &map) {
            return Ok(table::read(body, &columns, &map, name));
        }
    }
    catalog::read_csv(rows, name, config)
}

/// Reads a whole document (anything but JSONL and arrays of calls) into
/// records; `opened` is the input if it was opened already, to look at it.
pub fn read_document(
    input: &Input,
    format: Format,
    opened: Option<Box<dyn BufRead + Send>>,
) -> Result<Vec<Record>, String> {
    let mut bytes = Vec::new();
    opened
        .map_or_else(|| open(input), Ok)
        .and_then(|mut r| r.read_to_end(&mut bytes))
        .map_err(|e| format!("cannot read: {e}"))?;
    let name = input.display_name();
    if matches!(format, Format::Catalog | Format::Csv) {
        let text = String::from_utf8(bytes).map_err(|_| format!("invalid UTF-8 ({ENCODING_HINT})"))?;
        let config = crate::config::catalog();
        return if format == Format::Csv {
            read_csv(&text, &name, &config)
        } else {
            catalog::read_yaml(&text, &name, &config)
        };
    }
    if format == Format::Json {
        // Arrays of calls are streamed: an array read whole holds utterances.
        if bytes.iter().find(|&&b| !array::is_space(b)) == Some(&b'[') {
            return Ok(rows_from_array(&bytes, &name));
        }
        if let Some(records) = catalog::try_json(&bytes, &name, &crate::config::catalog()) {
            return Ok(records);
        }
        return Ok(vec![finish_record(
            String::new(),
            jsonl::parse_call(&bytes, &name),
        )]);
    }
    let text = String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let line = e.as_bytes()[..at].iter().filter(|&&b| b == b'\n').count() + 1;
        format!("invalid UTF-8 on line {line} ({ENCODING_HINT})")
    })?;
    let format = match format {
        Format::Auto if text::looks_like_transcript(&text) => Format::Transcript,
        Format::Auto => Format::Script,
        other => other,
    };
    let (call, problems) = match format {
        Format::Transcript => text::parse_transcript(&text, &name),
        markdown_or_script => (
            text::parse_script(&text, &name, markdown_or_script == Format::Markdown),
            Vec::new(),
        ),
    };
    let skipped_utterances = problems
        .into_iter()
        .map(|p| (format!("line {}", p.line), p.reason))
        .collect();
    let call = if call.utterances.is_empty() {
        Err(if text.trim().is_empty() {
            "empty file".to_string()
        } else {
            "no utterances".to_string()
        })
    } else {
        Ok(call)
    };
    Ok(vec![Record {
        location: String::new(),
        call,
        skipped_utterances,
    }])
}
