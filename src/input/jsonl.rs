//! Parsing one call from JSON, as written by ASR vendors and our own dumps.
//!
//! Strings are borrowed from the input line where the JSON has no escapes, so
//! the hot path copies each utterance's text once, into the `Call`.

use crate::model::{Call, Role, Utterance};
use serde::Deserialize;
use std::borrow::Cow;

/// A call as read, before its utterances' roles are settled.
///
/// Exports name the same thing many ways (`call_id`, `callId`, `id`,
/// `TaskId`), and often carry two of the names at once: a database row's
/// `id` beside the `call_id`. So every field takes a list of keys, most
/// specific first, and the most specific key present wins; the others are
/// skipped, never a reason to reject the record.
#[derive(Default)]
struct RawCall<'a> {
    call_id: Option<Scalar<'a>>,
    agent_id: Option<Scalar<'a>>,
    started_at: Option<Scalar<'a>>,
    utterances: Option<Utterances>,
}

/// The keys of each field of [`RawCall`], most specific first.
const CALL_KEYS: [&[&str]; 4] = [
    &[
        "call_id",
        "callId",
        "CallId",
        "id",
        "TaskId",
        "task_id",
        "session_id",
        "sessionId",
    ],
    &["agent_id", "agentId", "AgentId", "staff_id"],
    &["started_at", "startedAt", "start_time", "StartTime"],
    &[
        "utterances",
        "sentences",
        "Sentences",
        "turns",
        "dialogue",
        "Dialogue",
        "dialog",
        "messages",
    ],
];

/// The keys of each field of [`RawUtterance`], most specific first.
const UTTERANCE_KEYS: [&[&str]; 4] = [
    &[
        "role",
        "speaker",
        "Speaker",
        "Role",
        "ChannelId",
        "channel_id",
        "channel",
        "SpeakerId",
        "speaker_id",
        "spk",
    ],
    &[
        "text",
        "Text",
        "content",
        "sentence",
        "utterance",
        "message",
        "onebest",
        "transcript",
    ],
    &[
        "start",
        "begin",
        "start_time",
        "BeginTime",
        "begin_time",
        "beginTime",
        "startTime",
        "StartTime",
        "bg",
    ],
    &["end", "end_time", "EndTime", "endTime", "ed"],
];

/// Finds the field and rank of `key` in `table`.
fn key_in(table: &[&[&str]], key: &str) -> Option<(usize, usize)> {
    (table.iter().enumerate())
        .find_map(|(field, keys)| keys.iter().position(|k| *k == key).map(|rank| (field, rank)))
}

/// [`key_in`] for a call's keys; canonical names, which are nearly every key
/// of a large dump, are matched first.
fn call_key(key: &str) -> Option<(usize, usize)> {
    match key {
        "call_id" => Some((0, 0)),
        "agent_id" => Some((1, 0)),
        "started_at" => Some((2, 0)),
        "utterances" => Some((3, 0)),
        _ => key_in(&CALL_KEYS, key),
    }
}

/// [`key_in`] for an utterance's keys, canonical names first.
fn utterance_key(key: &str) -> Option<(usize, usize)> {
    match key {
        "role" => Some((0, 0)),
        "text" => Some((1, 0)),
        "start" => Some((2, 0)),
        "end" => Some((3, 0)),
        _ => key_in(&UTTERANCE_KEYS, key),
    }
}

/// Reads an object key as the field it names and how specific the key is
/// (0: the canonical name), or `None` for a key of no field, without
/// keeping its text.
struct KeyVisitor(fn(&str) -> Option<(usize, usize)>);

impl serde::de::Visitor<'_> for KeyVisitor {
    type Value = Option<(usize, usize)>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a field name")
    }

    fn visit_str<E>(self, key: &str) -> Result<Self::Value, E> {
        Ok(self.0(key))
    }
}

/// [`KeyVisitor`] as a seed, so that one reader serves every object shape.
struct KeySeed(fn(&str) -> Option<(usize, usize)>);

