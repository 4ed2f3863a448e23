//! Faults no emulator produces, with aws-smithy-mocks: throttling bursts, a failure in the middle
//! of pagination, AccessDenied in one region, expired credentials; plus the calls moto does not
//! serve (Logs Insights aggregation, GetDimensionValues, inference profiles).

use std::time::Duration;

use aws_smithy_mocks::{mock, RuleMode};
use bedrock_lens::collect::aws::fault::Failure;
use bedrock_lens::collect::aws::{retry_config, MAX_ATTEMPTS};
use bedrock_lens::collect::{
    cloudwatch_logs as logs, cloudwatch_metrics as metrics, cost_explorer as costs,
    inference_profiles as profiles, metric_plan,
};
use chrono::{DateTime, Utc};

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

/// Our attempt count with a 1 ms first backoff, in standard mode: the adaptive rate limiter of
/// `retry_config()` would make each test wait out real throttling delays (up to a minute) for
/// the same outcome.
fn fast_retries() -> aws_config::retry::RetryConfig {
    aws_config::retry::RetryConfig::standard()
        .with_max_attempts(MAX_ATTEMPTS)
        .with_initial_backoff(Duration::from_millis(1))
}

#[test]
fn collect_retries_adaptively_six_times() {
    let r = retry_config();
    assert_eq!(r.mode(), aws_config::retry::RetryMode::Adaptive);
    assert_eq!(r.max_attempts(), 6);
}

/// A client of `$crate` whose calls are answered by the rules (no network), with fake
/// credentials and the given retry settings (default: ours, with a 1 ms first backoff).
macro_rules! mocked {
    ($c:ident, $mode:expr, [$($rule:expr),*], $retry:expr) => {{
        let mut icpt = aws_smithy_mocks::MockResponseInterceptor::new().rule_mode($mode);
        $( icpt = icpt.with_rule($rule); )*
        $c::Client::from_conf(
            $c::Config::builder()
                .behavior_version($c::config::BehaviorVersion::latest())
                .region($c::config::Region::new("us-east-1"))
                .credentials_provider($c::config::Credentials::new("test", "test", None, None, "test"))
                .http_client(aws_smithy_mocks::create_mock_http_client())
                .interceptor(icpt)
                .retry_config($retry)
                .build(),
        )
    }};
    ($c:ident, $mode:expr, [$($rule:expr),*]) => {
        mocked!($c, $mode, [$($rule),*], fast_retries())
    };
    ($c:ident, [$($rule:expr),*]) => {
        mocked!($c, RuleMode::Sequential, [$($rule),*], fast_retries())
    };
}

const THROTTLED: &str = r#"{"__type":"ThrottlingException","message":"Rate exceeded"}"#;

mod cwl {
    pub use aws_sdk_cloudwatchlogs::error::ErrorMetadata;
    pub use aws_sdk_cloudwatchlogs::operation::filter_log_events::{
        FilterLogEventsError, FilterLogEventsOutput,
    };
    pub use aws_sdk_cloudwatchlogs::types::FilteredLogEvent;
    pub use aws_sdk_cloudwatchlogs::Client;
}

fn event(id: &str, input: u64) -> cwl::FilteredLogEvent {
    cwl::FilteredLogEvent::builder()
        .message(format!(
            r#"{{"schemaType":"ModelInvocationLog","schemaVersion":"1.0","timestamp":"2026-10-01T10:00:00Z","accountId":"1","region":"us-east-1","requestId":"{id}","operation":"Converse","modelId":"amazon.nova-micro-v1:0","identity":{{"arn":"arn:aws:iam::1:user/u"}},"input":{{"inputTokenCount":{input}}},"output":{{"outputTokenCount":1}}}}"#
        ))
        .build()
}

fn page(events: Vec<cwl::FilteredLogEvent>, next: Option<&str>) -> cwl::FilterLogEventsOutput {
    cwl::FilterLogEventsOutput::builder()
        .set_events(Some(events))
        .set_next_token(next.map(str::to_string))
        .build()
}

