//! What went wrong in an AWS call, in words a user can act on: AccessDenied names the missing
//! IAM action and points at `bedrock-lens iam-policy`; expired or invalid credentials say how to
//! refresh them; throttling says it persisted through the retries.

use std::fmt;

use aws_sdk_s3::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};

use super::iam_policy::action_of;
use super::MAX_ATTEMPTS;

/// A failed call: what failed, why, and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// `metrics`, `logs`, `s3`, `costs`, `profiles`.
    pub source: String,
    pub region: Option<String>,
    /// `Service:Operation`.
    pub call: String,
    pub message: String,
    pub hint: Option<String>,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "{}", self.source)?;
        if let Some(r) = &self.region {
            write!(f, " in {r}")?;
        }
        write!(f, ": {} failed: {}", self.call, self.message)?;
        if let Some(h) = &self.hint {
            write!(f, " (hint: {h})")?;
        }
        Ok(())
    }
}

impl std::error::Error for Failure {}

impl Failure {
    /// Adds the location to the `iam-policy` command of an AccessDenied hint (e.g.
    /// `--log-group NAME`), so the policy it prints covers that log group or bucket.
    pub fn with_policy_args(mut self, args: &str) -> Failure {
        if let Some(h) = &mut self.hint {
            if let Some(i) = h.find("iam-policy --collect ") {
                if let Some(end) = h[i..].find('`') {
                    h.insert_str(i + end, &format!(" {args}"));
                }
            }
        }
        self
    }
}

const ACCESS_DENIED: &[&str] = &[
    "AccessDenied",
    "AccessDeniedException",
    "UnauthorizedOperation",
    "UnauthorizedException",
    "AuthorizationError",
];
const BAD_CREDENTIALS: &[&str] = &[
    "ExpiredToken",
    "ExpiredTokenException",
    "RequestExpired",
    "InvalidClientTokenId",
    "UnrecognizedClientException",
    "InvalidAccessKeyId",
    "SignatureDoesNotMatch",
    "InvalidSignatureException",
];
const THROTTLED: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "TooManyRequestsException",
    "RequestLimitExceeded",
    "LimitExceededException",
    "SlowDown",
];

/// A service error without an error code (an HTML error page, a proxy): its HTTP status, not
/// the SDK's debug dump of the response.
fn unnamed(text: &str) -> String {
    let status = text
        .split("StatusCode(")
        .nth(1)
        .and_then(|t| t.split(')').next())
        .filter(|t| t.chars().all(|c| c.is_ascii_digit()));
    match status {
        Some(s) => format!("the service answered HTTP {s} without an error code"),
        None => crate::io::clean(text.split(" (").next().unwrap_or(text)),
    }
}

/// Describes a failed SDK call. `service` is the IAM prefix (`cloudwatch`, `logs`, `s3`, `ce`,
/// `bedrock`), `operation` the API name (`GetMetricData`).
pub fn describe<E, R>(
    source: &str,
    region: Option<&str>,
    service: &str,
    operation: &str,
    e: &SdkError<E, R>,
) -> Failure
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: fmt::Debug,
{
    let action = action_of(service, operation);
    let code = e.code().unwrap_or("");
    let detail = e.message().map(str::to_string);
    let (message, hint) = match e {
        SdkError::ServiceError(_) if ACCESS_DENIED.contains(&code) => (
            format!("access denied ({code}): the credentials lack the IAM permission `{action}`"),
            Some(format!(
                "grant `{action}`: `bedrock-lens iam-policy --collect {}` prints the whole least-privilege policy",
                policy_source(source)
            )),
        ),
        SdkError::ServiceError(_) if BAD_CREDENTIALS.contains(&code) => (
            format!("the credentials were refused ({code}): expired or invalid"),
            Some(
                "refresh them (e.g. `aws sso login --profile NAME`, or new keys) and run again"
                    .into(),
            ),
        ),
        SdkError::ServiceError(_) if THROTTLED.contains(&code) => (
            format!("still throttled ({code}) after {MAX_ATTEMPTS} attempts with backoff"),
            Some("run again later, or collect a shorter time range or fewer regions".into()),
        ),
        SdkError::ServiceError(_) => (
            match detail {
                Some(d) if !code.is_empty() => format!("{code}: {}", crate::io::clean(&d)),
                _ if !code.is_empty() => code.to_string(),
                _ => unnamed(&DisplayErrorContext(e).to_string()),
            },
            None,
        ),
        SdkError::TimeoutError(_) => (
            "timed out".into(),
            Some("check the network or --endpoint-url; the call is retried before this".into()),
        ),
        SdkError::DispatchFailure(d) => {
            let text = DisplayErrorContext(e).to_string();
            if text.contains("credentials") || text.contains("identity") {
                (
                    "no usable AWS credentials".into(),
                    Some(super::CREDENTIALS_HINT.into()),
                )
            } else {
                (
                    // The innermost cause (refused, DNS, TLS...), not the SDK's debug dump.
                    format!(
                        "could not reach the service: {}",
                        crate::io::clean(
                            &d.as_connector_error()
                                .map(|c| root_cause(c))
                                .unwrap_or_else(|| text.clone())
                        )
                    ),
                    Some("check the network, --region and --endpoint-url".into()),
                )
            }
        }
        _ => (crate::io::clean(&DisplayErrorContext(e).to_string()), None),
    };
    Failure {
        source: source.to_string(),
        region: region.map(str::to_string),
        call: action,
        message,
        hint,
    }
}

/// The last error in `e`'s chain of sources, in its own words.
fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut last = e;
    while let Some(next) = last.source() {
        last = next;
    }
    last.to_string()
}

/// Every error in `e`'s chain of sources, in their own words, on one line (words repeated by
/// a wrapper said once).
pub(super) fn causes(e: &(dyn std::error::Error + 'static)) -> String {
    let mut all = vec![e.to_string()];
    let mut next = e.source();
    while let Some(s) = next {
        all.push(s.to_string());
        next = s.source();
    }
    let mut seen = std::collections::HashSet::new();
    all.retain(|m| seen.insert(m.clone()));
    all.join(": ")
}

fn policy_source(source: &str) -> &str {
    match source {
        "s3" => "logs",
        "profiles" => "profiles",
        other => other,
    }
}
