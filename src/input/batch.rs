//! Reading a stream in batches of whole records, whatever marks where a
//! record ends.
//!
//! A batch is one buffer of about `batch_bytes` and the ranges of the
//! records complete in it; the record the buffer ends inside is carried over
//! to start the next buffer. Memory stays at a few batches whatever the size
//! of the input, and records are found without copying them out.
//!
//! What a record is belongs to a [`Split`]: [`Lines`] for JSONL,
//! [`super::array::Splitter`] for the elements of a JSON array. The protocol
//! around it is shared: fill, cut, carry, and a read error held back until
//! the records read in full before it have gone out.

use super::jsonl::RowCalls;
use std::io::{self, BufRead, Read};

/// How much a batch reader asks its reader for at a time.
const READ_BYTES: usize = 1 << 20;

/// Finds where records end in a buffer that grows by reads and is cut after
/// its complete records.
pub trait Split: Default {
    /// Where one record is: a range of the buffer and its place in the input.
    type Unit;
    /// Adds the records that the bytes not scanned yet complete.
    fn scan(&mut self, buffer: &[u8], units: &mut Vec<Self::Unit>);
    /// The input's structure broke: nothing more is to be read.
    fn is_broken(&self) -> bool;
    /// How much of `buffer` can be cut off now: whole records and what lies
    /// between them.
    fn complete(&self) -> usize;
    /// Cuts `buffer` at [`Split::complete`]; what follows the cut is the start
    /// of the next buffer, and positions from here on count from it.
    fn cut(&mut self, buffer: &[u8]) -> usize;
    /// The input ended after `buffer`: adds its last record, if the end
    /// completes one, and says why the input is incomplete, if it is.
    fn finish(&mut self, buffer: &[u8], units: &mut Vec<Self::Unit>) -> Option<Broken>;
}

/// Why the input could not be read to its end, said after the records before it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Broken {
    /// `record 3` when a record was cut off, `line 7` otherwise.
    pub location: String,
    /// What is wrong, with the byte offset in the file.
    pub reason: String,
}

/// A batch of records: one buffer and where its records are.
#[derive(Debug)]
pub struct Batch<U> {
    /// The raw bytes the records are in.
    pub buffer: Vec<u8>,
    /// The complete records, in order.
    pub units: Vec<U>,
    /// The break in the input that ended the reading after these records.
    pub broken: Option<Broken>,
}

/// Reads `reader` in batches of about `batch_bytes` bytes, split by `S`.
pub struct Batches<S: Split> {
    reader: Box<dyn BufRead + Send>,
    batch_bytes: usize,
    split: S,
    /// The unfinished record (or unscanned bytes) the previous batch ended in.
    carry: Vec<u8>,
    /// A read error that ended the previous batch, reported after it.
    error: Option<io::Error>,
    done: bool,
}

impl<S: Split> Batches<S> {
    /// Batches from `reader`.
    pub fn new(reader: Box<dyn BufRead + Send>, batch_bytes: usize) -> Self {
        Batches {
            reader,
            batch_bytes,
            split: S::default(),
            carry: Vec::new(),
            error: None,
            done: false,
        }
    }

    /// Reads and splits until `batch` holds `batch_bytes` and something to
    /// cut, the input breaks, or it ends (`Ok(true)`).
    fn fill(&mut self, batch: &mut Batch<S::Unit>) -> io::Result<bool> {
        loop {
            self.split.scan(&batch.buffer, &mut batch.units);
            if self.split.is_broken() {
                return Ok(true);
            }
            if self.split.complete() > 0 && batch.buffer.len() >= self.batch_bytes {
                return Ok(false);
            }
            // Straight into the batch, past the reader's own buffer, without
            // zeroing the space first; no more than a batch at a time, so
            // that small batches also see records cut by the end of a read.
            let read = READ_BYTES.min(self.batch_bytes.max(1));
            batch.buffer.reserve(read);
            match (&mut self.reader)
                .take(read as u64)
                .read_to_end(&mut batch.buffer)
            {
                Ok(0) => return Ok(true),
                Ok(_) => {}
                Err(e) => {
                    // What was read before the error keeps its records.
                    self.split.scan(&batch.buffer, &mut batch.units);
                    return Err(e);
                }
            }
        }
    }
}

impl<S: Split> Iterator for Batches<S> {
    type Item = io::Result<Batch<S::Unit>>;