async fn filter_all(
    client: &cwl::Client,
    region: &str,
) -> (Result<(), Failure>, Vec<Vec<u8>>, logs::LogCalls) {
    let mut calls = logs::LogCalls::default();
    let mut pages = vec![];
    let target = logs::Target {
        client,
        region,
        group: "/bedrock/invocations",
        start: t("2026-10-01T00:00:00Z"),
        end: t("2026-10-02T00:00:00Z"),
    };
    let r = logs::filter(&target, &mut calls, |b, _| pages.push(b)).await;
    (r, pages, calls)
}

#[tokio::test]
async fn a_throttling_burst_is_retried_with_backoff() {
    let rule = mock!(cwl::Client::filter_log_events)
        .sequence()
        .http_status(400, Some(THROTTLED.into()))
        .times(3)
        .output(|| page(vec![event("r1", 10), event("r2", 20)], None))
        .build();
    let client = mocked!(
        aws_sdk_cloudwatchlogs,
        RuleMode::Sequential,
        [&rule],
        fast_retries()
    );
    let (r, pages, calls) = filter_all(&client, "us-east-1").await;
    r.unwrap();
    // Three throttled attempts, then the page: one logical call, four requests.
    assert_eq!(rule.num_calls(), 4);
    assert_eq!(calls.filter_log_events, 1);
    assert_eq!(calls.events, 2);
    assert_eq!(pages.len(), 1);
}

/// A page whose next token is the one just sent would be asked for forever: the stream ends.
#[tokio::test]
async fn a_repeated_next_token_ends_the_stream() {
    let rule = mock!(cwl::Client::filter_log_events)
        .sequence()
        .output(|| page(vec![event("r1", 10)], Some("t1")))
        .output(|| page(vec![event("r2", 20)], Some("t1")))
        .output(|| page(vec![event("r3", 30)], None))
        .build();
    let client = mocked!(
        aws_sdk_cloudwatchlogs,
        RuleMode::Sequential,
        [&rule],
        fast_retries()
    );
    let (r, pages, calls) = filter_all(&client, "us-east-1").await;
    r.unwrap();
    assert_eq!(rule.num_calls(), 2);
    assert_eq!(calls.filter_log_events, 2);
    assert_eq!(pages.len(), 2);
}

#[tokio::test]
async fn throttling_that_outlasts_the_retries_is_reported() {
    let rule = mock!(cwl::Client::filter_log_events)
        .sequence()
        .http_status(400, Some(THROTTLED.into()))
        .times(MAX_ATTEMPTS as usize)
        .build();
    let client = mocked!(
        aws_sdk_cloudwatchlogs,
        RuleMode::Sequential,
        [&rule],
        fast_retries()
    );
    let (r, _, _) = filter_all(&client, "eu-west-1").await;
    let f = r.unwrap_err();
    assert_eq!(rule.num_calls(), MAX_ATTEMPTS as usize);
    assert_eq!(
        f.to_string(),
        "logs in eu-west-1: logs:FilterLogEvents failed: still throttled (ThrottlingException) after 6 attempts with backoff (hint: run again later, or collect a shorter time range or fewer regions)"
    );
}

#[tokio::test]
async fn empty_pages_with_a_token_are_followed_and_a_failure_mid_way_stops_the_part() {
    let p1 = mock!(cwl::Client::filter_log_events)
        .then_output(|| page(vec![event("r1", 10)], Some("t1")));
    let p2 = mock!(cwl::Client::filter_log_events).then_output(|| page(vec![], Some("t2")));
    let p3 = mock!(cwl::Client::filter_log_events).then_error(|| {
        cwl::FilterLogEventsError::generic(
            cwl::ErrorMetadata::builder()
                .code("ServiceUnavailableException")
                .message("try later")
                .build(),
        )
    });
    let client = mocked!(
        aws_sdk_cloudwatchlogs,
        RuleMode::Sequential,
        [&p1, &p2, &p3],
        aws_config::retry::RetryConfig::disabled()
    );
    let (r, pages, calls) = filter_all(&client, "us-east-1").await;
    let f = r.unwrap_err();
    assert_eq!(
        f.to_string(),
        "logs in us-east-1: logs:FilterLogEvents failed: ServiceUnavailableException: try later"
    );
    // The empty page was followed; the part is reported failed (the command then drops the page
    // it had, so nothing half-collected reaches the snapshot).
    assert_eq!((calls.filter_log_events, calls.empty_pages), (2, 1));
    assert_eq!(pages.len(), 1);
}

