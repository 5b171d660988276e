//! Input readers: from paths on the command line to calls, record by record.
//!
//! The format is chosen from the file name (`.jsonl`, `.ndjson`, `.json`, `.txt`,
//! `.md`, each optionally `.gz`); gzip is recognised by its magic bytes, so
//! `zcat`-less pipelines work too. JSONL, and JSON that is an array of calls,
//! are read in batches of lines or elements so that memory stays bounded
//! whatever the size of the file; every other format is a document read whole.
//!
//! Readers never stop at a bad record: they hand back an error for that
//! record, naming the file, the line or record, and the reason.

pub mod array;
pub mod catalog;
pub mod jsonl;
pub mod mapped;
pub mod text;

use crate::model::Call;
use flate2::read::MultiGzDecoder;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// How to read an input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Decide from the file name (stdin: JSONL).
    Auto,
    /// One call per line.
    Jsonl,
    /// One call, or an array of calls.
    Json,
    /// `坐席：…` / `客户：…` lines, one call per file.
    Transcript,
    /// Script library: every line is agent speech.
    Script,
    /// Markdown script library.
    Markdown,
    /// `.yaml` / `.yml` script catalog (see `catalog` in `.callint.yaml`).
    Catalog,
    /// `.csv` script table (see `catalog.csv-text`).
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

/// Opens an input, decompressing gzip transparently.
pub fn open(input: &Input) -> io::Result<Box<dyn BufRead + Send>> {
    let raw: Box<dyn Read + Send> = match input {
        Input::Stdin => Box::new(io::stdin()),
        Input::File(path) => Box::new(File::open(path)?),
    };
    let mut reader = BufReader::with_capacity(256 * 1024, raw);
    let gzip = reader.fill_buf()?.starts_with(&[0x1f, 0x8b]);
    if gzip {
        Ok(Box::new(BufReader::with_capacity(
            256 * 1024,
            MultiGzDecoder::new(reader),
        )))
    } else {
        Ok(Box::new(reader))
    }
}

/// A batch of JSONL lines: one buffer and the ranges of its lines.
#[derive(Debug, Default)]
pub struct LineBatch {
    /// The raw bytes of the lines.
    pub buffer: Vec<u8>,
    /// `(1-based line number, start, end)` of each non-blank line, without the newline.
    pub lines: Vec<(usize, usize, usize)>,
}

/// How much the batch readers ([`LineBatches`], [`array::ElementBatches`])
/// ask their reader for at a time.
const READ_BYTES: usize = 1 << 20;

/// Reads JSONL in batches of about `batch_bytes` bytes.
///
/// The reader's buffer is copied into the batch whole and the lines are
/// found in it with `memchr`, which looks at 32 bytes at a time; reading
/// line by line cost a call, a byte-wise search and a copy per line.
pub struct LineBatches {
    reader: Box<dyn BufRead + Send>,
    line_no: usize,
    batch_bytes: usize,
    /// The start of a line that the previous batch ended inside.
    carry: Vec<u8>,
    /// A read error that ended the previous batch, reported after it.
    error: Option<io::Error>,
    done: bool,
}

impl LineBatches {
    /// Batches from `reader`.
    pub fn new(reader: Box<dyn BufRead + Send>, batch_bytes: usize) -> Self {
        LineBatches {
            reader,
            line_no: 0,
            batch_bytes,
            carry: Vec::new(),
            error: None,
            done: false,
        }
    }

    /// Fills `buffer` until it holds `batch_bytes` and a line end, or the
    /// input ends (`Ok(true)`).
    fn fill(&mut self, buffer: &mut Vec<u8>) -> io::Result<bool> {
        let mut has_line_end = memchr::memchr(b'\n', buffer).is_some();
        loop {
            if has_line_end && buffer.len() >= self.batch_bytes {
                return Ok(false);
            }
            // Straight into the batch, past the reader's own buffer, in
            // reads of a megabyte, without zeroing the space first.
            let len = buffer.len();
            buffer.reserve(READ_BYTES);
            if (&mut self.reader).take(READ_BYTES as u64).read_to_end(buffer)? == 0 {
                return Ok(true);
            }
            has_line_end = has_line_end || memchr::memchr(b'\n', &buffer[len..]).is_some();
        }
    }

    /// The non-blank lines of `buffer`, numbered on from `line_no`.
    fn lines(&mut self, buffer: &[u8]) -> Vec<(usize, usize, usize)> {
        let mut lines = Vec::new();
        let mut start = 0;
        let ends = memchr::memchr_iter(b'\n', buffer).map(|nl| nl + 1);
        let last = (buffer.last() != Some(&b'\n') && !buffer.is_empty()).then_some(buffer.len());
        for next in ends.chain(last) {
            self.line_no += 1;
            let mut end = next;
            while end > start && matches!(buffer[end - 1], b'\n' | b'\r') {
                end -= 1;
            }
            if buffer[start..end].iter().any(|b| !b.is_ascii_whitespace()) {
                lines.push((self.line_no, start, end));
            }
            start = next;
        }
        lines
    }
}