impl<'de> serde::de::DeserializeSeed<'de> for KeySeed {
    type Value = Option<(usize, usize)>;

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_identifier(KeyVisitor(self.0))
    }
}

/// Reads an object's entries: the value of each of its `N` fields' most
/// specific key present goes to `read(field, map)`, every other value is
/// skipped.
fn read_fields<'de, A: serde::de::MapAccess<'de>, const N: usize>(
    map: &mut A,
    key: fn(&str) -> Option<(usize, usize)>,
    mut read: impl FnMut(usize, &mut A) -> Result<(), A::Error>,
) -> Result<(), A::Error> {
    let mut ranks = [usize::MAX; N];
    while let Some(found) = map.next_key_seed(KeySeed(key))? {
        match found {
            Some((field, rank)) if rank < ranks[field] => {
                ranks[field] = rank;
                read(field, map)?;
            }
            _ => {
                map.next_value::<serde::de::IgnoredAny>()?;
            }
        }
    }
    Ok(())
}

impl<'de: 'a, 'a> Deserialize<'de> for RawCall<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct CallVisitor<'a>(std::marker::PhantomData<&'a ()>);

        impl<'de: 'a, 'a> serde::de::Visitor<'de> for CallVisitor<'a> {
            type Value = RawCall<'a>;

            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a call object")
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<RawCall<'a>, A::Error> {
                let mut call = RawCall::default();
                read_fields::<_, 4>(&mut map, call_key, |field, map| {
                    match field {
                        0 => call.call_id = map.next_value()?,
                        1 => call.agent_id = map.next_value()?,
                        2 => call.started_at = map.next_value()?,
                        _ => call.utterances = map.next_value()?,
                    }
                    Ok(())
                })?;
                Ok(call)
            }
        }

        deserializer.deserialize_map(CallVisitor(std::marker::PhantomData))
    }
}

/// A call's utterances, each made an [`Utterance`] (or a problem) as soon as
/// it is read: no intermediate vector of raw ones to grow and copy.
struct Utterances {
    read: Vec<Utterance>,
    problems: Vec<UtteranceProblem>,
    /// Utterances of `read` whose speaker is no role callint knows (`0`,
    /// `spk1`): their positions in `read` and the labels, for
    /// [`settle_speakers`].
    speakers: Vec<(usize, String)>,
}

impl<'de> Deserialize<'de> for Utterances {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct UtterancesVisitor;

        impl<'de> serde::de::Visitor<'de> for UtterancesVisitor {
            type Value = Utterances;

            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an array of utterances")
            }

            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Utterances, A::Error> {
                // Calls run to a few dozen utterances.
                let mut utterances = Utterances {
                    read: Vec::with_capacity(32),
                    problems: Vec::new(),
                    speakers: Vec::new(),
                };
                let mut index = 0;
                while let Some(raw) = seq.next_element::<RawUtterance<'de>>()? {
                    match to_utterance(index, raw) {
                        Ok((u, None)) => utterances.read.push(u),
                        Ok((u, Some(speaker))) => {
                            utterances.speakers.push((utterances.read.len(), speaker));
                            utterances.read.push(u);
                        }
                        Err(reason) => utterances.problems.push(UtteranceProblem { index, reason }),
                    }
                    index += 1;
                }
                Ok(utterances)
            }
        }

        deserializer.deserialize_seq(UtterancesVisitor)
    }
}

/// An utterance as read; its keys are in [`UTTERANCE_KEYS`].
#[derive(Default)]
struct RawUtterance<'a> {
    role: Option<Scalar<'a>>,
    text: Option<Cow<'a, str>>,
    start: Option<Time>,
    end: Option<Time>,
}

