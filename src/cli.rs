//! The command line: argument parsing, loading rules, and exit codes.
//!
//! Exit codes (never dependent on the output format):
//!
//! | code | meaning |
//! |------|---------|
//! | 0 | no finding at or above `--fail-on` (default `error`) |
//! | 1 | findings at or above `--fail-on` |
//! | 2 | usage error, broken rule pack, or some input could not be read |

use crate::baseline::Baseline;
use crate::engine::Linter;
use crate::gate::{Gate, GateOptions};
use crate::input::Format;
use crate::report::{self, OutputFormat, Style};
use crate::rules::{PackError, PackSource, RuleSet, Severity};
use crate::run::{self, CheckOptions};
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

/// Compliance linter for Chinese call-centre transcripts and agent scripts.
#[derive(Debug, Parser)]
#[command(name = "callint", version, about, max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Lint transcripts and script files.
    Check(CheckArgs),
    /// List every rule: id, pack, severity, consumer right and title.
    Rules(RulesArgs),
    /// Print a rule's full documentation.
    Explain {
        /// Rule id, e.g. SVC-001.
        rule: String,
        #[command(flatten)]
        packs: PackArgs,
    },
    /// Run the `fire` / `pass` examples of rule packs (default packs, or the given files).
    TestRules {
        /// Pack files or folders; default: the packs compiled into callint.
        packs: Vec<PathBuf>,
    },
}

#[derive(Debug, Args)]
struct PackArgs {
    /// Extra rule pack file or folder of `*.yaml` packs (repeatable).
    #[arg(long = "rules", value_name = "PATH")]
    rules: Vec<PathBuf>,
    /// Do not load the packs compiled into callint.
    #[arg(long)]
    no_default_rules: bool,
}

#[derive(Debug, Args)]
struct CheckArgs {
    /// Files or folders to lint (`-` for stdin, the default). Folders are
    /// walked for .jsonl, .ndjson, .json, .txt and .md files (also gzipped).
    paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
    format: OutputFormat,
    /// Print how many findings each rule had, most first, instead of the findings.
    #[arg(long)]
    statistics: bool,
    /// Read the paths to lint from stdin, one per line (`git diff --name-only |
    /// callint check --stdin-paths`); paths that no longer exist are skipped.
    #[arg(long)]
    stdin_paths: bool,
    /// Report only findings not recorded in this baseline file.
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    /// Record every finding of this run into FILE, for `--baseline`; exits 0
    /// unless some input could not be read.
    #[arg(long, value_name = "FILE")]
    write_baseline: Option<PathBuf>,
    /// Ignore `# callint: ignore[…]` comments (report what they suppress).
    #[arg(long)]
    no_suppressions: bool,
    /// Write findings to FILE instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    #[command(flatten)]
    packs: PackArgs,
    /// Only run these rules: ids, id prefixes or pack names (comma-separated or repeated).
    #[arg(long, value_delimiter = ',')]
    select: Vec<String>,
    /// Skip these rules: ids, id prefixes or pack names.
    #[arg(long, value_delimiter = ',')]
    ignore: Vec<String>,
    /// Worker threads (default: one per core).
    #[arg(long, short = 'j')]
    threads: Option<usize>,
    /// How to read the inputs; `auto` decides by file name, and stdin is JSONL.
    #[arg(long, value_enum, default_value_t = Format::Auto)]
    input_format: Format,
    /// Lowest severity that makes the exit code 1.
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    fail_on: FailOn,
    /// Exit 0 even when there are findings (still 2 on errors).
    #[arg(long)]
    exit_zero: bool,
    /// Do not print the summary on stderr.
    #[arg(long, short = 'q')]
    quiet: bool,
    /// When to use colour.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum FailOn {
    Error,
    Warning,
    Info,
}

impl From<FailOn> for Severity {
    fn from(f: FailOn) -> Severity {
        match f {
            FailOn::Error => Severity::Error,
            FailOn::Warning => Severity::Warning,
            FailOn::Info => Severity::Info,
        }
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Args)]
struct RulesArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = ListFormat::Table)]
    format: ListFormat,
    #[command(flatten)]
    packs: PackArgs,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum ListFormat {
    Table,
    Json,
}

/// Runs the command line and returns the process exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Check(args) => check(args),
        Command::Rules(args) => list_rules(args),
        Command::Explain { rule, packs } => explain(&rule, &packs),
        Command::TestRules { packs } => test_rules(&packs),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(Failure::Usage(message)) => {
            eprintln!("callint: error: {message}");
            ExitCode::from(2)
        }
        Err(Failure::Pack(err)) => {
            eprintln!("{:?}", miette::Report::new(*err));
            ExitCode::from(2)
        }
        Err(Failure::Io(err)) if err.kind() == io::ErrorKind::BrokenPipe => ExitCode::from(0),
        Err(Failure::Io(err)) => {
            eprintln!("callint: error: {err}");
            ExitCode::from(2)
        }
    }
}

