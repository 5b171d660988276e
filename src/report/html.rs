//! `--format html` and `callint report`: one self-contained page for QA
//! analysts and their managers.
//!
//! Everything is counted in Rust while the findings stream past; the page gets
//! the totals, the charts as inline SVG, and at most [`DEFAULT_EXAMPLES`]
//! example findings per rule (a deterministic sample: the findings with the
//! smallest hash of file, call, utterance and span, so the same run gives the
//! same page whatever the input order). No network, no CDN: the CSS and the
//! small script that filters the table are inlined from `html/`.
//!
//! All text from transcripts, rule packs and file names goes through
//! [`escape`] (or [`json_for_script`] inside `<script>`).

use super::summary::{FindingCounts, Summary};
use super::{clock, CallResult, Reporter};
use crate::input::{self, Input, Problem};
use crate::model::Role;
use crate::rules::{Rule, RuleSet, Severity};
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use std::collections::{BTreeMap, BinaryHeap, HashMap, HashSet};
use std::fmt::{self, Write as _};
use std::io::{self, BufRead, Write};
use std::path::{Path, PathBuf};

const TEMPLATE: &str = include_str!("html/report.html");
const CSS: &str = include_str!("html/report.css");
const JS: &str = include_str!("html/report.js");

/// Example findings embedded per rule unless `--examples` says otherwise.
pub const DEFAULT_EXAMPLES: usize = 50;
/// Utterances of context shown on either side of a finding's utterance.
pub const CONTEXT: usize = 2;
/// Bars in the by-rule chart (the rest are summed into one bar).
const RULE_BARS: usize = 20;
/// Agents listed in the ranking.
const AGENT_ROWS: usize = 15;

/// Language of the page's labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Lang {
    /// 中文 (default).
    #[default]
    Zh,
    /// English.
    En,
}

/// How the page is made.
#[derive(Debug, Clone)]
pub struct HtmlOptions {
    /// Label language.
    pub lang: Lang,
    /// Example findings embedded per rule.
    pub examples: usize,
    /// Whether personal numbers were masked (said on the page).
    pub redacted: bool,
    /// Also print the run's summary on stderr (`check` without `--quiet`).
    pub summary: bool,
}

impl Default for HtmlOptions {
    fn default() -> Self {
        HtmlOptions {
            lang: Lang::Zh,
            examples: DEFAULT_EXAMPLES,
            redacted: true,
            summary: false,
        }
    }
}

// ---------------------------------------------------------------------------
// Labels
// ---------------------------------------------------------------------------

/// `(key, 中文, English)`.
const LABELS: &[(&str, &str, &str)] = &[
    ("title", "callint 质检报告", "callint QA report"),
    ("calls", "通话", "Calls"),
    ("utterances", "话语", "Utterances"),
    ("findings", "问题", "Findings"),
    ("error", "错误", "Error"),
    ("warning", "警告", "Warning"),
    ("info", "提示", "Info"),
    ("error_calls", "含错误级问题的通话", "Calls with an error-level finding"),
    ("agents", "坐席", "Agents"),
    ("by_rule", "各规则问题数", "Findings by rule"),
    ("by_pack", "各规则包问题数", "Findings by pack"),
    ("by_right", "各消费者权益问题数", "Findings by consumer right"),
    ("no_right", "（未标注权益）", "(no right tagged)"),
    ("other_rules", "其余 {n} 条规则共 {m} 条问题（见问题明细）", "{n} more rules with {m} findings (see the table)"),
    ("agent_rank", "坐席排名：每百通电话问题数", "Agents by findings per 100 calls"),
    ("agent", "坐席", "Agent"),
    ("per100", "每百通问题数", "Per 100 calls"),
    ("top_rules", "主要问题", "Top rules"),
    ("rank", "排名", "Rank"),
    ("by_hour", "按时段（通话开始时刻）", "By hour of day (call start)"),
    ("by_date", "按日期", "By date"),
    ("by_month", "按月份", "By month"),
    ("table", "问题明细", "Findings"),
    ("rule", "规则", "Rule"),
    ("right", "消费者权益", "Consumer right"),
    ("severity", "级别", "Severity"),
    ("utterance", "话语与上下文", "Utterance and context"),
    ("call", "通话", "Call"),
    ("all", "全部", "All"),
    ("search", "搜索话语、通话号、规则…", "Search text, call id, rule…"),
    ("reset", "清除筛选", "Clear filters"),
    ("more", "显示更多", "Show more"),
    ("shown", "显示 {n} / {m} 条示例", "Showing {n} of {m} examples"),
    ("none_match", "没有符合筛选条件的示例。", "No example matches the filters."),
    ("explain", "规则说明", "About this rule"),
    ("rules", "规则说明", "Rules"),
    ("why", "为什么", "Why"),
    ("use_instead", "规范用语", "Use instead"),
    ("references", "依据", "References"),
    ("pack", "规则包", "Pack"),
    ("tags", "标签", "Tags"),
    ("agent_role", "坐席", "agent"),
    ("customer_role", "客户", "customer"),
    ("whole_call", "整通电话", "whole call"),
    ("no_findings", "没有发现问题。", "No findings."),
    ("no_times", "输入中没有通话开始时间（started_at），无法按时段和日期统计。", "The input has no call start times (started_at), so there is no distribution over hours and dates."),
    ("sample_note", "图表和数字统计全部 {total} 条问题；明细中每条规则最多嵌入 {k} 条示例（按确定性抽样选出），共 {n} 条。", "Charts and figures count all {total} findings; the table embeds at most {k} examples per rule (a deterministic sample), {n} in all."),
    ("context_note", "本报告由保存的 json/jsonl 结果生成：结果中只有问题所在的那句话，没有前后文。要看上下文，请用 `callint check --format html` 直接生成报告。", "This report was made from saved json/jsonl findings, which carry only the finding's own utterance: the context is not available. `callint check --format html` shows two utterances either side."),
    ("calls_note", "jsonl 结果不含通话总数：通话数、占比和坐席通话数只算有问题的通话。", "jsonl findings carry no call totals: calls, shares and agents' calls count only calls with findings."),
    ("redacted_note", "身份证号、银行卡号、手机号等 11 位以上的数字（含中文读法）已打码，只保留末 4 位。", "ID, card, phone and other numbers of 11 or more digits (also read out in Chinese numerals) are masked except for the last 4 digits."),
    ("not_redacted", "未打码：报告中可能含有个人信息。", "Not redacted: the report may contain personal information."),
    ("min_calls", "通话少于 {n} 通的坐席不参与排名。", "Agents with fewer than {n} calls are not ranked."),
    ("skipped", "无法读取而跳过：{files} 个文件、{records} 条记录、{utterances} 句话语。", "Skipped as unreadable: {files} files, {records} records, {utterances} utterances."),
    ("sources", "输入", "Inputs"),
    ("more_files", " 等 {n} 个文件", " and {n} more"),
    ("generated", "callint {v}", "callint {v}"),
    ("no_context", "（无上下文）", "(no context)"),
    ("line", "行", "line"),
    ("filter_to", "只看这条规则", "Only this rule"),
];

fn label(lang: Lang, key: &str) -> &'static str {
    LABELS
        .iter()
        .find(|(k, _, _)| *k == key)
        .map(|(_, zh, en)| if lang == Lang::Zh { *zh } else { *en })
        .unwrap_or("")
}

fn parse_severity(s: &str) -> Option<Severity> {
    match s {
        "error" => Some(Severity::Error),
        "warning" => Some(Severity::Warning),
        "info" => Some(Severity::Info),
        _ => None,
    }
}

fn severity_label(lang: Lang, s: Severity) -> &'static str {
    label(lang, s.as_str())
}

