//! Finding personal numbers in speech: ID, bank card and mobile numbers, whether
//! typed as digits or spoken as Chinese numerals (幺三八…, 六二二二…).
//!
//! Agents reading numbers aloud group them with pauses that ASR renders as
//! spaces, commas or dashes, so a run may contain single separators between
//! digits. Each candidate run is then validated the way the issuing scheme
//! does (ID check digit, Luhn), which keeps amounts, dates and order numbers
//! out of the findings.
//!
//! ASR gets a digit wrong now and then, and a wrong digit fails the check. So
//! where the agent has just named the number (身份证号…, 卡号…), its shape is
//! enough: a number called an ID number is read out as one, whatever its
//! check character says.

use crate::rules::Detector;

/// The digit a character stands for when a number is read out digit by digit.
pub fn digit_value(c: char) -> Option<u8> {
    Some(match c {
        '0'..='9' => c as u8 - b'0',
        '零' | '〇' | '洞' => 0,
        '一' | '幺' | '壹' => 1,
        '二' | '两' | '贰' => 2,
        '三' | '叁' => 3,
        '四' | '肆' => 4,
        '五' | '伍' => 5,
        '六' | '陆' => 6,
        '七' | '拐' | '柒' => 7,
        '八' | '捌' => 8,
        '九' | '勾' | '玖' => 9,
        _ => return None,
    })
}

fn is_separator(c: char) -> bool {
    matches!(c, ' ' | '-' | ',' | '、' | '·')
}

/// A run of spoken or written digits in normalised text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigitRun {
    /// Byte range in the text.
    pub start: usize,
    /// Byte range end.
    pub end: usize,
    /// The digits, with `x` for an ID number's check character.
    pub digits: String,
}

/// All maximal digit runs of at least `min_len` digits.
pub fn digit_runs(text: &str, min_len: usize) -> Vec<DigitRun> {
    let mut runs = Vec::new();
    let mut current: Option<DigitRun> = None;
    let mut last_end = 0;
    let mut chars = text.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        let next_is_digit = chars.peek().is_some_and(|&(_, n)| digit_value(n).is_some());
        if let Some(d) = digit_value(c) {
            let run = current.get_or_insert_with(|| DigitRun {
                start: at,
                end: at,
                digits: String::new(),
            });
            run.digits.push((b'0' + d) as char);
            run.end = at + c.len_utf8();
            last_end = run.end;
        } else if let Some(run) = current.as_mut().filter(|_| {
            matches!(c, 'x' | '叉') && !chars.peek().is_some_and(|&(_, n)| n.is_ascii_alphanumeric())
        }) {
            // An ID number's check character X is read out as 叉.
            run.digits.push('x');
            run.end = at + c.len_utf8();
            last_end = run.end;
        } else if current.is_some() && is_separator(c) && next_is_digit && last_end == at {
            continue;
        } else if let Some(run) = current.take() {
            if run.digits.len() >= min_len {
                runs.push(run);
            }
        }
    }
    if let Some(run) = current.filter(|r| r.digits.len() >= min_len) {
        runs.push(run);
    }
    runs
}

/// Whether `digits` is what the detector looks for; `before` is the text of
/// the utterance before them, where the agent may have named the number.
pub fn detects(detector: Detector, digits: &str, before: &str) -> bool {
    let named = || is_named(detector, before);
    match detector {
        Detector::IdNumber => is_id_shaped(digits) && (has_id_check(digits) || named()),
        Detector::BankCard => is_card_shaped(digits) && (passes_luhn(digits) || named()),
        Detector::Mobile => is_mobile(digits),
    }
}

/// Characters before a number within which its name counts: 您的身份证号码是
/// and a word or two more.
const NAMED_WITHIN: usize = 12;

/// Whether the last few characters of `before` name a number of this kind.
fn is_named(detector: Detector, before: &str) -> bool {
    let names: &[&str] = match detector {
        Detector::IdNumber => &["身份证", "证件号", "身份号"],
        Detector::BankCard => &["卡号", "银行卡", "储蓄卡", "借记卡", "信用卡", "卡的号"],
        Detector::Mobile => return false,
    };
    let from = (before.char_indices().rev().nth(NAMED_WITHIN - 1)).map_or(0, |(at, _)| at);
    names.iter().any(|name| before[from..].contains(name))
}

/// A valid ID number: see [`is_id_shaped`] and [`has_id_check`].
#[cfg(test)]
fn is_id_number(s: &str) -> bool {
    is_id_shaped(s) && has_id_check(s)
}

