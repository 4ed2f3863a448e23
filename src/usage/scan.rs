//! The fast path of record parsing: a purpose-built scanner over the invocation-log schema that
//! reads a well-formed record straight from the line's bytes into a [`RawRecord`], skipping (and
//! validating) the prompt and response bodies 16 bytes at a time.
//!
//! It accepts only what serde_json accepts and reads it exactly as the derived `Deserialize`
//! would: whenever a record holds anything less plain (an escape in a field we keep, a number
//! that is not a plain count, a repeated field, a CloudWatch event's `message`, deep nesting, a
//! syntax error...) it returns `None` and the caller parses the record with serde_json, whose
//! result and messages are the reference. `tests/fuzz.rs` checks the two agree.

use std::borrow::Cow;
use std::collections::BTreeMap;

use super::json_values::{Loose, RawJson, Scalar, Str, Tok};
use super::record::{RawIdentity, RawInput, RawOutput, RawRecord};

/// Nesting deeper than this is left to serde_json (whose limit is 128).
const MAX_DEPTH: u32 = 100;

/// Reads `text` (one JSON object) as an invocation record, or `None` to leave it to serde_json.
pub fn record(text: &str) -> Option<RawRecord<'_>> {
    let mut s = Scan {
        text,
        b: text.as_bytes(),
        i: 0,
    };
    let mut r = RawRecord::default();
    let mut seen = Seen(0);
    s.object(|s, key| {
        match key {
            "schemaType" => r.schema_type = seen.once(0, s.opt_str())?,
            "schemaVersion" => r.schema_version = seen.once(1, s.opt_str())?,
            "timestamp" => r.timestamp = seen.once(2, s.loose())?,
            "accountId" => r.account_id = seen.once(3, s.opt_scalar())?,
            "identity" => r.identity = seen.once(4, s.nullable(Scan::identity))?,
            "region" => r.region = seen.once(5, s.opt_str())?,
            "requestId" => r.request_id = seen.once(6, s.opt_str())?,
            "operation" => r.operation = seen.once(7, s.opt_str())?,
            "modelId" => r.model_id = seen.once(8, s.opt_str())?,
            "requestMetadata" => r.request_metadata = seen.once(9, s.nullable(Scan::metadata))?,
            "input" => r.input = seen.once(10, s.nullable(Scan::input))?,
            "output" => r.output = seen.once(11, s.nullable(Scan::output))?,
            "errorCode" => r.error_code = seen.once(12, s.opt_str())?,
            "inferenceRegion" => r.inference_region = seen.once(13, s.opt_str())?,
            // A CloudWatch Logs event: its record is an escaped string, serde_json's work.
            "message" => return None,
            _ => s.skip_value(1)?,
        }
        Some(())
    })?;
    s.ws();
    (s.i == s.b.len()).then_some(r)
}

/// Which declared fields of one object were read: serde's derive refuses a repeated one.
struct Seen(u32);

impl Seen {
    fn once<T>(&mut self, bit: u32, v: Option<T>) -> Option<T> {
        if self.0 & (1 << bit) != 0 {
            return None;
        }
        self.0 |= 1 << bit;
        v
    }
}

struct Scan<'a> {
    text: &'a str,
    b: &'a [u8],
    i: usize,
}

impl<'a> Scan<'a> {
    /// Skips JSON whitespace (the four characters JSON allows, as serde_json does).
    fn ws(&mut self) {
        while let Some(b' ' | b'\n' | b'\t' | b'\r') = self.b.get(self.i) {
            self.i += 1;
        }
    }

    fn peek(&mut self) -> Option<u8> {
        self.ws();
        self.b.get(self.i).copied()
    }

    fn eat(&mut self, c: u8) -> Option<()> {
        (self.peek()? == c).then(|| self.i += 1)
    }