enum Failure {
    Usage(String),
    Pack(Box<PackError>),
    Io(io::Error),
}

impl From<PackError> for Failure {
    fn from(e: PackError) -> Self {
        Failure::Pack(Box::new(e))
    }
}

impl From<io::Error> for Failure {
    fn from(e: io::Error) -> Self {
        Failure::Io(e)
    }
}

fn pack_sources(packs: &PackArgs) -> Result<Vec<PackSource>, PackError> {
    let mut sources = if packs.no_default_rules {
        Vec::new()
    } else {
        RuleSet::default_sources()
    };
    for path in &packs.rules {
        sources.extend(RuleSet::read_sources(path)?);
    }
    sources.push(crate::suppress::builtin_pack());
    Ok(sources)
}

fn load_rules(packs: &PackArgs) -> Result<RuleSet, Failure> {
    Ok(RuleSet::compile(&pack_sources(packs)?)?)
}

/// The paths to lint: the arguments, or stdin's lines with `--stdin-paths`.
fn input_paths(args: &CheckArgs) -> Result<Vec<PathBuf>, Failure> {
    if !args.stdin_paths {
        return Ok(if args.paths.is_empty() {
            vec![PathBuf::from("-")]
        } else {
            args.paths.clone()
        });
    }
    if args.paths.iter().any(|p| p.as_os_str() == "-") {
        return Err(Failure::Usage("`-` cannot be used with --stdin-paths".into()));
    }
    let mut list = String::new();
    io::Read::read_to_string(&mut io::stdin(), &mut list)?;
    let mut paths = args.paths.clone();
    for line in list.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let path = PathBuf::from(line);
        // `git diff --name-only` lists deleted files too; they have nothing to lint.
        if path.exists() {
            paths.push(path);
        }
    }
    Ok(paths)
}

fn check(args: CheckArgs) -> Result<u8, Failure> {
    let mut rules = load_rules(&args.packs)?;
    let known = rules
        .rules
        .iter()
        .map(|r| (r.id.clone(), r.pack.clone()))
        .collect();
    rules.select(&args.select, &args.ignore).map_err(Failure::Usage)?;
    let baseline = match &args.baseline {
        Some(path) => Some(Baseline::read(path).map_err(Failure::Usage)?),
        None => None,
    };
    let paths = input_paths(&args)?;
    if let Some(n) = args.threads {
        rayon::ThreadPoolBuilder::new()
            .num_threads(n.max(1))
            .build_global()
            .map_err(|e| Failure::Usage(format!("cannot start {n} threads: {e}")))?;
    }
    let linter = Linter::new(rules);
    let out: Box<dyn Write> = match &args.output {
        Some(path) => {
            Box::new(io::BufWriter::new(std::fs::File::create(path).map_err(|e| {
                Failure::Usage(format!("cannot write {}: {e}", path.display()))
            })?))
        }
        None => Box::new(io::BufWriter::with_capacity(1 << 16, io::stdout().lock())),
    };
    let color = match args.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            args.output.is_none() && io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
        }
    };
    let style = Style {
        color,
        summary: !args.quiet,
    };
    let reporter = if args.statistics {
        report::statistics(linter.rules(), out, style)
    } else {
        report::reporter(args.format, linter.rules(), out, style)
    };
    let options = CheckOptions {
        paths,
        format: args.input_format,
        batch_bytes: 4 << 20,
    };
    let mut gate = Gate::new(
        linter.rules(),
        reporter,
        GateOptions {
            suppressions: !args.no_suppressions,
            baseline,
            write_baseline: args.write_baseline.is_some(),
            known,
        },
    );
    let summary = run::check(&linter, &options, &mut gate)?;
    if let (Some(path), Some(mut baseline)) = (&args.write_baseline, gate.take_baseline()) {
        baseline
            .write(path)
            .map_err(|e| Failure::Usage(format!("cannot write baseline {}: {e}", path.display())))?;
    }
    let reported = gate.counts();
    Ok(if summary.had_problems() {
        2
    } else if args.exit_zero || args.write_baseline.is_some() {
        0
    } else if reported.at_least(args.fail_on.into()) > 0 {
        1
    } else {
        0
    })
}