fn role_label(lang: Lang, r: Role) -> &'static str {
    match r {
        Role::Agent => label(lang, "agent_role"),
        Role::Customer => label(lang, "customer_role"),
    }
}

// ---------------------------------------------------------------------------
// Escaping
// ---------------------------------------------------------------------------

/// `s` safe inside HTML text and quoted attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && c != '\n' && c != '\t' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

/// JSON that cannot end a `<script>` element or start a comment in it.
pub fn json_for_script(value: &serde_json::Value) -> String {
    serde_json::to_string(value)
        .unwrap_or_default()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
        .replace('\u{2028}', "\\u2028")
        .replace('\u{2029}', "\\u2029")
}

/// A fragment for `#key=value` links (percent-encoding what a URL fragment
/// or an attribute cannot hold).
fn url_part(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// At most `cols` display columns of `s`, with `…` when cut.
fn truncate(s: &str, cols: usize) -> String {
    use unicode_width::UnicodeWidthChar;
    let mut width = 0;
    let mut out = String::new();
    for c in s.chars() {
        width += c.width().unwrap_or(0);
        if width > cols {
            out.push('…');
            return out;
        }
        out.push(c);
    }
    out
}

// ---------------------------------------------------------------------------
// Aggregation
// ---------------------------------------------------------------------------

/// A rule as the page describes it.
#[derive(Debug, Clone, Default)]
struct RuleInfo {
    id: String,
    pack: String,
    severity: Option<Severity>,
    title: String,
    message: String,
    help: Option<String>,
    why: Option<String>,
    references: Vec<String>,
    tags: Vec<String>,
}

impl RuleInfo {
    fn of(rule: &Rule) -> RuleInfo {
        RuleInfo {
            id: rule.id.clone(),
            pack: rule.pack.clone(),
            severity: Some(rule.severity),
            title: rule.title.clone(),
            message: rule.message.clone(),
            help: rule.help.clone(),
            why: rule.why.clone(),
            references: rule.references.clone(),
            tags: rule.tags.clone(),
        }
    }

    fn rights(&self) -> impl Iterator<Item = &str> {
        self.tags.iter().map(String::as_str).filter(|t| t.ends_with('权'))
    }
}

/// One utterance around a finding.
#[derive(Debug, Clone)]
struct ContextLine {
    index: usize,
    role: Role,
    start: Option<f64>,
    text: String,
    focus: bool,
}

/// An example finding kept for the table.
#[derive(Debug, Clone)]
struct Example {
    rule: usize,
    severity: Severity,
    file: String,
    call_id: String,
    agent_id: Option<String>,
    line: Option<usize>,
    utterance: Option<usize>,
    role: Option<Role>,
    time: Option<[Option<f64>; 2]>,
    text: Option<String>,
    /// Character range of the span in `text`.
    span: Option<(usize, usize)>,
    detail: Option<String>,
    /// Neighbouring utterances with the finding's own; `None` when unknown.
    context: Option<Vec<ContextLine>>,
}

/// A kept example, ordered by its sampling key (largest first in the heap).
struct Kept {
    key: u64,
    seq: u64,
    example: Example,
}

impl PartialEq for Kept {
    fn eq(&self, other: &Self) -> bool {
        (self.key, self.seq) == (other.key, other.seq)
    }
}
impl Eq for Kept {}
impl PartialOrd for Kept {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Kept {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.key, self.seq).cmp(&(other.key, other.seq))
    }
}

#[derive(Default)]
struct RuleStats {
    info: RuleInfo,
    count: usize,
    sample: BinaryHeap<Kept>,
}

#[derive(Default)]
struct AgentStats {
    /// Calls, when every call was seen (check) or the document said so.
    calls: usize,
    /// Calls with findings (keys), when only findings were seen.
    finding_calls: HashSet<u64>,
    findings: usize,
    by_rule: HashMap<usize, usize>,
}

/// What a finding contributes, before its example is built.
struct Seen<'a> {
    rule: usize,
    severity: Severity,
    file: &'a str,
    call_id: &'a str,
    agent_id: Option<&'a str>,
    started_at: Option<&'a str>,
    utterance: Option<usize>,
    char_start: Option<usize>,
}