impl<'de: 'a, 'a> Deserialize<'de> for RawUtterance<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct UtteranceVisitor<'a>(std::marker::PhantomData<&'a ()>);

        impl<'de: 'a, 'a> serde::de::Visitor<'de> for UtteranceVisitor<'a> {
            type Value = RawUtterance<'a>;

            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an utterance object")
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<RawUtterance<'a>, A::Error> {
                let mut utterance = RawUtterance::default();
                read_fields::<_, 4>(&mut map, utterance_key, |field, map| {
                    match field {
                        0 => utterance.role = map.next_value()?,
                        1 => utterance.text = map.next_value::<Option<BorrowedText>>()?.map(|t| t.0),
                        2 => utterance.start = map.next_value()?,
                        _ => utterance.end = map.next_value()?,
                    }
                    Ok(())
                })?;
                Ok(utterance)
            }
        }

        deserializer.deserialize_map(UtteranceVisitor(std::marker::PhantomData))
    }
}

/// A string borrowed from the input where it has no escapes: what
/// `#[serde(borrow)] Cow<str>` does for a derived field.
struct BorrowedText<'a>(Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for BorrowedText<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TextVisitor<'a>(std::marker::PhantomData<&'a ()>);

        impl<'de: 'a, 'a> serde::de::Visitor<'de> for TextVisitor<'a> {
            type Value = BorrowedText<'a>;

            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a string")
            }

            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<BorrowedText<'a>, E> {
                Ok(BorrowedText(Cow::Borrowed(v)))
            }

            fn visit_str<E>(self, v: &str) -> Result<BorrowedText<'a>, E> {
                Ok(BorrowedText(Cow::Owned(v.to_owned())))
            }
        }

        deserializer.deserialize_str(TextVisitor(std::marker::PhantomData))
    }
}

/// A time as a number of seconds (or milliseconds, see
/// [`Call::rescale_millisecond_times`]), or as text: `83.5`, `01:23.5`,
/// `00:01:23,500`. Read as it is met, so that nothing is kept of the text.
enum Time {
    At(f64),
    /// An empty string: no time.
    Blank,
    Unreadable,
}

impl<'de> Deserialize<'de> for Time {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TimeVisitor;

        impl serde::de::Visitor<'_> for TimeVisitor {
            type Value = Time;

            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a time in seconds, or a clock time such as 01:23.5")
            }

            fn visit_f64<E>(self, v: f64) -> Result<Time, E> {
                Ok(Time::At(v))
            }

            fn visit_i64<E>(self, v: i64) -> Result<Time, E> {
                Ok(Time::At(v as f64))
            }

            fn visit_u64<E>(self, v: u64) -> Result<Time, E> {
                Ok(Time::At(v as f64))
            }

            fn visit_str<E>(self, v: &str) -> Result<Time, E> {
                Ok(match super::text::clock_seconds(v) {
                    Some(seconds) => Time::At(seconds),
                    None if v.trim().is_empty() => Time::Blank,
                    None => Time::Unreadable,
                })
            }
        }

        deserializer.deserialize_any(TimeVisitor)
    }
}

/// A JSON value that people write either as a string or as a number.
enum Scalar<'a> {
    Str(Cow<'a, str>),
    Int(i64),
    Float(f64),
}

/// By hand rather than `#[serde(untagged)]`, which buffers every value
/// before trying each variant: this is read for every utterance's role.
impl<'de: 'a, 'a> Deserialize<'de> for Scalar<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ScalarVisitor<'a>(std::marker::PhantomData<&'a ()>);

        impl<'de: 'a, 'a> serde::de::Visitor<'de> for ScalarVisitor<'a> {
            type Value = Scalar<'a>;

            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a string or a number")
            }

            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Scalar<'a>, E> {
                Ok(Scalar::Str(Cow::Borrowed(v)))
            }

            fn visit_str<E>(self, v: &str) -> Result<Scalar<'a>, E> {
                Ok(Scalar::Str(Cow::Owned(v.to_owned())))
            }

            fn visit_string<E>(self, v: String) -> Result<Scalar<'a>, E> {
                Ok(Scalar::Str(Cow::Owned(v)))
            }

            fn visit_i64<E>(self, v: i64) -> Result<Scalar<'a>, E> {
                Ok(Scalar::Int(v))
            }

            fn visit_u64<E>(self, v: u64) -> Result<Scalar<'a>, E> {
                Ok(i64::try_from(v).map_or(Scalar::Float(v as f64), Scalar::Int))
            }

            fn visit_f64<E>(self, v: f64) -> Result<Scalar<'a>, E> {
                Ok(Scalar::Float(v))
            }
        }

        deserializer.deserialize_any(ScalarVisitor(std::marker::PhantomData))
    }
}