fn list_rules(args: RulesArgs) -> Result<u8, Failure> {
    let rules = load_rules(&args.packs)?;
    let mut out = io::stdout().lock();
    match args.format {
        ListFormat::Json => {
            let list: Vec<_> = rules
                .rules
                .iter()
                .map(|r| {
                    serde_json::json!({
                        "id": r.id, "pack": r.pack, "severity": r.severity, "title": r.title,
                        "tags": r.tags, "roles": r.roles, "phrases": r.phrases,
                        "patterns": r.patterns.iter().map(|p| p.as_str()).collect::<Vec<_>>(),
                        "message": r.message, "help": r.help,
                    })
                })
                .collect();
            serde_json::to_writer_pretty(&mut out, &list).map_err(io::Error::from)?;
            writeln!(out)?;
        }
        ListFormat::Table => {
            for r in &rules.rules {
                let tags = if r.tags.is_empty() {
                    "-".to_string()
                } else {
                    r.tags.join(",")
                };
                writeln!(
                    out,
                    "{:<9} {:<10} {:<8} {:<12} {}",
                    r.id,
                    r.pack,
                    r.severity.as_str(),
                    tags,
                    r.title
                )?;
            }
        }
    }
    Ok(0)
}

fn explain(id: &str, packs: &PackArgs) -> Result<u8, Failure> {
    let rules = load_rules(packs)?;
    let rule = rules
        .get(id)
        .ok_or_else(|| Failure::Usage(format!("no rule `{id}`; `callint rules` lists them")))?;
    let mut out = io::stdout().lock();
    writeln!(out, "{} {} [{}]", rule.id, rule.title, rule.severity.as_str())?;
    writeln!(
        out,
        "pack: {}   roles: {}",
        rule.pack,
        join(rule.roles.iter().map(|r| r.as_str()))
    )?;
    if !rule.tags.is_empty() {
        writeln!(out, "tags: {}", rule.tags.join(", "))?;
    }
    writeln!(out, "\n## What it checks\n{}", rule.message)?;
    let phrases = &rule.phrases;
    if !phrases.is_empty() {
        writeln!(out, "phrases: {}", phrases.join(" / "))?;
    }
    for p in &rule.patterns {
        writeln!(out, "pattern: {}", p.as_str())?;
    }
    if let Some(d) = rule.detector {
        writeln!(
            out,
            "detector: {}",
            serde_json::to_string(&d).unwrap_or_default().trim_matches('"')
        )?;
    }
    if rule.negation > 0 {
        writeln!(
            out,
            "ignored when negated within {} characters (不/没/未/非/别…)",
            rule.negation
        )?;
    }
    if !rule.exception_phrases.is_empty() || !rule.exception_patterns.is_empty() {
        let pats = rule.exception_patterns.iter().map(|p| p.as_str());
        writeln!(
            out,
            "except in a clause with: {}",
            join(rule.exception_phrases.iter().map(String::as_str).chain(pats))
        )?;
    }
    if let Some(why) = &rule.why {
        writeln!(out, "\n## Why\n{}", why.trim_end())?;
    }
    if let Some(help) = &rule.help {
        writeln!(out, "\n## Use instead\n{}", help.trim_end())?;
    }
    writeln!(out, "\n## Examples")?;
    for e in &rule.fire_examples {
        writeln!(out, "  ✗ {e}")?;
    }
    for e in &rule.pass_examples {
        writeln!(out, "  ✓ {e}")?;
    }
    if !rule.references.is_empty() {
        writeln!(out, "\n## References")?;
        for r in &rule.references {
            writeln!(out, "- {r}")?;
        }
    }
    Ok(0)
}

fn join<'a>(items: impl Iterator<Item = &'a str>) -> String {
    items.collect::<Vec<_>>().join(", ")
}

fn test_rules(paths: &[PathBuf]) -> Result<u8, Failure> {
    let mut sources = Vec::new();
    for path in paths {
        sources.extend(RuleSet::read_sources(path)?);
    }
    if paths.is_empty() {
        sources = RuleSet::default_sources();
    }
    let rules = RuleSet::compile(&sources)?;
    let count: usize = rules.rules.iter().map(crate::selftest::example_count).sum();
    let rule_count = rules.rules.len();
    let failures = crate::selftest::run_examples(&sources, rules);
    for failure in &failures {
        eprintln!(
            "{:?}",
            miette::Report::msg(String::new())
                .wrap_err(failure.to_string())
                .context("")
        );
    }
    println!(
        "test-rules: {} rules, {} examples: {} passed, {} failed",
        rule_count,
        count,
        count - failures.len(),
        failures.len()
    );
    Ok(u8::from(!failures.is_empty()))
}