fn fnv(parts: &[&[u8]]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for &b in *part {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        h ^= 0xff;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// `YYYY-MM-DD` and the hour of a `started_at` as written (no time-zone
/// conversion: the hour is the local hour the transcript states).
fn date_hour(s: &str) -> Option<(String, Option<u8>)> {
    let b = s.trim().as_bytes();
    let digits =
        |r: std::ops::Range<usize>| b.get(r.clone()).is_some_and(|d| d.iter().all(u8::is_ascii_digit));
    if b.len() < 10
        || !digits(0..4)
        || !matches!(b[4], b'-' | b'/')
        || b[7] != b[4]
        || !digits(5..7)
        || !digits(8..10)
    {
        return None;
    }
    let date = format!("{}-{}-{}", &s.trim()[..4], &s.trim()[5..7], &s.trim()[8..10]);
    let hour = (b.len() >= 13 && matches!(b[10], b'T' | b' ') && digits(11..13))
        .then(|| (b[11] - b'0') * 10 + (b[12] - b'0'))
        .filter(|h| *h < 24);
    Some((date, hour))
}

/// Counts over every finding plus a bounded sample of examples.
pub struct Aggregate {
    examples: usize,
    rules: Vec<RuleStats>,
    by_id: HashMap<String, usize>,
    /// Rule texts from the loaded packs, for `callint report`.
    catalog: HashMap<String, RuleInfo>,
    severity: FindingCounts,
    /// Total calls and utterances, when known.
    calls: Option<usize>,
    utterances: Option<usize>,
    files: usize,
    skipped: [usize; 3],
    /// Calls seen with findings, and with an error-level finding.
    finding_calls: HashSet<u64>,
    error_calls: HashSet<u64>,
    agents: HashMap<String, AgentStats>,
    /// Whether agents' call counts are complete.
    agent_calls_known: bool,
    hours: [(usize, usize); 24],
    dates: BTreeMap<String, (usize, usize)>,
    /// Calls counted into `hours` / `dates` (only in check mode).
    call_times: bool,
    any_times: bool,
    /// Whether examples carry their context.
    context: bool,
    seq: u64,
    sources: Vec<String>,
}

impl Aggregate {
    fn new(examples: usize, context: bool) -> Self {
        Aggregate {
            examples,
            rules: Vec::new(),
            by_id: HashMap::new(),
            catalog: HashMap::new(),
            severity: FindingCounts::default(),
            calls: None,
            utterances: None,
            files: 0,
            skipped: [0; 3],
            finding_calls: HashSet::new(),
            error_calls: HashSet::new(),
            agents: HashMap::new(),
            agent_calls_known: context,
            hours: [(0, 0); 24],
            dates: BTreeMap::new(),
            call_times: context,
            any_times: false,
            context,
            seq: 0,
            sources: Vec::new(),
        }
    }

    fn rule_index(&mut self, id: &str, make: impl FnOnce(&HashMap<String, RuleInfo>) -> RuleInfo) -> usize {
        if let Some(&i) = self.by_id.get(id) {
            return i;
        }
        let info = make(&self.catalog);
        self.rules.push(RuleStats {
            info,
            ..RuleStats::default()
        });
        self.by_id.insert(id.to_string(), self.rules.len() - 1);
        self.rules.len() - 1
    }

    /// A whole call (check mode): counts it under its agent, hour and date.
    fn call(&mut self, agent: Option<&str>, started_at: Option<&str>) {
        if let Some(a) = agent {
            self.agents.entry(a.to_string()).or_default().calls += 1;
        }
        if let Some((date, hour)) = started_at.and_then(date_hour) {
            self.any_times = true;
            self.dates.entry(date).or_default().0 += 1;
            if let Some(h) = hour {
                self.hours[usize::from(h)].0 += 1;
            }
        }
    }

    /// Counts a finding; returns the sampling key when its example should be
    /// built and offered to [`Aggregate::keep`].
    fn count(&mut self, seen: &Seen<'_>) -> Option<u64> {
        self.severity.add(seen.severity);
        let call_key = fnv(&[seen.file.as_bytes(), seen.call_id.as_bytes()]);
        self.finding_calls.insert(call_key);
        if seen.severity == Severity::Error {
            self.error_calls.insert(call_key);
        }
        if let Some(a) = seen.agent_id {
            let agent = self.agents.entry(a.to_string()).or_default();
            agent.findings += 1;
            *agent.by_rule.entry(seen.rule).or_default() += 1;
            if !self.agent_calls_known {
                agent.finding_calls.insert(call_key);
            }
        }
        if let Some((date, hour)) = seen.started_at.and_then(date_hour) {
            self.any_times = true;
            self.dates.entry(date).or_default().1 += 1;
            if let Some(h) = hour {
                self.hours[usize::from(h)].1 += 1;
            }
        }
        let stats = &mut self.rules[seen.rule];
        stats.count += 1;
        if self.examples == 0 {
            return None;
        }
        let key = fnv(&[
            seen.file.as_bytes(),
            seen.call_id.as_bytes(),
            &seen.utterance.map_or(u64::MAX, |u| u as u64).to_le_bytes(),
            &seen.char_start.map_or(u64::MAX, |u| u as u64).to_le_bytes(),
            stats.info.id.as_bytes(),
        ]);
        let full = stats.sample.len() >= self.examples;
        (!full || stats.sample.peek().is_some_and(|top| key < top.key)).then_some(key)
    }

    fn keep(&mut self, key: u64, example: Example) {
        self.seq += 1;
        let stats = &mut self.rules[example.rule];
        stats.sample.push(Kept {
            key,
            seq: self.seq,
            example,
        });
        if stats.sample.len() > self.examples {
            stats.sample.pop();
        }
    }

    /// Adds the findings of one linted call, with context.
    fn add_result(&mut self, rules: &RuleSet, result: &CallResult) {
        let call = &result.call;
        // A file's calls arrive together, so comparing with the last is enough.
        if self.sources.last().map(String::as_str) != Some(&*result.file) {
            self.sources.push(result.file.to_string());
        }
        self.call(call.agent_id.as_deref(), call.started_at.as_deref());
        for finding in &result.findings {
            let rule = &rules.rules[finding.rule];
            let index = self.rule_index(&rule.id, |_| RuleInfo::of(rule));
            let position = finding.utterance.filter(|&i| i < call.utterances.len());
            let utterance = position.map(|i| &call.utterances[i]);
            let seen = Seen {
                rule: index,
                severity: rule.severity,
                file: &result.file,
                call_id: &call.id,
                agent_id: call.agent_id.as_deref(),
                started_at: call.started_at.as_deref(),
                utterance: utterance.map(|u| u.index),
                char_start: finding.span.as_ref().map(|s| s.char_start),
            };
            let Some(key) = self.count(&seen) else {
                continue;
            };
            let context = position.map(|p| {
                let from = p.saturating_sub(CONTEXT);
                let to = (p + CONTEXT + 1).min(call.utterances.len());
                call.utterances[from..to]
                    .iter()
                    .enumerate()
                    .map(|(k, u)| ContextLine {
                        index: u.index,
                        role: u.role,
                        start: u.start,
                        text: u.text.clone(),
                        focus: from + k == p,
                    })
                    .collect()
            });
            let location = super::Location::of(result, finding);
            self.keep(
                key,
                Example {
                    rule: index,
                    severity: rule.severity,
                    file: result.file.to_string(),
                    call_id: call.id.clone(),
                    agent_id: call.agent_id.clone(),
                    line: location.line,
                    utterance: utterance.map(|u| u.index),
                    role: utterance.map(|u| u.role),
                    time: utterance
                        .and_then(|u| (u.start.is_some() || u.end.is_some()).then_some([u.start, u.end])),
                    text: utterance.map(|u| u.text.clone()),
                    span: finding.span.as_ref().map(|s| (s.char_start, s.char_end)),
                    detail: finding.detail.clone(),
                    context,
                },
            );
        }
    }

    /// Adds one finding read from a saved `json` / `jsonl` file.
    fn add_record(&mut self, record: InFinding, redact: bool) {
        let index = self.rule_index(&record.rule, |catalog| {
            catalog.get(&record.rule).cloned().unwrap_or_else(|| RuleInfo {
                id: record.rule.clone(),
                pack: record.pack.clone(),
                severity: parse_severity(&record.severity),
                title: record.title.clone(),
                message: record.message.clone(),
                help: record.help.clone(),
                why: None,
                references: Vec::new(),
                tags: record.tags.clone(),
            })
        });
        let severity = parse_severity(&record.severity)
            .or(self.rules[index].info.severity)
            .unwrap_or(Severity::Info);
        let seen = Seen {
            rule: index,
            severity,
            file: &record.file,
            call_id: &record.call_id,
            agent_id: record.agent_id.as_deref(),
            started_at: record.started_at.as_deref(),
            utterance: record.utterance,
            char_start: record.span.as_ref().map(|s| s.char_start),
        };
        let Some(key) = self.count(&seen) else {
            return;
        };
        let mask = |s: String| {
            if redact {
                super::redact::mask(&s).into_owned()
            } else {
                s
            }
        };
        let example = Example {
            rule: index,
            severity,
            utterance: record.utterance,
            role: record.role,
            time: record.time,
            span: record.span.as_ref().map(|s| (s.char_start, s.char_end)),
            text: record.text.map(mask),
            detail: record.detail.map(mask),
            file: record.file,
            call_id: record.call_id,
            agent_id: record.agent_id,
            line: record.line,
            context: None,
        };
        self.keep(key, example);
    }
}

// ---------------------------------------------------------------------------
// check --format html
// ---------------------------------------------------------------------------

/// The reporter behind `check --format html`.
pub struct Html<'a> {
    rules: &'a RuleSet,
    out: Box<dyn Write + 'a>,
    options: HtmlOptions,
    agg: Aggregate,
}

impl<'a> Html<'a> {
    /// Writes the page to `out` when the run finishes.
    pub fn new(rules: &'a RuleSet, out: Box<dyn Write + 'a>, options: HtmlOptions) -> Self {
        let agg = Aggregate::new(options.examples, true);
        Html {
            rules,
            out,
            options,
            agg,
        }
    }
}

impl Reporter for Html<'_> {
    fn call(&mut self, result: &CallResult) -> io::Result<()> {
        self.agg.add_result(self.rules, result);
        Ok(())
    }

    fn problem(&mut self, _problem: &Problem) -> io::Result<()> {
        Ok(())
    }

    fn finish(&mut self, summary: &Summary) -> io::Result<()> {
        let agg = &mut self.agg;
        agg.calls = Some(summary.calls);
        agg.utterances = Some(summary.utterances);
        agg.files = summary.files;
        agg.skipped = [
            summary.skipped.files,
            summary.skipped.records,
            summary.skipped.utterances,
        ];
        let page = render(agg, &self.options);
        self.out.write_all(page.as_bytes())?;
        self.out.flush()?;
        if self.options.summary {
            summary.write_human(&mut io::stderr().lock())?;
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------
// callint report: saved json / jsonl findings
// ---------------------------------------------------------------------------

#[derive(Debug, Deserialize)]
struct InSpan {
    char_start: usize,
    char_end: usize,
}

/// A finding record as `docs/output.md` documents it (only what the page uses).
#[derive(Debug, Deserialize)]
struct InFinding {
    rule: String,
    #[serde(default)]
    pack: String,
    #[serde(default)]
    severity: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    message: String,
    #[serde(default)]
    detail: Option<String>,
    #[serde(default)]
    help: Option<String>,
    #[serde(default)]
    file: String,
    #[serde(default)]
    call_id: String,
    #[serde(default)]
    agent_id: Option<String>,
    #[serde(default)]
    started_at: Option<String>,
    #[serde(default)]
    utterance: Option<usize>,
    #[serde(default)]
    role: Option<Role>,
    #[serde(default)]
    time: Option<[Option<f64>; 2]>,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    span: Option<InSpan>,
    #[serde(default)]
    line: Option<usize>,
    #[serde(default)]
    tags: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
struct InSkipped {
    #[serde(default)]
    files: usize,
    #[serde(default)]
    records: usize,
    #[serde(default)]
    utterances: usize,
}

#[derive(Debug, Default, Deserialize)]
struct InSummary {
    #[serde(default)]
    files: usize,
    #[serde(default)]
    calls: usize,
    #[serde(default)]
    utterances: usize,
    #[serde(default)]
    skipped: InSkipped,
}

/// Streams a `json` document's findings into the aggregate, one at a time,
/// so a large document is never held in memory.
struct DocumentSeed<'a> {
    agg: &'a mut Aggregate,
    redact: bool,
}

struct Document {
    summary: Option<InSummary>,
    calls_by_agent: Option<HashMap<String, usize>>,
}

impl<'de> DeserializeSeed<'de> for DocumentSeed<'_> {
    type Value = Document;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Document, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for DocumentSeed<'_> {
    type Value = Document;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a callint json document")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Document, A::Error> {
        let mut doc = Document {
            summary: None,
            calls_by_agent: None,
        };
        let mut findings = false;
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "findings" => {
                    map.next_value_seed(FindingsSeed {
                        agg: &mut *self.agg,
                        redact: self.redact,
                    })?;
                    findings = true;
                }
                "summary" => doc.summary = Some(map.next_value()?),
                "calls_by_agent" => doc.calls_by_agent = Some(map.next_value()?),
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        if !findings {
            return Err(de::Error::missing_field("findings"));
        }
        Ok(doc)
    }
}

struct FindingsSeed<'a> {
    agg: &'a mut Aggregate,
    redact: bool,
}

