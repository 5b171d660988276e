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
use crate::config::{Config, ConfigError};
use crate::engine::Linter;
use crate::gate::{Gate, GateOptions};
use crate::input::{self, Format};
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
    /// Make the HTML QA report from saved `--format json` documents or
    /// `--format jsonl` findings (also gzipped).
    Report(ReportArgs),
    /// Combine the `--format jsonl` outputs of many runs (files, or folders of
    /// part files as Spark writes them) into one run's json document,
    /// statistics or summary.
    Merge(MergeArgs),
    /// Show how rules read a sentence: its normalised text and the jieba
    /// tokens a phrase must start and end on (one sentence per argument, or
    /// per line of stdin).
    Tokens {
        /// Sentences; none: read lines from stdin.
        text: Vec<String>,
    },
    /// Print the settings in force (`.callint.yaml`) and where each came from.
    Config {
        #[command(flatten)]
        packs: PackArgs,
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
    /// Read settings from this file instead of the `.callint.yaml` found
    /// from the working directory upwards.
    #[arg(long, value_name = "PATH")]
    config: Option<PathBuf>,
    /// Ignore every config file.
    #[arg(long, conflicts_with = "config")]
    isolated: bool,
}

#[derive(Debug, Args)]
struct CheckArgs {
    /// Files or folders to lint (`-` for stdin, the default). Folders are
    /// walked for .jsonl, .ndjson, .json, .txt and .md files (also gzipped),
    /// and for .yaml, .yml and .csv catalogs when the config has `catalog:`.
    paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
    format: OutputFormat,
    /// Print how many findings each rule had, most first, instead of the
    /// findings (a JSON array with `--format json`).
    #[arg(long)]
    statistics: bool,
    /// Read the paths to lint from stdin, one per line (`git diff --name-only |
    /// callint check --stdin-paths`); deleted files, dot-files and files of
    /// kinds callint does not read are skipped.
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
    html: HtmlArgs,
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
    /// Encoding of inputs without a byte-order mark: gbk, gb18030, big5,
    /// utf-16le, … [default: `encoding` of the config, else utf-8]. Files
    /// that start with a UTF-8 or UTF-16 byte-order mark are read by it.
    #[arg(long, value_name = "LABEL")]
    encoding: Option<String>,
    /// Lowest severity that makes the exit code 1 [default: `fail-on` of the
    /// config, else error].
    #[arg(long, value_enum)]
    fail_on: Option<FailOn>,
    /// Exit 0 even when there are findings (still 2 on errors).
    #[arg(long)]
    exit_zero: bool,
    /// With `--format jsonl`: after each call's findings, a line
    /// `{"type":"call",…}` with its id, agent, utterances, duration and
    /// findings by severity; problems and the summary as typed lines too.
    #[arg(long)]
    emit_call_summary: bool,
    /// Do not print the summary on stderr.
    #[arg(long, short = 'q')]
    quiet: bool,
    /// When to use colour.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,
}

#[derive(Debug, Args)]
struct HtmlArgs {
    /// Mask ID, bank card, phone and other numbers of 11+ digits (also read
    /// out in Chinese numerals) in the output [default: on for html].
    #[arg(long, overrides_with = "no_redact")]
    redact: bool,
    /// Do not mask personal numbers (html masks them by default).
    #[arg(long)]
    no_redact: bool,
    /// Language of the html report's labels.
    #[arg(long, value_enum, default_value_t = report::html::Lang::Zh)]
    lang: report::html::Lang,
    /// Example findings the html report embeds per rule (counts and charts
    /// always cover every finding).
    #[arg(long, value_name = "N", default_value_t = report::html::DEFAULT_EXAMPLES)]
    examples: usize,
}

impl HtmlArgs {
    fn redact(&self, html: bool) -> bool {
        self.redact || (html && !self.no_redact)
    }
}

#[derive(Debug, Args)]
struct ReportArgs {
    /// Saved findings: `json` documents or `jsonl` files (`-` for stdin).
    #[arg(required = true)]
    findings: Vec<PathBuf>,
    /// Write the page to FILE instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    #[command(flatten)]
    html: HtmlArgs,
    #[command(flatten)]
    packs: PackArgs,
}

#[derive(Debug, Args)]
struct MergeArgs {
    /// Part files or folders of them (walked; `_*` and `.*` names skipped).
    #[arg(required = true)]
    parts: Vec<PathBuf>,
    /// What to print.
    #[arg(long, value_enum, default_value_t = crate::merge::MergeFormat::Json)]
    format: crate::merge::MergeFormat,
    /// Write to FILE instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
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
    /// The rule reference, as committed in docs/rules.md.
    Markdown,
}