/// 18 characters, 17 of them digits, with a plausible birth date.
fn is_id_shaped(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 18 || !b[..17].iter().all(u8::is_ascii_digit) {
        return false;
    }
    let year: u32 = s[6..10].parse().unwrap_or(0);
    let month: u32 = s[10..12].parse().unwrap_or(0);
    let day: u32 = s[12..14].parse().unwrap_or(0);
    (1900..=2100).contains(&year) && (1..=12).contains(&month) && (1..=31).contains(&day)
}

/// The GB 11643 check character of an [ID-shaped](is_id_shaped) number.
fn has_id_check(s: &str) -> bool {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const CHECK: &[u8; 11] = b"10x98765432";
    let b = s.as_bytes();
    let sum: u32 = b[..17]
        .iter()
        .zip(WEIGHTS)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    b[17] == CHECK[(sum % 11) as usize]
}

/// A valid bank card number: see [`is_card_shaped`] and [`passes_luhn`].
#[cfg(test)]
fn is_bank_card(s: &str) -> bool {
    is_card_shaped(s) && passes_luhn(s)
}

/// 16 to 19 digits.
fn is_card_shaped(s: &str) -> bool {
    (16..=19).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
}

/// The Luhn check of a [card-shaped](is_card_shaped) number.
fn passes_luhn(s: &str) -> bool {
    let sum: u32 = s
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 1 {
                let dd = d * 2;
                if dd > 9 {
                    dd - 9
                } else {
                    dd
                }
            } else {
                d
            }
        })
        .sum();
    sum % 10 == 0
}

/// An 11-digit mainland mobile number: 1, then 3–9, then nine digits; read
/// out with the country code (+86, 0086) too.
pub fn is_mobile(s: &str) -> bool {
    let s = (s.strip_prefix("0086").or_else(|| s.strip_prefix("86")))
        .filter(|rest| rest.len() == 11)
        .unwrap_or(s);
    let b = s.as_bytes();
    b.len() == 11 && b[0] == b'1' && (b'3'..=b'9').contains(&b[1]) && b.iter().all(u8::is_ascii_digit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_numbers_spoken_as_chinese_numerals() {
        let runs = digit_runs("您的手机号是幺三八 零零幺三 八零零零对吧", 11);
        assert_eq!(runs.len(), 1);
        assert_eq!(runs[0].digits, "13800138000");
        assert!(is_mobile(&runs[0].digits));
        let runs = digit_runs("您的手机号是+86 138-1234-5678", 11);
        assert_eq!(runs[0].digits, "8613812345678");
        assert!(is_mobile(&runs[0].digits));
        assert!(is_mobile("008613812345678"));
        assert!(!is_mobile("8612345678901"));
    }

    #[test]
    fn ignores_short_runs_and_amounts() {
        assert!(digit_runs("尾号1234的卡", 11).is_empty());
        assert!(digit_runs("转账5000元", 11).is_empty());
    }

    #[test]
    fn validates_check_digits() {
        assert!(is_id_number("11010519491231002x"));
        assert!(!is_id_number("110105194912310021"));
        assert!(is_bank_card("6222021234567890128"));
        assert!(!is_bank_card("6222021234567890123"));
        let run = &digit_runs("身份证号幺幺零幺零五幺九四九幺二三幺零零二x", 15)[0];
        assert_eq!(run.digits, "11010519491231002x");
        let run = &digit_runs("号码是一一零一零五一九四九一二三一零零二叉对吗", 15)[0];
        assert_eq!(run.digits, "11010519491231002x");
        assert!(is_id_number(&run.digits));
    }

    #[test]
    fn a_named_number_needs_only_its_shape() {
        let id = "110105194912310021"; // check character wrong
        assert!(detects(Detector::IdNumber, id, "您的身份证号码是"));
        assert!(detects(Detector::IdNumber, id, "身份证 号码是 我念一下"));
        assert!(!detects(Detector::IdNumber, id, "这笔交易的参考号是"));
        assert!(!detects(
            Detector::IdNumber,
            id,
            "身份证已经核实过了 您这笔交易的参考号是"
        ));
        assert!(!detects(Detector::IdNumber, "110105194913310021", "身份证号是"));
        let card = "6222021234567890123"; // Luhn fails
        assert!(detects(Detector::BankCard, card, "卡号"));
        assert!(!detects(Detector::BankCard, card, "流水号"));
        assert!(!detects(Detector::BankCard, "62220212345678", "卡号"));
    }
}