impl Scalar<'_> {
    fn into_string(self) -> String {
        match self {
            Scalar::Str(s) => s.into_owned(),
            Scalar::Int(i) => i.to_string(),
            Scalar::Float(f) => f.to_string(),
        }
    }
}

/// A call and the utterances left out of it, or why the record is unusable.
pub type ParsedCall = Result<(Call, Vec<UtteranceProblem>), String>;

/// A problem with one utterance that does not spoil the rest of the call.
#[derive(Debug, Clone, PartialEq)]
pub struct UtteranceProblem {
    /// 0-based index in the call.
    pub index: usize,
    /// What is wrong.
    pub reason: String,
}

/// Parses one JSON object as a call. `fallback_id` names calls without an id.
///
/// Utterances with an unknown role or no text are left out and described in
/// the returned problems, so the caller can report and count them.
pub fn parse_call(json: &[u8], fallback_id: &str) -> ParsedCall {
    if let Some(map) = crate::config::field_map() {
        return super::mapped::parse_call(map, json, fallback_id);
    }
    // One SIMD validation of the whole line lets the parser skip its own
    // per-string check, which is slow on Chinese text. sonic-rs parses a
    // dump's lines half again as fast as serde_json; a line it rejects is
    // parsed again by serde_json, whose errors name the line and column.
    from_raw(from_json(json, "call")?, fallback_id)
}

/// `json` parsed by sonic-rs, or by serde_json where sonic-rs cannot (too
/// deep, invalid UTF-8, a syntax error to describe).
/// `what` names the object in messages.
fn from_json<'a, T: Deserialize<'a>>(json: &'a [u8], what: &str) -> Result<T, String> {
    let parsed = (simdutf8::basic::from_utf8(json).ok())
        .filter(|_| is_shallow(json))
        .and_then(|text| sonic_rs::from_str::<T>(text).ok());
    match parsed {
        Some(raw) => Ok(raw),
        None => serde_json::from_slice(json).map_err(|e| describe_json_error(e, what)),
    }
}

/// One line of a dump written a row per utterance (a database table
/// exported as JSONL): the utterance's fields beside its call's id.
#[derive(Default)]
struct RawRow<'a> {
    call_id: Option<Scalar<'a>>,
    agent_id: Option<Scalar<'a>>,
    utterance: RawUtterance<'a>,
    /// The record has an `utterances` field: it is a call, not a row.
    is_call: bool,
}

/// [`key_in`] for a row's keys: an utterance's, then its call's id and
/// agent. A bare `id` in a row is the row's own, not its call's.
fn row_key(key: &str) -> Option<(usize, usize)> {
    if let Some((field, rank)) = utterance_key(key) {
        return Some((field + 2, rank));
    }
    match call_key(key)? {
        (0, 3) => None,
        (field @ 0..=1, rank) => Some((field, rank)),
        (3, rank) => Some((6, rank)),
        _ => None,
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for RawRow<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct RowVisitor<'a>(std::marker::PhantomData<&'a ()>);

        impl<'de: 'a, 'a> serde::de::Visitor<'de> for RowVisitor<'a> {
            type Value = RawRow<'a>;

            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an utterance object")
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<RawRow<'a>, A::Error> {
                let mut row = RawRow::default();
                let u = &mut row.utterance;
                read_fields::<_, 7>(&mut map, row_key, |field, map| {
                    match field {
                        0 => row.call_id = map.next_value()?,
                        1 => row.agent_id = map.next_value()?,
                        2 => u.role = map.next_value()?,
                        3 => u.text = map.next_value::<Option<BorrowedText>>()?.map(|t| t.0),
                        4 => u.start = map.next_value()?,
                        5 => u.end = map.next_value()?,
                        _ => {
                            row.is_call = true;
                            map.next_value::<serde::de::IgnoredAny>()?;
                        }
                    }
                    Ok(())
                })?;
                Ok(row)
            }
        }

        deserializer.deserialize_map(RowVisitor(std::marker::PhantomData))
    }
}

