//! The invocation-log record as written by Bedrock, read without building prompt/response trees,
//! and validated once into a normalized [`UsageRecord`].
//!
//! Only the fields we need are declared; serde skips everything else (the input/output bodies)
//! without allocating. The values are read leniently (`json_values`), so a bad one becomes a
//! precise message rather than a serde error, whose text could quote the record.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::json_values::{Loose, RawJson, Scalar, Str, Tok};
use crate::money::group_thousands;

#[derive(Deserialize, Default, Debug, PartialEq)]
pub struct RawIdentity<'a> {
    #[serde(borrow)]
    pub arn: Option<Str<'a>>,
}

#[derive(Deserialize, Default, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct RawInput<'a> {
    /// The request body, kept as a borrowed slice of the line (never copied, never printed):
    /// `whatif` hashes its prompt prefix; everything else ignores it.
    #[serde(borrow)]
    pub input_body_json: Option<RawJson<'a>>,
    pub input_token_count: Option<Tok>,
    pub cache_read_input_token_count: Option<Tok>,
    pub cache_write_input_token_count: Option<Tok>,
}

#[derive(Deserialize, Default, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct RawOutput {
    pub output_token_count: Option<Tok>,
}

/// One line of a log file: an invocation record, or a CloudWatch Logs event wrapping one.
#[derive(Deserialize, Default, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct RawRecord<'a> {
    #[serde(borrow)]
    pub schema_type: Option<Str<'a>>,
    #[serde(borrow)]
    pub schema_version: Option<Str<'a>>,
    #[serde(borrow, default)]
    pub timestamp: Loose<'a>,
    /// Read leniently: a producer that wrote the account as a number keeps its record.
    #[serde(borrow)]
    pub account_id: Option<Scalar<'a>>,
    #[serde(borrow)]
    pub identity: Option<RawIdentity<'a>>,
    #[serde(borrow)]
    pub region: Option<Str<'a>>,
    #[serde(borrow)]
    pub request_id: Option<Str<'a>>,
    #[serde(borrow)]
    pub operation: Option<Str<'a>>,
    #[serde(borrow)]
    pub model_id: Option<Str<'a>>,
    #[serde(borrow)]
    pub request_metadata: Option<BTreeMap<Str<'a>, Scalar<'a>>>,
    #[serde(borrow)]
    pub input: Option<RawInput<'a>>,
    pub output: Option<RawOutput>,
    #[serde(borrow)]
    pub error_code: Option<Str<'a>>,
    #[serde(borrow)]
    pub inference_region: Option<Str<'a>>,
    /// CloudWatch Logs event: the record as a JSON string.
    #[serde(borrow)]
    pub message: Option<Str<'a>>,
}

/// A validated invocation: what every later stage may trust.
#[derive(Debug, Clone)]
pub struct UsageRecord<'a> {
    pub timestamp: DateTime<Utc>,
    pub account: &'a str,
    pub region: &'a str,
    pub inference_region: Option<&'a str>,
    pub model_id: &'a str,
    pub identity_arn: &'a str,
    pub operation: &'a str,
    pub request_id: &'a str,
    pub request_metadata: Option<&'a BTreeMap<Str<'a>, Scalar<'a>>>,
    pub tokens: Tokens,
    pub error_code: Option<&'a str>,
    /// Logged with no token count at all and no error: blocked before the model ran (as a
    /// guardrail block is logged). An invocation with zero tokens.
    pub guardrail_blocked: bool,
    /// `input.inputBodyJson` as raw JSON. Customer content: hash it, never show it.
    pub body: Option<&'a str>,
}

impl UsageRecord<'_> {
    pub fn meta(&self, key: &str) -> Option<&str> {
        self.request_metadata?
            .iter()
            .find(|(k, _)| k.as_str() == key)
            .map(|(_, v)| v.as_str())
    }
}

/// Schema versions this build reads.
pub const SCHEMA_VERSIONS: &[&str] = &["1.0"];

/// Why a record was rejected. Never contains record content beyond short, non-body metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reject {
    /// Not a usable invocation record: a field missing, of the wrong kind or unreadable.
    Invalid(String),
    /// Token counts no request can have (over [`MAX_TOKENS`]), counted apart in the summary.
    Implausible(String),
}