#[tokio::test]
async fn access_denied_in_one_region_names_the_action_and_the_other_region_completes() {
    let ok =
        mock!(cwl::Client::filter_log_events).then_output(|| page(vec![event("r1", 10)], None));
    let denied = mock!(cwl::Client::filter_log_events).then_error(|| {
        cwl::FilterLogEventsError::generic(
            cwl::ErrorMetadata::builder()
                .code("AccessDeniedException")
                .message("User: arn:aws:iam::1:user/u is not authorized to perform: logs:FilterLogEvents")
                .build(),
        )
    });
    let east = mocked!(aws_sdk_cloudwatchlogs, [&ok]);
    let west = mocked!(aws_sdk_cloudwatchlogs, [&denied]);
    let (r1, pages, _) = filter_all(&east, "us-east-1").await;
    let (r2, _, _) = filter_all(&west, "us-west-2").await;
    r1.unwrap();
    assert_eq!(pages.len(), 1);
    let f = r2.unwrap_err();
    assert_eq!(f.call, "logs:FilterLogEvents");
    assert_eq!(
        f.to_string(),
        "logs in us-west-2: logs:FilterLogEvents failed: access denied (AccessDeniedException): the credentials lack the IAM permission `logs:FilterLogEvents` (hint: grant `logs:FilterLogEvents`: `bedrock-lens iam-policy --collect logs` prints the whole least-privilege policy)"
    );
}

#[tokio::test]
async fn expired_credentials_say_how_to_refresh() {
    use aws_sdk_cloudwatch::operation::list_metrics::ListMetricsError;
    let rule = mock!(aws_sdk_cloudwatch::Client::list_metrics).then_error(|| {
        ListMetricsError::generic(
            aws_sdk_cloudwatch::error::ErrorMetadata::builder()
                .code("ExpiredToken")
                .message("The security token included in the request is expired")
                .build(),
        )
    });
    let client = mocked!(aws_sdk_cloudwatch, [&rule]);
    let f = metrics::discover(&client, "us-east-1", &mut metrics::Calls::default())
        .await
        .unwrap_err();
    assert_eq!(
        f.to_string(),
        "metrics in us-east-1: cloudwatch:ListMetrics failed: the credentials were refused (ExpiredToken): expired or invalid (hint: refresh them (e.g. `aws sso login --profile NAME`, or new keys) and run again)"
    );
}