/// Whether a JSONL line is one utterance rather than a call: it has text
/// and no list of utterances.
pub fn is_utterance_row(json: &[u8]) -> bool {
    from_json::<RawRow>(json, "utterance").is_ok_and(|row| !row.is_call && row.utterance.text.is_some())
}

/// The id of the call an utterance row belongs to (`None` when it names
/// none), or `Err` when the line is no JSON object.
pub fn row_call_id(json: &[u8]) -> Result<Option<String>, String> {
    Ok(from_json::<RawRow>(json, "utterance")?
        .call_id
        .map(Scalar::into_string))
}

/// Tells where one call's rows end and the next call's begin, row by row.
#[derive(Debug, Default)]
pub struct RowCalls {
    /// The call id of the rows so far; `None` also for rows naming none.
    id: Option<String>,
    /// Whether a row has been seen.
    started: bool,
}

impl RowCalls {
    /// Whether the row `json` starts a call other than the previous row's.
    /// A row that is no JSON object stays with the call it sits in, to be
    /// reported there as an utterance that could not be read.
    pub fn starts_call(&mut self, json: &[u8]) -> bool {
        let Ok(id) = row_call_id(json) else {
            return false;
        };
        let starts = self.started && id != self.id;
        self.started = true;
        self.id = id;
        starts
    }
}

/// A call from consecutive utterance rows, each `(line number, JSON)`;
/// rows that cannot be read are left out as problems naming their line.
pub fn parse_rows(
    rows: &[(usize, &[u8])],
    fallback_id: &str,
) -> Result<(Call, Vec<(usize, String)>), String> {
    let mut call = Call {
        id: String::new(),
        agent_id: None,
        started_at: None,
        utterances: Vec::with_capacity(rows.len()),
        script: false,
    };
    let mut id = None;
    let mut problems = Vec::new();
    let mut speakers = Vec::new();
    for (index, &(line, json)) in rows.iter().enumerate() {
        let parsed = from_json::<RawRow>(json, "utterance").and_then(|row| {
            id = id.take().or(row.call_id);
            call.agent_id = call.agent_id.take().or(row.agent_id.map(Scalar::into_string));
            to_utterance(index, row.utterance)
        });
        match parsed {
            Ok((mut utterance, speaker)) => {
                utterance.line = Some(line);
                if let Some(label) = speaker {
                    speakers.push((call.utterances.len(), label));
                }
                call.utterances.push(utterance);
            }
            Err(reason) => problems.push(UtteranceProblem { index, reason }),
        }
    }
    settle_speakers(&mut call.utterances, speakers, &mut problems);
    if call.utterances.is_empty() {
        let first = problems.into_iter().next().map(|p| p.reason);
        return Err(first.unwrap_or_else(|| "call has no utterances".into()));
    }
    call.id = id.map_or_else(|| fallback_id.to_string(), Scalar::into_string);
    call.rescale_millisecond_times();
    let at_lines = problems
        .into_iter()
        .map(|p| (rows[p.index].0, p.reason))
        .collect();
    Ok((call, at_lines))
}

/// How deep the JSON given to sonic-rs may nest. It recurses once a level
/// and overflowed a worker thread's stack between 10,000 and 30,000 levels;
/// serde_json, which takes deeper lines, skips unknown values without
/// recursing.
const SONIC_MAX_DEPTH: usize = 4096;

/// Whether `json` nests at most [`SONIC_MAX_DEPTH`] deep: it cannot nest
/// deeper than it has bytes, or opening brackets, which `memchr` counts
/// 32 bytes at a time (a byte loop cost 2.7 instructions a byte).
fn is_shallow(json: &[u8]) -> bool {
    json.len() <= SONIC_MAX_DEPTH || memchr::memchr2_iter(b'[', b'{', json).count() <= SONIC_MAX_DEPTH
}

fn describe_json_error(err: serde_json::Error, what: &str) -> String {
    if err.is_eof() {
        format!("truncated JSON ({err})")
    } else {
        format!("not a valid {what} object: {err}")
    }
}

