//! A one-line progress display on stderr for long interactive runs.
//!
//! Shown only when stderr is a terminal and the run has gone on for a moment,
//! so pipes, files and CI logs never see it; the line is erased before the
//! summary is printed.

use std::io::{self, Write};
use std::time::{Duration, Instant};

/// How long a run goes before progress appears, and how often it refreshes.
const DELAY: Duration = Duration::from_millis(500);
const REFRESH: Duration = Duration::from_millis(200);

/// Progress of one run.
#[derive(Debug)]
pub struct Progress {
    started: Instant,
    last: Option<Instant>,
    bytes: u64,
}

impl Progress {
    /// Starts the clock.
    pub fn new() -> Self {
        Progress {
            started: Instant::now(),
            last: None,
            bytes: 0,
        }
    }

    /// Counts `bytes` more input read; redraws at most every 200 ms.
    pub fn advance(&mut self, bytes: u64, calls: usize, findings: usize) {
        self.bytes += bytes;
        let now = Instant::now();
        let elapsed = now - self.started;
        if elapsed < DELAY || self.last.is_some_and(|t| now - t < REFRESH) {
            return;
        }
        self.last = Some(now);
        let mb = self.bytes as f64 / 1e6;
        let rate = mb / elapsed.as_secs_f64();
        let mut err = io::stderr().lock();
        // Progress is decoration: a failed write must not fail the run.
        let _ = write!(
            err,
            "\r\x1b[2Kcallint: {mb:.0} MB read, {calls} calls, {findings} findings, {rate:.0} MB/s"
        );
        let _ = err.flush();
    }

    /// Erases the line if it was drawn.
    pub fn finish(&self) {
        if self.last.is_some() {
            let mut err = io::stderr().lock();
            let _ = write!(err, "\r\x1b[2K");
            let _ = err.flush();
        }
    }
}

impl Default for Progress {
    fn default() -> Self {
        Progress::new()
    }
}
