//! JSON arrays of calls (`[ {call}, {call}, … ]`, a common vendor export),
//! read in batches of elements so that a multi-gigabyte export is linted in
//! the memory of a few batches, as JSONL is.
//!
//! The splitter does not parse. It follows strings, with their escapes, and
//! bracket depth to find where each element of the top-level array ends, and
//! leaves every element to the call parser, which judges it alone: a bad
//! element costs only itself. Only a break in the array's own structure
//! (something other than `,` or `]` after an element, a file cut short)
//! stops the reading, after every element before it.

use super::batch::{Broken, Split};

/// One element of the array: where it is in its batch's buffer and in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Element {
    /// 1-based position in the array.
    pub index: usize,
    /// 1-based line of the file the element starts on.
    pub line: usize,
    /// Start of the element's bytes in the buffer.
    pub start: usize,
    /// End of the element's bytes in the buffer.
    pub end: usize,
}

/// Where the splitter is in the array's grammar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Phase {
    /// Before the `[`.
    #[default]
    Open,
    /// After the `[`: an element or `]`.
    First,
    /// Inside an element.
    Value(Value),
    /// After an element: `,` or `]`.
    Next,
    /// After a `,`: an element.
    Element,
    /// After the `]`: only whitespace.
    Closed,
    /// The array's structure broke; nothing more is read.
    Broken,
}

/// What kind of element is being scanned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Value {
    /// An object, array or string: ends where its brackets or quotes close.
    Nested,
    /// Anything else (a number, `true`, garbage): ends at whitespace, `,` or `]`.
    Bare,
}

/// Splits a JSON array into its elements; its state is kept across buffer refills.
#[derive(Debug, Default)]
pub struct Splitter {
    phase: Phase,
    /// Open brackets in the current element.
    depth: usize,
    in_string: bool,
    /// The buffer ended just after a `\` inside a string.
    escaped: bool,
    /// Where the current element starts in the buffer.
    start: usize,
    /// How far the buffer has been scanned.
    pos: usize,
    /// Elements started so far.
    index: usize,
    /// The line the current element starts on.
    start_line: usize,
    /// Newlines before `counted`.
    newlines: usize,
    /// How far newlines have been counted in the buffer.
    counted: usize,
    /// Bytes of the file before the buffer.
    offset: u64,
    /// Why the array broke, once it has.
    broken: Option<Broken>,
}

/// JSON's whitespace (not `\x0c`, which `is_ascii_whitespace` also takes).
pub(super) fn is_space(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\n' | b'\r')
}

/// A byte as a message shows it: `` `x` `` or `byte 0xff`.
fn shown(byte: u8) -> String {
    if byte.is_ascii_graphic() {
        format!("`{}`", byte as char)
    } else {
        format!("byte 0x{byte:02x}")
    }
}

impl Split for Splitter {
    type Unit = Element;

    fn scan(&mut self, buffer: &[u8], elements: &mut Vec<Element>) {
        while self.pos < buffer.len() {
            match self.phase {
                Phase::Value(value) => self.scan_value(value, buffer, elements),
                Phase::Broken => return,
                _ => self.scan_between(buffer),
            }
        }
    }

    fn is_broken(&self) -> bool {
        self.phase == Phase::Broken
    }

    /// Up to the element being scanned, or all that was scanned.
    fn complete(&self) -> usize {
        match self.phase {
            Phase::Value(_) => self.start,
            _ => self.pos,
        }
    }

    fn cut(&mut self, buffer: &[u8]) -> usize {
        let cut = self.complete();
        self.line_at(buffer, cut);
        self.counted = 0;
        self.start = self.start.saturating_sub(cut);
        self.pos -= cut;
        self.offset += cut as u64;
        cut
    }

    fn finish(&mut self, buffer: &[u8], _elements: &mut Vec<Element>) -> Option<Broken> {
        self.pos = buffer.len();
        let ended =
            |what: &str| format!("truncated JSON array: the file ends {what}, without the closing `]`");
        let reason = match self.phase {
            Phase::Closed => return None,
            Phase::Broken => return self.broken.take(),
            Phase::Value(_) => {
                return Some(Broken {
                    location: format!("record {}", self.index),
                    reason: format!(
                        "truncated JSON: the file ends inside this record, which starts on line {}",
                        self.start_line
                    ),
                });
            }
            Phase::Open => "truncated JSON array: the file ends before its `[`".to_string(),
            Phase::First => ended("after the `[`"),
            Phase::Next => ended(&format!("after record {}", self.index)),
            Phase::Element => ended(&format!("after the `,` that follows record {}", self.index)),
        };
        let line = self.line_at(buffer, buffer.len());
        Some(Broken {
            location: format!("line {line}"),
            reason,
        })
    }
}