fn from_raw(raw: RawCall, fallback_id: &str) -> ParsedCall {
    let Some(Utterances {
        read: mut utterances,
        mut problems,
        speakers,
    }) = raw.utterances
    else {
        return Err("no `utterances` field".into());
    };
    settle_speakers(&mut utterances, speakers, &mut problems);
    if utterances.is_empty() && problems.is_empty() {
        return Err("call has no utterances".into());
    }
    let mut call = Call {
        id: raw
            .call_id
            .map_or_else(|| fallback_id.to_string(), Scalar::into_string),
        agent_id: raw.agent_id.map(Scalar::into_string),
        started_at: raw.started_at.map(Scalar::into_string),
        utterances,
        script: false,
    };
    call.rescale_millisecond_times();
    Ok((call, problems))
}

/// The utterance, and the speaker label it has instead of a role (its role
/// is then a placeholder until [`settle_speakers`]).
fn to_utterance(index: usize, raw: RawUtterance) -> Result<(Utterance, Option<String>), String> {
    let (role, speaker) = match raw.role {
        None => return Err(format!("no `role`{MAP_FIELDS}")),
        Some(Scalar::Str(s)) => match Role::parse(&s) {
            Some(role) => (role, None),
            None => (Role::Customer, Some(s.into_owned())),
        },
        Some(label) => (Role::Customer, Some(label.into_string())),
    };
    let text = raw.text.ok_or_else(|| format!("no `text`{MAP_FIELDS}"))?;
    let utterance = Utterance {
        index,
        role,
        text: text.into_owned(),
        start: seconds(raw.start, "start")?,
        end: seconds(raw.end, "end")?,
        line: None,
        column: None,
    };
    Ok((utterance, speaker))
}

/// Gives the utterances that name a speaker rather than a role the role
/// their words point to ([`super::speakers`]), or, when the call does not
/// tell, leaves them out as problems naming the label.
fn settle_speakers(
    utterances: &mut Vec<Utterance>,
    speakers: Vec<(usize, String)>,
    problems: &mut Vec<UtteranceProblem>,
) {
    if speakers.is_empty() {
        return;
    }
    if speakers.len() == utterances.len() {
        let labels: Vec<&str> = speakers.iter().map(|(_, l)| l.as_str()).collect();
        let texts: Vec<&str> = utterances.iter().map(|u| u.text.as_str()).collect();
        if let Some(roles) = super::speakers::settle(&labels, &texts) {
            for (u, role) in utterances.iter_mut().zip(roles) {
                u.role = role;
            }
            return;
        }
    }
    for (at, label) in speakers.into_iter().rev() {
        let index = utterances.remove(at).index;
        problems.push(UtteranceProblem {
            index,
            reason: unknown_role(&label),
        });
    }
    problems.sort_by_key(|p| p.index);
}

fn seconds(time: Option<Time>, field: &str) -> Result<Option<f64>, String> {
    match time {
        Some(Time::At(seconds)) => Ok(Some(seconds)),
        None | Some(Time::Blank) => Ok(None),
        Some(Time::Unreadable) => Err(format!(
            "unreadable `{field}` time (expected seconds, or a clock time such as 01:23.5)"
        )),
    }
}

/// What to do when an utterance lacks a field: most often the transcript is a
/// vendor's (`ChannelId`, `Text`, times in ms), which a config file can map.
const MAP_FIELDS: &str = " (for a vendor's field names, see `fields:` in the README's Configuration section)";

