//! The run loop: inputs in, findings out, in input order, on every core.
//!
//! JSONL is read by one thread in batches of lines while the rayon pool parses
//! and lints the previous batch, so reading, decompression and linting overlap
//! and at most a few batches are in memory at once. A JSON file whose first
//! byte after whitespace is `[` (an array of calls) is streamed the same way,
//! in batches of elements. Documents (one JSON call, script catalogs, text,
//! Markdown) are read and linted a group of files at a time. Results are
//! collected in input order before they reach the reporter, so output is the
//! same whatever the thread count.

use crate::engine::{Linter, Scratch};
use crate::input::array::{Element, Splitter};
use crate::input::batch::{Batch, Batches, Broken, Line, Lines, RowLines, Rows, Split};
use crate::input::{self, Format, Input, JsonStart, Problem, ProblemScope, Record};
use crate::report::{CallResult, Progress, Reporter, Summary};
use rayon::prelude::*;
use std::io::{self, BufRead};
use std::path::PathBuf;
use std::sync::mpsc::sync_channel;
use std::sync::Arc;
use std::thread::ScopedJoinHandle;
use std::time::Instant;

/// What to check and how to read it.
#[derive(Debug, Clone)]
pub struct CheckOptions {
    /// Files, folders, or `-` for stdin.
    pub paths: Vec<PathBuf>,
    /// Input format (auto: from the file name).
    pub format: Format,
    /// Approximate bytes per batch of JSONL lines or JSON array elements.
    pub batch_bytes: usize,
    /// Show a progress line on stderr (only set when stderr is a terminal).
    pub progress: bool,
}

/// How many document files are linted together.
const DOCUMENT_GROUP: usize = 64;

/// Lints every input and feeds the reporter; returns the run's summary.
pub fn check(linter: &Linter, options: &CheckOptions, reporter: &mut dyn Reporter) -> io::Result<Summary> {
    let started = Instant::now();
    let mut run = Run {
        linter,
        reporter,
        summary: Summary::default(),
        progress: options.progress.then(Progress::new),
    };
    let mut problems = Vec::new();
    let inputs = input::expand(&options.paths, &mut problems);
    for problem in &problems {
        run.problem(problem)?;
    }
    let mut documents: Vec<Document> = Vec::new();
    for input in inputs {
        run.summary.files += 1;
        let (format, opened) = match input.format(options.format) {
            Format::Jsonl => {
                run.documents(std::mem::take(&mut documents))?;
                run.stream_lines(&input, options.batch_bytes)?;
                continue;
            }
            Format::Json => match input::open(&input).and_then(input::json_start) {
                Ok(JsonStart::Rows(reader)) => (Format::Json, (input == Input::Stdin).then_some(reader)),
                Ok(JsonStart::Array(reader)) => {
                    run.documents(std::mem::take(&mut documents))?;
                    run.stream_array(&input, reader, options.batch_bytes)?;
                    continue;
                }
                // A file is opened again with its group, which would otherwise
                // hold a read buffer per file; stdin cannot be.
                Ok(JsonStart::Document(reader)) => (Format::Json, (input == Input::Stdin).then_some(reader)),
                // Read again with the documents, to be reported in its turn.
                Err(_) => (Format::Json, None),
            },
            format => (format, None),
        };
        documents.push(Document {
            input,
            format,
            opened,
        });
        if documents.len() == DOCUMENT_GROUP {
            run.documents(std::mem::take(&mut documents))?;
        }
    }
    run.documents(documents)?;
    if let Some(progress) = &run.progress {
        progress.finish();
    }
    run.summary.set_elapsed(started.elapsed());
    run.reporter.finish(&run.summary)?;
    Ok(run.summary)
}

struct Run<'a> {
    linter: &'a Linter,
    reporter: &'a mut dyn Reporter,
    summary: Summary,
    progress: Option<Progress>,
}