    /// An object, each key (without escapes) handed to `field` with the scanner before its value.
    fn object(&mut self, mut field: impl FnMut(&mut Self, &'a str) -> Option<()>) -> Option<()> {
        self.eat(b'{')?;
        if self.eat(b'}').is_some() {
            return Some(());
        }
        loop {
            if self.peek()? != b'"' {
                return None;
            }
            let key = self.plain_str()?;
            self.eat(b':')?;
            self.ws();
            field(self, key)?;
            match self.peek()? {
                b',' => self.i += 1,
                b'}' => {
                    self.i += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    /// A string without escapes (the scanner is on its opening quote): its text, borrowed.
    fn plain_str(&mut self) -> Option<&'a str> {
        let start = self.i + 1;
        let end = start + find_special(&self.b[start..])?;
        if self.b[end] != b'"' {
            return None;
        }
        self.i = end + 1;
        Some(&self.text[start..end])
    }

    /// Skips a string, checking its escapes and that it holds no control character.
    fn skip_str(&mut self) -> Option<()> {
        let mut j = self.i + 1;
        loop {
            j += find_special(&self.b[j..])?;
            match self.b[j] {
                b'"' => {
                    self.i = j + 1;
                    return Some(());
                }
                b'\\' => match self.b.get(j + 1)? {
                    b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => j += 2,
                    b'u' => {
                        let hex = self.b.get(j + 2..j + 6)?;
                        if !hex.iter().all(u8::is_ascii_hexdigit) {
                            return None;
                        }
                        j += 6;
                    }
                    _ => return None,
                },
                _ => return None,
            }
        }
    }

    fn literal(&mut self, word: &[u8]) -> Option<()> {
        self.b[self.i..]
            .starts_with(word)
            .then(|| self.i += word.len())
    }

    fn digits(&mut self) -> usize {
        let start = self.i;
        while let Some(b'0'..=b'9') = self.b.get(self.i) {
            self.i += 1;
        }
        self.i - start
    }

    /// Skips a number by JSON's grammar (serde_json's, when it ignores a value).
    fn skip_number(&mut self) -> Option<()> {
        if self.b[self.i] == b'-' {
            self.i += 1;
        }
        match self.b.get(self.i)? {
            b'0' => self.i += 1,
            b'1'..=b'9' => {
                self.digits();
            }
            _ => return None,
        }
        if self.b.get(self.i) == Some(&b'.') {
            self.i += 1;
            if self.digits() == 0 {
                return None;
            }
        }
        if let Some(b'e' | b'E') = self.b.get(self.i) {
            self.i += 1;
            if let Some(b'+' | b'-') = self.b.get(self.i) {
                self.i += 1;
            }
            if self.digits() == 0 {
                return None;
            }
        }
        // "01" is not a number; whatever else follows is the caller's to accept or not.
        (!matches!(self.b.get(self.i), Some(b'0'..=b'9'))).then_some(())
    }

    /// Skips any value, checking it is JSON.
    fn skip_value(&mut self, depth: u32) -> Option<()> {
        if depth > MAX_DEPTH {
            return None;
        }
        match self.peek()? {
            b'"' => self.skip_str(),
            b'{' => self.object(|s, _| s.skip_value(depth + 1)),
            b'[' => {
                self.i += 1;
                if self.eat(b']').is_some() {
                    return Some(());
                }
                loop {
                    self.skip_value(depth + 1)?;
                    match self.peek()? {
                        b',' => self.i += 1,
                        b']' => {
                            self.i += 1;
                            return Some(());
                        }
                        _ => return None,
                    }
                }
            }
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            b'n' => self.literal(b"null"),
            b'-' | b'0'..=b'9' => self.skip_number(),
            _ => None,
        }
    }

    /// `null` (read as `None`, as serde reads an `Option`) or what `read` reads.
    fn nullable<T>(&mut self, read: impl FnOnce(&mut Self) -> Option<T>) -> Option<Option<T>> {
        if self.peek()? == b'n' {
            self.literal(b"null")?;
            return Some(None);
        }
        read(self).map(Some)
    }

    /// An optional string field.
    fn opt_str(&mut self) -> Option<Option<Str<'a>>> {
        self.nullable(|s| {
            if s.b[s.i] != b'"' {
                return None;
            }
            s.plain_str().map(|t| Str(Cow::Borrowed(t)))
        })
    }

    /// A field read whatever it is, a string or nothing (`Loose`).
    fn loose(&mut self) -> Option<Loose<'a>> {
        match self.peek()? {
            b'"' => Some(Loose(Some(Cow::Borrowed(self.plain_str()?)))),
            // serde reads a number's value (and refuses one out of range): leave those to it.
            b'-' | b'0'..=b'9' => None,
            _ => self.skip_value(1).map(|()| Loose(None)),
        }
    }

    /// A metadata value as `Scalar` reads it (numbers are left to serde's formatting).
    fn scalar(&mut self) -> Option<Scalar<'a>> {
        Some(Scalar(match self.peek()? {
            b'"' => Cow::Borrowed(self.plain_str()?),
            b't' => self.literal(b"true").map(|()| Cow::Borrowed("true"))?,
            b'f' => self.literal(b"false").map(|()| Cow::Borrowed("false"))?,
            b'n' => self.literal(b"null").map(|()| Cow::Borrowed(""))?,
            b'{' | b'[' => self.skip_value(1).map(|()| Cow::Borrowed(""))?,
            _ => return None,
        }))
    }

    fn opt_scalar(&mut self) -> Option<Option<Scalar<'a>>> {
        self.nullable(Scan::scalar)
    }

