//! Telling the agent from the customer when a transcript only numbers its
//! speakers.
//!
//! ASR engines separate a call by channel or by voice and label the sides
//! `0`/`1`, `spk1`/`spk2` or `说话人1`/`说话人2`; which one is the agent
//! depends on the line, the recorder and the day. QA platforms settle it by
//! what each side says (角色区分): the agent greets with 工号 and
//! 很高兴为您服务, asks 请问, offers 帮您 and closes with 感谢您的来电; the
//! customer says 我想, 我的 and 你们. A call whose every utterance carries one
//! of exactly two such labels gets the roles its words point to. Anything
//! less clear (one label, three, a tie, labels mixed with real roles) is left
//! to `roles:` or `fields.role-values` in the config.

use crate::model::Role;

/// Phrases of the agent's side of a service call, with their weight:
/// formulas no customer says count more than words both sides use.
const AGENT_CUES: &[(&str, i32)] = &[
    ("很高兴为您服务", 4),
    ("有什么可以帮您", 4),
    ("工号", 4),
    ("感谢您的来电", 4),
    ("感谢来电", 4),
    ("请您稍等", 3),
    ("还有其他问题", 3),
    ("还有什么可以帮", 3),
    ("祝您生活愉快", 3),
    ("给您带来不便", 3),
    ("帮您", 2),
    ("为您", 2),
    ("请问", 1),
    ("您", 1),
];

/// Phrases of the customer's side.
const CUSTOMER_CUES: &[(&str, i32)] = &[
    ("我想", 2),
    ("我要", 2),
    ("我的", 2),
    ("帮我", 2),
    ("你们", 2),
    ("我问一下", 2),
    ("我这个", 1),
];

/// How much `text` sounds like the agent rather than the customer.
fn agent_score(text: &str) -> i32 {
    let score = |cues: &[(&str, i32)]| -> i32 {
        (cues.iter())
            .map(|&(cue, weight)| weight * text.matches(cue).count() as i32)
            .sum()
    };
    score(AGENT_CUES) - score(CUSTOMER_CUES)
}

/// The role of each of `labels` (one per utterance, parallel to `texts`),
/// or `None` when the call does not tell them apart: the labels must be
/// exactly two, and one side must sound more like the agent.
pub fn settle(labels: &[&str], texts: &[&str]) -> Option<Vec<Role>> {
    let first = *labels.first()?;
    let second = *labels.iter().find(|&&l| l != first)?;
    if labels.iter().any(|&l| l != first && l != second) {
        return None;
    }
    let side_score = |side: &str| -> i32 {
        (labels.iter().zip(texts))
            .filter(|&(&l, _)| l == side)
            .map(|(_, text)| agent_score(text))
            .sum()
    };
    let agent = match side_score(first).cmp(&side_score(second)) {
        std::cmp::Ordering::Greater => first,
        std::cmp::Ordering::Less => second,
        std::cmp::Ordering::Equal => return None,
    };
    let role = |l: &str| if l == agent { Role::Agent } else { Role::Customer };
    Some(labels.iter().map(|&l| role(l)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_side_that_greets_and_offers_help_is_the_agent() {
        let labels = ["1", "0", "1", "0"];
        let texts = [
            "您好，XX银行，工号3021，很高兴为您服务",
            "你好，我想问一下我的信用卡账单",
            "好的，请您稍等，我帮您查询一下",
            "行",
        ];
        use Role::{Agent, Customer};
        assert_eq!(
            settle(&labels, &texts),
            Some(vec![Agent, Customer, Agent, Customer])
        );
    }

    #[test]
    fn unclear_calls_are_left_alone() {
        // One speaker, three speakers, and two that say nothing telling.
        assert_eq!(settle(&["0", "0"], &["您好", "请问"]), None);
        assert_eq!(settle(&["0", "1", "2"], &["您好", "你好", "工号"]), None);
        assert_eq!(settle(&["0", "1"], &["好的", "嗯"]), None);
    }
}
