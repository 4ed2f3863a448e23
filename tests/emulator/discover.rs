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
            "bedrock-lens collect logs --log-group /bedrock/invocations --region us-west-2"
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