    /// A token count: a plain non-negative integer (anything else is serde's to read).
    fn opt_tok(&mut self) -> Option<Option<Tok>> {
        self.nullable(|s| {
            let start = s.i;
            if s.b[start] == b'0' {
                s.i += 1;
            } else if s.digits() == 0 {
                return None;
            }
            let n = s.i - start;
            if n > 18 || matches!(s.b.get(s.i), Some(b'0'..=b'9' | b'.' | b'e' | b'E')) {
                return None;
            }
            s.text[start..s.i].parse().ok().map(Tok::Count)
        })
    }

    fn identity(&mut self) -> Option<RawIdentity<'a>> {
        let mut v = RawIdentity::default();
        let mut seen = Seen(0);
        self.object(|s, key| {
            match key {
                "arn" => v.arn = seen.once(0, s.opt_str())?,
                _ => s.skip_value(2)?,
            }
            Some(())
        })?;
        Some(v)
    }

    fn metadata(&mut self) -> Option<BTreeMap<Str<'a>, Scalar<'a>>> {
        let mut m = BTreeMap::new();
        self.object(|s, key| {
            // The last value of a repeated key wins, as in serde's map.
            m.insert(Str(Cow::Borrowed(key)), s.scalar()?);
            Some(())
        })?;
        Some(m)
    }

    fn input(&mut self) -> Option<RawInput<'a>> {
        let mut v = RawInput::default();
        let mut seen = Seen(0);
        self.object(|s, key| {
            match key {
                "inputBodyJson" => v.input_body_json = seen.once(0, s.nullable(Scan::raw))?,
                "inputTokenCount" => v.input_token_count = seen.once(1, s.opt_tok())?,
                "cacheReadInputTokenCount" => {
                    v.cache_read_input_token_count = seen.once(2, s.opt_tok())?
                }
                "cacheWriteInputTokenCount" => {
                    v.cache_write_input_token_count = seen.once(3, s.opt_tok())?
                }
                _ => s.skip_value(2)?,
            }
            Some(())
        })?;
        Some(v)
    }

    fn output(&mut self) -> Option<RawOutput> {
        let mut v = RawOutput::default();
        let mut seen = Seen(0);
        self.object(|s, key| {
            match key {
                "outputTokenCount" => v.output_token_count = seen.once(0, s.opt_tok())?,
                _ => s.skip_value(2)?,
            }
            Some(())
        })?;
        Some(v)
    }

    /// A value kept as its text (serde_json's `RawValue`: from its first byte to its last).
    fn raw(&mut self) -> Option<RawJson<'a>> {
        let start = self.i;
        self.skip_value(2)?;
        Some(RawJson(&self.text[start..self.i]))
    }
}

