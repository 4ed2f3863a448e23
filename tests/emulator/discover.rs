//! `discover` against the emulator: two accounts reached through an assumed role, two regions
//! each, logging to S3, to CloudWatch Logs, or off; a target whose credentials fail is its own
//! row while the others complete (exit 1). Run from the ordered emulator test (moto is reset
//! at its start, so the seeding must come after).

use serde_json::Value;

use super::{bin, sdk_config, stderr, stdout};

const ROLE: &str = "arn:aws:iam::{account}:role/BedrockLensReader";

/// Credentials of `account`'s reader role, assumed through the emulator's STS.
async fn assumed(ep: &str, account: &str, region: &str) -> aws_config::SdkConfig {
    let base = sdk_config(ep, region).await;
    let out = aws_sdk_sts::Client::new(&base)
        .assume_role()
        .role_arn(ROLE.replace("{account}", account))
        .role_session_name("seed")
        .send()
        .await
        .unwrap();
    let c = out.credentials().unwrap();
    let creds = aws_sdk_sts::config::Credentials::new(
        c.access_key_id(),
        c.secret_access_key(),
        Some(c.session_token().to_string()),
        None,
        "seed",
    );
    base.to_builder()
        .credentials_provider(aws_sdk_sts::config::SharedCredentialsProvider::new(creds))
        .build()
}

/// Puts `config` as `account`'s logging configuration in `region`, as its reader role.
async fn put(ep: &str, account: &str, region: &str, config: aws_sdk_bedrock::types::LoggingConfig) {
    aws_sdk_bedrock::Client::new(&assumed(ep, account, region).await)
        .put_model_invocation_logging_configuration()
        .logging_config(config)
        .send()
        .await
        .unwrap();
}

async fn seed(ep: &str) {
    use aws_sdk_bedrock::types::{CloudWatchConfig, LoggingConfig, S3Config};
    // 111111111111: S3 in us-east-1, CloudWatch Logs (large data to S3) in us-west-2.
    put(
        ep,
        "111111111111",
        "us-east-1",
        LoggingConfig::builder()
            .s3_config(
                S3Config::builder()
                    .bucket_name("org-bedrock-logs")
                    .key_prefix("team-a")
                    .build()
                    .unwrap(),
            )
            .text_data_delivery_enabled(true)
            .embedding_data_delivery_enabled(true)
            .build(),
    )
    .await;
    put(
        ep,
        "111111111111",
        "us-west-2",
        LoggingConfig::builder()
            .cloud_watch_config(
                CloudWatchConfig::builder()
                    .log_group_name("/bedrock/invocations")
                    .role_arn("arn:aws:iam::111111111111:role/BedrockLogs")
                    .large_data_delivery_s3_config(
                        S3Config::builder()
                            .bucket_name("org-bedrock-large")
                            .build()
                            .unwrap(),
                    )
                    .build()
                    .unwrap(),
            )
            .text_data_delivery_enabled(true)
            .build(),
    )
    .await;
    // 222222222222: S3 in us-west-2; nothing in us-east-1.
    put(
        ep,
        "222222222222",
        "us-west-2",
        LoggingConfig::builder()
            .s3_config(
                S3Config::builder()
                    .bucket_name("org-bedrock-logs-b")
                    .build()
                    .unwrap(),
            )
            .text_data_delivery_enabled(true)
            .build(),
    )
    .await;
}

