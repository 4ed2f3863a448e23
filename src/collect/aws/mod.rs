//! AWS configuration as AWS tools do it: the default chain (environment, profiles, SSO,
//! container and instance roles), `--profile`, `--region` (repeatable), `--endpoint-url` (also
//! AWS_ENDPOINT_URL, read by the default chain), adaptive retries on throttling, timeouts.

pub mod fault;
pub mod iam_policy;

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};

/// Connection settings from the command line.
#[derive(Debug, Clone, Default)]
pub struct AwsArgs {
    pub profile: Option<String>,
    pub endpoint_url: Option<String>,
}

/// Attempts per call, including the first (throttling backs off exponentially with jitter).
pub const MAX_ATTEMPTS: u32 = 6;

/// Adaptive retries: exponential backoff with jitter, and a client-side rate limiter that slows
/// down while the service throttles.
pub fn retry_config() -> RetryConfig {
    RetryConfig::adaptive().with_max_attempts(MAX_ATTEMPTS)
}

/// The SDK configuration for one region.
pub async fn config(args: &AwsArgs, region: Option<&str>) -> SdkConfig {
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .retry_config(retry_config())
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(10))
                .operation_attempt_timeout(Duration::from_secs(60))
                .operation_timeout(Duration::from_secs(300))
                .build(),
        );
    if let Some(p) = &args.profile {
        loader = loader.profile_name(p);
    }
    if let Some(r) = region {
        loader = loader.region(Region::new(r.to_string()));
    }
    if let Some(u) = &args.endpoint_url {
        loader = loader.endpoint_url(u);
    }
    loader.load().await
}

/// Runs the futures `parallel` at a time on the runtime; their results in the order given
/// (`Err` with the reason for one that panicked).
pub async fn bounded<T, F>(futures: Vec<F>, parallel: usize) -> Vec<Result<T, String>>
where
    T: Send + 'static,
    F: std::future::Future<Output = T> + Send + 'static,
{
    let mut out: Vec<Option<T>> = (0..futures.len()).map(|_| None).collect();
    let mut panics = vec![];
    let mut tasks = tokio::task::JoinSet::new();
    let mut todo = futures.into_iter().enumerate();
    loop {
        while tasks.len() < parallel.max(1) {
            let Some((i, f)) = todo.next() else { break };
            tasks.spawn(async move { (i, f.await) });
        }
        match tasks.join_next().await {
            Some(Ok((i, v))) => out[i] = Some(v),
            Some(Err(e)) => panics.push(format!("internal error: {e}")),
            None => break,
        }
    }
    // Every task that finished wrote its slot: those left empty are the ones that panicked.
    let mut panics = panics.into_iter();
    out.into_iter()
        .map(|v| v.ok_or_else(|| panics.next().unwrap_or_else(|| "internal error".into())))
        .collect()
}

/// How to give credentials, for every message that says they are missing or unusable.
pub const CREDENTIALS_HINT: &str = "pass them with --profile NAME (after \
    `aws sso login --profile NAME` for SSO), AWS_PROFILE, or AWS_ACCESS_KEY_ID and \
    AWS_SECRET_ACCESS_KEY";

/// Looks the credentials up before any call, so that a run without them says so once instead
/// of failing every call. Returns why there are none. (The first call looks them up again: free
/// for keys, one more exchange for SSO or an assumed role.)
pub async fn check_credentials(conf: &SdkConfig) -> Result<(), String> {
    use aws_sdk_sts::config::ProvideCredentials;
    let Some(provider) = conf.credentials_provider() else {
        return Err("no AWS credentials provider is configured".into());
    };
    let Err(e) = provider.provide_credentials().await else {
        return Ok(());
    };
    Err(if none_found(&e) {
        "no AWS credentials found (environment, --profile or AWS_PROFILE, ~/.aws/config and \
         ~/.aws/credentials, SSO, container or instance role)"
            .into()
    } else {
        crate::io::clean(&fault::causes(&e))
    })
}

/// Every source of the default chain was tried and none had credentials: the error's source
/// is then the chain's list of attempts.
fn none_found<E: std::error::Error + 'static>(e: &E) -> bool {
    e.source()
        .is_some_and(|s| s.is::<aws_config::meta::ProviderChainError<E>>())
}

/// The configuration for another region, sharing `base`'s credentials (resolved once).
pub fn for_region(base: &SdkConfig, region: &str) -> SdkConfig {
    base.to_builder()
        .region(Region::new(region.to_string()))
        .build()
}

/// The account the credentials belong to (STS GetCallerIdentity: no IAM permission needed).
pub async fn account(conf: &SdkConfig) -> Result<String, fault::Failure> {
    let r = aws_sdk_sts::Client::new(conf)
        .get_caller_identity()
        .send()
        .await
        .map_err(|e| fault::describe("account", None, "sts", "GetCallerIdentity", &e))?;
    match r.account() {
        Some(a) if !a.is_empty() => Ok(a.to_string()),
        _ => Err(fault::Failure {
            source: "account".into(),
            region: None,
            call: "sts:GetCallerIdentity".into(),
            message: "the answer names no account".into(),
            hint: None,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::bounded;

    #[tokio::test]
    async fn bounded_keeps_the_order_and_names_a_panic() {
        let jobs: Vec<_> = (0..10u64)
            .map(|i| async move {
                // Later jobs finish first: the results still come back in the order given.
                tokio::time::sleep(std::time::Duration::from_millis(10 - i)).await;
                assert!(i != 7, "boom");
                i * 2
            })
            .collect();
        let out = bounded(jobs, 3).await;
        for (i, r) in out.iter().enumerate() {
            if i == 7 {
                assert!(
                    r.as_ref().unwrap_err().starts_with("internal error"),
                    "{r:?}"
                );
            } else {
                assert_eq!(r, &Ok(i as u64 * 2));
            }
        }
    }
}
