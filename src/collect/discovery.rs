//! Where each account and region delivers its model-invocation logs
//! (`GetModelInvocationLoggingConfiguration`): an S3 bucket and prefix, a CloudWatch Logs group
//! (with its large-data S3 location), or logging off. Plus the credentials to ask with: the
//! account a configuration belongs to (STS `GetCallerIdentity`) and a role assumed in another
//! account (STS `AssumeRole`). Read-only.

use aws_config::SdkConfig;

use super::aws::fault::{describe, Failure};

/// An S3 location: bucket and key prefix (possibly empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Location {
    pub bucket: String,
    pub prefix: String,
}

impl S3Location {
    /// `s3://bucket/prefix`.
    pub fn url(&self) -> String {
        if self.prefix.is_empty() {
            format!("s3://{}", self.bucket)
        } else {
            format!("s3://{}/{}", self.bucket, self.prefix.trim_matches('/'))
        }
    }
}

/// A region's invocation-logging configuration, when logging is on.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Destinations {
    pub s3: Option<S3Location>,
    pub log_group: Option<String>,
    /// Where CloudWatch delivery puts bodies over 100 KB.
    pub large_data: Option<S3Location>,
    /// Which kinds of invocations are logged: `text`, `image`, `embedding`, `video`.
    pub delivers: Vec<&'static str>,
}

fn location(bucket: Option<&str>, prefix: Option<&str>) -> Option<S3Location> {
    let bucket = bucket.filter(|b| !b.is_empty())?;
    Some(S3Location {
        bucket: crate::io::clean(bucket),
        prefix: crate::io::clean(prefix.unwrap_or("")),
    })
}

/// The region's logging configuration: `None` when logging is off.
pub async fn logging(
    client: &aws_sdk_bedrock::Client,
    region: &str,
) -> Result<Option<Destinations>, Failure> {
    let out = client
        .get_model_invocation_logging_configuration()
        .send()
        .await
        .map_err(|e| {
            describe(
                "discover",
                Some(region),
                "bedrock",
                "GetModelInvocationLoggingConfiguration",
                &e,
            )
        })?;
    let Some(c) = out.logging_config() else {
        return Ok(None);
    };
    let s3 = c
        .s3_config()
        .and_then(|s| location(Some(s.bucket_name()), s.key_prefix()));
    let cw = c.cloud_watch_config();
    let log_group = cw
        .map(|w| crate::io::clean(w.log_group_name()))
        .filter(|g| !g.is_empty());
    let large_data = cw
        .and_then(|w| w.large_data_delivery_s3_config())
        .and_then(|s| location(Some(s.bucket_name()), s.key_prefix()));
    let delivers: Vec<&'static str> = [
        ("text", c.text_data_delivery_enabled()),
        ("image", c.image_data_delivery_enabled()),
        ("embedding", c.embedding_data_delivery_enabled()),
        ("video", c.video_data_delivery_enabled()),
    ]
    .into_iter()
    .filter(|(_, on)| on.unwrap_or(false))
    .map(|(k, _)| k)
    .collect();
    if s3.is_none() && log_group.is_none() {
        return Ok(None);
    }
    Ok(Some(Destinations {
        s3,
        log_group,
        large_data,
        delivers,
    }))
}

/// The account the configuration's credentials belong to (needs no IAM permission).
pub async fn account_of(conf: &SdkConfig) -> Result<String, Failure> {
    let out = aws_sdk_sts::Client::new(conf)
        .get_caller_identity()
        .send()
        .await
        .map_err(|e| describe("discover", None, "sts", "GetCallerIdentity", &e))?;
    Ok(crate::io::clean(out.account().unwrap_or_default()))
}

/// The configuration with credentials of `role_arn`, assumed from `base`'s.
pub async fn assume(
    base: &SdkConfig,
    role_arn: &str,
    external_id: Option<&str>,
) -> Result<SdkConfig, Failure> {
    assume_with(&aws_sdk_sts::Client::new(base), base, role_arn, external_id).await
}