#[tokio::test]
async fn get_metric_data_follows_next_token_and_returns_nothing_when_a_later_page_fails() {
    use aws_sdk_cloudwatch::operation::get_metric_data::{GetMetricDataError, GetMetricDataOutput};
    use aws_sdk_cloudwatch::types::MetricDataResult;
    let found: Vec<(String, String)> = (0..300)
        .map(|i| (format!("model-{i}"), "InputTokenCount".to_string()))
        .chain((0..300).map(|i| (format!("model-{i}"), "OutputTokenCount".to_string())))
        .collect();
    let queries = metric_plan::queries(&found);
    assert_eq!(queries.len(), 600);
    let result = |id: &str, v: f64| {
        MetricDataResult::builder()
            .id(id)
            .timestamps(aws_sdk_cloudwatch::primitives::DateTime::from_secs(
                1_790_000_000,
            ))
            .values(v)
            .build()
    };
    // 600 queries: two calls of 500 and 100; the first call's answer comes in two pages.
    let c1p1 = mock!(aws_sdk_cloudwatch::Client::get_metric_data)
        .match_requests(|r| r.metric_data_queries().len() == 500 && r.next_token().is_none())
        .then_output(move || {
            GetMetricDataOutput::builder()
                .metric_data_results(result("q0", 7.0))
                .next_token("more")
                .build()
        });
    let c1p2 = mock!(aws_sdk_cloudwatch::Client::get_metric_data)
        .match_requests(|r| r.next_token() == Some("more"))
        .then_output(move || {
            GetMetricDataOutput::builder()
                .metric_data_results(result("q1", 5.0))
                .build()
        });
    let c2 = mock!(aws_sdk_cloudwatch::Client::get_metric_data)
        .match_requests(|r| r.metric_data_queries().len() == 100)
        .then_output(move || {
            GetMetricDataOutput::builder()
                .metric_data_results(result("q500", 1.0))
                .build()
        });
    let client = mocked!(
        aws_sdk_cloudwatch,
        RuleMode::Sequential,
        [&c1p1, &c1p2, &c2]
    );
    let mut calls = metrics::Calls::default();
    let points = metrics::fetch(
        &client,
        "us-east-1",
        &queries,
        t("2026-10-01T00:00:00Z"),
        t("2026-10-02T00:00:00Z"),
        3600,
        &mut calls,
    )
    .await
    .unwrap();
    assert_eq!(calls.get_metric_data, 3);
    // Each page of a call bills its queries again: 500 + 500 + 100.
    assert_eq!(calls.metrics_requested, 1_100);
    assert_eq!(points.iter().map(|p| p.value).sum::<f64>(), 13.0);

    // The same plan with the second page failing: an error, not a partial series.
    let c1p1 = mock!(aws_sdk_cloudwatch::Client::get_metric_data).then_output(move || {
        GetMetricDataOutput::builder()
            .metric_data_results(result("q0", 7.0))
            .next_token("more")
            .build()
    });
    let boom = mock!(aws_sdk_cloudwatch::Client::get_metric_data).then_error(|| {
        GetMetricDataError::generic(
            aws_sdk_cloudwatch::error::ErrorMetadata::builder()
                .code("InternalServiceError")
                .build(),
        )
    });
    let client = mocked!(
        aws_sdk_cloudwatch,
        RuleMode::Sequential,
        [&c1p1, &boom],
        aws_config::retry::RetryConfig::disabled()
    );
    let r = metrics::fetch(
        &client,
        "us-east-1",
        &queries,
        t("2026-10-01T00:00:00Z"),
        t("2026-10-02T00:00:00Z"),
        3600,
        &mut metrics::Calls::default(),
    )
    .await;
    assert_eq!(
        r.unwrap_err().to_string(),
        "metrics in us-east-1: cloudwatch:GetMetricData failed: InternalServiceError"
    );
}

#[tokio::test]
async fn logs_insights_splits_a_range_whose_result_hits_the_row_limit() {
    use aws_sdk_cloudwatchlogs::operation::get_query_results::GetQueryResultsOutput;
    use aws_sdk_cloudwatchlogs::operation::start_query::StartQueryOutput;
    use aws_sdk_cloudwatchlogs::types::{QueryStatistics, QueryStatus, ResultField};
    let row = |model: &str, n: u64| {
        vec![
            ResultField::builder().field("modelId").value(model).build(),
            ResultField::builder()
                .field("invocations")
                .value(n.to_string())
                .build(),
        ]
    };
    let start = mock!(cwl::Client::start_query)
        .then_output(|| StartQueryOutput::builder().query_id("q").build());
    let running = mock!(cwl::Client::get_query_results).then_output(|| {
        GetQueryResultsOutput::builder()
            .status(QueryStatus::Running)
            .build()
    });
    // The whole day comes back with 10,000 rows: presumed truncated, so it is split in two.
    let full = mock!(cwl::Client::get_query_results).then_output(move || {
        GetQueryResultsOutput::builder()
            .status(QueryStatus::Complete)
            .set_results(Some((0..10_000).map(|_| row("m", 1)).collect()))
            .statistics(
                QueryStatistics::builder()
                    .bytes_scanned(2e9)
                    .records_scanned(1e6)
                    .build(),
            )
            .build()
    });
    let half = |n: u64| {
        mock!(cwl::Client::get_query_results).then_output(move || {
            GetQueryResultsOutput::builder()
                .status(QueryStatus::Complete)
                .results(row("amazon.nova-micro-v1:0", n))
                .statistics(
                    QueryStatistics::builder()
                        .bytes_scanned(1e9)
                        .records_scanned(5e5)
                        .build(),
                )
                .build()
        })
    };
    let (h1, h2) = (half(6_000), half(5_000));
    let start2 = mock!(cwl::Client::start_query)
        .then_output(|| StartQueryOutput::builder().query_id("q2").build());
    let start3 = mock!(cwl::Client::start_query)
        .then_output(|| StartQueryOutput::builder().query_id("q3").build());
    let client = mocked!(
        aws_sdk_cloudwatchlogs,
        RuleMode::Sequential,
        [&start, &running, &full, &start2, &h1, &start3, &h2]
    );
    let mut calls = logs::LogCalls::default();
    let target = logs::Target {
        client: &client,
        region: "us-east-1",
        group: "/bedrock/invocations",
        start: t("2026-10-01T00:00:00Z"),
        end: t("2026-10-02T00:00:00Z"),
    };
    let rows = logs::insights(&target, &mut calls, Duration::from_millis(1))
        .await
        .unwrap();
    // The truncated result is discarded; the two halves are kept.
    assert_eq!(rows.len(), 2);
    assert_eq!((calls.start_query, calls.get_query_results), (3, 4));
    // 2 GB + 1 GB + 1 GB scanned at $0.005 per GB = $0.02.
    assert_eq!(calls.bytes_scanned, 4_000_000_000);
    assert_eq!(logs::insights_cost_micros(calls.bytes_scanned), 20_000);
}

