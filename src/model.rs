//! The data every stage shares: a call is a list of utterances, each spoken by
//! an agent or a customer, with optional times in seconds from the call start.
//!
//! Readers produce these; the engine only reads them.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Who spoke an utterance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// The bank's agent (坐席 / 客服).
    Agent,
    /// The caller (客户 / 用户).
    Customer,
}

impl Role {
    /// Parses the spellings people and ASR vendors use for a role.
    ///
    /// Returns `None` for anything else, so the reader can say which spelling it
    /// did not understand instead of guessing.
    pub fn parse(s: &str) -> Option<Role> {
        const AGENT: &[&str] = &[
            "agent",
            "a",
            "staff",
            "service",
            "seat",
            "坐席",
            "座席",
            "客服",
            "员工",
            "柜员",
            "话务员",
            "客户经理",
            "客服人员",
            "客服代表",
            "人工客服",
            "工作人员",
            "服务人员",
            "业务员",
            "营销员",
            "销售",
            "理财经理",
            "代理人",
            "催收员",
            "坐席员",
            "座席员",
            "客服专员",
            // E-commerce chat logs: the shop's side.
            "商家",
            "卖家",
            "店家",
            "seller",
            "merchant",
            "support",
            "operator",
            "representative",
            "rep",
            // Chat logs exported for language models: the user and the assistant.
            "assistant",
        ];
        const CUSTOMER: &[&str] = &[
            "customer",
            "c",
            "client",
            "user",
            "caller",
            "客户",
            "用户",
            "来电人",
            "客人",
            "顾客",
            "消费者",
            "来电者",
            "持卡人",
            "投保人",
            "借款人",
            "买家",
            "buyer",
            // Question-and-answer dialogue logs: Q is the customer, A the agent.
            "q",
        ];
        // Called for every utterance of a dump: compare without allocating a
        // lower-case copy.
        match s {
            "agent" => return Some(Role::Agent),
            "customer" => return Some(Role::Customer),
            _ => {}
        }
        let s = s.trim();
        // A numbered speaker (客服1, agent 2) is still an agent.
        let name = s.trim_end_matches(|c: char| c.is_ascii_digit()).trim_end();
        let is_one_of = |names: &[&str]| names.iter().any(|n| n.eq_ignore_ascii_case(name));
        if is_one_of(AGENT) {
            Some(Role::Agent)
        } else if is_one_of(CUSTOMER) {
            Some(Role::Customer)
        } else {
            crate::config::role_alias(s)
        }
    }

    /// The lowercase English name used in output documents.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Agent => "agent",
            Role::Customer => "customer",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One turn of speech.
#[derive(Debug, Clone, PartialEq)]
pub struct Utterance {
    /// 0-based position in the call as the source has it (utterances that
    /// could not be read keep their numbers, so indices match the source).
    pub index: usize,
    /// Speaker.
    pub role: Role,
    /// The text exactly as the transcript has it.
    pub text: String,
    /// Start time in seconds from the start of the call, when known.
    pub start: Option<f64>,
    /// End time in seconds from the start of the call, when known.
    pub end: Option<f64>,
    /// 1-based line of this utterance in its file, for line-oriented formats.
    pub line: Option<usize>,
    /// 1-based character column where `text` starts on that line.
    pub column: Option<usize>,
}

impl Utterance {
    /// An utterance with no times and no file position.
    pub fn new(role: Role, text: impl Into<String>) -> Self {
        Utterance {
            index: 0,
            role,
            text: text.into(),
            start: None,
            end: None,
            line: None,
            column: None,
        }
    }
}

/// One call: what the engine lints as a unit.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Call {
    /// The call's id, or a name made up from the file and record when absent.
    pub id: String,
    /// The agent's id, when the transcript carries it.
    pub agent_id: Option<String>,
    /// When the call started (as written in the transcript).
    pub started_at: Option<String>,
    /// The turns in order.
    pub utterances: Vec<Utterance>,
    /// A script-library file rather than a dialogue: every line is agent
    /// speech, so call-level rules (greeting, silence, …) do not apply.
    pub script: bool,
}

/// Seconds of speech per byte of text above which a call's times can only be
/// milliseconds. People speak two to eight characters a second and a Chinese
/// character is three bytes, so times in seconds give at most about 0.5 s a
/// byte (slow speech, one-byte digits), and times in milliseconds at least
/// about 40.
const MAX_SECONDS_PER_BYTE: f64 = 5.0;

impl Call {
    /// Rescales the call's times to seconds when they are plainly
    /// milliseconds, and says whether it did.
    ///
    /// ASR vendors write times in milliseconds (`"start": 12000`), people
    /// and our own dumps in seconds, both under the same keys. Read as
    /// seconds, milliseconds turn every pause into minutes of dead air; the
    /// speech rate tells the two apart without a setting.
    pub fn rescale_millisecond_times(&mut self) -> bool {
        let (mut seconds, mut bytes) = (0.0, 0);
        for u in &self.utterances {
            if let (Some(start), Some(end)) = (u.start, u.end) {
                seconds += (end - start).max(0.0);
                bytes += u.text.len();
            }
        }
        // A few words of speech are too little to judge by.
        if bytes < 12 || seconds / (bytes as f64) < MAX_SECONDS_PER_BYTE {
            return false;
        }
        for u in &mut self.utterances {
            for time in [&mut u.start, &mut u.end].into_iter().flatten() {
                *time /= 1000.0;
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn timed_call(times: &[(f64, f64)]) -> Call {
        let utterances = (times.iter())
            .map(|&(start, end)| Utterance {
                start: Some(start),
                end: Some(end),
                ..Utterance::new(Role::Agent, "您好，请问有什么可以帮您")
            })
            .collect();
        Call {
            utterances,
            ..Call::default()
        }
    }

    #[test]
    fn millisecond_times_are_told_from_seconds_by_the_speech_rate() {
        let mut call = timed_call(&[(0.0, 3200.0), (4000.0, 6500.0)]);
        assert!(call.rescale_millisecond_times());
        assert_eq!(call.utterances[1].start, Some(4.0));
        assert_eq!(call.utterances[1].end, Some(6.5));
        // Slow speech in seconds, and a long call, stay as they are.
        for times in [[(0.0, 9.0), (10.0, 19.0)], [(3600.0, 3603.2), (3604.0, 3606.5)]] {
            let mut call = timed_call(&times);
            assert!(!call.rescale_millisecond_times(), "{times:?}");
            assert_eq!(call.utterances[0].end, Some(times[0].1));
        }
    }

    #[test]
    fn roles_are_read_in_any_ascii_case_with_spaces_around() {
        for (spelling, role) in [
            ("agent", Role::Agent),
            ("AGENT", Role::Agent),
            (" Seat ", Role::Agent),
            ("坐席", Role::Agent),
            ("客户经理", Role::Agent),
            ("Customer", Role::Customer),
            ("C", Role::Customer),
            (" 来电人", Role::Customer),
            ("客服1", Role::Agent),
            ("Agent 2", Role::Agent),
            ("理财经理", Role::Agent),
            ("顾客", Role::Customer),
            ("Q", Role::Customer),
            ("A", Role::Agent),
            ("assistant", Role::Agent),
            ("商家", Role::Agent),
            ("Seller", Role::Agent),
            ("buyer", Role::Customer),
        ] {
            assert_eq!(Role::parse(spelling), Some(role), "{spelling:?}");
        }
        for spelling in ["", "agents", "机器人", "1", "B", "客服小王"] {
            assert_eq!(Role::parse(spelling), None, "{spelling:?}");
        }
    }
}