pub fn scenario(ep: &str, rt: &tokio::runtime::Runtime) {
    rt.block_on(seed(ep));
    let o = bin(
        ep,
        &[
            "discover",
            "--role-arn",
            ROLE,
            "--account",
            "111111111111,222222222222",
            "--region",
            "us-east-1,us-west-2",
            "--format",
            "json",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let d: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(d["schema"], "bedrock-lens/discover/v1");
    let rows: Vec<(String, String, String, String, String, String)> = d["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let s = |k: &str| r[k].as_str().unwrap_or("").to_string();
            (
                s("account"),
                s("region"),
                s("logging"),
                s("s3"),
                s("log_group"),
                s("large_data_s3"),
            )
        })
        .collect();
    let row = |a: &str, r: &str, l: &str, s3: &str, g: &str, big: &str| {
        (
            a.into(),
            r.into(),
            l.into(),
            s3.into(),
            g.into(),
            big.into(),
        )
    };
    assert_eq!(
        rows,
        vec![
            row(
                "111111111111",
                "us-east-1",
                "on",
                "s3://org-bedrock-logs/team-a",
                "",
                ""
            ),
            row(
                "111111111111",
                "us-west-2",
                "on",
                "",
                "/bedrock/invocations",
                "s3://org-bedrock-large"
            ),
            row("222222222222", "us-east-1", "off", "", "", ""),
            row(
                "222222222222",
                "us-west-2",
                "on",
                "s3://org-bedrock-logs-b",
                "",
                ""
            ),
        ]
    );
    assert_eq!(
        d["rows"][0]["delivers"],
        serde_json::json!(["text", "embedding"])
    );
    assert_eq!(d["summary"]["logging_on"], 3);
    // The table ends with the collect command for each destination.
    let t = bin(
        ep,
        &[
            "discover",
            "--role-arn",
            ROLE,
            "--account",
            "111111111111,222222222222",
            "--region",
            "us-east-1,us-west-2",
        ],
    );
    let text = stdout(&t);
    assert!(
        text.contains(
            "bedrock-lens collect logs --s3 s3://org-bedrock-logs/team-a --region us-east-1"
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "bedrock-lens collect logs --log-group /bedrock/invocations --region us-west-2 --role-arn arn:aws:iam::111111111111:role/BedrockLensReader --account 111111111111 --start YYYY-MM --end YYYY-MM --out DIR\n"
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "bedrock-lens collect logs --athena s3://org-bedrock-logs-b --role-arn arn:aws:iam::222222222222:role/BedrockLensReader --account 222222222222 --start YYYY-MM --end YYYY-MM --out DIR   # summed where they are (--athena-create the first time)\n"
        ),
        "{text}"
    );
    // --organization: the role is assumed in every active account ListAccounts returns.
    let expected: Vec<String> = rt.block_on(async {
        let conf = sdk_config(ep, "us-east-1").await;
        let org = aws_sdk_organizations::Client::new(&conf);
        org.create_organization()
            .feature_set(aws_sdk_organizations::types::OrganizationFeatureSet::All)
            .send()
            .await
            .unwrap();
        for name in ["team-a", "team-b"] {
            org.create_account()
                .account_name(name)
                .email(format!("{name}@example.com"))
                .send()
                .await
                .unwrap();
        }
        let mut ids: Vec<String> = org
            .list_accounts()
            .send()
            .await
            .unwrap()
            .accounts()
            .iter()
            .map(|a| a.id().unwrap().to_string())
            .collect();
        ids.sort();
        ids
    });
    assert_eq!(expected.len(), 3, "{expected:?}");
    let o = bin(
        ep,
        &[
            "discover",
            "--organization",
            "--role-arn",
            ROLE,
            "--region",
            "us-east-1",
            "--format",
            "json",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let d: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let accounts: Vec<String> = d["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["account"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(accounts, expected);
    assert!(d["rows"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["logging"] == "off"
            && r["via"]
                .as_str()
                .unwrap()
                .ends_with(":role/BedrockLensReader")));
    collect_many(ep, rt);
    // A region the service fails in (the emulator answers HTTP 500 for Bedrock in cn-north-1)
    // is its own failed row; the other region is still listed: exit 1.
    let o = bin(
        ep,
        &[
            "discover",
            "--region",
            "us-east-1,cn-north-1",
            "--format",
            "json",
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let d: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let by_region = |r: &str| {
        d["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["region"] == r)
            .unwrap()
            .clone()
    };
    assert_eq!(by_region("us-east-1")["logging"], "off");
    assert_eq!(by_region("us-east-1")["account"], "123456789012");
    let failed = by_region("cn-north-1");
    assert_eq!(failed["logging"], "failed");
    assert_eq!(
        failed["error"],
        "bedrock:GetModelInvocationLoggingConfiguration: the service answered HTTP 500 without an error code"
    );
    assert!(
        stderr(&o).contains("1 of 2 account-region pair(s) could not be read"),
        "{}",
        stderr(&o)
    );
}

/// AccessDenied on the logging configuration names the action and the policy command (no
/// emulator: aws-smithy-mocks).
#[tokio::test]
async fn access_denied_names_the_action_and_the_policy() {
    use aws_sdk_bedrock::config::http::HttpResponse;
    use aws_sdk_bedrock::config::{BehaviorVersion, Credentials, Region};
    use aws_smithy_mocks::{mock, RuleMode};
    let rule = mock!(aws_sdk_bedrock::Client::get_model_invocation_logging_configuration)
        .then_http_response(|| {
            let mut r = HttpResponse::new(
                403.try_into().unwrap(),
                r#"{"message":"not authorized"}"#.into(),
            );
            r.headers_mut().insert(
                "x-amzn-errortype",
                "AccessDeniedException:http://internal.amazon.com/",
            );
            r
        });
    let icpt = aws_smithy_mocks::MockResponseInterceptor::new()
        .rule_mode(RuleMode::Sequential)
        .with_rule(&rule);
    let client = aws_sdk_bedrock::Client::from_conf(
        aws_sdk_bedrock::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("eu-west-1"))
            .credentials_provider(Credentials::new("test", "test", None, None, "test"))
            .http_client(aws_smithy_mocks::create_mock_http_client())
            .interceptor(icpt)
            .build(),
    );
    let f = bedrock_lens::collect::discovery::logging(&client, "eu-west-1")
        .await
        .unwrap_err();
    assert_eq!(f.call, "bedrock:GetModelInvocationLoggingConfiguration");
    assert_eq!(f.region.as_deref(), Some("eu-west-1"));
    assert!(
        f.message
            .starts_with("access denied (AccessDeniedException)"),
        "{f}"
    );
    assert!(
        f.hint
            .as_deref()
            .unwrap()
            .contains("`bedrock-lens iam-policy --collect discover`"),
        "{f}"
    );
}

/// `collect metrics` across accounts: the role assumed in each --account, each account's
/// metrics collected on its own into one snapshot (rows filed under their account); a profile
/// without usable credentials fails on its own while the other is saved (exit 1).
fn collect_many(ep: &str, rt: &tokio::runtime::Runtime) {
    let t0 = chrono::Utc::now() - chrono::Duration::hours(3);
    rt.block_on(async {
        for (account, tokens) in [("111111111111", 1000.0), ("222222222222", 2000.0)] {
            let cw = aws_sdk_cloudwatch::Client::new(&assumed(ep, account, "us-east-1").await);
            cw.put_metric_data()
                .namespace("AWS/Bedrock")
                .metric_data(
                    aws_sdk_cloudwatch::types::MetricDatum::builder()
                        .metric_name("InputTokenCount")
                        .dimensions(
                            aws_sdk_cloudwatch::types::Dimension::builder()
                                .name("ModelId")
                                .value("amazon.nova-micro-v1:0")
                                .build(),
                        )
                        .timestamp(aws_sdk_cloudwatch::primitives::DateTime::from_secs(
                            t0.timestamp(),
                        ))
                        .value(tokens)
                        .build(),
                )
                .send()
                .await
                .unwrap();
        }
    });
    let snap = tempfile::tempdir().unwrap();
    let start = (t0 - chrono::Duration::hours(1))
        .format("%Y-%m-%dT%H:00:00Z")
        .to_string();
    let o = bin(
        ep,
        &[
            "collect",
            "metrics",
            "--role-arn",
            ROLE,
            "--account",
            "111111111111,222222222222",
            "--region",
            "us-east-1",
            "--start",
            &start,
            "--out",
            snap.path().to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let e = stderr(&o);
    assert!(
        e.contains("== arn:aws:iam::111111111111:role/BedrockLensReader =="),
        "{e}"
    );
    assert!(
        e.contains("== arn:aws:iam::222222222222:role/BedrockLensReader =="),
        "{e}"
    );
    let r = super::offline(&[
        "report",
        "--snapshot",
        snap.path().to_str().unwrap(),
        "--source",
        "metrics",
        "--by",
        "account",
        "--start",
        &start,
        "--format",
        "json",
    ]);
    assert_eq!(r.status.code(), Some(0), "{}", stderr(&r));
    let d: Value = serde_json::from_str(&stdout(&r)).unwrap();
    let mut by: Vec<(String, u64)> = d["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["account"].as_str().unwrap().to_string(),
                x["input_tokens"].as_u64().unwrap(),
            )
        })
        .collect();
    by.sort();
    assert_eq!(
        by,
        vec![
            ("111111111111".to_string(), 1000),
            ("222222222222".to_string(), 2000)
        ]
    );
    // One profile cannot be used: it fails on its own, the other account is collected and saved.
    let cfg = snap.path().join("aws-config");
    std::fs::write(
        &cfg,
        "[profile good]\naws_access_key_id = test\naws_secret_access_key = test\nregion = us-east-1\n\n[profile broken]\ncredential_process = /bin/false\nregion = us-east-1\n",
    )
    .unwrap();
    let out2 = tempfile::tempdir().unwrap();
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_bedrock-lens"))
        .args([
            "collect",
            "metrics",
            "--profile",
            "good",
            "--profile",
            "broken",
            "--endpoint-url",
            ep,
            "--start",
            &start,
            "--out",
            out2.path().to_str().unwrap(),
        ])
        .env("AWS_CONFIG_FILE", &cfg)
        .env("AWS_SHARED_CREDENTIALS_FILE", snap.path().join("none"))
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_REGION")
        .output()
        .unwrap();
    let e = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{e}");
    assert!(
        e.contains(
            "1 of 2 account(s) of the collection failed; the others completed and were saved"
        ),
        "{e}"
    );
    assert!(e.contains("- profile broken:"), "{e}");
    assert!(out2.path().join("metrics.parquet").exists(), "{e}");
}

/// A role that cannot be assumed is named with the reason and the action (no emulator: moto's
/// STS assumes any role; aws-smithy-mocks answers AccessDenied).
#[tokio::test]
async fn a_role_that_cannot_be_assumed_says_why() {
    use aws_sdk_sts::config::http::HttpResponse;
    use aws_sdk_sts::config::{BehaviorVersion, Credentials, Region};
    use aws_smithy_mocks::{mock, RuleMode};
    let rule = mock!(aws_sdk_sts::Client::assume_role).then_http_response(|| {
        HttpResponse::new(
            403.try_into().unwrap(),
            r#"<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>not authorized to perform sts:AssumeRole</Message></Error></ErrorResponse>"#.into(),
        )
    });
    let icpt = aws_smithy_mocks::MockResponseInterceptor::new()
        .rule_mode(RuleMode::Sequential)
        .with_rule(&rule);
    let sts = aws_sdk_sts::Client::from_conf(
        aws_sdk_sts::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .credentials_provider(Credentials::new("test", "test", None, None, "test"))
            .http_client(aws_smithy_mocks::create_mock_http_client())
            .interceptor(icpt)
            .build(),
    );
    let base = aws_config::SdkConfig::builder()
        .behavior_version(aws_config::BehaviorVersion::latest())
        .build();
    let arn = "arn:aws:iam::222222222222:role/BedrockLensReader";
    let f = bedrock_lens::collect::discovery::assume_with(&sts, &base, arn, None)
        .await
        .unwrap_err();
    assert_eq!(f.call, "sts:AssumeRole");
    assert!(
        f.message
            .starts_with("assuming arn:aws:iam::222222222222:role/BedrockLensReader: access denied (AccessDenied)"),
        "{f}"
    );
}