/// Runs the command line and returns the process exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Check(args) => check(args),
        Command::Rules(args) => list_rules(args),
        Command::Explain { rule, packs } => explain(&rule, &packs),
        Command::TestRules { packs } => test_rules(&packs),
        Command::Report(args) => html_report(args),
        Command::Merge(args) => merge(args),
        Command::Config { packs } => show_config(&packs),
        Command::Tokens { text } => show_tokens(text),
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
        Err(Failure::Config(err)) => {
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
    Config(Box<ConfigError>),
    Io(io::Error),
}

impl From<Box<ConfigError>> for Failure {
    fn from(e: Box<ConfigError>) -> Self {
        Failure::Config(e)
    }
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

fn load_config(packs: &PackArgs) -> Result<Config, Failure> {
    let config = Config::load(packs.config.as_deref(), packs.isolated)?;
    config.install();
    Ok(config)
}

/// The `pack:` name of a pack's YAML, read without parsing the whole file.
fn pack_name(source: &PackSource) -> Option<&str> {
    source
        .text
        .lines()
        .find_map(|l| l.strip_prefix("pack:"))
        .map(|n| {
            n.split('#')
                .next()
                .unwrap_or_default()
                .trim()
                .trim_matches(['"', '\''])
        })
}

fn pack_sources(packs: &PackArgs, config: &Config) -> Result<Vec<PackSource>, Failure> {
    let defaults = !packs.no_default_rules && config.file.default_rules != Some(false);
    let mut sources = if defaults {
        RuleSet::default_sources()
    } else {
        Vec::new()
    };
    if let Some(enabled) = &config.file.packs {
        let all = RuleSet::default_sources();
        for name in enabled {
            if !all.iter().any(|s| pack_name(s) == Some(name.as_str())) {
                let names: Vec<_> = all.iter().filter_map(pack_name).collect();
                return Err(config
                    .error_at(
                        name,
                        format!("`{name}` is not a default pack ({})", names.join(", ")),
                    )
                    .into());
            }
        }
        sources.retain(|s| pack_name(s).is_some_and(|n| enabled.iter().any(|e| e == n)));
    }
    for path in config.file.rules.iter().flatten() {
        sources.extend(RuleSet::read_sources(&config.resolve(path))?);
    }
    for path in &packs.rules {
        sources.extend(RuleSet::read_sources(path)?);
    }
    sources.push(crate::suppress::builtin_pack());
    Ok(sources)
}

/// Loads the packs, then applies the config's severity overrides.
fn load_rules(packs: &PackArgs, config: &Config) -> Result<RuleSet, Failure> {
    let mut rules = RuleSet::compile(&pack_sources(packs, config)?)?;
    for (id, severity) in config.file.severity.iter().flatten() {
        let mut found = false;
        for rule in rules.rules.iter_mut().filter(|r| r.id.eq_ignore_ascii_case(id)) {
            rule.severity = *severity;
            found = true;
        }
        if !found {
            return Err(config.error_at(id, format!("severity: no rule `{id}`")).into());
        }
    }
    for (id, parameters) in config.file.parameters.iter().flatten() {
        let Some(rule) = rules.rules.iter_mut().find(|r| r.id.eq_ignore_ascii_case(id)) else {
            return Err(config.error_at(id, format!("parameters: no rule `{id}`")).into());
        };
        if let Some(n) = parameters.negation {
            rule.negation = n;
        }
        if let Some(b) = parameters.boundary {
            rule.boundary = b;
        }
    }
    Ok(rules)
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
    let (mut listed, mut missing) = (0, 0);
    for line in list.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let path = PathBuf::from(line);
        listed += 1;
        if lintable(&path) {
            paths.push(path);
        } else if !path.exists() {
            missing += 1;
        }
    }
    if missing > 0 && !args.quiet {
        // Deleted files are expected; all of them missing usually means the
        // list is relative to another folder (git prints repository-root paths).
        eprintln!(
            "callint: --stdin-paths: {missing} of {listed} listed path{} do not exist here (deleted, or \
             relative to another folder?)",
            if listed == 1 { "" } else { "s" }
        );
    }
    Ok(paths)
}

/// Whether a path from `--stdin-paths` is something callint reads: `git diff
/// --name-only` also lists deleted files, dot-files (`.callint.yaml`, CI
/// workflows) and files of other kinds, which are skipped rather than errors.
fn lintable(path: &std::path::Path) -> bool {
    let hidden = path.components().any(|c| {
        c.as_os_str()
            .to_str()
            .is_some_and(|s| s.starts_with('.') && s != "." && s != "..")
    });
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let name = name.strip_suffix(".gz").unwrap_or(&name);
    let ext = std::path::Path::new(name)
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default();
    let known = matches!(
        ext,
        "jsonl" | "ndjson" | "json" | "txt" | "text" | "md" | "markdown"
    ) || (matches!(ext, "yaml" | "yml" | "csv") && crate::config::catalog_configured());
    path.is_file() && !hidden && known
}