fn unknown_role(s: &str) -> String {
    format!("unknown role {s:?} (expected agent/坐席/客服/A or customer/客户/用户/C)")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_canonical_shape_and_role_spellings() {
        let line = r#"{"call_id":"C1","agent_id":7,"utterances":[{"role":"坐席","text":"您好","start":0.0,"end":1.5},{"role":"C","text":"\u4f60\u597d"}]}"#;
        let (call, problems) = parse_call(line.as_bytes(), "x").unwrap();
        assert!(problems.is_empty());
        assert_eq!(call.id, "C1");
        assert_eq!(call.agent_id.as_deref(), Some("7"));
        assert_eq!(call.utterances[0].role, Role::Agent);
        assert_eq!(call.utterances[1].text, "你好");
        assert_eq!(call.utterances[0].end, Some(1.5));
    }

    #[test]
    fn names_the_role_it_did_not_understand() {
        let line = br#"{"utterances":[{"role":"robot","text":"a"},{"role":"agent","text":"b"}]}"#;
        let (call, problems) = parse_call(line, "f:1").unwrap();
        assert_eq!(call.id, "f:1");
        assert_eq!(call.utterances.len(), 1);
        assert!(problems[0].reason.contains("\"robot\""), "{problems:?}");
    }

    #[test]
    fn points_a_vendor_export_at_the_field_mapping() {
        let line = br#"{"Sentences":[{"Speaker_No":0,"Words":"a","BeginTime":120},{"role":"agent"}]}"#;
        let (_, problems) = parse_call(line, "x").unwrap();
        assert_eq!(problems.len(), 2);
        for (problem, field) in problems.iter().zip(["`role`", "`text`"]) {
            assert!(problem.reason.starts_with(&format!("no {field}")), "{problem:?}");
            assert!(problem.reason.contains("`fields:`"), "{problem:?}");
        }
    }

    #[test]
    fn the_most_specific_of_several_keys_wins() {
        let line = r#"{"id":7,"call_id":"C1","messages":[],"utterances":[{"speaker":"张三","role":"agent","content":"x","text":"您好","begin":"9","start":1}]}"#;
        let (call, problems) = parse_call(line.as_bytes(), "x").unwrap();
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(call.id, "C1");
        let u = &call.utterances[0];
        assert_eq!(
            (u.role, u.text.as_str(), u.start),
            (Role::Agent, "您好", Some(1.0))
        );
    }

    #[test]
    fn numbered_speakers_get_the_roles_their_words_point_to() {
        let line = r#"{"TaskId":"T1","Sentences":[
            {"ChannelId":1,"Text":"您好，工号1234，很高兴为您服务","BeginTime":0,"EndTime":3000},
            {"ChannelId":0,"Text":"我想问一下我的账单","BeginTime":3500,"EndTime":5600}]}"#;
        let (call, problems) = parse_call(line.as_bytes(), "x").unwrap();
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(call.id, "T1");
        let roles: Vec<_> = call.utterances.iter().map(|u| u.role).collect();
        assert_eq!(roles, [Role::Agent, Role::Customer]);
        assert_eq!(call.utterances[1].end, Some(5.6));
        // Speakers that the words do not tell apart are named in problems.
        let line = r#"{"turns":[{"spk":"S1","text":"好的"},{"spk":"S2","text":"嗯"}]}"#;
        let (call, problems) = parse_call(line.as_bytes(), "x").unwrap();
        assert!(call.utterances.is_empty());
        assert!(
            problems[0].reason.contains("\"S1\"") && problems[1].reason.contains("\"S2\""),
            "{problems:?}"
        );
    }

    #[test]
    fn names_invalid_utf8_with_its_position() {
        let line = b"{\"utterances\":[{\"role\":\"agent\",\"text\":\"\xe6\x82\xa8\xff\"}]}";
        let err = parse_call(line, "x").unwrap_err();
        assert!(err.contains("invalid unicode") && err.contains("column"), "{err}");
    }

    #[test]
    fn rejects_truncated_and_empty_calls() {
        assert!(parse_call(br#"{"utterances":[{"role":"#, "x")
            .unwrap_err()
            .contains("truncated"));
        assert!(parse_call(br#"{"utterances":[]}"#, "x")
            .unwrap_err()
            .contains("no utterances"));
        assert!(parse_call(b"hello", "x").is_err());
    }

    #[test]
    fn reads_lines_nested_too_deep_for_the_fast_parser() {
        let deep = |opens: &str, closes: &str| {
            let line = format!(r#"{{"x":{opens}{closes},"utterances":[{{"role":"agent","text":"您好"}}]}}"#);
            std::thread::spawn(move || parse_call(line.as_bytes(), "x").map(|(c, _)| c.utterances.len()))
                .join()
                .expect("no stack overflow")
        };
        assert_eq!(deep(&"[".repeat(100_000), &"]".repeat(100_000)), Ok(1));
        assert!(deep(&"[".repeat(100_000), "").is_err());
    }

    /// The fast parser must accept, reject and read exactly what the one
    /// that words the errors does.
    #[test]
    fn sonic_and_serde_json_judge_edge_cases_alike() {
        let lines = [
            "{\"utterances\":[{\"role\":\"agent\",\"text\":\"a\tb\"}]}",
            "{\"utterances\":[{\"role\":\"agent\",\"text\":\"ab\"},]}",
            "{\"utterances\":[{\"role\":\"agent\",\"text\":\"ab\",\"start\":NaN}]}",
            "{\"utterances\":[{\"role\":\"agent\",\"text\":\"ab\",\"start\":01}]}",
            "{\"utterances\":[{\"role\":\"agent\",\"text\":\"\\ud800\"}]}",
            "{\"utterances\":[{\"role\":\"agent\",\"text\":\"ab\"}]} x",
            "{\"utterances\":[{\"role\":\"agent\",\"text\":\"ab\"}]}}",
            "\u{feff}{\"utterances\":[{\"role\":\"agent\",\"text\":\"ab\"}]}",
            "{\"utterances\":[{\"role\":\"agent\",\"text\":\"ab\",\"start\":1e400}]}",
            "{\"utterances\":[{\"role\":\"agent\",\"text\":\"ab\",\"start\":-0.5e-3}]}",
            "{\"utterances\":[{\"role\":\"agent\",\"text\":\"ab\",\"start\":1.}]}",
            "{\"utterances\":[{\"role\":\"agent\",\"text\":\"ab\",\"start\":+1}]}",
            "{\"utterances\":[{\"role\":\"agent\",\"text\":\"ab\",\"start\":\"1\"}]}",
            "{\"utterances\":[{\"role\":\"agent\",\"text\":\"ab\",\"start\":null}]}",
            "{\"utterances\":[{\"role\":\"agent\",\"text\":\"ab\",\"text\":\"c\"}]}",
            "{\"utterances\":[{\"role\":\"agent\",\"text\":\"ab\"}],\"utterances\":[]}",
            "{'utterances':[]}",
            "{\"utterances\":[{\"role\":\"agent\",\"text\":\"a\\u0000b\"}]}",
            "{\"utterances\":[{\"role\":\"agent\",\"text\":\"a\\qb\"}]}",
            "{\"utterances\":[{\"role\":\"agent\",\"text\":\"ab\",\"start\":12345678901234567890123}]}",
            "{\"call_id\":18446744073709551616,\"utterances\":[{\"role\":\"agent\",\"text\":\"ab\"}]}",
            "{\"call_id\":-5,\"utterances\":[{\"role\":1,\"text\":\"ab\"}]}",
            "{\"utterances\":[{\"role\":\"agent\",\"text\":\"ab\"}]}\u{0}",
            "  {\"utterances\":[{\"role\":\"agent\",\"text\":\"ab\"}]}  ",
            "{\"utterances\":[{\"role\":\"agent\",\"text\":\"ab\",\"extra\":{\"a\":[1,2,{\"b\":tru}]}}]}",
            "{\"utterances\":[{\"role\":\"agent\",\"text\":\"ab\",\"extra\":[1,2,]}]}",
            "{\"utterances\":[{\"role\":\"agent\",\"text\":\"ab\",\"extra\":\"\u{1}\"}]}",
        ];
        let parse = |raw: RawCall| from_raw(raw, "x").map(|(call, problems)| (call, problems.len()));
        for line in lines {
            let fast = sonic_rs::from_str::<RawCall>(line).ok().map(parse);
            let careful = serde_json::from_str::<RawCall>(line).ok().map(parse);
            assert_eq!(fast, careful, "{line:?}");
        }
    }
}
