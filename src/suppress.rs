//! Inline suppressions in script files.
//!
//! ```text
//! # callint: ignore[SVC-001] 经合规部批准的例外话术      (applies to the next line)
//! 这个不归我管 # callint: ignore[SVC-001] 演示用反例     (applies to this line)
//! # callint: ignore-file[TST-002, SVC] 培训材料里的反面示例 (applies to the whole file)
//! <!-- callint: ignore[SVC-001] reason -->               (Markdown; same rules)
//! ```
//!
//! A directive names one or more rule ids, id prefixes or pack names in
//! brackets, and must give a reason after them: a suppression is a decision
//! someone will have to revisit, and the reason is what they will read.
//! Directive lines are comments, never agent speech, so they are not linted.
//!
//! Two built-in rules report on the directives themselves, the way ruff's
//! RUF100 reports unused `noqa` comments: [`UNUSED`] for a code that
//! suppressed nothing in this run, and [`INVALID`] for a directive with no
//! reason, no codes, or a code that names no rule.

use crate::rules::{PackSource, RuleSet};

/// Rule id of "unused suppression".
pub const UNUSED: &str = "CALLINT-001";
/// Rule id of "invalid suppression".
pub const INVALID: &str = "CALLINT-002";

/// The pack of callint's own rules (about suppressions, not speech). Its
/// pattern can never match, so these rules only come from [`Directive`]s.
pub fn builtin_pack() -> PackSource {
    PackSource {
        path: "<callint>".into(),
        text: r#"pack: callint
title: callint 自身的检查（抑制注释）
description: Checks on `# callint:` suppression comments in script files.
rules:
  - id: CALLINT-001
    title: 未使用的抑制注释
    severity: warning
    patterns: ['[^\s\S]']
    message: 抑制注释没有抑制任何问题，请删除
    help: '删除这条 `# callint: ignore[...]` 注释，或只保留仍然需要的规则编号。'
    why: |
      A suppression that no longer suppresses anything hides the next real
      problem on that line. ruff's unused-noqa (RUF100) does the same check.
  - id: CALLINT-002
    title: 无效的抑制注释
    severity: error
    patterns: ['[^\s\S]']
    message: 抑制注释缺少原因、规则编号，或编号不对应任何规则
    help: '写法：# callint: ignore[SVC-001] 原因（原因必填）'
    why: |
      Every suppression must say which rules it silences and why, so that a
      reviewer can judge it and a later reader can remove it when it is no
      longer needed.
"#
        .into(),
        built_in: true,
        json: None,
    }
}

/// Which lines a directive covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// One line (1-based).
    Line(usize),
    /// The whole file.
    File,
}

/// One `callint:` comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Directive {
    /// 1-based line of the comment.
    pub line: usize,
    /// Byte offset of the comment in its line.
    pub byte: usize,
    /// The comment as written (from `#` or `<!--`).
    pub comment: String,
    /// What it covers; `None` when it is an own-line directive with nothing after it.
    pub scope: Option<Scope>,
    /// The codes in brackets, with their byte range in `comment`.
    pub codes: Vec<(String, (usize, usize))>,
    /// The reason, if given.
    pub reason: Option<String>,
    /// Why the directive cannot be used, if it cannot.
    pub error: Option<String>,
}

/// Where a `callint:` comment starts in `line`, if it has one.
///
/// Recognises `# callint:` / `#callint:` and `<!-- callint:`. Readers of
/// script files cut the line there, so the comment is never linted.
pub fn directive_start(line: &str) -> Option<usize> {
    if !line.contains("callint:") {
        return None;
    }
    let mut from = 0;
    while let Some(rel) = line[from..].find("callint:") {
        let at = from + rel;
        let before = line[..at].trim_end_matches([' ', '\t']);
        if let Some(hash) = before.strip_suffix('#') {
            return Some(hash.len());
        }
        if let Some(open) = before.strip_suffix("<!--") {
            return Some(open.len());
        }
        from = at + "callint:".len();
    }
    None
}

/// Parses every directive of a file.
pub fn scan(text: &str) -> Vec<Directive> {
    let mut directives = Vec::new();
    let mut waiting: Vec<usize> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line_no = i + 1;
        let Some(byte) = directive_start(line) else {
            if !line.trim().is_empty() {
                for d in waiting.drain(..) {
                    let d: &mut Directive = &mut directives[d];
                    d.scope = Some(Scope::Line(line_no));
                }
            }
            continue;
        };
        let own_line = line[..byte].trim().is_empty() || is_list_marker(line[..byte].trim());
        let mut d = parse(line_no, byte, &line[byte..]);
        if d.scope.is_none() {
            if own_line {
                waiting.push(directives.len());
            } else {
                d.scope = Some(Scope::Line(line_no));
                for w in waiting.drain(..) {
                    directives[w].scope = Some(Scope::Line(line_no));
                }
            }
        }
        directives.push(d);
    }
    directives
}