impl Splitter {
    /// The 1-based line of `at`, counting newlines from where the last count stopped.
    fn line_at(&mut self, buffer: &[u8], at: usize) -> usize {
        self.newlines += memchr::memchr_iter(b'\n', &buffer[self.counted..at]).count();
        self.counted = at;
        self.newlines + 1
    }

    /// One byte outside the elements: the array's own punctuation.
    fn scan_between(&mut self, buffer: &[u8]) {
        let byte = buffer[self.pos];
        if is_space(byte) {
            self.pos += 1;
            return;
        }
        match (self.phase, byte) {
            (Phase::Open, b'[') => self.phase = Phase::First,
            (Phase::First | Phase::Next, b']') => self.phase = Phase::Closed,
            (Phase::Next, b',') => self.phase = Phase::Element,
            (Phase::First | Phase::Element, b',' | b']' | b'}' | b':') => {
                return self.fail(buffer, format!("expected a record, found {}", shown(byte)));
            }
            (Phase::First | Phase::Element, _) => return self.begin_value(buffer, byte),
            (Phase::Open, _) => {
                return self.fail(buffer, format!("expected `[`, found {}", shown(byte)));
            }
            (Phase::Next, _) => {
                let after = self.index;
                return self.fail(
                    buffer,
                    format!("expected `,` or `]` after record {after}, found {}", shown(byte)),
                );
            }
            (_, _) => {
                return self.fail(buffer, format!("{} after the array's closing `]`", shown(byte)));
            }
        }
        self.pos += 1;
    }

    /// Starts an element at `pos`, whose first byte is `first`.
    fn begin_value(&mut self, buffer: &[u8], first: u8) {
        self.start_line = self.line_at(buffer, self.pos);
        self.index += 1;
        self.start = self.pos;
        self.depth = 0;
        self.in_string = false;
        self.escaped = false;
        let nested = matches!(first, b'{' | b'[' | b'"');
        self.phase = Phase::Value(if nested { Value::Nested } else { Value::Bare });
    }

    /// Scans an element from `pos` to its end or the end of the buffer.
    fn scan_value(&mut self, value: Value, buffer: &[u8], elements: &mut Vec<Element>) {
        let end = match value {
            Value::Nested => self.nested_end(buffer),
            Value::Bare => bare_end(buffer, self.pos),
        };
        match end {
            Some(end) => {
                elements.push(Element {
                    index: self.index,
                    line: self.start_line,
                    start: self.start,
                    end,
                });
                self.pos = end;
                self.phase = Phase::Next;
            }
            None => self.pos = buffer.len(),
        }
    }

    /// The end of the object, array or string being scanned, if it is in `buffer`.
    fn nested_end(&mut self, buffer: &[u8]) -> Option<usize> {
        let mut at = self.pos;
        if self.escaped && at < buffer.len() {
            self.escaped = false;
            at += 1;
        }
        while at < buffer.len() {
            if self.in_string {
                // Most of a call is text: jump from quote or backslash to the next.
                let Some(found) = memchr::memchr2(b'"', b'\\', &buffer[at..]) else {
                    break;
                };
                at += found;
                if buffer[at] == b'\\' {
                    if at + 1 == buffer.len() {
                        self.escaped = true;
                        break;
                    }
                    at += 2;
                    continue;
                }
                self.in_string = false;
                at += 1;
                if self.depth == 0 {
                    return Some(at);
                }
                continue;
            }
            match buffer[at] {
                b'"' => self.in_string = true,
                b'[' | b'{' => self.depth += 1,
                b']' | b'}' => {
                    self.depth = self.depth.saturating_sub(1);
                    if self.depth == 0 {
                        return Some(at + 1);
                    }
                }
                _ => {}
            }
            at += 1;
        }
        None
    }