/// A record with its findings, and whether rules needing times skipped it.
struct Linted {
    record: Record,
    findings: Vec<crate::engine::Finding>,
    /// Worked out by the linting thread, which has the call's utterances in
    /// its cache; the reporting thread would wait on them.
    timing_skipped: bool,
}
/// A batch of a stream, linted.
struct LintedBatch {
    /// The batch's size in bytes.
    bytes: u64,
    /// Its records, linted, with the line each starts on.
    records: Vec<(usize, Linted)>,
    /// A break in the input that ended it.
    broken: Option<Broken>,
}

type LintedDocument = (Arc<str>, Result<Vec<Linted>, String>);

/// A document to read whole, and its reader if it was opened to look at it
/// and cannot be opened again.
struct Document {
    input: Input,
    format: Format,
    opened: Option<Box<dyn BufRead + Send>>,
}

/// Where a streamed record is, as a batch reader splits its input.
trait StreamUnit: Sync {
    /// The record's bytes parsed, and the line it starts on.
    fn record(&self, file: &str, buffer: &[u8]) -> (usize, Record);
}

impl StreamUnit for Line {
    fn record(&self, file: &str, buffer: &[u8]) -> (usize, Record) {
        let bytes = &buffer[self.start..self.end];
        (self.number, input::record_from_line(file, self.number, bytes))
    }
}

impl StreamUnit for Rows {
    fn record(&self, file: &str, buffer: &[u8]) -> (usize, Record) {
        let rows: Vec<(usize, &[u8])> = (self.lines.iter())
            .map(|l| (l.number, &buffer[l.start..l.end]))
            .collect();
        (rows[0].0, input::record_from_rows(file, &rows))
    }
}

impl StreamUnit for Element {
    fn record(&self, file: &str, buffer: &[u8]) -> (usize, Record) {
        let bytes = &buffer[self.start..self.end];
        (self.line, input::record_from_element(file, self.index, bytes))
    }
}

/// Parses and lints a batch's records on the rayon pool.
fn lint_batch<U: StreamUnit>(batch: Batch<U>, linter: &Linter, file: &str) -> LintedBatch {
    let records = (batch.units.par_iter())
        .map_init(Scratch::default, |scratch, unit| {
            let (line, record) = unit.record(file, &batch.buffer);
            (line, lint(linter, record, scratch))
        })
        .collect();
    LintedBatch {
        bytes: batch.buffer.len() as u64,
        records,
        broken: batch.broken,
    }
}