#[tokio::test]
async fn cost_explorer_finds_the_marketplace_services_and_queries_per_account() {
    use aws_sdk_costexplorer::operation::get_cost_and_usage::GetCostAndUsageOutput;
    use aws_sdk_costexplorer::operation::get_dimension_values::GetDimensionValuesOutput;
    use aws_sdk_costexplorer::types::{
        DateInterval, Dimension, DimensionValuesWithAttributes, Group, MetricValue, ResultByTime,
    };
    let dims = mock!(aws_sdk_costexplorer::Client::get_dimension_values).then_output(|| {
        GetDimensionValuesOutput::builder()
            .dimension_values(
                DimensionValuesWithAttributes::builder()
                    .value("Amazon Bedrock")
                    .build(),
            )
            .dimension_values(
                DimensionValuesWithAttributes::builder()
                    .value("Claude Sonnet 4.5 (Amazon Bedrock Edition)")
                    .build(),
            )
            .dimension_values(
                DimensionValuesWithAttributes::builder()
                    .value("Amazon Bedrock AgentCore")
                    .build(),
            )
            .return_size(3)
            .total_size(3)
            .build()
            .unwrap()
    });
    let page = |svc: &'static str, acct: &'static str, ut: &'static str, amount: &'static str| {
        mock!(aws_sdk_costexplorer::Client::get_cost_and_usage)
            // Usage charges only, of one service: credits and refunds never hide in them.
            .match_requests(move |r| {
                let and = r.filter().map(|f| f.and()).unwrap_or_default();
                let values = |k: Dimension| {
                    and.iter()
                        .filter_map(|e| e.dimensions())
                        .find(|d| d.key() == Some(&k))
                        .map(|d| d.values().to_vec())
                };
                values(Dimension::Service) == Some(vec![svc.to_string()])
                    && values(Dimension::RecordType) == Some(vec!["Usage".to_string()])
            })
            .then_output(move || {
                GetCostAndUsageOutput::builder()
                    .results_by_time(
                        ResultByTime::builder()
                            .time_period(
                                DateInterval::builder()
                                    .start("2026-10-01")
                                    .end("2026-10-02")
                                    .build()
                                    .unwrap(),
                            )
                            .groups(
                                Group::builder()
                                    .keys(acct)
                                    .keys(ut)
                                    .metrics(
                                        "UnblendedCost",
                                        MetricValue::builder().amount(amount).unit("USD").build(),
                                    )
                                    .metrics(
                                        "UsageQuantity",
                                        MetricValue::builder().amount("1000").unit("N/A").build(),
                                    )
                                    .build(),
                            )
                            .build(),
                    )
                    .build()
            })
    };
    let first = page(
        "Amazon Bedrock",
        "111122223333",
        "USE1-NovaMicro-input-tokens",
        "0.000035",
    );
    let mp = page(
        "Claude Sonnet 4.5 (Amazon Bedrock Edition)",
        "444455556666",
        "USE1-MP:USE1_OutputTokenCount-Units_Global",
        "0.015",
    );
    // Record types of one service, grouped by account and RECORD_TYPE: usage and a credit.
    let record_types = mock!(aws_sdk_costexplorer::Client::get_cost_and_usage)
        .match_requests(|r| {
            r.group_by().get(1).and_then(|g| g.key()) == Some("RECORD_TYPE")
                && r.metrics() == ["UnblendedCost", "NetUnblendedCost"]
        })
        .then_output(|| {
            let group = |rt: &str, ub: &str, nb: &str| {
                Group::builder()
                    .keys("111122223333")
                    .keys(rt)
                    .metrics(
                        "UnblendedCost",
                        MetricValue::builder().amount(ub).unit("USD").build(),
                    )
                    .metrics(
                        "NetUnblendedCost",
                        MetricValue::builder().amount(nb).unit("USD").build(),
                    )
                    .build()
            };
            GetCostAndUsageOutput::builder()
                .results_by_time(
                    ResultByTime::builder()
                        .time_period(
                            DateInterval::builder()
                                .start("2026-10-01")
                                .end("2026-10-02")
                                .build()
                                .unwrap(),
                        )
                        .groups(group("Usage", "0.000035", "0.0000308"))
                        .groups(group("Credit", "-0.000035", "-0.000035"))
                        .build(),
                )
                .build()
        });
    let client = mocked!(
        aws_sdk_costexplorer,
        RuleMode::MatchAny,
        [&dims, &first, &mp, &record_types]
    );
    let mut calls = costs::CeCalls::default();
    let (s, e) = (
        chrono::NaiveDate::from_ymd_opt(2026, 10, 1).unwrap(),
        chrono::NaiveDate::from_ymd_opt(2026, 10, 2).unwrap(),
    );
    let services = costs::services(&client, s, e, &mut calls).await.unwrap();
    assert_eq!(
        services,
        [
            "Amazon Bedrock",
            "Claude Sonnet 4.5 (Amazon Bedrock Edition)"
        ]
    );
    let rows = costs::fetch(&client, &services, true, s, e, &mut calls)
        .await
        .unwrap();
    assert_eq!(
        (calls.get_dimension_values, calls.get_cost_and_usage),
        (1, 2)
    );
    assert_eq!(calls.cost_micros(), 30_000);
    assert_eq!(rows.len(), 2);
    assert_eq!(
        rows[1].service,
        "Claude Sonnet 4.5 (Amazon Bedrock Edition)"
    );
    assert_eq!(rows[1].linked_account.as_deref(), Some("444455556666"));
    assert_eq!(rows[1].cost.to_string(), "0.015");
    let p = rows[1].parsed.as_ref().unwrap();
    assert!(p.marketplace);
    assert_eq!(
        format!("{:?} {:?}", p.kind, p.mode),
        "Output GlobalCrossRegion"
    );
    // Record types: one query per service (by account), amounts exact, both metrics read.
    let rt = costs::fetch_record_types(&client, &services, true, s, e, &mut calls)
        .await
        .unwrap();
    assert_eq!(calls.get_cost_and_usage, 4);
    let got: Vec<(String, String, String, String)> = rt
        .iter()
        .map(|r| {
            (
                r.service.clone(),
                r.record_type.clone(),
                r.unblended.to_string(),
                r.net_unblended.to_string(),
            )
        })
        .collect();
    let row = |svc: &str, rt: &str, ub: &str, nb: &str| {
        (
            svc.to_string(),
            rt.to_string(),
            ub.to_string(),
            nb.to_string(),
        )
    };
    assert_eq!(
        got,
        [
            row("Amazon Bedrock", "Usage", "0.000035", "0.0000308"),
            row("Amazon Bedrock", "Credit", "-0.000035", "-0.000035"),
            row(
                "Claude Sonnet 4.5 (Amazon Bedrock Edition)",
                "Usage",
                "0.000035",
                "0.0000308"
            ),
            row(
                "Claude Sonnet 4.5 (Amazon Bedrock Edition)",
                "Credit",
                "-0.000035",
                "-0.000035"
            ),
        ]
    );
    assert_eq!(rt[0].linked_account.as_deref(), Some("111122223333"));
}