impl fmt::Display for Reject {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            Reject::Invalid(m) | Reject::Implausible(m) => f.write_str(m),
        }
    }
}

impl From<&str> for Reject {
    fn from(m: &str) -> Self {
        Reject::Invalid(m.into())
    }
}

impl From<String> for Reject {
    fn from(m: String) -> Self {
        Reject::Invalid(m)
    }
}

/// A schema version for a message: shown only when it is plainly one (`2.0`), so no free text
/// from a record can ever reach a message.
fn quote_version(s: &str) -> String {
    if !s.is_empty() && s.len() <= 10 && s.chars().all(|c| c.is_ascii_digit() || c == '.') {
        format!("`{s}`")
    } else {
        "(value not shown)".to_string()
    }
}

/// No request carries anywhere near this many tokens, input, cache and output together (context
/// windows are at most a few million): more is corrupt input, and leaving it out keeps every
/// sum far from overflow.
pub const MAX_TOKENS: u64 = 100_000_000;

fn implausible(what: String) -> Reject {
    Reject::Implausible(format!(
        "{what}implausibly large (over {} tokens in one request)",
        group_thousands(MAX_TOKENS)
    ))
}

/// A token count under the border rules: capped at [`MAX_TOKENS`], and `required` (a successful
/// invocation's input count) when missing is an error; another missing count reads as 0.
pub fn tok(v: Option<Tok>, field: &str, required: bool) -> Result<u64, Reject> {
    match v {
        Some(Tok::Count(n)) if n > MAX_TOKENS => Err(implausible(format!("{field} is "))),
        Some(Tok::Count(n)) => Ok(n),
        Some(Tok::Invalid) => Err(format!("{field} is not a non-negative integer").into()),
        None if required => Err(format!("{field} is missing").into()),
        None => Ok(0),
    }
}