fn is_list_marker(s: &str) -> bool {
    matches!(s, "-" | "*" | "+" | ">")
}

fn parse(line: usize, byte: usize, comment: &str) -> Directive {
    let mut d = Directive {
        line,
        byte,
        comment: comment.trim_end().to_string(),
        scope: None,
        codes: Vec::new(),
        reason: None,
        error: None,
    };
    let body_start = comment.find("callint:").unwrap_or(0) + "callint:".len();
    let body = comment[body_start..].trim_end();
    let body = body.strip_suffix("-->").unwrap_or(body);
    let lead = body.len() - body.trim_start().len();
    let rest = body.trim_start();
    let (file_wide, after_kw) = if let Some(r) = rest.strip_prefix("ignore-file") {
        (true, r)
    } else if let Some(r) = rest.strip_prefix("ignore") {
        (false, r)
    } else {
        d.error = Some("expected `ignore[RULE] reason` or `ignore-file[RULE] reason`".into());
        return d;
    };
    if file_wide {
        d.scope = Some(Scope::File);
    }
    let after_kw = after_kw.trim_start_matches(' ');
    let Some(list) = after_kw.strip_prefix('[') else {
        d.error = Some("name the rules in brackets, e.g. `ignore[SVC-001] reason`".into());
        return d;
    };
    let Some(close) = list.find(']') else {
        d.error = Some("missing `]` after the rule list".into());
        return d;
    };
    let list_offset = body_start + lead + (rest.len() - list.len());
    let mut at = 0;
    for part in list[..close].split(',') {
        let code = part.trim();
        if !code.is_empty() {
            let start = list_offset + at + (part.len() - part.trim_start().len());
            d.codes.push((code.to_string(), (start, start + code.len())));
        }
        at += part.len() + 1;
    }
    let reason = list[close + 1..].trim();
    d.reason = (!reason.is_empty()).then(|| reason.to_string());
    if d.codes.is_empty() {
        d.error = Some("no rule in brackets: name the rules to ignore".into());
    } else if d.reason.is_none() {
        d.error = Some("a reason is required after the brackets".into());
    }
    d
}

/// Whether `code` (an id, id prefix or pack name) covers rule `id` of `pack`.
pub fn covers(code: &str, id: &str, pack: &str) -> bool {
    pack.eq_ignore_ascii_case(code) || id.to_ascii_uppercase().starts_with(&code.to_ascii_uppercase())
}

/// Whether `code` names any rule of `all` (loaded, enabled or not).
pub fn known(code: &str, all: &RuleSet) -> bool {
    all.rules.iter().any(|r| covers(code, &r.id, &r.pack))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_comment_starts() {
        assert_eq!(directive_start("# callint: ignore[A-001] x"), Some(0));
        assert_eq!(directive_start("保本保息 #callint: ignore[A-001] x"), Some(13));
        assert_eq!(directive_start("<!-- callint: ignore[A] x -->"), Some(0));
        assert_eq!(directive_start("callint: 不是注释"), None);
        assert_eq!(directive_start("普通的一句话 # 标题"), None);
    }

    #[test]
    fn parses_scopes_codes_and_reasons() {
        let text = "\
# callint: ignore[TST-001, TST-002] 演示用反例

这款产品保本保息
别激动 # callint: ignore[TST-002] 培训对白
# callint: ignore-file[starter] 整个文件是反例
# callint: ignore[TST-001]
# callint: ignore[] 空
<!-- callint: ignore[TST-003] 旧话术 -->
请告诉我验证码
";
        let ds = scan(text);
        assert_eq!(ds.len(), 6);
        assert_eq!(ds[0].scope, Some(Scope::Line(3)));
        assert_eq!(
            ds[0].codes.iter().map(|c| c.0.as_str()).collect::<Vec<_>>(),
            ["TST-001", "TST-002"]
        );
        let (s, e) = ds[0].codes[1].1;
        assert_eq!(&ds[0].comment[s..e], "TST-002");
        assert_eq!(ds[0].reason.as_deref(), Some("演示用反例"));
        assert_eq!(ds[1].scope, Some(Scope::Line(4)));
        assert_eq!(ds[1].byte, "别激动 ".len());
        assert_eq!(ds[2].scope, Some(Scope::File));
        assert!(ds[3].error.as_deref().unwrap().contains("reason"));
        assert!(ds[4].error.is_some());
        assert_eq!(ds[5].scope, Some(Scope::Line(9)));
        assert_eq!(ds[5].reason.as_deref(), Some("旧话术"));
        assert!(ds[5].error.is_none());
    }
}
