//! callint: a compliance linter for Chinese call-centre transcripts.
//!
//! The pipeline runs one way, each stage in its own module:
//!
//! ```text
//! input ──► normalize ──► matcher ──► engine ──► report
//! (calls)   (offset map)  (phrases     (roles, boundaries   (human, concise,
//!                          + regex)     via segment,         json, jsonl)
//!                                       negation, exceptions)
//! ```
//!
//! [`engine::Linter`] is the library entry point: build it from a
//! [`rules::RuleSet`], then call [`engine::Linter::check_call`] for each call.
//! [`run::check`] adds file reading, parallelism and reporting, which is what
//! the `callint` binary uses.

pub mod baseline;
pub mod calllevel;
pub mod cli;
pub mod config;
pub mod digits;
pub mod engine;
pub mod gate;
pub mod input;
pub mod literals;
pub mod matcher;
pub mod merge;
pub mod model;
pub mod normalize;
pub mod phrases;
pub mod prefilter;
pub mod report;
pub mod rules;
pub mod run;
pub mod segment;
pub mod selftest;
pub mod suppress;