impl Run<'_> {
    fn problem(&mut self, problem: &Problem) -> io::Result<()> {
        self.summary.add_problem(problem);
        self.reporter.problem(problem)
    }

    fn stream_lines(&mut self, input: &Input, batch_bytes: usize) -> io::Result<()> {
        let file: Arc<str> = input.display_name().into();
        match input::open(input) {
            Ok(mut reader) => {
                if input::is_row_per_utterance(&mut reader) {
                    self.stream(file, Batches::<RowLines>::new(reader, batch_bytes))
                } else {
                    self.stream(file, Batches::<Lines>::new(reader, batch_bytes))
                }
            }
            Err(e) => self.problem(&file_problem(&file, format!("cannot read: {e}"))),
        }
    }

    fn stream_array(
        &mut self,
        input: &Input,
        reader: Box<dyn BufRead + Send>,
        batch_bytes: usize,
    ) -> io::Result<()> {
        self.stream(
            input.display_name().into(),
            Batches::<Splitter>::new(reader, batch_bytes),
        )
    }

    /// Lints `batches` on the pool while they are read on a thread of their own.
    fn stream<S>(&mut self, file: Arc<str>, batches: Batches<S>) -> io::Result<()>
    where
        S: Split + Send,
        S::Unit: StreamUnit + Send,
    {
        let (tx, rx) = sync_channel::<io::Result<Batch<S::Unit>>>(1);
        std::thread::scope(|scope| {
            scope.spawn(move || {
                for batch in batches {
                    if tx.send(batch).is_err() {
                        break;
                    }
                }
            });
            // While the pool lints one batch, this thread writes out the one
            // before: reporting and freeing a batch's calls would otherwise
            // leave the pool idle.
            let mut linting: Option<ScopedJoinHandle<'_, LintedBatch>> = None;
            for batch in rx {
                let batch = match batch {
                    Ok(batch) => batch,
                    Err(e) => {
                        if let Some(done) = linting.take() {
                            self.finish_batch(&file, join(done))?;
                        }
                        self.problem(&file_problem(&file, format!("read error: {e}")))?;
                        continue;
                    }
                };
                let (linter, name) = (self.linter, file.clone());
                let next = scope.spawn(move || lint_batch(batch, linter, &name));
                if let Some(done) = linting.replace(next) {
                    self.finish_batch(&file, join(done))?;
                }
            }
            if let Some(done) = linting {
                self.finish_batch(&file, join(done))?;
            }
            Ok(())
        })
    }

    fn finish_batch(&mut self, file: &Arc<str>, batch: LintedBatch) -> io::Result<()> {
        self.emit(file, batch.records, Some)?;
        if let Some(Broken { location, reason }) = batch.broken {
            self.problem(&Problem {
                file: file.clone(),
                location,
                reason,
                scope: ProblemScope::Record,
            })?;
        }
        self.reporter.batch_end()?;
        if let Some(progress) = &mut self.progress {
            let s = &self.summary;
            progress.advance(batch.bytes, s.calls, s.findings.total());
        }
        Ok(())
    }

    fn documents(&mut self, documents: Vec<Document>) -> io::Result<()> {
        let linter = self.linter;
        // Records in parallel too: one script catalog may hold thousands of
        // entries.
        let linted: Vec<LintedDocument> = documents
            .into_par_iter()
            .map(
                |Document {
                     input,
                     format,
                     opened,
                 }| {
                    let file: Arc<str> = input.display_name().into();
                    let records = input::read_document(&input, format, opened).map(|records| {
                        (records.into_par_iter())
                            .map_init(Scratch::default, |scratch, r| lint(linter, r, scratch))
                            .collect()
                    });
                    (file, records)
                },
            )
            .collect();
        for (file, records) in linted {
            match records {
                Ok(records) => self.emit(&file, records.into_iter().map(|r| (0, r)).collect(), |_| None)?,
                Err(reason) => self.problem(&file_problem(&file, reason))?,
            }
        }
        Ok(())
    }

    fn emit(
        &mut self,
        file: &Arc<str>,
        linted: Vec<(usize, Linted)>,
        record_line: impl Fn(usize) -> Option<usize>,
    ) -> io::Result<()> {
        for (
            line,
            Linted {
                record,
                findings,
                timing_skipped,
            },
        ) in linted
        {
            for (location, reason) in record.skipped_utterances {
                self.problem(&Problem {
                    file: file.clone(),
                    location,
                    reason,
                    scope: ProblemScope::Utterance,
                })?;
            }
            match record.call {
                Err(reason) => self.problem(&Problem {
                    file: file.clone(),
                    location: record.location,
                    reason,
                    scope: ProblemScope::Record,
                })?,
                Ok(call) => {
                    self.summary.calls += 1;
                    self.summary.utterances += call.utterances.len();
                    self.summary.timing_skipped_calls += usize::from(timing_skipped);
                    for finding in &findings {
                        self.summary
                            .findings
                            .add(self.linter.rules().rules[finding.rule].severity);
                    }
                    let result = CallResult {
                        file: file.clone(),
                        record_line: record_line(line),
                        call,
                        findings,
                    };
                    self.reporter.call(&result)?;
                }
            }
        }
        Ok(())
    }
}

/// The result of a linting thread; a panic there is a bug, re-raised here.
fn join(handle: ScopedJoinHandle<'_, LintedBatch>) -> LintedBatch {
    handle
        .join()
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

fn lint(linter: &Linter, record: Record, scratch: &mut Scratch) -> Linted {
    let (findings, timing_skipped) = match &record.call {
        Ok(call) => (linter.check_call(call, scratch), linter.skips_timing(call)),
        Err(_) => (Vec::new(), false),
    };
    Linted {
        record,
        findings,
        timing_skipped,
    }
}

fn file_problem(file: &Arc<str>, reason: String) -> Problem {
    Problem {
        file: file.clone(),
        location: String::new(),
        reason,
        scope: ProblemScope::File,
    }
}