pub fn parse_timestamp(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// A time outside these years is corrupt (a zero or a unit mix-up), not usage.
pub fn check_year(t: DateTime<Utc>) -> Result<DateTime<Utc>, Reject> {
    if (2000..=2100).contains(&chrono::Datelike::year(&t)) {
        Ok(t)
    } else {
        Err("timestamp is outside the years 2000-2100".into())
    }
}

impl<'a> RawRecord<'a> {
    /// Validates the record at the border. Failed invocations (`errorCode`) may lack token
    /// counts; so may one blocked before the model ran (no count at all: `guardrail_blocked`).
    /// Otherwise `input.inputTokenCount` is required (embedding models have no output count, so
    /// a missing `output.outputTokenCount` reads as 0).
    pub fn validate(&'a self) -> Result<UsageRecord<'a>, Reject> {
        // Records copied out of other tools can lack the schema fields (or carry them last,
        // which JSON does not mind): such a record is read when the rest of it is one. A record
        // that names another schema, or a version this one does not know, is not.
        match self.schema_type.as_ref().map(Str::as_str) {
            Some("ModelInvocationLog") => {}
            Some(_) => return Err("schemaType is not ModelInvocationLog".into()),
            None if self.model_id.is_none() => {
                return Err("not an invocation log record (no schemaType, no modelId)".into())
            }
            None => {}
        }
        match self.schema_version.as_ref().map(Str::as_str) {
            Some(v) if SCHEMA_VERSIONS.contains(&v) => {}
            Some(v) => {
                return Err(format!(
                    "unknown schemaVersion {} (this version reads {})",
                    quote_version(v),
                    SCHEMA_VERSIONS.join(", ")
                )
                .into())
            }
            None => {}
        }
        let ts = self
            .timestamp
            .0
            .as_deref()
            .ok_or("timestamp is missing or not a string")?;
        let timestamp = check_year(
            parse_timestamp(ts)
                .ok_or("timestamp is not an RFC 3339 date-time (like 2026-10-01T09:00:00Z)")?,
        )?;
        let model_id = self.model_id.as_ref().ok_or("modelId is missing")?.as_str();
        if model_id.is_empty() {
            return Err("modelId is empty".into());
        }
        let region = self.region.as_ref().ok_or("region is missing")?.as_str();
        let failed = self.error_code.is_some();
        let input = self.input.as_ref();
        let output_count = self.output.as_ref().and_then(|o| o.output_token_count);
        let guardrail_blocked = !failed
            && output_count.is_none()
            && input.is_none_or(|i| {
                i.input_token_count.is_none()
                    && i.cache_read_input_token_count.is_none()
                    && i.cache_write_input_token_count.is_none()
            });
        let tokens = Tokens {
            input: tok(
                input.and_then(|i| i.input_token_count),
                "input.inputTokenCount",
                !failed && !guardrail_blocked,
            )?,
            cache_read: tok(
                input.and_then(|i| i.cache_read_input_token_count),
                "input.cacheReadInputTokenCount",
                false,
            )?,
            cache_write: tok(
                input.and_then(|i| i.cache_write_input_token_count),
                "input.cacheWriteInputTokenCount",
                false,
            )?,
            output: tok(output_count, "output.outputTokenCount", false)?,
        };
        let total = tokens.total_input() + tokens.output;
        if total > MAX_TOKENS {
            return Err(implausible(format!(
                "input, cache and output token counts add up to {}: ",
                group_thousands(total)
            )));
        }
        let s = |v: &'a Option<Str<'a>>| v.as_ref().map(Str::as_str);
        Ok(UsageRecord {
            timestamp,
            account: self.account_id.as_ref().map_or("", Scalar::as_str),
            region,
            inference_region: s(&self.inference_region),
            model_id,
            identity_arn: self
                .identity
                .as_ref()
                .and_then(|i| i.arn.as_ref())
                .map(Str::as_str)
                .unwrap_or(""),
            operation: s(&self.operation).unwrap_or(""),
            request_id: s(&self.request_id).unwrap_or(""),
            request_metadata: self.request_metadata.as_ref(),
            tokens,
            error_code: s(&self.error_code),
            guardrail_blocked,
            body: input.and_then(|i| i.input_body_json).map(|b| b.0),
        })
    }
}

/// Describes a JSON error by position, kind and field path only: serde's own message can quote
/// the input. For a type error the line is parsed again (error path only) to name the field.
pub fn describe_json_error(e: &serde_json::Error, text: &str) -> String {
    use serde_json::error::Category;
    let what = match e.classify() {
        // A raw CR inside a line is never valid JSON: records joined by CR line ends in a file
        // that also has LF ones.
        Category::Syntax if text.trim_end().contains('\r') => {
            "malformed JSON: the line holds CR line breaks (mixed CR and LF line ends? convert with `tr '\\r' '\\n'`)".to_string()
        }
        Category::Syntax => "malformed JSON".to_string(),
        Category::Eof => "truncated JSON (record ends early)".to_string(),
        Category::Io => "read error".to_string(),
        Category::Data => {
            let mut de = serde_json::Deserializer::from_str(text);
            match serde_path_to_error::deserialize::<_, RawRecord>(&mut de) {
                Err(pe) => {
                    let path = pe.path().to_string();
                    // "duplicate field `x`" names only a field; other messages may quote values.
                    let inner = pe.inner().to_string();
                    let dup = inner.starts_with("duplicate field `");
                    match (path.as_str(), dup) {
                        (_, true) => inner.split(" at line").next().unwrap_or(&inner).to_string(),
                        ("." | "", false) => "a field has the wrong JSON type".to_string(),
                        (p, false) => format!("`{p}` has the wrong JSON type"),
                    }
                }
                Ok(_) => "a field has the wrong JSON type".to_string(),
            }
        }
    };
    format!("{what} at column {}", e.column())
}

/// A request's token counts, by kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tokens {
    pub input: u64,
    pub output: u64,
    pub cache_read: u64,
    pub cache_write: u64,
}

impl Tokens {
    /// What counts against a long-context threshold: all input, cached or not.
    pub fn total_input(&self) -> u64 {
        self.input + self.cache_read + self.cache_write
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::borrow::Cow;

    const OK: &str = r#"{"schemaType":"ModelInvocationLog","schemaVersion":"1.0","timestamp":"2026-10-10T05:20:58Z","accountId":"123456789012","identity":{"arn":"arn:aws:sts::123456789012:assumed-role/app/s1"},"region":"us-east-1","requestId":"r1","operation":"Converse","modelId":"amazon.nova-pro-v1:0","requestMetadata":{"team":"search"},"input":{"inputContentType":"application/json","inputBodyJson":{"messages":[{"role":"user","content":[{"text":"SECRET \"quoted\" prompt"}]}],"inputTokenCount":999},"inputTokenCount":12,"cacheReadInputTokenCount":3},"output":{"outputBodyJson":{"usage":{"outputTokenCount":999}},"outputTokenCount":7},"inferenceRegion":"us-west-2"}"#;

    #[test]
    fn reads_only_top_level_counts_and_borrows() {
        let raw: RawRecord = serde_json::from_str(OK).unwrap();
        let r = raw.validate().unwrap();
        assert_eq!(
            r.tokens,
            Tokens {
                input: 12,
                output: 7,
                cache_read: 3,
                cache_write: 0
            }
        );
        assert_eq!(r.meta("team"), Some("search"));
        assert_eq!(r.inference_region, Some("us-west-2"));
        assert!(matches!(raw.model_id.as_ref().unwrap().0, Cow::Borrowed(_)));
    }

    #[test]
    fn rejects_bad_token_fields_without_quoting_values() {
        let bad = OK.replace(r#""inputTokenCount":12"#, r#""inputTokenCount":"SECRET""#);
        let raw: RawRecord = serde_json::from_str(&bad).unwrap();
        let e = raw.validate().unwrap_err().to_string();
        assert_eq!(e, "input.inputTokenCount is not a non-negative integer");
        let neg = OK.replace(r#""outputTokenCount":7"#, r#""outputTokenCount":-7"#);
        let raw: RawRecord = serde_json::from_str(&neg).unwrap();
        assert_eq!(
            raw.validate().unwrap_err().to_string(),
            "output.outputTokenCount is not a non-negative integer"
        );
        let float = OK.replace(r#""inputTokenCount":12"#, r#""inputTokenCount":12.0"#);
        let raw: RawRecord = serde_json::from_str(&float).unwrap();
        assert_eq!(raw.validate().unwrap().tokens.input, 12);
        let frac = OK.replace(r#""inputTokenCount":12"#, r#""inputTokenCount":12.5"#);
        let raw: RawRecord = serde_json::from_str(&frac).unwrap();
        assert!(raw.validate().is_err());
        let missing = OK.replace(r#""inputTokenCount":12,"#, "");
        let raw: RawRecord = serde_json::from_str(&missing).unwrap();
        assert_eq!(
            raw.validate().unwrap_err().to_string(),
            "input.inputTokenCount is missing"
        );
    }

    #[test]
    fn implausible_counts_are_told_apart() {
        let at_max = OK.replace(r#""inputTokenCount":12,"#, r#""inputTokenCount":99999988,"#);
        let raw: RawRecord = serde_json::from_str(&at_max).unwrap();
        assert_eq!(raw.validate().unwrap().tokens.total_input(), 99_999_991);
        let one_over = OK.replace(r#""inputTokenCount":12,"#, r#""inputTokenCount":99999991,"#);
        let raw: RawRecord = serde_json::from_str(&one_over).unwrap();
        assert_eq!(
            raw.validate().unwrap_err(),
            Reject::Implausible("input, cache and output token counts add up to 100,000,001: implausibly large (over 100,000,000 tokens in one request)".into())
        );
        let float = OK.replace(r#""outputTokenCount":7"#, r#""outputTokenCount":1e300"#);
        let raw: RawRecord = serde_json::from_str(&float).unwrap();
        assert_eq!(
            raw.validate().unwrap_err(),
            Reject::Implausible("output.outputTokenCount is implausibly large (over 100,000,000 tokens in one request)".into())
        );
    }

    #[test]
    fn a_record_without_any_count_is_blocked_not_bad() {
        // No count at all and no error: blocked before the model ran, zero tokens
        let none = OK
            .replace(
                r#""inputTokenCount":12,"cacheReadInputTokenCount":3"#,
                r#""x":1"#,
            )
            .replace(r#","outputTokenCount":7"#, "");
        let raw: RawRecord = serde_json::from_str(&none).unwrap();
        let r = raw.validate().unwrap();
        assert!(r.guardrail_blocked);
        assert_eq!(r.tokens, Tokens::default());
        // An output count without an input count is still a bad record
        let half = OK.replace(
            r#""inputTokenCount":12,"cacheReadInputTokenCount":3"#,
            r#""x":1"#,
        );
        let raw: RawRecord = serde_json::from_str(&half).unwrap();
        assert_eq!(
            raw.validate().unwrap_err().to_string(),
            "input.inputTokenCount is missing"
        );
        // A counted record is not blocked
        let raw: RawRecord = serde_json::from_str(OK).unwrap();
        assert!(!raw.validate().unwrap().guardrail_blocked);
    }

    #[test]
    fn failed_invocations_need_no_counts() {
        let err = OK.replace(r#""inputTokenCount":12,"#, "").replace(
            r#""inferenceRegion""#,
            r#""errorCode":"ThrottlingException","inferenceRegion""#,
        );
        let raw: RawRecord = serde_json::from_str(&err).unwrap();
        let r = raw.validate().unwrap();
        assert_eq!(r.error_code, Some("ThrottlingException"));
        assert_eq!(r.tokens.input, 0);
    }

    #[test]
    fn schema_checks() {
        let v2 = OK.replace(r#""schemaVersion":"1.0""#, r#""schemaVersion":"2.0""#);
        let raw: RawRecord = serde_json::from_str(&v2).unwrap();
        assert_eq!(
            raw.validate().unwrap_err().to_string(),
            "unknown schemaVersion `2.0` (this version reads 1.0)"
        );
        let ts = OK.replace("2026-10-10T05:20:58Z", "yesterday");
        let raw: RawRecord = serde_json::from_str(&ts).unwrap();
        let want = "timestamp is not an RFC 3339 date-time (like 2026-10-01T09:00:00Z)";
        assert_eq!(raw.validate().unwrap_err().to_string(), want);
        let ts = OK.replace("2026-10-10T05:20:58Z", "0001-01-01T00:00:00Z");
        let raw: RawRecord = serde_json::from_str(&ts).unwrap();
        assert_eq!(
            raw.validate().unwrap_err().to_string(),
            "timestamp is outside the years 2000-2100"
        );
        // Without the schema fields, or with them last, a record is read as any other
        let bare = OK.replace(
            r#""schemaType":"ModelInvocationLog","schemaVersion":"1.0","#,
            "",
        );
        let raw: RawRecord = serde_json::from_str(&bare).unwrap();
        assert_eq!(raw.validate().unwrap().tokens.input, 12);
        let last = format!(
            "{},\"schemaVersion\":\"1.0\",\"schemaType\":\"ModelInvocationLog\"}}",
            bare.trim_end_matches('}')
        );
        let raw: RawRecord = serde_json::from_str(&last).unwrap();
        assert_eq!(raw.validate().unwrap().model_id, "amazon.nova-pro-v1:0");
        // JSON of another kind is still told apart
        let raw: RawRecord = serde_json::from_str(r#"{"level":"info"}"#).unwrap();
        assert_eq!(
            raw.validate().unwrap_err().to_string(),
            "not an invocation log record (no schemaType, no modelId)"
        );
    }

    #[test]
    fn json_errors_never_quote_input() {
        let text = r#"{"input": "SECRET PROMPT"}"#;
        let e = serde_json::from_str::<RawRecord>(text)
            .map(|_| ())
            .unwrap_err();
        let msg = describe_json_error(&e, text);
        assert!(!msg.contains("SECRET"), "{msg}");
        assert_eq!(msg, "`input` has the wrong JSON type at column 25");
        let text = r#"{"modelId": "a", "modelId": "SECRET"}"#;
        let e = serde_json::from_str::<RawRecord>(text)
            .map(|_| ())
            .unwrap_err();
        assert_eq!(
            describe_json_error(&e, text),
            "duplicate field `modelId` at column 26"
        );
    }
}