const NOVA_MICRO: &[&str] = &["arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-micro-v1:0"];

/// ListInferenceProfiles answering one application profile, `arn`, routed to `models`.
fn one_application_profile(
    arn: &'static str,
    models: &'static [&'static str],
) -> aws_smithy_mocks::Rule {
    use aws_sdk_bedrock::operation::list_inference_profiles::ListInferenceProfilesOutput;
    use aws_sdk_bedrock::types::{
        InferenceProfileModel, InferenceProfileStatus, InferenceProfileSummary,
        InferenceProfileType,
    };
    mock!(aws_sdk_bedrock::Client::list_inference_profiles).then_output(move || {
        ListInferenceProfilesOutput::builder()
            .inference_profile_summaries(
                InferenceProfileSummary::builder()
                    .inference_profile_name("support-bot")
                    .inference_profile_arn(arn)
                    .inference_profile_id("abc123")
                    .status(InferenceProfileStatus::Active)
                    .r#type(InferenceProfileType::Application)
                    .set_models(Some(
                        models
                            .iter()
                            .map(|m| InferenceProfileModel::builder().model_arn(*m).build())
                            .collect(),
                    ))
                    .build()
                    .unwrap(),
            )
            .build()
    })
}

#[tokio::test]
async fn application_profiles_resolve_to_their_model_with_tags() {
    use aws_sdk_bedrock::operation::list_tags_for_resource::ListTagsForResourceOutput;
    use aws_sdk_bedrock::types::Tag;
    let arn = "arn:aws:bedrock:us-east-1:111122223333:application-inference-profile/abc123";
    let list = one_application_profile(arn, NOVA_MICRO);
    let tags = mock!(aws_sdk_bedrock::Client::list_tags_for_resource).then_output(|| {
        ListTagsForResourceOutput::builder()
            .tags(Tag::builder().key("team").value("support").build().unwrap())
            .build()
    });
    let client = mocked!(aws_sdk_bedrock, [&list, &tags]);
    let mut calls = profiles::ProfileCalls::default();
    let mut tag_failures = vec![];
    let got = profiles::fetch(&client, "us-east-1", &mut calls, &mut tag_failures)
        .await
        .unwrap();
    assert!(tag_failures.is_empty());
    assert_eq!(
        (calls.list_inference_profiles, calls.list_tags_for_resource),
        (1, 1)
    );
    let toml_text = profiles::profile_map_toml(&got);
    let map: bedrock_lens::pricing::ProfileMap = toml::from_str(&toml_text).unwrap();
    assert_eq!(map.application_profile.len(), 1);
    let e = &map.application_profile[0];
    assert_eq!(e.arn, arn);
    assert_eq!(e.name.as_deref(), Some("support-bot"));
    assert_eq!(e.tags.get("team").map(String::as_str), Some("support"));
    // The profile ARN now prices as Nova Micro.
    let catalog = bedrock_lens::pricing::Catalog::load(&[]).unwrap();
    let resolver = bedrock_lens::pricing::Resolver::new(&catalog, &map);
    let res = resolver.resolve(arn);
    assert_eq!(res.model.as_deref(), Some("amazon.nova-micro"));
}