    /// Stops the split with `reason`, at `pos`.
    fn fail(&mut self, buffer: &[u8], reason: String) {
        let line = self.line_at(buffer, self.pos);
        let byte = self.offset + self.pos as u64;
        self.broken = Some(Broken {
            location: format!("line {line}"),
            reason: format!(
                "malformed JSON array: {reason} at byte offset {byte}; the rest of the file is not read"
            ),
        });
        self.phase = Phase::Broken;
    }
}

/// The end of a bare element starting before `from`, if it is in `buffer`.
fn bare_end(buffer: &[u8], from: usize) -> Option<usize> {
    (buffer[from..].iter())
        .position(|&b| is_space(b) || b == b',' || b == b']')
        .map(|at| from + at)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::batch::Batches;
    use std::io::{self, BufRead, BufReader, Read};

    /// Hands out its bytes 1 to 3 at a time, so that elements, strings and
    /// escapes are split across refills.
    struct Trickle {
        data: Vec<u8>,
        at: usize,
    }

    impl Read for Trickle {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = (1 + self.at % 3).min(buf.len()).min(self.data.len() - self.at);
            buf[..n].copy_from_slice(&self.data[self.at..self.at + n]);
            self.at += n;
            Ok(n)
        }
    }

    /// `(index, line, text)` of every element, and the break, over all batches.
    type Outcome = (Vec<(usize, usize, String)>, Option<Broken>);

    fn split_with(reader: Box<dyn BufRead + Send>, batch_bytes: usize) -> Outcome {
        let mut elements = Vec::new();
        let mut broken = None;
        for batch in Batches::<Splitter>::new(reader, batch_bytes) {
            let batch = batch.unwrap();
            assert!(broken.is_none(), "nothing after a break");
            for e in &batch.units {
                let text = String::from_utf8_lossy(&batch.buffer[e.start..e.end]).into_owned();
                elements.push((e.index, e.line, text));
            }
            broken = batch.broken;
        }
        (elements, broken)
    }

    /// The split, checked to be the same whether read at once or in trickles
    /// with batches of any size.
    fn split(input: &[u8]) -> Outcome {
        let whole = split_with(Box::new(io::Cursor::new(input.to_vec())), 1 << 20);
        for batch_bytes in [1, 2, 5, 64] {
            let trickle = Trickle {
                data: input.to_vec(),
                at: 0,
            };
            let again = split_with(Box::new(BufReader::with_capacity(2, trickle)), batch_bytes);
            assert_eq!(
                again,
                whole,
                "batch size {batch_bytes}: {:?}",
                String::from_utf8_lossy(input)
            );
        }
        whole
    }

    fn texts(input: &str) -> Vec<String> {
        let (elements, broken) = split(input.as_bytes());
        assert_eq!(broken, None, "{input}");
        elements.into_iter().map(|(_, _, text)| text).collect()
    }

    #[test]
    fn strings_hide_brackets_commas_and_escaped_quotes() {
        let elements = [
            r#"{"t":"a]}[{,\"b\\"}"#,
            r#""x\\""#,
            r#"{"u":[1,{"v":"}\"]"}],"w":"\\\""}"#,
            r#"[{"deep":[[[]]]},"]"]"#,
            "-1.5e3",
            "true",
        ];
        let input = format!("[{}]", elements.join(","));
        assert_eq!(texts(&input), elements);
    }

    #[test]
    fn elements_are_numbered_with_the_line_they_start_on() {
        let input = b"\n [\r\n  {\"a\":\n1},\n\n  {\"b\":\"\\n\"} ,\t\"c\"\n]\n\n";
        let (elements, broken) = split(input);
        assert_eq!(broken, None);
        let expected = [(1, 3, "{\"a\":\n1}"), (2, 6, "{\"b\":\"\\n\"}"), (3, 6, "\"c\"")];
        assert_eq!(elements, expected.map(|(i, l, t)| (i, l, t.to_string())));
    }

    #[test]
    fn empty_arrays_have_no_elements_and_no_problem() {
        for input in ["[]", " [ \n ] \n", "[\n]"] {
            assert_eq!(split(input.as_bytes()), (vec![], None), "{input:?}");
        }
    }

    fn broken(input: &str) -> (usize, Broken) {
        let (elements, broken) = split(input.as_bytes());
        (elements.len(), broken.expect(input))
    }

    #[test]
    fn a_break_in_the_array_is_named_with_its_line_and_byte_after_the_elements_before_it() {
        let (read, problem) = broken("[{\"a\":1},\n{\"b\":2}\n x, {\"c\":3}]");
        assert_eq!(read, 2);
        assert_eq!(problem.location, "line 3");
        assert_eq!(
            problem.reason,
            "malformed JSON array: expected `,` or `]` after record 2, found `x` at byte offset 19; \
             the rest of the file is not read"
        );
        let (read, problem) = broken("[{\"a\":1}]\n]");
        assert_eq!((read, problem.location.as_str()), (1, "line 2"));
        assert!(
            problem
                .reason
                .contains("`]` after the array's closing `]` at byte offset 10"),
            "{problem:?}"
        );
        for (input, found) in [
            ("[{},]", "`]`"),
            ("[,{}]", "`,`"),
            ("[{},,{}]", "`,`"),
            ("[{}, }]", "`}`"),
        ] {
            let (_, problem) = broken(input);
            assert!(
                problem
                    .reason
                    .contains(&format!("expected a record, found {found}")),
                "{input}: {problem:?}"
            );
        }
        let (_, problem) = broken("[{}]\u{0}");
        assert!(problem.reason.contains("byte 0x00 after"), "{problem:?}");
    }

    #[test]
    fn a_file_cut_short_names_the_record_it_ends_in() {
        let (read, problem) = broken("[{\"a\":1},\n{\"b\":\"x");
        assert_eq!(read, 1);
        assert_eq!(problem.location, "record 2");
        assert_eq!(
            problem.reason,
            "truncated JSON: the file ends inside this record, which starts on line 2"
        );
        let (read, problem) = broken("[{\"a\":1}\n");
        assert_eq!((read, problem.location.as_str()), (1, "line 2"));
        assert_eq!(
            problem.reason,
            "truncated JSON array: the file ends after record 1, without the closing `]`"
        );
        assert!(broken("[").1.reason.contains("after the `[`"));
        assert!(broken("[{},")
            .1
            .reason
            .contains("after the `,` that follows record 1"));
    }

    #[test]
    fn every_truncation_keeps_the_elements_read_in_full() {
        let input = "[{\"t\":\"a\\\"],\"}, 12 ,\"s\\\\\", [{}] ,{\"u\":[\"}\"]}]";
        let (full, none) = split(input.as_bytes());
        assert_eq!((full.len(), none), (5, None));
        for cut in 1..input.len() {
            let (elements, broken) = split(&input.as_bytes()[..cut]);
            assert!(broken.is_some(), "cut at {cut}");
            assert_eq!(elements, full[..elements.len()], "cut at {cut}");
        }
    }

    #[test]
    fn deep_nesting_is_counted_not_recursed() {
        let deep = format!("[{}{},{{}}]", "[".repeat(200_000), "]".repeat(200_000));
        let (elements, broken) = split(deep.as_bytes());
        assert_eq!((elements.len(), broken), (2, None));
        let element = elements[0].2.clone();
        let parsed =
            std::thread::spawn(move || crate::input::record_from_element("f", 1, element.as_bytes()));
        assert!(parsed.join().expect("no stack overflow").call.is_err());
        let unclosed = format!("[{}", "{\"a\":[".repeat(100_000));
        assert_eq!(split(unclosed.as_bytes()).1.unwrap().location, "record 1");
    }

    #[test]
    fn garbage_never_panics() {
        let alphabet = b"[]{}\",:\\ \nax1\xff";
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        for _ in 0..2000 {
            let len = (seed % 40) as usize;
            let mut input = vec![b'['];
            for _ in 0..len {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                input.push(alphabet[(seed % alphabet.len() as u64) as usize]);
            }
            let (elements, _) = split(&input);
            for (index, _, text) in elements {
                let _ = crate::input::record_from_element("f", index, text.as_bytes());
            }
        }
    }

    #[test]
    fn elements_read_before_an_error_come_out_before_it() {
        // Two elements, then a read error in the middle of the third.
        let failing = crate::input::batch::tests::FailingReader {
            data: b"[{\"a\":1},{\"b\":2},{\"c\"",
            at: 0,
        };
        let reader = Box::new(BufReader::with_capacity(4, failing));
        let results: Vec<_> = Batches::<Splitter>::new(reader, 1 << 20).collect();
        assert_eq!(results.len(), 2, "{results:?}");
        assert_eq!(results[0].as_ref().unwrap().units.len(), 2);
        assert_eq!(results[1].as_ref().unwrap_err().to_string(), "disk gone");
    }
}
