//! `plan --sample`'s CountTokens calls with aws-smithy-mocks (the emulator does not serve Bedrock
//! Runtime): counts per model in the samples' order, throttling retried and throttling that
//! persists, a model without token counting, AccessDenied naming `bedrock:CountTokens`.

use std::io::Write;
use std::time::Duration;

use aws_sdk_bedrockruntime::config::http::HttpResponse;
use aws_sdk_bedrockruntime::operation::count_tokens::{CountTokensInput, CountTokensOutput};
use aws_sdk_bedrockruntime::types::{ContentBlock, CountTokensInput as Input};
use aws_sdk_bedrockruntime::Client;
use aws_smithy_mocks::{mock, Rule, RuleMode};
use bedrock_lens::collect::aws::MAX_ATTEMPTS;
use bedrock_lens::collect::count_tokens::{count, read_samples, CountOutcome, Sample};

const HAIKU: &str = "anthropic.claude-haiku-4-5-20251001-v1:0";
const SONNET: &str = "anthropic.claude-sonnet-4-5-20250929-v1:0";
const SECRET: &str = "SECRET-PROMPT-0451";

/// A Bedrock Runtime client whose calls the rules answer (no network), with fake credentials,
/// our attempt count and a 1 ms first backoff (standard mode: the adaptive limiter would make
/// the test wait out real throttling delays for the same outcome).
fn client(mode: RuleMode, rules: &[&Rule]) -> Client {
    let mut icpt = aws_smithy_mocks::MockResponseInterceptor::new().rule_mode(mode);
    for r in rules {
        icpt = icpt.with_rule(r);
    }
    use aws_sdk_bedrockruntime::config::{BehaviorVersion, Credentials, Region};
    Client::from_conf(
        aws_sdk_bedrockruntime::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .credentials_provider(Credentials::new("test", "test", None, None, "test"))
            .http_client(aws_smithy_mocks::create_mock_http_client())
            .interceptor(icpt)
            .retry_config(
                aws_config::retry::RetryConfig::standard()
                    .with_max_attempts(MAX_ATTEMPTS)
                    .with_initial_backoff(Duration::from_millis(1)),
            )
            .build(),
    )
}

fn samples(lines: &[&str]) -> Vec<Sample> {
    let mut f = tempfile::NamedTempFile::new().unwrap();
    for l in lines {
        writeln!(f, "{l}").unwrap();
    }
    read_samples(f.path()).unwrap()
}

