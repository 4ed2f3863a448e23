//! Leniently read JSON values of an invocation-log record: strings borrowed from the line where
//! they have no escapes, metadata values of any scalar kind, and token counts that read a bad
//! value as [`Tok::Invalid`] (so the message names the field, never quotes the record).

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

/// A string field, borrowed from the input when possible.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Str<'a>(pub Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for Str<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Str<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Str(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Str(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(Str(Cow::Owned(v)))
            }
        }
        d.deserialize_str(V)
    }
}

impl Str<'_> {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A field that should be a string but is read whatever it is (CloudWatch Logs events carry a
/// numeric `timestamp` beside the record's string one): non-strings read as `None`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Loose<'a>(pub Option<Cow<'a, str>>);

impl<'de: 'a, 'a> Deserialize<'de> for Loose<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Loose<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any value")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Loose(Some(Cow::Borrowed(v))))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Loose(Some(Cow::Owned(v.to_owned()))))
            }
            fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
                Ok(Loose(None))
            }
            fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
                Ok(Loose(None))
            }
            fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
                Ok(Loose(None))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
                Ok(Loose(None))
            }
            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(Loose(None))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Self::Value, A::Error> {
                while m.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Loose(None))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut s: A) -> Result<Self::Value, A::Error> {
                while s.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Loose(None))
            }
        }
        d.deserialize_any(V)
    }
}

/// A JSON value kept as its text, borrowed from the line (serde_json's `RawValue`: from its
/// first byte to its last). Customer content: hash it, never show it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawJson<'a>(pub &'a str);

impl<'de: 'a, 'a> Deserialize<'de> for RawJson<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        <&'de serde_json::value::RawValue>::deserialize(d).map(|v| RawJson(v.get()))
    }
}

/// A request-metadata value: callers send strings, but a number or boolean is kept as its text
/// rather than costing the record. Objects and arrays read as empty.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Scalar<'a>(pub Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for Scalar<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Scalar<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a metadata value")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Scalar(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Scalar(Cow::Owned(v.to_owned())))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
                Ok(Scalar(Cow::Owned(v.to_string())))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
                Ok(Scalar(Cow::Owned(v.to_string())))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
                Ok(Scalar(Cow::Owned(v.to_string())))
            }
            fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
                Ok(Scalar(Cow::Owned(v.to_string())))
            }
            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(Scalar(Cow::Borrowed("")))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Self::Value, A::Error> {
                while m.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Scalar(Cow::Borrowed("")))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut s: A) -> Result<Self::Value, A::Error> {
                while s.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Scalar(Cow::Borrowed("")))
            }
        }
        d.deserialize_any(V)
    }
}

impl Scalar<'_> {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A token count as found: a non-negative integer, or something else (kept as a flag).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tok {
    Count(u64),
    Invalid,
}

impl<'de> Deserialize<'de> for Tok {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Tok;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a token count")
            }
            fn visit_u64<E>(self, v: u64) -> Result<Tok, E> {
                Ok(Tok::Count(v))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Tok, E> {
                Ok(if v >= 0 {
                    Tok::Count(v as u64)
                } else {
                    Tok::Invalid
                })
            }
            fn visit_f64<E>(self, v: f64) -> Result<Tok, E> {
                // `12.0` is a whole count written by a float-minded producer: exact, so kept
                // (a huge one saturates, and is then rejected as implausible).
                Ok(if v >= 0.0 && v.fract() == 0.0 {
                    Tok::Count(v as u64)
                } else {
                    Tok::Invalid
                })
            }
            fn visit_bool<E>(self, _: bool) -> Result<Tok, E> {
                Ok(Tok::Invalid)
            }
            fn visit_str<E>(self, _: &str) -> Result<Tok, E> {
                Ok(Tok::Invalid)
            }
            fn visit_unit<E>(self) -> Result<Tok, E> {
                Ok(Tok::Invalid)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Tok, A::Error> {
                while m.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Tok::Invalid)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut s: A) -> Result<Tok, A::Error> {
                while s.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Tok::Invalid)
            }
        }
        d.deserialize_any(V)
    }
}