/// `assume`, through `sts` (a client the tests can answer).
pub async fn assume_with(
    sts: &aws_sdk_sts::Client,
    base: &SdkConfig,
    role_arn: &str,
    external_id: Option<&str>,
) -> Result<SdkConfig, Failure> {
    let out = sts
        .assume_role()
        .role_arn(role_arn)
        .role_session_name("bedrock-lens-discover")
        .set_external_id(external_id.map(str::to_string))
        .send()
        .await
        .map_err(|e| {
            let mut f = describe("discover", None, "sts", "AssumeRole", &e);
            f.message = format!("assuming {}: {}", crate::io::clean(role_arn), f.message);
            f
        })?;
    let Some(c) = out.credentials() else {
        return Err(Failure {
            source: "discover".into(),
            region: None,
            call: "sts:AssumeRole".into(),
            message: format!(
                "assuming {}: the answer carried no credentials",
                crate::io::clean(role_arn)
            ),
            hint: None,
        });
    };
    let creds = aws_sdk_sts::config::Credentials::new(
        c.access_key_id(),
        c.secret_access_key(),
        Some(c.session_token().to_string()),
        std::time::SystemTime::try_from(*c.expiration()).ok(),
        "bedrock-lens-assume-role",
    );
    Ok(base
        .to_builder()
        .credentials_provider(aws_sdk_sts::config::SharedCredentialsProvider::new(creds))
        .build())
}

/// The organization's active accounts (ListAccounts, every page), sorted; asked in us-east-1,
/// where Organizations answers.
pub async fn organization_accounts(base: &SdkConfig) -> Result<Vec<String>, Failure> {
    let conf = super::aws::for_region(base, "us-east-1");
    let client = aws_sdk_organizations::Client::new(&conf);
    let mut out = vec![];
    let mut token: Option<String> = None;
    loop {
        let page = client
            .list_accounts()
            .set_next_token(token.take())
            .send()
            .await
            .map_err(|e| describe("discover", None, "organizations", "ListAccounts", &e))?;
        for acct in page.accounts() {
            let active = acct
                .state()
                .map(|s| s.as_str() == "ACTIVE")
                .or(acct.status().map(|s| s.as_str() == "ACTIVE"))
                .unwrap_or(true);
            if let (Some(id), true) = (acct.id(), active) {
                out.push(id.to_string());
            }
        }
        match page.next_token() {
            Some(t) if !t.is_empty() => token = Some(t.to_string()),
            _ => break,
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// The accounts a role is assumed in.
#[derive(Debug, Clone, Copy)]
pub enum Accounts<'a> {
    Listed(&'a [String]),
    /// Every active account of the organization (ListAccounts).
    Organization,
}

/// A role assumed in one account: its ARN, and the configuration with its credentials (or why
/// there is none).
pub struct Assumed {
    pub account: String,
    pub role_arn: String,
    pub conf: Result<SdkConfig, Failure>,
}

/// `template` (a role ARN with `{account}` where the id goes) assumed from `base` in each
/// account, `parallel` at a time, in order. With `refresh`, the configuration renews the
/// credentials before they expire (a long collection); the role is still assumed once first, so
/// a refusal is said with its reason. `Err` when the organization's accounts cannot be listed.
pub async fn assume_in_each(
    base: &SdkConfig,
    template: &str,
    accounts: Accounts<'_>,
    external_id: Option<&str>,
    parallel: usize,
    refresh: bool,
) -> Result<Vec<Assumed>, Failure> {
    let accounts = match accounts {
        Accounts::Listed(a) => a.to_vec(),
        Accounts::Organization => organization_accounts(base).await?,
    };
    let jobs = accounts
        .iter()
        .map(|acct| {
            let (conf, arn, ext) = (
                base.clone(),
                template.replace("{account}", acct),
                external_id.map(str::to_string),
            );
            async move {
                let assumed = assume(&conf, &arn, ext.as_deref()).await?;
                if !refresh {
                    return Ok(assumed);
                }
                let mut p = aws_config::sts::AssumeRoleProvider::builder(&arn)
                    .session_name("bedrock-lens-collect")
                    .configure(&conf);
                if let Some(e) = ext {
                    p = p.external_id(e);
                }
                let p = p.build().await;
                Ok(conf
                    .to_builder()
                    .credentials_provider(aws_sdk_sts::config::SharedCredentialsProvider::new(p))
                    .build())
            }
        })
        .collect();
    let results = super::aws::bounded(jobs, parallel).await;
    Ok(accounts
        .into_iter()
        .zip(results)
        .map(|(account, r)| Assumed {
            role_arn: template.replace("{account}", &account),
            account,
            conf: r.unwrap_or_else(|why| {
                Err(Failure {
                    source: "account".into(),
                    region: None,
                    call: "sts:AssumeRole".into(),
                    message: why,
                    hint: None,
                })
            }),
        })
        .collect())
}
