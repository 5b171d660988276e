//! Line-oriented inputs: dialogue transcripts (`坐席：您好…`) and script-library
//! files, where every non-empty line is something an agent will say.
//!
//! Both keep the 1-based line and character column of each utterance so that
//! diagnostics can say `greeting.md:12:5`. Columns count Unicode scalar values
//! (characters), not bytes and not display cells.

use crate::model::{Call, Role, Utterance};

/// A line that could not be understood.
#[derive(Debug, Clone, PartialEq)]
pub struct LineProblem {
    /// 1-based line.
    pub line: usize,
    /// What is wrong.
    pub reason: String,
}

/// Whether most non-empty lines of `text` look like `ROLE: words`, which tells a
/// dialogue transcript from a script file.
pub fn looks_like_transcript(text: &str) -> bool {
    let mut total = 0;
    let mut labelled = 0;
    let speech = text
        .lines()
        .map(|l| crate::suppress::directive_start(l).map_or(l, |at| &l[..at]));
    for line in speech.map(str::trim).filter(|l| !l.is_empty()).take(200) {
        total += 1;
        if split_speaker(strip_time(line).1).is_some() {
            labelled += 1;
        }
    }
    total > 0 && labelled * 2 > total
}

/// Parses `[hh:mm:ss]` or `[mm:ss]` (optionally `.frac`) at the start of a line.
fn strip_time(line: &str) -> (Option<f64>, &str) {
    let Some(rest) = line.strip_prefix('[') else {
        return (None, line);
    };
    let Some(close) = rest.find(']') else {
        return (None, line);
    };
    match clock_seconds(&rest[..close]) {
        Some(seconds) => (Some(seconds), rest[close + 1..].trim_start()),
        None => (None, line),
    }
}

/// Seconds in `83.5`, `01:23.5` or `00:01:23.5`; subtitle files write the
/// fraction of a clock time after a comma (`00:01:23,500`).
pub(super) fn clock_seconds(clock: &str) -> Option<f64> {
    let subtitle = clock.contains(':') && clock.contains(',');
    let clock = match subtitle {
        true => std::borrow::Cow::Owned(clock.replace(',', ".")),
        false => std::borrow::Cow::Borrowed(clock),
    };
    let seconds = clock.split(':').try_fold(0.0, |seconds, part| {
        Some(seconds * 60.0 + part.trim().parse::<f64>().ok()?)
    })?;
    (seconds.is_finite() && seconds >= 0.0).then_some(seconds)
}

/// Splits `坐席：您好` into the label and the words after the colon.
fn split_speaker(line: &str) -> Option<(&str, &str)> {
    let colon = line.find([':', '：'])?;
    let label = line[..colon].trim();
    if label.is_empty() || label.chars().count() > 8 {
        return None;
    }
    let sep_len = line[colon..].chars().next().map_or(1, char::len_utf8);
    Some((label, &line[colon + sep_len..]))
}

fn char_column(line: &str, byte: usize) -> usize {
    line[..byte].chars().count() + 1
}

/// Reads a dialogue transcript as one call named `id`.
///
/// Labels that name no role (`A`/`B`, `说话人1`/`说话人2`) are settled by
/// what each side says ([`super::speakers`]) when the transcript has exactly
/// two of them; otherwise their lines are skipped as problems.
pub fn parse_transcript(text: &str, id: &str) -> (Call, Vec<LineProblem>) {
    let mut call = Call {
        id: id.to_string(),
        ..Call::default()
    };
    let mut problems = Vec::new();
    let mut turns: Vec<Turn> = Vec::new();
    for (i, raw_line) in text.lines().enumerate() {
        let line_no = i + 1;
        // `# callint: ignore[…] reason` comments are not speech (see crate::suppress).
        let raw_line = crate::suppress::directive_start(raw_line).map_or(raw_line, |at| &raw_line[..at]);
        if raw_line.trim().is_empty() {
            continue;
        }
        let (time, rest) = strip_time(raw_line.trim());
        let Some((label, words)) = split_speaker(rest) else {
            problems.push(LineProblem {
                line: line_no,
                reason: "no speaker label (expected e.g. `坐席：…` or `客户：…`)".into(),
            });
            continue;
        };
        let words = words.trim_start();
        // `words` lies inside `raw_line` (trims and splits borrow), so this
        // is its offset even when the line has trailing whitespace.
        let byte = words.as_ptr() as usize - raw_line.as_ptr() as usize;
        turns.push(Turn {
            line: line_no,
            time,
            label,
            text: words.trim_end(),
            column: char_column(raw_line, byte),
        });
    }
    let roles = roles_of(&turns);
    for (turn, role) in turns.iter().zip(roles) {
        let Some(role) = role else {
            problems.push(LineProblem {
                line: turn.line,
                reason: format!(
                    "unknown role {:?} (expected agent/坐席/客服/A or customer/客户/用户/C)",
                    turn.label
                ),
            });
            continue;
        };
        if let (Some(t), Some(prev)) = (turn.time, call.utterances.last_mut()) {
            prev.end = prev.end.or(Some(t));
        }
        call.utterances.push(Utterance {
            index: call.utterances.len(),
            role,
            text: turn.text.to_string(),
            start: turn.time,
            end: None,
            line: Some(turn.line),
            column: Some(turn.column),
        });
    }
    problems.sort_by_key(|p| p.line);
    (call, problems)
}

/// A labelled line of a transcript.
struct Turn<'a> {
    line: usize,
    time: Option<f64>,
    label: &'a str,
    text: &'a str,
    column: usize,
}

