//! CloudWatch Logs export documents: deciding a file's layout, and streaming `{"events": [...]}`
//! documents (or arrays, or records on their own) event by event into the file reader.

use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

use super::ingest::{FileReader, Sink};

/// How a file is laid out, decided from its first non-empty line.
#[derive(Clone, Copy)]
pub(super) enum Layout {
    /// One record (or CloudWatch event) per line, each ended by `eol`: `\n` (CRLF too), or `\r`
    /// in a file whose first bytes have CRs and no LF (classic Mac OS line ends).
    Lines { eol: u8 },
    /// JSON document(s): `{"events": [...]}` exports, or arrays of events/records.
    Document,
}

/// `{"events": ...}` at the top of a line means an export document, wherever the key stands.
#[derive(serde::Deserialize)]
struct Probe {
    events: Option<IgnoredAny>,
}

/// Decides the layout from the first buffered bytes (nothing is consumed). A document starts
/// with `[`, or with an object whose first line is `{` alone (pretty-printed) or that has an
/// `events` key; anything else (including a first record cut short) is read line by line.
pub(super) fn layout_of(peek: &[u8]) -> Layout {
    // CR line ends only where the buffered bytes have no LF at all: a stray CR in a file with
    // LF line ends (a damaged record) must not merge every line after it.
    let eol = match (memchr::memchr(b'\n', peek), memchr::memchr(b'\r', peek)) {
        (None, Some(i)) if i + 1 < peek.len() => b'\r',
        _ => b'\n',
    };
    let lines = Layout::Lines { eol };
    let t = peek
        .strip_prefix(b"\xEF\xBB\xBF")
        .unwrap_or(peek)
        .trim_ascii_start();
    match t.first() {
        Some(b'[') => Layout::Document,
        Some(b'{') => {
            let Some(end) = memchr::memchr(eol, t) else {
                // One line longer than the buffer: a document only if it says `events` first.
                let after = t[1..].trim_ascii_start();
                return if after.starts_with(b"\"events\"") {
                    Layout::Document
                } else {
                    lines
                };
            };
            let first = t[..end].trim_ascii();
            if first == b"{" {
                return Layout::Document;
            }
            match serde_json::from_slice::<Probe>(first) {
                Ok(p) if p.events.is_some() => Layout::Document,
                _ => lines,
            }
        }
        _ => lines,
    }
}

pub(super) struct DocVisitor<'a, 's, S> {
    pub(super) fr: &'a mut FileReader<'s, S>,
    pub(super) count: &'a mut u64,
}

impl<'de, S: Sink> Visitor<'de> for DocVisitor<'_, '_, S> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a CloudWatch Logs export: {\"events\": [...]} or an array of events")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<(), A::Error> {
        // Keys before `events` are kept (small in exports: nextToken, logGroupName...) so an
        // object without `events` can be read as one record or event (e.g. pretty-printed).
        let mut fields: Vec<(String, Box<RawValue>)> = vec![];
        let mut events = false;
        while let Some(k) = m.next_key::<String>()? {
            if k == "events" {
                events = true;
                m.next_value_seed(EventsSeed {
                    fr: &mut *self.fr,
                    count: &mut *self.count,
                })?;
            } else if events {
                m.next_value::<IgnoredAny>()?;
            } else {
                fields.push((k, m.next_value::<Box<RawValue>>()?));
            }
        }
        if !events {
            let mut text = String::from("{");
            for (i, (k, v)) in fields.iter().enumerate() {
                if i > 0 {
                    text.push(',');
                }
                text.push_str(&serde_json::to_string(k).expect("a string serializes"));
                text.push(':');
                text.push_str(v.get());
            }
            text.push('}');
            *self.count += 1;
            self.fr.event(*self.count, &text);
        }
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<(), A::Error> {
        EventsSeed {
            fr: self.fr,
            count: self.count,
        }
        .visit_seq(seq)
    }
}

struct EventsSeed<'a, 's, S> {
    fr: &'a mut FileReader<'s, S>,
    count: &'a mut u64,
}

impl<'de, S: Sink> DeserializeSeed<'de> for EventsSeed<'_, '_, S> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de, S: Sink> Visitor<'de> for EventsSeed<'_, '_, S> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an array of log events")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(raw) = seq.next_element::<Box<RawValue>>()? {
            *self.count += 1;
            self.fr.event(*self.count, raw.get());
        }
        Ok(())
    }
}