impl<'de> DeserializeSeed<'de> for FindingsSeed<'_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for FindingsSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of findings")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(record) = seq.next_element::<InFinding>()? {
            self.agg.add_record(record, self.redact);
        }
        Ok(())
    }
}

/// Whether a findings file is JSON Lines: by its name, else by whether its
/// first line is a whole finding record.
fn is_jsonl(path: &Path, reader: &mut dyn BufRead) -> io::Result<bool> {
    let name = path.to_string_lossy().to_ascii_lowercase();
    let name = name.strip_suffix(".gz").unwrap_or(&name);
    if name.ends_with(".jsonl") || name.ends_with(".ndjson") {
        return Ok(true);
    }
    if name.ends_with(".json") {
        return Ok(false);
    }
    let buf = reader.fill_buf()?;
    let first = buf.split(|&b| b == b'\n').next().unwrap_or_default();
    Ok(serde_json::from_slice::<serde_json::Value>(first).is_ok_and(|v| v.get("rule").is_some()))
}

/// `callint report`: reads saved findings and renders the page. `rules` are
/// the loaded packs, for the rules' explanations.
pub fn report_from_files(
    paths: &[PathBuf],
    rules: &RuleSet,
    options: &HtmlOptions,
    out: &mut dyn Write,
) -> Result<(), String> {
    let mut agg = Aggregate::new(options.examples, false);
    agg.catalog = rules
        .rules
        .iter()
        .map(|r| (r.id.clone(), RuleInfo::of(r)))
        .collect();
    let mut calls = Some(0usize);
    let mut utterances = Some(0usize);
    let mut by_agent: Option<HashMap<String, usize>> = Some(HashMap::new());
    for path in paths {
        let input = if path.as_os_str() == "-" {
            Input::Stdin
        } else {
            Input::File(path.clone())
        };
        let name = input.display_name();
        agg.sources.push(name.clone());
        let mut reader = input::open(&input).map_err(|e| format!("cannot read {name}: {e}"))?;
        if is_jsonl(path, &mut reader).map_err(|e| format!("cannot read {name}: {e}"))? {
            calls = None;
            utterances = None;
            by_agent = None;
            for (n, line) in reader.lines().enumerate() {
                let line = line.map_err(|e| format!("{name}:{}: {e}", n + 1))?;
                if line.trim().is_empty() {
                    continue;
                }
                let record: InFinding = serde_json::from_str(&line)
                    .map_err(|e| format!("{name}:{}: not a finding record: {e}", n + 1))?;
                agg.add_record(record, options.redacted);
            }
        } else {
            let mut de = serde_json::Deserializer::from_reader(reader);
            let doc = DocumentSeed {
                agg: &mut agg,
                redact: options.redacted,
            }
            .deserialize(&mut de)
            .map_err(|e| format!("{name}: not a callint json document: {e}"))?;
            match doc.summary {
                Some(s) => {
                    calls = calls.map(|c| c + s.calls);
                    utterances = utterances.map(|u| u + s.utterances);
                    agg.files += s.files;
                    agg.skipped[0] += s.skipped.files;
                    agg.skipped[1] += s.skipped.records;
                    agg.skipped[2] += s.skipped.utterances;
                }
                None => {
                    calls = None;
                    utterances = None;
                }
            }
            match (doc.calls_by_agent, by_agent.as_mut()) {
                (Some(map), Some(total)) => {
                    for (agent, n) in map {
                        *total.entry(agent).or_default() += n;
                    }
                }
                _ => by_agent = None,
            }
        }
    }
    agg.calls = calls;
    agg.utterances = utterances;
    if let Some(map) = by_agent {
        agg.agent_calls_known = true;
        for (agent, n) in map {
            agg.agents.entry(agent).or_default().calls = n;
        }
    }
    let page = render(&mut agg, options);
    out.write_all(page.as_bytes()).map_err(|e| e.to_string())?;
    out.flush().map_err(|e| e.to_string())
}

// ---------------------------------------------------------------------------
// Rendering
// ---------------------------------------------------------------------------

fn fill(template: &str, pairs: &[(&str, String)]) -> String {
    let mut s = template.to_string();
    for (k, v) in pairs {
        s = s.replace(&format!("{{{k}}}"), v);
    }
    s
}