fn converse(text: &str) -> String {
    format!(r#"{{"messages":[{{"role":"user","content":[{{"text":"{text}"}}]}}]}}"#)
}

fn tokens(n: i32) -> CountTokensOutput {
    CountTokensOutput::builder()
        .input_tokens(n)
        .build()
        .unwrap()
}

/// The first text block of a Converse request.
fn text_of(r: &CountTokensInput) -> String {
    match r.input() {
        Some(Input::Converse(c)) => match &c.messages()[0].content()[0] {
            ContentBlock::Text(t) => t.clone(),
            other => panic!("{other:?}"),
        },
        other => panic!("{other:?}"),
    }
}

/// A JSON error answer as Bedrock Runtime sends it (type in the header, message in the body).
fn error(status: u16, code: &'static str, message: &str) -> HttpResponse {
    let mut r = HttpResponse::new(
        status.try_into().unwrap(),
        format!(r#"{{"message":"{message}"}}"#).into(),
    );
    r.headers_mut().insert(
        "x-amzn-errortype",
        format!("{code}:http://internal.amazon.com/coral/com.amazon.bedrock/"),
    );
    r
}

const THROTTLED: &str = r#"{"__type":"ThrottlingException","message":"Too many requests, please wait before trying again."}"#;

#[tokio::test]
async fn each_model_gets_its_own_counts_in_sample_order() {
    let s = samples(&[
        &converse("one"),
        &converse("two two"),
        r#"{"messages":[{"role":"user","content":[{"image":{"format":"png","source":{"bytes":"AA=="}}}]}]}"#,
        &converse("three three three"),
        &converse("four four four four"),
        &converse("five five five five five"),
    ]);
    // Made-up tokenizers: a token a character for Haiku, two for Sonnet.
    let haiku = mock!(Client::count_tokens)
        .match_requests(|r| r.model_id() == Some(HAIKU))
        .then_compute_output(|r| tokens(text_of(r).len() as i32));
    let sonnet = mock!(Client::count_tokens)
        .match_requests(|r| r.model_id() == Some(SONNET))
        .then_compute_output(|r| tokens(2 * text_of(r).len() as i32));
    let c = client(RuleMode::MatchAny, &[&haiku, &sonnet]);
    // A cross-region profile id is counted as its foundation model.
    let got = count(&c, "us-east-1", &format!("us.{HAIKU}"), &s).await;
    // The image sample is not sent: None, for the caller to estimate.
    assert_eq!(
        got,
        CountOutcome::Counted(vec![Some(3), Some(7), None, Some(17), Some(19), Some(24)])
    );
    let got = count(&c, "us-east-1", SONNET, &s).await;
    assert_eq!(
        got,
        CountOutcome::Counted(vec![Some(6), Some(14), None, Some(34), Some(38), Some(48)])
    );
    assert_eq!(haiku.num_calls(), 5);
    assert_eq!(sonnet.num_calls(), 5);
}

#[tokio::test]
async fn an_invoke_model_body_is_sent_as_written() {
    let body = r#"{"anthropic_version":"bedrock-2023-05-31","max_tokens":10,"messages":[{"role":"user","content":"hello"}]}"#;
    let s = samples(&[body]);
    let rule = mock!(Client::count_tokens)
        .match_requests(move |r| match r.input() {
            Some(Input::InvokeModel(i)) => i.body().as_ref() == body.as_bytes(),
            _ => false,
        })
        .then_output(|| tokens(12));
    let c = client(RuleMode::Sequential, &[&rule]);
    let got = count(&c, "us-east-1", HAIKU, &s).await;
    assert_eq!(got, CountOutcome::Counted(vec![Some(12)]));
}

#[tokio::test]
async fn a_throttling_burst_is_retried() {
    let s = samples(&[&converse("hello")]);
    let rule = mock!(Client::count_tokens)
        .sequence()
        .http_status(429, Some(THROTTLED.into()))
        .times(2)
        .output(|| tokens(9))
        .build();
    let c = client(RuleMode::Sequential, &[&rule]);
    let got = count(&c, "us-east-1", HAIKU, &s).await;
    assert_eq!(got, CountOutcome::Counted(vec![Some(9)]));
    assert_eq!(rule.num_calls(), 3);
}

#[tokio::test]
async fn throttling_that_outlasts_the_retries_fails_the_model() {
    let s = samples(&[&converse(SECRET)]);
    let rule = mock!(Client::count_tokens)
        .sequence()
        .http_status(429, Some(THROTTLED.into()))
        .times(MAX_ATTEMPTS as usize)
        .build();
    let c = client(RuleMode::Sequential, &[&rule]);
    let CountOutcome::Failed(f) = count(&c, "eu-central-1", HAIKU, &s).await else {
        panic!("not a failure")
    };
    assert_eq!(rule.num_calls(), MAX_ATTEMPTS as usize);
    assert_eq!(
        f.to_string(),
        "count-tokens in eu-central-1: bedrock:CountTokens failed: still throttled \
         (ThrottlingException) after 6 attempts with backoff (hint: run again later, or with \
         fewer samples or models)"
    );
}

#[tokio::test]
async fn a_model_without_token_counting_is_not_supported() {
    let s = samples(&[&converse(SECRET), &converse("more")]);
    let rule = mock!(Client::count_tokens)
        .sequence()
        .http_response(|| {
            error(
                400,
                "ValidationException",
                "The provided model doesn't support counting tokens.",
            )
        })
        .repeatedly()
        .build();
    let c = client(RuleMode::Sequential, &[&rule]);
    let got = count(&c, "us-east-1", "amazon.nova-pro-v1:0", &s).await;
    assert_eq!(
        got,
        CountOutcome::NotSupported(
            "Bedrock's CountTokens does not count tokens for this model (ValidationException)"
                .into()
        )
    );
}

#[tokio::test]
async fn a_sample_the_model_refuses_is_named_by_line() {
    let s = samples(&[&converse("fine"), r#"{"inputText":"SECRET-PROMPT-0451"}"#]);
    let ok = mock!(Client::count_tokens)
        .match_requests(|r| matches!(r.input(), Some(Input::Converse(_))))
        .then_output(|| tokens(4));
    let refused = mock!(Client::count_tokens)
        .match_requests(|r| matches!(r.input(), Some(Input::InvokeModel(_))))
        .then_http_response(|| {
            error(
                400,
                "ValidationException",
                "Malformed input request: SECRET-PROMPT-0451 is not valid, please reformat your input and try again.",
            )
        });
    let c = client(RuleMode::MatchAny, &[&ok, &refused]);
    let CountOutcome::Failed(f) = count(&c, "us-east-1", HAIKU, &s).await else {
        panic!("not a failure")
    };
    assert!(
        f.message.starts_with(
            "the sample on line 2 was refused as invalid for this model (ValidationException"
        ),
        "{f}"
    );
    // Bedrock's own message can echo the request: it is not repeated.
    assert!(!f.to_string().contains("SECRET-PROMPT-0451"), "{f}");
    assert!(f.hint.unwrap().contains("body format of the model"));
    assert!(!f.message.contains(SECRET));
}

#[tokio::test]
async fn access_denied_names_the_action_and_the_policy_command() {
    let s = samples(&[&converse(SECRET)]);
    let rule = mock!(Client::count_tokens).then_http_response(|| {
        error(
            403,
            "AccessDeniedException",
            "User: arn:aws:iam::123456789012:user/u is not authorized to perform: bedrock:CountTokens",
        )
    });
    let c = client(RuleMode::Sequential, &[&rule]);
    let CountOutcome::Failed(f) = count(&c, "us-west-2", HAIKU, &s).await else {
        panic!("not a failure")
    };
    assert_eq!(rule.num_calls(), 1, "AccessDenied is not retried");
    assert_eq!(
        f.to_string(),
        "count-tokens in us-west-2: bedrock:CountTokens failed: access denied \
         (AccessDeniedException): the credentials lack the IAM permission `bedrock:CountTokens` \
         (hint: grant `bedrock:CountTokens`: `bedrock-lens iam-policy --collect count-tokens` \
         prints the whole least-privilege policy)"
    );
}