    fn next(&mut self) -> Option<Self::Item> {
        if let Some(e) = self.error.take() {
            return Some(Err(e));
        }
        if self.done {
            return None;
        }
        let mut buffer = std::mem::take(&mut self.carry);
        buffer.reserve(self.batch_bytes + (256 << 10));
        let mut batch = Batch {
            buffer,
            units: Vec::new(),
            broken: None,
        };
        match self.fill(&mut batch) {
            Ok(false) => {
                let cut = self.split.cut(&batch.buffer);
                self.carry = batch.buffer.split_off(cut);
            }
            Ok(true) => {
                self.done = true;
                batch.broken = self.split.finish(&batch.buffer, &mut batch.units);
            }
            Err(e) => {
                // The records read in full go out first; the partial one is
                // lost with the error, which is reported next.
                self.done = true;
                if batch.units.is_empty() {
                    return Some(Err(e));
                }
                self.error = Some(e);
            }
        }
        if batch.units.is_empty() && batch.broken.is_none() && self.done {
            return self.error.take().map(Err);
        }
        Some(Ok(batch))
    }
}

/// One non-blank line of JSONL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Line {
    /// 1-based line number in the file.
    pub number: usize,
    /// Start of the line in the buffer.
    pub start: usize,
    /// End of the line in the buffer, before `\r\n` or `\n`.
    pub end: usize,
}

/// Splits JSONL into its non-blank lines.
///
/// Line ends are found with `memchr`, which looks at 32 bytes at a time;
/// reading line by line cost a call, a byte-wise search and a copy per line.
#[derive(Debug, Default)]
pub struct Lines {
    /// Lines ended so far, blank ones included.
    number: usize,
    /// The start of the first line not ended yet.
    pos: usize,
}

impl Lines {
    fn push(&mut self, buffer: &[u8], next: usize, units: &mut Vec<Line>) {
        self.number += 1;
        let mut end = next;
        while end > self.pos && matches!(buffer[end - 1], b'\n' | b'\r') {
            end -= 1;
        }
        if buffer[self.pos..end].iter().any(|b| !b.is_ascii_whitespace()) {
            units.push(Line {
                number: self.number,
                start: self.pos,
                end,
            });
        }
        self.pos = next;
    }
}

impl Split for Lines {
    type Unit = Line;

    fn scan(&mut self, buffer: &[u8], units: &mut Vec<Line>) {
        let from = self.pos;
        for newline in memchr::memchr_iter(b'\n', &buffer[from..]) {
            self.push(buffer, from + newline + 1, units);
        }
    }

    fn is_broken(&self) -> bool {
        false
    }

    fn complete(&self) -> usize {
        self.pos
    }

    fn cut(&mut self, _buffer: &[u8]) -> usize {
        std::mem::take(&mut self.pos)
    }

    fn finish(&mut self, buffer: &[u8], units: &mut Vec<Line>) -> Option<Broken> {
        if self.pos < buffer.len() {
            self.push(buffer, buffer.len(), units);
        }
        None
    }
}

/// The lines of one call in a dump written a row per utterance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rows {
    /// One line per utterance, in order.
    pub lines: Vec<Line>,
}

/// Splits JSONL written a row per utterance into calls: runs of lines that
/// name the same call id ([`super::jsonl::row_call_id`]). A batch ends only
/// where a call does, so that no call is split between two batches.
#[derive(Debug, Default)]
pub struct RowLines {
    lines: Lines,
    calls: RowCalls,
    /// The lines of the call not known to be complete yet.
    open: Vec<Line>,
    /// Scratch for the lines of one scan.
    scanned: Vec<Line>,
}

impl RowLines {
    fn take(&mut self, buffer: &[u8], units: &mut Vec<Rows>) {
        for line in std::mem::take(&mut self.scanned) {
            if self.calls.starts_call(&buffer[line.start..line.end]) {
                self.close(units);
            }
            self.open.push(line);
        }
    }

    fn close(&mut self, units: &mut Vec<Rows>) {
        units.push(Rows {
            lines: std::mem::take(&mut self.open),
        });
    }
}

impl Split for RowLines {
    type Unit = Rows;

    fn scan(&mut self, buffer: &[u8], units: &mut Vec<Rows>) {
        self.lines.scan(buffer, &mut self.scanned);
        self.take(buffer, units);
    }

    fn is_broken(&self) -> bool {
        false
    }