/// `{{name}}` markers of the page template replaced in one pass, so that
/// nothing inserted (transcript text included) is ever read as a marker.
fn fill_template(template: &str, pairs: &[(&str, String)]) -> String {
    let mut out = String::with_capacity(template.len() + pairs.iter().map(|p| p.1.len()).sum::<usize>());
    let mut rest = template;
    while let Some(at) = rest.find("{{") {
        out.push_str(&rest[..at]);
        let after = &rest[at + 2..];
        match after
            .find("}}")
            .and_then(|end| pairs.iter().find(|p| p.0 == &after[..end]).map(|p| (end, p)))
        {
            Some((end, (_, value))) => {
                out.push_str(value);
                rest = &after[end + 2..];
            }
            None => {
                out.push_str("{{");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

fn num(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `n` in at most four or five characters: 987, 1.2k, 15k, 2.3M.
fn compact(n: usize) -> String {
    match n {
        0..=999 => n.to_string(),
        1_000..=9_999 => format!("{:.1}k", n as f64 / 1e3),
        10_000..=999_999 => format!("{}k", (n as f64 / 1e3).round()),
        _ => format!("{:.1}M", n as f64 / 1e6),
    }
}

fn pct(part: usize, whole: usize) -> String {
    if whole == 0 {
        "—".into()
    } else {
        format!("{:.1}%", part as f64 * 100.0 / whole as f64)
    }
}

struct Bar {
    label: String,
    value: usize,
    tip: String,
    href: Option<String>,
    class: &'static str,
}

/// A horizontal bar chart as inline SVG.
fn hbars(aria: &str, bars: &[Bar], wide: bool) -> String {
    let (w, label_w) = if wide { (1150, 300) } else { (540, 170) };
    const ROW: usize = 26;
    let max = bars.iter().map(|b| b.value).max().unwrap_or(0).max(1);
    let h = bars.len() * ROW + 6;
    let area = (w - label_w - 70) as f64;
    let mut s = format!(
        r#"<svg class="chart" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" aria-label="{}" xmlns="http://www.w3.org/2000/svg">"#,
        escape(aria)
    );
    for (i, b) in bars.iter().enumerate() {
        let y = i * ROW + 3;
        let bar_w = (b.value as f64 / max as f64 * area).max(2.0);
        let body = format!(
            r#"<g class="row"><title>{tip}</title><rect class="hit" x="0" y="{y}" width="{w}" height="{ROW}"/><text class="lbl" x="{lx}" y="{ty}" text-anchor="end">{label}</text><rect class="bar {class}" x="{label_w}" y="{by}" width="{bar_w:.1}" height="{bh}" rx="3"/><text class="val" x="{vx:.1}" y="{ty}">{value}</text></g>"#,
            tip = escape(&b.tip),
            lx = label_w - 8,
            ty = y + 17,
            label = escape(&truncate(&b.label, if wide { 44 } else { 24 })),
            class = b.class,
            by = y + 4,
            bh = ROW - 8,
            vx = label_w as f64 + bar_w + 6.0,
            value = num(b.value),
        );
        match &b.href {
            Some(href) => {
                let _ = write!(s, r#"<a href="{}">{body}</a>"#, escape(href));
            }
            None => s.push_str(&body),
        }
    }
    s.push_str("</svg>");
    s
}

/// A column chart as inline SVG: `(label, value, tooltip)`; every
/// `label_every`-th label is written under its column.
fn columns(aria: &str, cols: &[(String, usize, String)], label_every: usize) -> String {
    const W: usize = 540;
    const H: usize = 170;
    const BOTTOM: usize = 26;
    const TOP: usize = 16;
    let max = cols.iter().map(|c| c.1).max().unwrap_or(0).max(1);
    let n = cols.len().max(1);
    let step = ((W - 20) as f64 / n as f64).min(48.0);
    let left = 10.0 + ((W - 20) as f64 - step * n as f64) / 2.0;
    let bw = (step * 0.72).max(1.0);
    let mut s = format!(
        r#"<svg class="chart" viewBox="0 0 {W} {H}" width="{W}" height="{H}" role="img" aria-label="{}" xmlns="http://www.w3.org/2000/svg"><line class="axis" x1="10" y1="{ay}" x2="{ax}" y2="{ay}"/>"#,
        escape(aria),
        ay = H - BOTTOM,
        ax = W - 10,
    );
    let area = (H - BOTTOM - TOP) as f64;
    for (i, (lbl, value, tip)) in cols.iter().enumerate() {
        let x = left + i as f64 * step + (step - bw) / 2.0;
        let h = if *value == 0 {
            0.0
        } else {
            (*value as f64 / max as f64 * area).max(1.5)
        };
        let y = (H - BOTTOM) as f64 - h;
        let _ = write!(
            s,
            r#"<g class="col"><title>{tip}</title><rect class="hit" x="{hx:.1}" y="0" width="{step:.1}" height="{H}"/><rect class="bar b-main" x="{x:.1}" y="{y:.1}" width="{bw:.1}" height="{h:.1}" rx="2"/>"#,
            tip = escape(tip),
            hx = left + i as f64 * step,
        );
        let v = compact(*value);
        // A value is written over its column only where it fits (11px digits).
        if *value > 0 && step >= v.len() as f64 * 6.5 + 2.0 {
            let _ = write!(
                s,
                r#"<text class="val" x="{cx:.1}" y="{vy:.1}" text-anchor="middle">{v}</text>"#,
                cx = x + bw / 2.0,
                vy = y - 3.0,
            );
        }
        if i % label_every.max(1) == 0 {
            let _ = write!(
                s,
                r#"<text class="tick" x="{cx:.1}" y="{ty}" text-anchor="middle">{l}</text>"#,
                cx = x + bw / 2.0,
                ty = H - BOTTOM + 16,
                l = escape(lbl),
            );
        }
        s.push_str("</g>");
    }
    s.push_str("</svg>");
    s
}

fn severity_class(s: Severity) -> &'static str {
    match s {
        Severity::Error => "b-error",
        Severity::Warning => "b-warning",
        Severity::Info => "b-info",
    }
}

/// The utterance with the span marked.
fn highlighted(text: &str, span: Option<(usize, usize)>) -> String {
    let Some((start, end)) = span else {
        return escape(text);
    };
    let chars: Vec<char> = text.chars().collect();
    if start > end || end > chars.len() {
        return escape(text);
    }
    let part = |r: std::ops::Range<usize>| escape(&chars[r].iter().collect::<String>());
    format!(
        "{}<mark>{}</mark>{}",
        part(0..start),
        part(start..end),
        part(end..chars.len())
    )
}

fn time_range(time: Option<[Option<f64>; 2]>) -> Option<String> {
    let [start, end] = time?;
    Some(match (start, end) {
        (Some(s), Some(e)) => format!("{}–{}", clock(s), clock(e)),
        (Some(s), None) => clock(s),
        (None, Some(e)) => format!("–{}", clock(e)),
        (None, None) => return None,
    })
}

/// The whole page.
fn render(agg: &mut Aggregate, options: &HtmlOptions) -> String {
    let lang = options.lang;
    let l = |k: &str| label(lang, k);
    let mut body = String::with_capacity(1 << 16);
    let total = agg.severity.total();

    // Rules, most findings first.
    let mut order: Vec<usize> = (0..agg.rules.len()).collect();
    order.sort_by(|&a, &b| {
        let (ra, rb) = (&agg.rules[a], &agg.rules[b]);
        rb.count.cmp(&ra.count).then_with(|| ra.info.id.cmp(&rb.info.id))
    });
    let rule_rank: HashMap<usize, usize> = order.iter().enumerate().map(|(rank, &i)| (i, rank)).collect();
    let severity_of = |r: &RuleStats| r.info.severity.unwrap_or(Severity::Info);

    // ---- header
    let mut sources = agg
        .sources
        .iter()
        .take(4)
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(", ");
    if agg.sources.len() > 4 {
        sources.push_str(&fill(l("more_files"), &[("n", num(agg.sources.len() - 4))]));
    }
    let _ = write!(
        body,
        r#"<header><h1>{}</h1><p class="sub">{}: {} · {}</p></header>"#,
        escape(l("title")),
        escape(l("sources")),
        escape(&sources),
        escape(&fill(
            l("generated"),
            &[("v", env!("CARGO_PKG_VERSION").to_string())]
        )),
    );

    // ---- headline figures
    let calls_known = agg.calls.is_some();
    let calls = agg.calls.unwrap_or(agg.finding_calls.len());
    let calls_text = if calls_known {
        num(calls)
    } else {
        format!("≥ {}", num(calls))
    };
    let error_calls = agg.error_calls.len();
    body.push_str(r#"<section class="cards">"#);
    let card = |body: &mut String, key: &str, value: &str, extra: &str, class: &str| {
        let _ = write!(
            body,
            r#"<div class="card {class}"><div class="k">{}</div><div class="v">{}</div><div class="x">{}</div></div>"#,
            escape(l(key)),
            escape(value),
            extra
        );
    };
    card(&mut body, "calls", &calls_text, "", "");
    card(
        &mut body,
        "utterances",
        &agg.utterances.map_or("—".into(), num),
        "",
        "",
    );
    let chips = format!(
        r#"<span class="chip c-error">{} {}</span><span class="chip c-warning">{} {}</span><span class="chip c-info">{} {}</span>"#,
        escape(l("error")),
        num(agg.severity.error),
        escape(l("warning")),
        num(agg.severity.warning),
        escape(l("info")),
        num(agg.severity.info)
    );
    card(&mut body, "findings", &num(total), &chips, "");
    card(
        &mut body,
        "error_calls",
        &pct(error_calls, calls),
        &escape(&format!("{} / {}", num(error_calls), calls_text)),
        if error_calls > 0 { "alert" } else { "" },
    );
    card(&mut body, "agents", &num(agg.agents.len()), "", "");
    body.push_str("</section>");

    // ---- notes
    body.push_str(r#"<section class="notes">"#);
    let n_examples: usize = agg.rules.iter().map(|r| r.sample.len()).sum();
    let _ = write!(
        body,
        "<p>{}</p>",
        escape(&fill(
            l("sample_note"),
            &[
                ("total", num(total)),
                ("k", num(agg.examples)),
                ("n", num(n_examples))
            ]
        ))
    );
    if !agg.context {
        let _ = write!(body, r#"<p class="warn">{}</p>"#, escape(l("context_note")));
    }
    if !calls_known {
        let _ = write!(body, r#"<p class="warn">{}</p>"#, escape(l("calls_note")));
    }
    if options.redacted {
        let _ = write!(body, r#"<p>{}</p>"#, escape(l("redacted_note")));
    } else {
        let _ = write!(body, r#"<p class="warn">{}</p>"#, escape(l("not_redacted")));
    }
    if agg.skipped.iter().any(|&n| n > 0) {
        let _ = write!(
            body,
            r#"<p class="warn">{}</p>"#,
            escape(&fill(
                l("skipped"),
                &[
                    ("files", num(agg.skipped[0])),
                    ("records", num(agg.skipped[1])),
                    ("utterances", num(agg.skipped[2]))
                ]
            ))
        );
    }
    body.push_str("</section>");

    if total == 0 {
        let _ = write!(body, r#"<p class="empty">{}</p>"#, escape(l("no_findings")));
    }

    // ---- charts
    body.push_str(r#"<section class="grid">"#);
    let rule_bars: Vec<Bar> = order
        .iter()
        .take(RULE_BARS)
        .map(|&i| {
            let r = &agg.rules[i];
            Bar {
                label: format!("{} {}", r.info.id, r.info.title),
                value: r.count,
                tip: format!(
                    "{} {} · {} · {}",
                    r.info.id,
                    r.info.title,
                    severity_label(lang, severity_of(r)),
                    num(r.count)
                ),
                href: Some(format!("#rule={}", url_part(&r.info.id))),
                class: severity_class(severity_of(r)),
            }
        })
        .collect();
    // The rules past the chart are summed in the legend, not drawn as a bar
    // that would dwarf the others.
    let rest = if order.len() > RULE_BARS {
        let n: usize = order[RULE_BARS..].iter().map(|&i| agg.rules[i].count).sum();
        format!(
            r#" <span class="rest">· {}</span>"#,
            escape(&fill(
                l("other_rules"),
                &[("n", num(order.len() - RULE_BARS)), ("m", num(n))]
            ))
        )
    } else {
        String::new()
    };
    if !rule_bars.is_empty() {
        let _ = write!(
            body,
            r#"<div class="panel wide" id="chart-rule"><h2>{}</h2>{}<p class="legend"><span class="sw b-error"></span>{} <span class="sw b-warning"></span>{} <span class="sw b-info"></span>{}{rest}</p></div>"#,
            escape(l("by_rule")),
            hbars(l("by_rule"), &rule_bars, true),
            escape(l("error")),
            escape(l("warning")),
            escape(l("info")),
        );
    }
    // By pack and by right.
    let mut packs: BTreeMap<&str, usize> = BTreeMap::new();
    let mut rights: BTreeMap<&str, usize> = BTreeMap::new();
    let mut unrighted = 0;
    for r in &agg.rules {
        *packs.entry(r.info.pack.as_str()).or_default() += r.count;
        let mut any = false;
        for right in r.info.rights() {
            *rights.entry(right).or_default() += r.count;
            any = true;
        }
        if !any {
            unrighted += r.count;
        }
    }
    let sorted = |m: BTreeMap<&str, usize>| {
        let mut v: Vec<(String, usize)> = m.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        v
    };
    let pack_bars: Vec<Bar> = sorted(packs)
        .into_iter()
        .map(|(name, n)| Bar {
            tip: format!("{name}: {}", num(n)),
            label: name,
            value: n,
            href: None,
            class: "b-main",
        })
        .collect();
    let mut right_bars: Vec<Bar> = sorted(rights)
        .into_iter()
        .map(|(name, n)| Bar {
            tip: format!("{name}: {}", num(n)),
            href: Some(format!("#right={}", url_part(&name))),
            label: name,
            value: n,
            class: "b-right",
        })
        .collect();
    if unrighted > 0 {
        right_bars.push(Bar {
            label: l("no_right").into(),
            value: unrighted,
            tip: format!("{}: {}", l("no_right"), num(unrighted)),
            href: None,
            class: "b-muted",
        });
    }
    if !pack_bars.is_empty() {
        let _ = write!(
            body,
            r#"<div class="panel" id="chart-pack"><h2>{}</h2>{}</div><div class="panel" id="chart-right"><h2>{}</h2>{}</div>"#,
            escape(l("by_pack")),
            hbars(l("by_pack"), &pack_bars, false),
            escape(l("by_right")),
            hbars(l("by_right"), &right_bars, false),
        );
    }
    body.push_str("</section>");

    // ---- agents
    render_agents(agg, options, &mut body);

    // ---- time distributions
    render_times(agg, options, &mut body);

    // ---- findings table (always there: the script expects its controls)
    render_table(agg, options, &order, &rule_rank, &mut body);

    // ---- rule explanations
    let _ = write!(
        body,
        r#"<section class="panel rules" id="rules"{}><h2>{}</h2>"#,
        if order.is_empty() { " hidden" } else { "" },
        escape(l("rules"))
    );
    for &i in &order {
        let r = &agg.rules[i].info;
        let sev = r.severity.unwrap_or(Severity::Info);
        let _ = write!(
            body,
            r##"<article class="rule" id="rule-{id_attr}"><h3><span class="sev s-{sev}">{sevl}</span> <a href="#rule={id_url}">{id}</a> {title}</h3><div class="explain"><p class="meta">{pack_l}: {pack}{tags}</p><p>{message}</p>"##,
            id_attr = escape(&r.id),
            sev = sev.as_str(),
            sevl = escape(severity_label(lang, sev)),
            id_url = escape(&url_part(&r.id)),
            id = escape(&r.id),
            title = escape(&r.title),
            pack_l = escape(l("pack")),
            pack = escape(&r.pack),
            tags = if r.tags.is_empty() {
                String::new()
            } else {
                format!(" · {}: {}", escape(l("tags")), escape(&r.tags.join("、")))
            },
            message = escape(&r.message),
        );
        if let Some(why) = &r.why {
            let _ = write!(
                body,
                r#"<h4>{}</h4><p class="pre">{}</p>"#,
                escape(l("why")),
                escape(why.trim())
            );
        }
        if let Some(help) = &r.help {
            let _ = write!(
                body,
                r#"<h4>{}</h4><p class="pre help">{}</p>"#,
                escape(l("use_instead")),
                escape(help.trim())
            );
        }
        if !r.references.is_empty() {
            let _ = write!(body, "<h4>{}</h4><ul>", escape(l("references")));
            for reference in &r.references {
                let _ = write!(body, "<li>{}</li>", escape(reference));
            }
            body.push_str("</ul>");
        }
        body.push_str("</div></article>");
    }
    body.push_str("</section>");

    let strings = serde_json::json!({
        "shown": l("shown"),
        "none": l("none_match"),
    });
    fill_template(
        TEMPLATE,
        &[
            ("lang", if lang == Lang::Zh { "zh-CN" } else { "en" }.to_string()),
            ("title", escape(l("title"))),
            ("css", CSS.to_string()),
            ("strings", json_for_script(&strings)),
            ("js", JS.to_string()),
            ("body", body),
        ],
    )
}

fn render_agents(agg: &Aggregate, options: &HtmlOptions, body: &mut String) {
    let lang = options.lang;
    let l = |k: &str| label(lang, k);
    if agg.agents.is_empty() {
        return;
    }
    let calls_of = |a: &AgentStats| {
        if agg.agent_calls_known {
            a.calls
        } else {
            a.finding_calls.len()
        }
    };
    let total_calls = agg.calls.unwrap_or(0);
    let min_calls = if total_calls >= 100 { 5 } else { 1 };
    let mut ranked: Vec<(&String, &AgentStats, f64)> = agg
        .agents
        .iter()
        .filter(|(_, a)| calls_of(a) >= min_calls && a.findings > 0)
        .map(|(id, a)| (id, a, a.findings as f64 * 100.0 / calls_of(a).max(1) as f64))
        .collect();
    ranked.sort_by(|a, b| {
        b.2.total_cmp(&a.2)
            .then(b.1.findings.cmp(&a.1.findings))
            .then(a.0.cmp(b.0))
    });
    if ranked.is_empty() {
        return;
    }
    let top = ranked.first().map_or(1.0, |r| r.2).max(1e-9);
    let _ = write!(
        body,
        r#"<section class="panel" id="agents"><h2>{}</h2><table class="agents"><thead><tr><th>{}</th><th>{}</th><th class="n">{}</th><th class="n">{}</th><th>{}</th><th>{}</th></tr></thead><tbody>"#,
        escape(l("agent_rank")),
        escape(l("rank")),
        escape(l("agent")),
        escape(l("calls")),
        escape(l("findings")),
        escape(l("per100")),
        escape(l("top_rules")),
    );
    for (rank, (id, a, rate)) in ranked.iter().take(AGENT_ROWS).enumerate() {
        let mut rules: Vec<(&usize, &usize)> = a.by_rule.iter().collect();
        rules.sort_by(|x, y| {
            y.1.cmp(x.1)
                .then(agg.rules[*x.0].info.id.cmp(&agg.rules[*y.0].info.id))
        });
        let tops: Vec<String> = rules
            .iter()
            .take(3)
            .map(|(&r, &n)| {
                let info = &agg.rules[r].info;
                format!(
                    r##"<a class="pill" href="#rule={}&amp;agent={}" title="{}">{} ×{}</a>"##,
                    escape(&url_part(&info.id)),
                    escape(&url_part(id)),
                    escape(&info.title),
                    escape(&info.id),
                    n
                )
            })
            .collect();
        let _ = write!(
            body,
            r##"<tr><td class="n">{}</td><td><a href="#agent={}">{}</a></td><td class="n">{}</td><td class="n">{}</td><td class="rate"><span class="rbar" style="width:{:.0}%"></span><span>{:.1}</span></td><td>{}</td></tr>"##,
            rank + 1,
            escape(&url_part(id)),
            escape(id),
            num(calls_of(a)),
            num(a.findings),
            rate / top * 100.0,
            rate,
            tops.join(" ")
        );
    }
    body.push_str("</tbody></table>");
    if min_calls > 1 {
        let _ = write!(
            body,
            r#"<p class="note">{}</p>"#,
            escape(&fill(l("min_calls"), &[("n", min_calls.to_string())]))
        );
    }
    body.push_str("</section>");
}

fn render_times(agg: &Aggregate, options: &HtmlOptions, body: &mut String) {
    let lang = options.lang;
    let l = |k: &str| label(lang, k);
    if !agg.any_times {
        let _ = write!(body, r#"<p class="note">{}</p>"#, escape(l("no_times")));
        return;
    }
    let tip = |label: &str, (calls, findings): (usize, usize)| {
        if agg.call_times {
            format!(
                "{label}: {} {} · {} {}",
                num(findings),
                l("findings"),
                num(calls),
                l("calls")
            )
        } else {
            format!("{label}: {} {}", num(findings), l("findings"))
        }
    };
    let hours: Vec<(String, usize, String)> = (0..24)
        .map(|h| {
            let label = format!("{h:02}");
            (
                label.clone(),
                agg.hours[h].1,
                tip(&format!("{h:02}:00–{h:02}:59"), agg.hours[h]),
            )
        })
        .collect();
    let (date_title, dates): (&str, Vec<(String, usize, String)>) = if agg.dates.len() > 92 {
        let mut months: BTreeMap<String, (usize, usize)> = BTreeMap::new();
        for (d, (c, f)) in &agg.dates {
            let m = months.entry(d[..7].to_string()).or_default();
            m.0 += c;
            m.1 += f;
        }
        (
            "by_month",
            months
                .into_iter()
                .map(|(m, v)| (m.clone(), v.1, tip(&m, v)))
                .collect(),
        )
    } else {
        (
            "by_date",
            agg.dates
                .iter()
                .map(|(d, v)| (d[5..].to_string(), v.1, tip(d, *v)))
                .collect(),
        )
    };
    let every = dates.len().div_ceil(12).max(1);
    let _ = write!(
        body,
        r#"<section class="grid"><div class="panel" id="chart-hour"><h2>{}</h2>{}</div><div class="panel" id="chart-date"><h2>{}</h2>{}</div></section>"#,
        escape(l("by_hour")),
        columns(l("by_hour"), &hours, 2),
        escape(l(date_title)),
        columns(l(date_title), &dates, every),
    );
}

fn render_table(
    agg: &mut Aggregate,
    options: &HtmlOptions,
    order: &[usize],
    rule_rank: &HashMap<usize, usize>,
    body: &mut String,
) {
    let lang = options.lang;
    let l = |k: &str| label(lang, k);
    let mut examples: Vec<(u64, Example)> = Vec::new();
    for stats in &mut agg.rules {
        examples.extend(
            std::mem::take(&mut stats.sample)
                .into_iter()
                .map(|k| (k.seq, k.example)),
        );
    }
    examples.sort_by_key(|(seq, e)| {
        (
            std::cmp::Reverse(e.severity),
            rule_rank.get(&e.rule).copied().unwrap_or(0),
            *seq,
        )
    });
    let mut agents: Vec<&str> = examples
        .iter()
        .filter_map(|(_, e)| e.agent_id.as_deref())
        .collect();
    agents.sort_unstable();
    agents.dedup();

    let _ = write!(
        body,
        r#"<section class="panel" id="findings"><h2>{}</h2><form class="filters" id="filters" onsubmit="return false">"#,
        escape(l("table"))
    );
    let _ = write!(
        body,
        r#"<label>{}<select id="f-rule" name="rule"><option value="">{}</option>"#,
        escape(l("rule")),
        escape(l("all"))
    );
    for &i in order {
        let r = &agg.rules[i];
        let _ = write!(
            body,
            r#"<option value="{}">{} {} ({})</option>"#,
            escape(&r.info.id),
            escape(&r.info.id),
            escape(&truncate(&r.info.title, 24)),
            num(r.count)
        );
    }
    let _ = write!(
        body,
        r#"</select></label><label>{}<select id="f-severity" name="severity"><option value="">{}</option>"#,
        escape(l("severity")),
        escape(l("all"))
    );
    for s in [Severity::Error, Severity::Warning, Severity::Info] {
        let _ = write!(
            body,
            r#"<option value="{}">{}</option>"#,
            s.as_str(),
            escape(severity_label(lang, s))
        );
    }
    let _ = write!(
        body,
        r#"</select></label><label>{}<select id="f-agent" name="agent"><option value="">{}</option>"#,
        escape(l("agent")),
        escape(l("all"))
    );
    for a in &agents {
        let _ = write!(body, r#"<option value="{}">{}</option>"#, escape(a), escape(a));
    }
    let mut rights: BTreeMap<&str, usize> = BTreeMap::new();
    for r in &agg.rules {
        for right in r.info.rights() {
            *rights.entry(right).or_default() += r.count;
        }
    }
    let mut rights: Vec<(&str, usize)> = rights.into_iter().collect();
    rights.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let _ = write!(
        body,
        r#"</select></label><label>{}<select id="f-right" name="right"><option value="">{}</option>"#,
        escape(l("right")),
        escape(l("all"))
    );
    for (right, n) in &rights {
        let _ = write!(
            body,
            r#"<option value="{}">{} ({})</option>"#,
            escape(right),
            escape(right),
            num(*n)
        );
    }
    let _ = write!(
        body,
        r#"</select></label><label class="grow"><input id="f-q" name="q" type="search" placeholder="{}"></label><button type="button" id="f-reset">{}</button></form><p class="count" id="f-count"></p>"#,
        escape(l("search")),
        escape(l("reset")),
    );
    let _ = write!(
        body,
        r#"<table class="findings" id="table"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead>"#,
        escape(l("severity")),
        escape(l("rule")),
        escape(l("utterance")),
        escape(l("call")),
    );
    for (_, e) in &examples {
        let info = &agg.rules[e.rule].info;
        let _ = write!(
            body,
            r##"<tbody class="f" data-rule="{rule}" data-severity="{sev}" data-agent="{agent}" data-right="{rights}"><tr><td><span class="sev s-{sev}">{sevl}</span></td><td class="r"><a class="rid" href="#rule={rule_url}" title="{filter}">{rule}</a><div class="rt">{title}</div><div class="tg">{tags}</div></td><td class="u">"##,
            rule = escape(&info.id),
            sev = e.severity.as_str(),
            agent = escape(e.agent_id.as_deref().unwrap_or("")),
            sevl = escape(severity_label(lang, e.severity)),
            rule_url = escape(&url_part(&info.id)),
            filter = escape(l("filter_to")),
            title = escape(&info.title),
            rights = escape(&info.rights().collect::<Vec<_>>().join(" ")),
            tags = escape(
                &std::iter::once(info.pack.as_str())
                    .chain(info.tags.iter().map(String::as_str))
                    .collect::<Vec<_>>()
                    .join(" · ")
            ),
        );
        let meta = |role: Option<Role>, index: Option<usize>, time: Option<String>| {
            let mut parts = Vec::new();
            if let Some(r) = role {
                parts.push(role_label(lang, r).to_string());
            }
            if let Some(t) = time {
                parts.push(t);
            }
            if let Some(i) = index {
                parts.push(format!("#{i}"));
            }
            escape(&parts.join(" · "))
        };
        match (&e.context, &e.text) {
            (Some(lines), _) if !lines.is_empty() => {
                body.push_str(r#"<ol class="ctx">"#);
                for c in lines {
                    let text = if c.focus {
                        highlighted(&c.text, e.span)
                    } else {
                        escape(&c.text)
                    };
                    let time = if c.focus {
                        time_range(e.time)
                    } else {
                        c.start.map(clock)
                    };
                    let _ = write!(
                        body,
                        r#"<li class="{cls} role-{role}"><span class="who">{meta}</span><span class="said">{text}</span></li>"#,
                        cls = if c.focus { "focus" } else { "near" },
                        role = c.role.as_str(),
                        meta = meta(Some(c.role), Some(c.index), time),
                    );
                }
                body.push_str("</ol>");
            }
            (_, Some(text)) => {
                let _ = write!(
                    body,
                    r#"<ol class="ctx"><li class="focus role-{role}"><span class="who">{meta}</span><span class="said">{text}</span></li></ol>"#,
                    role = e.role.map_or("none", Role::as_str),
                    meta = meta(e.role, e.utterance, time_range(e.time)),
                    text = highlighted(text, e.span),
                );
            }
            _ => {
                let _ = write!(body, r#"<p class="whole">{}</p>"#, escape(l("whole_call")));
            }
        }
        if let Some(d) = &e.detail {
            let _ = write!(body, r#"<p class="detail">{}</p>"#, escape(d));
        } else {
            let _ = write!(body, r#"<p class="detail">{}</p>"#, escape(&info.message));
        }
        if let Some(h) = &info.help {
            let _ = write!(body, r#"<p class="help">{}</p>"#, escape(h.trim()));
        }
        let _ = write!(
            body,
            r##"<details class="why" data-rule="{}"><summary>{}</summary><a href="#rule-{}">↓</a></details></td>"##,
            escape(&info.id),
            escape(l("explain")),
            escape(&info.id),
        );
        let place = match e.line {
            Some(line) => format!("{}:{line}", e.file),
            None => e.file.clone(),
        };
        let _ = write!(
            body,
            r#"<td class="c"><div class="cid">{}</div>{}<div class="file">{}</div></td></tr></tbody>"#,
            escape(&e.call_id),
            e.agent_id
                .as_deref()
                .map(|a| format!(r#"<div class="ag">{} {}</div>"#, escape(l("agent")), escape(a)))
                .unwrap_or_default(),
            escape(&place),
        );
    }
    let _ = write!(
        body,
        r#"</table><p class="empty" id="f-none" hidden>{}</p><p class="more"><button type="button" id="f-more" hidden>{}</button></p></section>"#,
        escape(l("none_match")),
        escape(l("more")),
    );
}

impl fmt::Debug for Aggregate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Aggregate")
            .field("rules", &self.rules.len())
            .field("findings", &self.severity.total())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_script_ends() {
        assert_eq!(
            escape(r#"<img src=x onerror="a">&'"#),
            "&lt;img src=x onerror=&quot;a&quot;&gt;&amp;&#39;"
        );
        let v = serde_json::json!({"s": "</script><!--\u{2028}"});
        let j = json_for_script(&v);
        assert!(!j.contains('<') && !j.contains('\u{2028}'), "{j}");
    }

    #[test]
    fn reads_dates_and_hours_as_written() {
        assert_eq!(
            date_hour("2026-11-21T09:30:00+08:00"),
            Some(("2026-11-21".into(), Some(9)))
        );
        assert_eq!(
            date_hour("2026/11/21 23:00"),
            Some(("2026-11-21".into(), Some(23)))
        );
        assert_eq!(date_hour("2026-11-21"), Some(("2026-11-21".into(), None)));
        assert_eq!(date_hour("yesterday"), None);
    }

    #[test]
    fn highlights_by_characters() {
        assert_eq!(
            highlighted("您<别>激动", Some((1, 4))),
            "您<mark>&lt;别&gt;</mark>激动"
        );
        assert_eq!(highlighted("abc", Some((2, 9))), "abc");
    }
}