/// A profile copied from the `global.` Sonnet 4.5 profile lists the region-less model ARN global
/// profiles route through: it keeps its global routing, so a call made in us-east-1 prices at
/// the global rate, not at its first model's regional one (about 10% more).
#[tokio::test]
async fn a_profile_copied_from_a_global_profile_prices_at_global_rates() {
    use aws_sdk_bedrock::operation::list_tags_for_resource::ListTagsForResourceOutput;
    use bedrock_lens::pricing::{price_request, CacheTtl, ProfileKind, Scope};
    let arn = "arn:aws:bedrock:us-east-1:111122223333:application-inference-profile/glob1";
    let list = one_application_profile(
        arn,
        &[
            "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0",
            "arn:aws:bedrock:::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0",
        ],
    );
    let tags = mock!(aws_sdk_bedrock::Client::list_tags_for_resource)
        .then_output(|| ListTagsForResourceOutput::builder().build());
    let client = mocked!(aws_sdk_bedrock, [&list, &tags]);
    let got = profiles::fetch(
        &client,
        "us-east-1",
        &mut profiles::ProfileCalls::default(),
        &mut vec![],
    )
    .await
    .unwrap();
    let map: bedrock_lens::pricing::ProfileMap =
        toml::from_str(&profiles::profile_map_toml(&got)).unwrap();
    assert_eq!(
        map.application_profile[0].model,
        "global.anthropic.claude-sonnet-4-5-20250929-v1:0"
    );
    let catalog = bedrock_lens::pricing::Catalog::load(&[]).unwrap();
    let res = bedrock_lens::pricing::Resolver::new(&catalog, &map).resolve(arn);
    assert_eq!(
        (res.kind, res.scope, res.model.as_deref()),
        (
            ProfileKind::Application,
            Scope::Global,
            Some("anthropic.claude-sonnet-4-5")
        )
    );
    // 100,000 input tokens in us-east-1 at $3.00 per 1M global: $0.30 (regional: $0.33).
    let tokens = bedrock_lens::usage::Tokens {
        input: 100_000,
        ..Default::default()
    };
    let day = chrono::NaiveDate::from_ymd_opt(2026, 10, 15).unwrap();
    let cost = price_request(
        &catalog,
        &res,
        "us-east-1",
        day,
        &tokens,
        CacheTtl::FiveMinutes,
    )
    .unwrap();
    assert_eq!(cost.total().to_decimal().to_string(), "0.3");
}