    fn complete(&self) -> usize {
        self.open.first().map_or(self.lines.pos, |line| line.start)
    }

    fn cut(&mut self, _buffer: &[u8]) -> usize {
        let cut = self.complete();
        self.lines.pos -= cut;
        for line in &mut self.open {
            line.start -= cut;
            line.end -= cut;
        }
        cut
    }

    fn finish(&mut self, buffer: &[u8], units: &mut Vec<Rows>) -> Option<Broken> {
        self.lines.finish(buffer, &mut self.scanned);
        self.take(buffer, units);
        if !self.open.is_empty() {
            self.close(units);
        }
        None
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use std::io::BufReader;

    /// `(line number, text)` of every non-blank line, batch by batch.
    fn batches(input: &'static [u8], batch_bytes: usize) -> Vec<Vec<(usize, String)>> {
        let reader = Box::new(BufReader::with_capacity(3, input));
        Batches::<Lines>::new(reader, batch_bytes)
            .map(|batch| {
                let batch = batch.unwrap();
                (batch.units.iter())
                    .map(|l| {
                        (
                            l.number,
                            String::from_utf8_lossy(&batch.buffer[l.start..l.end]).into_owned(),
                        )
                    })
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

    #[test]
    fn blank_lines_do_not_grow_a_batch_past_its_size() {
        let mut input = b"\n".repeat(1000);
        input.extend_from_slice(b"{\"a\":1}\n");
        let reader = Box::new(BufReader::with_capacity(3, io::Cursor::new(input)));
        let mut lines = Vec::new();
        for batch in Batches::<Lines>::new(reader, 64) {
            let batch = batch.unwrap();
            assert!(batch.buffer.len() <= 64, "{} bytes", batch.buffer.len());
            lines.extend(batch.units.iter().map(|l| (l.number, l.end - l.start)));
        }
        assert_eq!(lines, [(1001, 7)]);
    }

    #[test]
    fn rows_of_one_call_stay_together_whatever_the_batch_size() {
        let input: &'static [u8] = concat!(
            "{\"call_id\":\"a\",\"text\":\"1\"}\n",
            "{\"call_id\":\"a\",\"text\":\"2\"}\n",
            "\n",
            "{\"call_id\":7,\"text\":\"3\"}\n",
            "not json\n",
            "{\"call_id\":7,\"text\":\"4\"}\n",
            "{\"text\":\"5\"}\n",
            "{\"text\":\"6\"}",
        )
        .as_bytes();
        for batch_bytes in [1, 7, 40, 1 << 20] {
            let reader = Box::new(BufReader::with_capacity(3, input));
            let mut calls: Vec<Vec<(usize, String)>> = Vec::new();
            for batch in Batches::<RowLines>::new(reader, batch_bytes) {
                let batch = batch.unwrap();
                let text = |l: &Line| String::from_utf8_lossy(&batch.buffer[l.start..l.end]).into_owned();
                calls.extend(
                    batch
                        .units
                        .iter()
                        .map(|rows| rows.lines.iter().map(|l| (l.number, text(l))).collect()),
                );
            }
            let numbers: Vec<Vec<usize>> = (calls.iter()).map(|c| c.iter().map(|l| l.0).collect()).collect();
            // The unreadable line stays with the call it sits in; rows
            // without a call id make one call of their own.
            assert_eq!(
                numbers,
                [vec![1, 2], vec![4, 5, 6], vec![7, 8]],
                "batch size {batch_bytes}"
            );
            let lines: Vec<&str> = input
                .split(|&b| b == b'\n')
                .map(|l| std::str::from_utf8(l).unwrap())
                .collect();
            for (number, text) in calls.iter().flatten() {
                assert_eq!(text, lines[number - 1], "batch size {batch_bytes}");
            }
        }
    }

    /// A reader that gives `data`, then fails with "disk gone".
    pub(in crate::input) struct FailingReader {
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
        let results: Vec<_> = Batches::<Lines>::new(reader, 1 << 20).collect();
        assert_eq!(results.len(), 2, "{results:?}");
        let lines = &results[0].as_ref().unwrap().units;
        let expected = [(1, 0, 7), (2, 8, 15)].map(|(number, start, end)| Line { number, start, end });
        assert_eq!(lines, &expected);
        assert_eq!(results[1].as_ref().unwrap_err().to_string(), "disk gone");
    }
}