/// `--select` on the command line replaces the config's; `--ignore` adds to it.
fn selectors(args: &CheckArgs, config: &Config) -> (Vec<String>, Vec<String>) {
    let select = if args.select.is_empty() {
        config.file.select.clone().unwrap_or_default()
    } else {
        args.select.clone()
    };
    let mut ignore = config.file.ignore.clone().unwrap_or_default();
    ignore.extend(args.ignore.iter().cloned());
    (select, ignore)
}

/// Drops the paths the config excludes; folders are expanded to do so.
fn without_excluded(paths: Vec<PathBuf>, config: &Config) -> Vec<PathBuf> {
    if config.file.exclude.as_ref().is_none_or(Vec::is_empty) {
        return paths;
    }
    let mut kept = Vec::new();
    for path in paths {
        if path.as_os_str() == "-" || !path.exists() {
            kept.push(path);
        } else if !config.excluded(&path.display().to_string()) {
            if path.is_dir() {
                let mut problems = Vec::new();
                for input in crate::input::expand(std::slice::from_ref(&path), &mut problems) {
                    if let crate::input::Input::File(file) = input {
                        if !config.excluded(&file.display().to_string()) {
                            kept.push(file);
                        }
                    }
                }
            } else {
                kept.push(path);
            }
        }
    }
    kept
}

/// Where a command writes: the file given with `-o`, or standard output.
fn output(path: Option<&std::path::Path>) -> Result<Box<dyn Write>, Failure> {
    Ok(match path {
        Some(path) => {
            Box::new(io::BufWriter::new(std::fs::File::create(path).map_err(|e| {
                Failure::Usage(format!("cannot write {}: {e}", path.display()))
            })?))
        }
        None => Box::new(io::BufWriter::with_capacity(1 << 16, io::stdout().lock())),
    })
}

fn check(args: CheckArgs) -> Result<u8, Failure> {
    let config = load_config(&args.packs)?;
    let mut rules = load_rules(&args.packs, &config)?;
    let known = rules
        .rules
        .iter()
        .map(|r| (r.id.clone(), r.pack.clone()))
        .collect();
    let (select, ignore) = selectors(&args, &config);
    rules.select(&select, &ignore).map_err(Failure::Usage)?;
    let baseline = match &args.baseline {
        Some(path) => Some(Baseline::read(path).map_err(Failure::Usage)?),
        None => None,
    };
    if let Some(label) = args.encoding.as_deref().or(config.file.encoding.as_deref()) {
        input::set_encoding(label).map_err(Failure::Usage)?;
    }
    let fail_on = args
        .fail_on
        .map(Severity::from)
        .or(config.file.fail_on)
        .unwrap_or(Severity::Error);
    // Every path deleted, skipped or excluded leaves nothing to lint: a pass,
    // still with a (empty) report in the chosen format.
    let paths = without_excluded(input_paths(&args)?, &config);
    if let Some(n) = args.threads {
        rayon::ThreadPoolBuilder::new()
            .num_threads(n.max(1))
            .build_global()
            .map_err(|e| Failure::Usage(format!("cannot start {n} threads: {e}")))?;
    }
    // Never freed: taking apart the compiled packs, phrase indexes and
    // dictionary cost an eighth of a small file's run; the process ends
    // with this check and the system takes the memory back at once.
    let linter: &'static Linter = Box::leak(Box::new(Linter::new(rules)));
    let out = output(args.output.as_deref())?;
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
    let html = args.format == OutputFormat::Html;
    let redact = args.html.redact(html);
    if args.emit_call_summary && (args.format != OutputFormat::Jsonl || args.statistics) {
        return Err(Failure::Usage(
            "--emit-call-summary needs --format jsonl (and no --statistics)".into(),
        ));
    }
    let reporter = if args.statistics {
        report::statistics(linter.rules(), out, style, args.format)
    } else if args.emit_call_summary {
        report::jsonl_with_call_summary(linter.rules(), out, style)
    } else if html {
        let options = report::html::HtmlOptions {
            lang: args.html.lang,
            examples: args.html.examples,
            redacted: redact,
            summary: style.summary,
        };
        Box::new(report::html::Html::new(linter.rules(), out, options))
    } else {
        report::reporter(args.format, linter.rules(), out, style)
    };
    let reporter = if redact {
        Box::new(report::redact::Redacting::new(reporter))
    } else {
        reporter
    };
    let options = CheckOptions {
        paths,
        format: args.input_format,
        batch_bytes: 2 << 20,
        progress: !args.quiet && io::stderr().is_terminal(),
    };
    let mut gate = Gate::new(
        linter.rules(),
        reporter,
        GateOptions {
            suppressions: !args.no_suppressions,
            baseline,
            write_baseline: args.write_baseline.is_some(),
            known,
            config: Some(config),
        },
    );
    let summary = run::check(linter, &options, &mut gate)?;
    if let (Some(path), Some(mut baseline)) = (&args.write_baseline, gate.take_baseline()) {
        if redact {
            // Fingerprints are of the unmasked text; the text shown to people is masked.
            for entry in baseline.files.values_mut().flatten() {
                if let Some(text) = entry.text.as_mut() {
                    *text = report::redact::mask(text).into_owned();
                }
            }
        }
        baseline
            .write(path)
            .map_err(|e| Failure::Usage(format!("cannot write baseline {}: {e}", path.display())))?;
        if !args.quiet {
            let n: usize = baseline.files.values().map(Vec::len).sum();
            eprintln!(
                "callint: wrote {n} finding{} of {} file{} to {}",
                if n == 1 { "" } else { "s" },
                baseline.files.len(),
                if baseline.files.len() == 1 { "" } else { "s" },
                path.display()
            );
        }
    }
    let reported = gate.counts();
    Ok(if summary.had_problems() {
        2
    } else if args.exit_zero || args.write_baseline.is_some() {
        0
    } else if reported.at_least(fail_on) > 0 {
        1
    } else {
        0
    })
}