impl Iterator for LineBatches {
    type Item = io::Result<LineBatch>;

    fn next(&mut self) -> Option<Self::Item> {
        if let Some(e) = self.error.take() {
            return Some(Err(e));
        }
        if self.done {
            return None;
        }
        let mut buffer = std::mem::take(&mut self.carry);
        buffer.reserve(self.batch_bytes + (256 << 10));
        match self.fill(&mut buffer) {
            Ok(false) => {
                // Up to the last line end; the rest starts the next batch.
                let cut = memchr::memrchr(b'\n', &buffer).map_or(0, |nl| nl + 1);
                self.carry = buffer.split_off(cut);
            }
            Ok(true) => self.done = true,
            Err(e) => {
                // The lines read in full go out first; the partial one is lost
                // with the error, which is reported next.
                self.done = true;
                let cut = memchr::memrchr(b'\n', &buffer).map_or(0, |nl| nl + 1);
                buffer.truncate(cut);
                if buffer.is_empty() {
                    return Some(Err(e));
                }
                self.error = Some(e);
            }
        }
        let lines = self.lines(&buffer);
        if lines.is_empty() && self.done {
            return self.error.take().map(Err);
        }
        Some(Ok(LineBatch { buffer, lines }))
    }
}

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
        Err(e) => format!("invalid UTF-8 at byte {} of the {unit}", e.valid_up_to()),
        Ok(_) => reason,
    })
}

/// A JSON input, opened, by what its first byte after whitespace says it is.
pub enum JsonStart {
    /// `[`: an array of calls, to be read in batches.
    Array(Box<dyn BufRead + Send>),
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
    if !space.is_empty() {
        reader = Box::new(io::Cursor::new(space).chain(reader));
    }
    Ok(if first == Some(b'[') {
        JsonStart::Array(reader)
    } else {
        JsonStart::Document(reader)
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
        let text = String::from_utf8(bytes).map_err(|_| "invalid UTF-8".to_string())?;
        let config = crate::config::catalog();
        return if format == Format::Csv {
            catalog::read_csv(&text, &name, &config)
        } else {
            catalog::read_yaml(&text, &name, &config)
        };
    }
    if format == Format::Json {
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
        format!("invalid UTF-8 on line {line}")
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

#[cfg(test)]
mod tests {
    use super::*;

    /// `(line number, text)` of every non-blank line, batch by batch.
    fn batches(input: &'static [u8], batch_bytes: usize) -> Vec<Vec<(usize, String)>> {
        let reader = Box::new(BufReader::with_capacity(3, input));
        LineBatches::new(reader, batch_bytes)
            .map(|batch| {
                let batch = batch.unwrap();
                (batch.lines.iter())
                    .map(|&(n, s, e)| (n, String::from_utf8_lossy(&batch.buffer[s..e]).into_owned()))
                    .collect()
            })
            .collect()
    }

    #[test]
    fn batches_hold_whole_lines_numbered_across_batches() {
        let input = b"{\"a\":1}\r\n\n  \n{\"b\":\"long line past the batch size\"}\n{\"c\":3}";
        let all: Vec<(usize, String)> = batches(input, 4).into_iter().flatten().collect();
        let expected = [
            (1, "{\"a\":1}"),
            (4, "{\"b\":\"long line past the batch size\"}"),
            (5, "{\"c\":3}"),
        ];
        assert_eq!(all, expected.map(|(n, s)| (n, s.to_string())));
        for batch_bytes in [1, 7, 16, 1 << 20] {
            let again: Vec<_> = batches(input, batch_bytes).into_iter().flatten().collect();
            assert_eq!(again, all, "batch size {batch_bytes}");
        }
        assert_eq!(batches(b"", 4), Vec::<Vec<_>>::new());
        assert_eq!(batches(b"\n\n", 4).concat(), vec![]);
    }

    /// A reader that gives `data`, then fails with "disk gone".
    pub(super) struct FailingReader {
        pub data: &'static [u8],
        pub at: usize,
    }

    impl Read for FailingReader {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let rest = &self.data[self.at..];
            if rest.is_empty() {
                return Err(io::Error::other("disk gone"));
            }
            let n = buf.len().min(rest.len());
            buf[..n].copy_from_slice(&rest[..n]);
            self.at += n;
            Ok(n)
        }
    }

    #[test]
    fn lines_read_before_an_error_come_out_before_it() {
        // Two good lines, then a read error in the middle of the third.
        let failing = FailingReader {
            data: b"{\"a\":1}\n{\"b\":2}\n{\"c\"",
            at: 0,
        };
        let reader = Box::new(BufReader::with_capacity(4, failing));
        let results: Vec<_> = LineBatches::new(reader, 1 << 20).collect();
        assert_eq!(results.len(), 2, "{results:?}");
        assert_eq!(results[0].as_ref().unwrap().lines, [(1, 0, 7), (2, 8, 15)]);
        assert_eq!(results[1].as_ref().unwrap_err().to_string(), "disk gone");
    }
}