/// The index of the first `"`, `\` or control character (below 0x20) in `b`, if any: 32 bytes
/// a step with AVX2 (detected at run time), 16 with SSE2 (part of x86_64), a byte elsewhere.
fn find_special(b: &[u8]) -> Option<usize> {
    #[cfg(target_arch = "x86_64")]
    {
        // Most keys and short values end within 16 bytes: one SSE2 step, inline, first.
        if b.len() >= 16 {
            if let Some(k) = x86::first16(b) {
                return Some(k);
            }
            if b.len() >= 48 && std::arch::is_x86_feature_detected!("avx2") {
                // SAFETY: AVX2 is present (checked just above).
                return unsafe { x86::find_special_avx2(&b[16..]) }.map(|k| k + 16);
            }
        }
        x86::find_special_sse2(b)
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        b.iter().position(|&c| is_special(c))
    }
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use super::is_special;
    use std::arch::x86_64::*;

    /// The first special byte among `b`'s first 16 (`b` holds at least 16).
    #[inline(always)]
    pub(super) fn first16(b: &[u8]) -> Option<usize> {
        debug_assert!(b.len() >= 16);
        // SAFETY: SSE2 is part of x86_64; reads `b`'s first 16 bytes.
        let mask = unsafe {
            let x = _mm_loadu_si128(b.as_ptr() as *const __m128i);
            let ctrl = _mm_set1_epi8(0x1f);
            let low = _mm_cmpeq_epi8(_mm_max_epu8(x, ctrl), ctrl);
            let hit = _mm_or_si128(
                _mm_or_si128(
                    _mm_cmpeq_epi8(x, _mm_set1_epi8(b'"' as i8)),
                    _mm_cmpeq_epi8(x, _mm_set1_epi8(b'\\' as i8)),
                ),
                low,
            );
            _mm_movemask_epi8(hit) as u32
        };
        (mask != 0).then(|| mask.trailing_zeros() as usize)
    }

    pub(super) fn find_special_sse2(b: &[u8]) -> Option<usize> {
        let mut i = 0;
        // SAFETY: SSE2 is part of x86_64; every load reads 16 bytes at `i`, `i + 16 <= b.len()`.
        unsafe {
            let quote = _mm_set1_epi8(b'"' as i8);
            let backslash = _mm_set1_epi8(b'\\' as i8);
            let ctrl = _mm_set1_epi8(0x1f);
            while i + 16 <= b.len() {
                let x = _mm_loadu_si128(b.as_ptr().add(i) as *const __m128i);
                // x <= 0x1f (unsigned) exactly when max(x, 0x1f) == 0x1f.
                let low = _mm_cmpeq_epi8(_mm_max_epu8(x, ctrl), ctrl);
                let hit = _mm_or_si128(
                    _mm_or_si128(_mm_cmpeq_epi8(x, quote), _mm_cmpeq_epi8(x, backslash)),
                    low,
                );
                let mask = _mm_movemask_epi8(hit) as u32;
                if mask != 0 {
                    return Some(i + mask.trailing_zeros() as usize);
                }
                i += 16;
            }
        }
        b[i..].iter().position(|&c| is_special(c)).map(|k| i + k)
    }

    /// # Safety
    /// The CPU must have AVX2.
    #[target_feature(enable = "avx2")]
    pub(super) unsafe fn find_special_avx2(b: &[u8]) -> Option<usize> {
        let mut i = 0;
        let quote = _mm256_set1_epi8(b'"' as i8);
        let backslash = _mm256_set1_epi8(b'\\' as i8);
        let ctrl = _mm256_set1_epi8(0x1f);
        while i + 32 <= b.len() {
            // SAFETY: reads 32 bytes at `i`, with `i + 32 <= b.len()`.
            let x = unsafe { _mm256_loadu_si256(b.as_ptr().add(i) as *const __m256i) };
            let low = _mm256_cmpeq_epi8(_mm256_max_epu8(x, ctrl), ctrl);
            let hit = _mm256_or_si256(
                _mm256_or_si256(_mm256_cmpeq_epi8(x, quote), _mm256_cmpeq_epi8(x, backslash)),
                low,
            );
            let mask = _mm256_movemask_epi8(hit) as u32;
            if mask != 0 {
                return Some(i + mask.trailing_zeros() as usize);
            }
            i += 32;
        }
        find_special_sse2(&b[i..]).map(|k| i + k)
    }
}