/// `callint report`: the html page from saved findings.
fn html_report(args: ReportArgs) -> Result<u8, Failure> {
    let config = load_config(&args.packs)?;
    let rules = load_rules(&args.packs, &config)?;
    let options = report::html::HtmlOptions {
        lang: args.html.lang,
        examples: args.html.examples,
        redacted: args.html.redact(true),
        summary: false,
    };
    let mut out = output(args.output.as_deref())?;
    report::html::report_from_files(&args.findings, &rules, &options, &mut out).map_err(Failure::Usage)?;
    Ok(0)
}

/// `callint merge`: many runs' jsonl parts as one run's output.
fn merge(args: MergeArgs) -> Result<u8, Failure> {
    let merged = crate::merge::Merged::read(&args.parts, args.format == crate::merge::MergeFormat::Json)
        .map_err(Failure::Usage)?;
    let mut out = output(args.output.as_deref())?;
    merged.write(args.format, &mut out)?;
    Ok(0)
}

fn list_rules(args: RulesArgs) -> Result<u8, Failure> {
    let config = load_config(&args.packs)?;
    let rules = load_rules(&args.packs, &config)?;
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
        ListFormat::Markdown => out.write_all(crate::rules::docs::markdown(&rules).as_bytes())?,
        ListFormat::Table => {
            use unicode_width::UnicodeWidthStr;
            let tags: Vec<String> = rules.rules.iter().map(|r| r.tags.join(",")).collect();
            // Pad by display width: a Chinese tag is two columns per character.
            let column = tags.iter().map(|t| t.width()).max().unwrap_or(0).max(1);
            for (r, tags) in rules.rules.iter().zip(&tags) {
                let tags = if tags.is_empty() { "-" } else { tags.as_str() };
                let pad = " ".repeat(column - tags.width());
                writeln!(
                    out,
                    "{:<9} {:<10} {:<8} {tags}{pad} {}",
                    r.id,
                    r.pack,
                    r.severity.as_str(),
                    r.title
                )?;
            }
        }
    }
    Ok(0)
}

/// Prints each sentence as the rules see it. The tokens are those of the
/// normalised text, which is what phrases are matched against: a rule whose
/// phrase does not fire on a sentence usually starts or ends inside a token
/// here (别算 in 您就别算了, where 算了 is one word).
fn show_tokens(text: Vec<String>) -> Result<u8, Failure> {
    let lines = if text.is_empty() {
        io::stdin().lines().collect::<io::Result<Vec<String>>>()?
    } else {
        text
    };
    let segmenter = crate::segment::Segmenter::default();
    let mut out = io::stdout().lock();
    for line in lines.iter().filter(|l| !l.trim().is_empty()) {
        let norm = crate::normalize::Normalized::new(line);
        writeln!(out, "{line}")?;
        writeln!(out, "  normalised: {}", norm.text())?;
        writeln!(out, "  tokens:     {}", segmenter.tokens(norm.text()).join(" / "))?;
    }
    Ok(0)
}

