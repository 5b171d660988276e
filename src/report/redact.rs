//! `--redact`: personal numbers masked in whatever a reporter writes.
//!
//! A run of at least [`MIN_DIGITS`] digits — typed, full-width, or read out
//! as Chinese numerals (幺三八…, 一一零一…叉), with single spaces, commas or
//! dashes between groups — is an ID, bank card, mobile or other account
//! number as far as a report is concerned: every digit but the last
//! [`KEEP_LAST`] is replaced. ASR errors break check digits, so runs are
//! masked whether or not they pass the ID / Luhn / mobile checks of
//! [`crate::digits`]; amounts and dates are shorter and stay.
//!
//! Each masked character is replaced by one of the same UTF-8 length (`*`
//! for an ASCII digit, `＊` for a numeral or a full-width digit), so the
//! character and byte offsets of every span stay valid.

use super::{CallResult, Reporter, Summary};
use crate::digits::{digit_runs, digit_value};
use crate::input::Problem;
use std::borrow::Cow;
use std::io;

/// Shortest digit run that is masked (a mainland mobile number has 11).
pub const MIN_DIGITS: usize = 11;
/// Digits left visible at the end of a masked run (尾号).
pub const KEEP_LAST: usize = 4;

/// The character a run sees for `c`: full-width digits and separators as
/// their ASCII forms, so that runs are found in text as the transcript has it.
fn fold(c: char) -> char {
    match c {
        '０'..='９' => char::from(b'0' + (c as u32 - '０' as u32) as u8),
        '，' => ',',
        '－' | '—' => '-',
        '　' => ' ',
        'Ｘ' | 'X' => 'x',
        _ => c,
    }
}

/// A same-length stand-in for a masked character.
fn star(c: char) -> char {
    match c.len_utf8() {
        1 => '*',
        2 => '×',
        _ => '＊',
    }
}

/// `text` with personal numbers masked, or borrowed unchanged when it has none.
pub fn mask(text: &str) -> Cow<'_, str> {
    // Cheap exit: fewer digit-like characters than a run needs.
    let digitish = text
        .chars()
        .filter(|&c| digit_value(fold(c)).is_some())
        .take(MIN_DIGITS)
        .count();
    if digitish < MIN_DIGITS {
        return Cow::Borrowed(text);
    }
    // The folded text, and the original byte offset of each folded byte.
    let mut folded = String::with_capacity(text.len());
    let mut origin = Vec::with_capacity(text.len() + 1);
    for (at, c) in text.char_indices() {
        let f = fold(c);
        for _ in 0..f.len_utf8() {
            origin.push(at);
        }
        folded.push(f);
    }
    origin.push(text.len());
    let runs = digit_runs(&folded, MIN_DIGITS);
    if runs.is_empty() {
        return Cow::Borrowed(text);
    }
    let mut starts = Vec::new();
    for run in &runs {
        let (start, end) = (origin[run.start], origin[run.end]);
        let positions: Vec<usize> = text[start..end]
            .char_indices()
            .filter(|&(_, c)| {
                let f = fold(c);
                digit_value(f).is_some() || f == 'x' || c == '叉'
            })
            .map(|(i, _)| start + i)
            .collect();
        let hide = positions.len().saturating_sub(KEEP_LAST);
        starts.extend_from_slice(&positions[..hide]);
    }
    starts.sort_unstable();
    let mut out = String::with_capacity(text.len());
    let mut next = starts.iter().peekable();
    for (at, c) in text.char_indices() {
        if next.peek() == Some(&&at) {
            next.next();
            out.push(star(c));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// A masked copy of `result`, or `None` when nothing in it needs masking.
pub fn redact_result(result: &CallResult) -> Option<CallResult> {
    let texts: Vec<Cow<'_, str>> = result.call.utterances.iter().map(|u| mask(&u.text)).collect();
    let details: Vec<Option<Cow<'_, str>>> = result
        .findings
        .iter()
        .map(|f| f.detail.as_deref().map(mask))
        .collect();
    let changed = texts.iter().any(|t| matches!(t, Cow::Owned(_)))
        || details.iter().flatten().any(|t| matches!(t, Cow::Owned(_)));
    if !changed {
        return None;
    }
    let mut call = result.call.clone();
    for (u, text) in call.utterances.iter_mut().zip(texts) {
        if let Cow::Owned(t) = text {
            u.text = t;
        }
    }
    let mut findings = result.findings.clone();
    for (f, detail) in findings.iter_mut().zip(details) {
        if let Some(Cow::Owned(d)) = detail {
            f.detail = Some(d);
        }
        let text = f
            .utterance
            .and_then(|i| call.utterances.get(i))
            .map(|u| u.text.as_str());
        if let (Some(span), Some(text)) = (f.span.as_mut(), text) {
            if let Some(s) = text.get(span.byte_start..span.byte_end) {
                span.text = s.to_string();
            }
        } else if let Some(span) = f.span.as_mut() {
            // A finding about a suppression comment: its text is not an utterance.
            span.text = mask(&span.text).into_owned();
        }
    }
    Some(CallResult {
        file: result.file.clone(),
        record_line: result.record_line,
        call,
        findings,
    })
}

/// Wraps a reporter so that it only ever sees masked text.
pub struct Redacting<'a> {
    inner: Box<dyn Reporter + 'a>,
}

impl<'a> Redacting<'a> {
    /// Masks what reaches `inner`.
    pub fn new(inner: Box<dyn Reporter + 'a>) -> Self {
        Redacting { inner }
    }
}

impl Reporter for Redacting<'_> {
    fn call(&mut self, result: &CallResult) -> io::Result<()> {
        match redact_result(result) {
            Some(masked) => self.inner.call(&masked),
            None => self.inner.call(result),
        }
    }

    fn problem(&mut self, problem: &Problem) -> io::Result<()> {
        self.inner.problem(problem)
    }

    fn batch_end(&mut self) -> io::Result<()> {
        self.inner.batch_end()
    }

    fn finish(&mut self, summary: &Summary) -> io::Result<()> {
        self.inner.finish(summary)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_numbers_in_digits_and_numerals_keeping_offsets() {
        let text = "好的，您的手机号是幺三八 零零幺三 八零零零对吧？";
        let m = mask(text);
        assert_eq!(m, "好的，您的手机号是＊＊＊ ＊＊＊＊ 八零零零对吧？");
        assert_eq!(m.len(), text.len());
        assert_eq!(mask("卡号6222021234567890128"), "卡号***************0128");
        assert_eq!(
            mask("身份证一一零一零五一九四九一二三一零零二叉"),
            "身份证＊＊＊＊＊＊＊＊＊＊＊＊＊＊零零二叉"
        );
        assert_eq!(
            mask("号码１３８００１３８０００。"),
            "号码＊＊＊＊＊＊＊８０００。"
        );
    }

    #[test]
    fn leaves_short_numbers_alone() {
        for text in ["尾号1234的卡", "转账5000元", "三千二百元", "2026-11-21", "一一九"] {
            assert!(matches!(mask(text), Cow::Borrowed(_)), "{text}");
        }
    }
}