/// A profile whose tags cannot be read keeps its routing: the region's profiles are not lost.
#[tokio::test]
async fn a_failed_tag_call_loses_only_that_profiles_tags() {
    use aws_sdk_bedrock::error::ErrorMetadata;
    use aws_sdk_bedrock::operation::list_tags_for_resource::ListTagsForResourceError;
    let arn = "arn:aws:bedrock:us-east-1:111122223333:application-inference-profile/abc123";
    let list = one_application_profile(arn, NOVA_MICRO);
    let denied = mock!(aws_sdk_bedrock::Client::list_tags_for_resource).then_error(|| {
        ListTagsForResourceError::generic(
            ErrorMetadata::builder()
                .code("AccessDeniedException")
                .message("not authorized to perform: bedrock:ListTagsForResource")
                .build(),
        )
    });
    let client = mocked!(aws_sdk_bedrock, [&list, &denied]);
    let mut calls = profiles::ProfileCalls::default();
    let mut tag_failures = vec![];
    let got = profiles::fetch(&client, "us-east-1", &mut calls, &mut tag_failures)
        .await
        .unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].arn, arn);
    assert!(got[0].tags.is_empty());
    assert_eq!(tag_failures.len(), 1);
    let text = tag_failures[0].to_string();
    assert!(text.contains("bedrock:ListTagsForResource"), "{text}");
    assert!(
        text.contains("profile support-bot kept without its tags"),
        "{text}"
    );
}

/// Nothing listening: one line with the cause and a hint, not the SDK's debug dump.
#[tokio::test]
async fn an_unreachable_endpoint_is_said_in_one_line() {
    // A port nothing listens on (bound, then released).
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let client = aws_sdk_cloudwatch::Client::from_conf(
        aws_sdk_cloudwatch::Config::builder()
            .behavior_version(aws_sdk_cloudwatch::config::BehaviorVersion::latest())
            .region(aws_sdk_cloudwatch::config::Region::new("us-east-1"))
            .credentials_provider(aws_sdk_cloudwatch::config::Credentials::new(
                "test", "test", None, None, "test",
            ))
            .endpoint_url(format!("http://127.0.0.1:{port}"))
            .retry_config(aws_config::retry::RetryConfig::disabled())
            .build(),
    );
    let f = metrics::discover(&client, "us-east-1", &mut Default::default())
        .await
        .unwrap_err();
    let text = f.to_string();
    assert!(text.contains("could not reach the service: "), "{text}");
    assert!(!text.contains("DispatchFailure"), "{text}");
    assert!(!text.contains("ConnectorError"), "{text}");
    assert!(!text.contains('\n'), "{text}");
    assert!(text.contains("check the network"), "{text}");
}