fn explain(id: &str, packs: &PackArgs) -> Result<u8, Failure> {
    let config = load_config(packs)?;
    let rules = load_rules(packs, &config)?;
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
    for line in rule.call.iter().flat_map(|c| c.explain()) {
        writeln!(out, "{line}")?;
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
    for (calls, mark) in [(&rule.fire_calls, '✗'), (&rule.pass_calls, '✓')] {
        for call in calls {
            writeln!(out, "  {mark} {}", crate::calllevel::one_line(call))?;
        }
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
    let failed = failures.len();
    for failure in failures {
        // The diagnostic itself, so the pack's YAML is shown with the
        // example underlined.
        eprintln!("{:?}", miette::Report::new(failure));
    }
    println!(
        "test-rules: {} rules, {} examples: {} passed, {} failed",
        rule_count,
        count,
        count - failed,
        failed
    );
    Ok(u8::from(failed > 0))
}

/// `callint config`: the settings in force, as YAML, each with its origin.
fn show_config(packs: &PackArgs) -> Result<u8, Failure> {
    let config = load_config(packs)?;
    let rules = load_rules(packs, &config)?;
    let mut out = io::stdout().lock();
    match &config.path {
        Some(path) => writeln!(out, "# config file: {}", path.display())?,
        None => writeln!(
            out,
            "# no config file (looked for .callint.yaml from here upwards)"
        )?,
    }
    let f = &config.file;
    let all_packs: Vec<String> = rules
        .packs
        .iter()
        .map(|p| p.name.clone())
        .filter(|n| n != "callint")
        .collect();
    let cli_rules: Vec<String> = packs.rules.iter().map(|p| p.display().to_string()).collect();
    let rows: Vec<(&str, serde_json::Value, String)> = vec![
        (
            "default-rules",
            (!packs.no_default_rules && f.default_rules != Some(false)).into(),
            if packs.no_default_rules {
                "command line".into()
            } else {
                config.origin(f.default_rules.is_some())
            },
        ),
        ("packs", all_packs.into(), config.origin(f.packs.is_some())),
        (
            "rules",
            serde_json::to_value(f.rules.clone().unwrap_or_default()).unwrap_or_default(),
            config.origin(f.rules.is_some()),
        ),
        ("rules (command line)", cli_rules.into(), "command line".into()),
        (
            "select",
            f.select.clone().unwrap_or_default().into(),
            config.origin(f.select.is_some()),
        ),
        (
            "ignore",
            f.ignore.clone().unwrap_or_default().into(),
            config.origin(f.ignore.is_some()),
        ),
        (
            "severity",
            serde_json::to_value(f.severity.clone().unwrap_or_default()).unwrap_or_default(),
            config.origin(f.severity.is_some()),
        ),
        (
            "parameters",
            serde_json::to_value(f.parameters.clone().unwrap_or_default()).unwrap_or_default(),
            config.origin(f.parameters.is_some()),
        ),
        (
            "fail-on",
            f.fail_on.unwrap_or(Severity::Error).as_str().into(),
            config.origin(f.fail_on.is_some()),
        ),
        (
            "exclude",
            f.exclude.clone().unwrap_or_default().into(),
            config.origin(f.exclude.is_some()),
        ),
        (
            "per-path-ignores",
            serde_json::to_value(f.per_path_ignores.clone().unwrap_or_default()).unwrap_or_default(),
            config.origin(f.per_path_ignores.is_some()),
        ),
        (
            "roles",
            serde_json::to_value(f.roles.clone().unwrap_or_default()).unwrap_or_default(),
            config.origin(f.roles.is_some()),
        ),
        (
            "fields",
            serde_json::to_value(f.fields.clone().unwrap_or_default()).unwrap_or_default(),
            config.origin(f.fields.is_some()),
        ),
        (
            "catalog",
            serde_json::to_value(crate::config::catalog_with_defaults(f.catalog.as_ref()))
                .unwrap_or_default(),
            config.origin(f.catalog.is_some()),
        ),
        (
            "encoding",
            f.encoding.as_deref().unwrap_or("utf-8").into(),
            config.origin(f.encoding.is_some()),
        ),
    ];
    for (key, value, origin) in rows {
        if key == "rules (command line)" {
            if value.as_array().is_some_and(|a| !a.is_empty()) {
                writeln!(out, "# --rules: {value}")?;
            }
            continue;
        }
        writeln!(out, "{key}: {value}  # {origin}")?;
    }
    writeln!(out, "# {} rules enabled before select/ignore", rules.rules.len())?;
    Ok(0)
}