fn is_special(c: u8) -> bool {
    c == b'"' || c == b'\\' || c < 0x20
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_first_special_byte_at_every_offset() {
        for len in 0..70 {
            for at in 0..len {
                for special in [b'"', b'\\', 0u8, 0x1f] {
                    let mut v = vec![b'a'; len];
                    // Bytes above 0x7f (UTF-8) and just above the controls are not special.
                    if at > 0 {
                        v[at - 1] = 0xe9;
                    }
                    v[at] = special;
                    assert_eq!(find_special(&v), Some(at), "len {len} at {at}");
                }
            }
            assert_eq!(find_special(&vec![0x20; len]), None);
            #[cfg(target_arch = "x86_64")]
            for at in 0..len {
                let mut v = vec![0xff; len];
                v[at] = b'"';
                assert_eq!(x86::find_special_sse2(&v), Some(at));
            }
        }
    }

    #[test]
    fn plain_records_are_read_and_unusual_ones_left_to_serde() {
        let ok = r#"{"schemaType":"ModelInvocationLog","timestamp":"2026-10-10T05:20:58Z","modelId":"m","region":"r","identity":{"arn":"a"},"requestMetadata":{"team":"x","n":null,"b":true},"input":{"inputBodyJson":{"p":"q\"\n\u00e9","n":[1,-2.5e3,{}]},"inputTokenCount":12},"output":{"outputTokenCount":0},"other":[true,false,null]}"#;
        let r = record(ok).unwrap();
        assert_eq!(r.model_id.unwrap().as_str(), "m");
        let input = r.input.as_ref().unwrap();
        assert_eq!(input.input_token_count, Some(Tok::Count(12)));
        assert_eq!(
            input.input_body_json.unwrap().0,
            r#"{"p":"q\"\n\u00e9","n":[1,-2.5e3,{}]}"#
        );
        let meta = r.request_metadata.unwrap();
        assert_eq!(meta[&Str("n".into())].as_str(), "");
        assert_eq!(meta[&Str("b".into())].as_str(), "true");
        for unusual in [
            r#"{"modelId":"m\"x"}"#,                 // an escape in a kept field
            r#"{"modelId":"m","modelId":"n"}"#,      // a repeated field
            r#"{"input":{"inputTokenCount":12.0}}"#, // not a plain count
            r#"{"input":{"inputTokenCount":-1}}"#,   // negative
            r#"{"message":"{}"}"#,                   // a CloudWatch event
            r#"{"x":[1,]}"#,                         // trailing comma
            "{\"x\":\"a\tb\"}",                      // raw tab in a string
            r#"{"x":"\q"}"#,                         // bad escape
            r#"{"x":01}"#,                           // leading zero
            r#"{"x":1} x"#,                          // trailing characters
            r#"{"identity":["a"]}"#,                 // a struct as an array
            r#"{"accountId":123456789012}"#,         // a number as text
            r#"{"x":{"#,                             // truncated
        ] {
            assert!(record(unusual).is_none(), "{unusual}");
        }
        let deep = format!("{{\"x\":{}{}}}", "[".repeat(200), "]".repeat(200));
        assert!(record(&deep).is_none());
    }
}