/// Each turn's role: by its label, or, when some label names none and the
/// others name one only by a letter (`A`), by what the two sides say.
fn roles_of(turns: &[Turn]) -> Vec<Option<Role>> {
    let roles: Vec<Option<Role>> = turns.iter().map(|t| Role::parse(t.label)).collect();
    let letter = |label: &str| label.len() == 1 && label.as_bytes()[0].is_ascii_alphabetic();
    let named = |(turn, role): (&Turn, &Option<Role>)| role.is_some() && !letter(turn.label);
    if roles.iter().all(Option::is_some) || turns.iter().zip(&roles).any(named) {
        return roles;
    }
    let labels: Vec<&str> = turns.iter().map(|t| t.label).collect();
    let texts: Vec<&str> = turns.iter().map(|t| t.text).collect();
    match super::speakers::settle(&labels, &texts) {
        Some(settled) => settled.into_iter().map(Some).collect(),
        None => roles,
    }
}

/// Reads a script-library file: every non-empty line is an agent utterance.
///
/// In Markdown, front matter, fenced code blocks, tables' separator rows and
/// HTML comments are skipped, and list, quote and heading markers are not
/// part of the utterance.
pub fn parse_script(text: &str, id: &str, markdown: bool) -> Call {
    let mut call = Call {
        id: id.to_string(),
        script: true,
        ..Call::default()
    };
    let mut in_fence = false;
    let mut in_front_matter = false;
    for (i, raw_line) in text.lines().enumerate() {
        // `# callint: ignore[…] reason` comments are not speech (see crate::suppress).
        let raw_line = crate::suppress::directive_start(raw_line).map_or(raw_line, |at| &raw_line[..at]);
        let trimmed = raw_line.trim();
        if markdown {
            if i == 0 && trimmed == "---" {
                in_front_matter = true;
                continue;
            }
            if in_front_matter {
                in_front_matter = trimmed != "---";
                continue;
            }
            if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
                in_fence = !in_fence;
                continue;
            }
            if in_fence || trimmed.starts_with("<!--") || is_table_rule(trimmed) {
                continue;
            }
        }
        let words = if markdown {
            strip_markdown_marker(trimmed)
        } else {
            trimmed
        };
        if words.is_empty() {
            continue;
        }
        let byte = words.as_ptr() as usize - raw_line.as_ptr() as usize;
        call.utterances.push(Utterance {
            index: call.utterances.len(),
            role: Role::Agent,
            text: words.to_string(),
            start: None,
            end: None,
            line: Some(i + 1),
            column: Some(char_column(raw_line, byte)),
        });
    }
    call
}

fn is_table_rule(line: &str) -> bool {
    line.starts_with('|') && line.chars().all(|c| matches!(c, '|' | '-' | ':' | ' '))
}

fn strip_markdown_marker(line: &str) -> &str {
    let mut rest = line.trim_start_matches('#').trim_start_matches('>').trim_start();
    for marker in ["- ", "* ", "+ "] {
        if let Some(r) = rest.strip_prefix(marker) {
            rest = r;
        }
    }
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    if digits > 0 {
        if let Some(r) = rest[digits..].strip_prefix(". ") {
            rest = r;
        }
    }
    rest.trim_start()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_labelled_lines_with_times() {
        let text = "[00:00:01] 坐席：您好，请问有什么可以帮您？\n[00:00:05] 客户:我要投诉\n\n机器人：嘟\n";
        assert!(looks_like_transcript(text));
        let (call, problems) = parse_transcript(text, "t");
        assert_eq!(call.utterances.len(), 2);
        assert_eq!(call.utterances[0].start, Some(1.0));
        assert_eq!(call.utterances[0].end, Some(5.0));
        assert_eq!(call.utterances[1].role, Role::Customer);
        assert_eq!(call.utterances[0].column, Some(15));
        assert_eq!(problems[0].line, 4);
        assert!(problems[0].reason.contains("机器人"));
    }

    #[test]
    fn two_unnamed_speakers_get_the_roles_their_words_point_to() {
        // `A` alone would read as the agent; beside `B` it is only a label.
        let text = "A：你好 我想问一下我的账单\nB：您好 请问有什么可以帮您\nA：我要投诉\n";
        let (call, problems) = parse_transcript(text, "t");
        assert!(problems.is_empty(), "{problems:?}");
        let roles: Vec<Role> = call.utterances.iter().map(|u| u.role).collect();
        assert_eq!(roles, [Role::Customer, Role::Agent, Role::Customer]);
        // A role named in words is never overruled: the label that names
        // none is skipped.
        let (call, problems) = parse_transcript("客服：我想问一下\n张先生：您好 请问有什么可以帮您\n", "t");
        assert_eq!(call.utterances.len(), 1);
        assert_eq!(call.utterances[0].role, Role::Agent);
        assert_eq!(problems.len(), 1);
    }

    #[test]
    fn scripts_keep_line_and_character_column() {
        let text = "---\ntitle: x\n---\n# 开场白\n  - 您好，工号1234为您服务\n```\n不归我管\n```\n";
        let call = parse_script(text, "s", true);
        let got: Vec<_> = call
            .utterances
            .iter()
            .map(|u| (u.text.as_str(), u.line, u.column))
            .collect();
        assert_eq!(
            got,
            vec![
                ("开场白", Some(4), Some(3)),
                ("您好，工号1234为您服务", Some(5), Some(5))
            ]
        );
        assert!(!looks_like_transcript(text));
    }
}
