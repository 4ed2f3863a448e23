//! `collect::athena::run` with aws-smithy-mocks (the emulator does not run Athena queries): the
//! StartQueryExecution request, polling to SUCCEEDED and reading every result page, a reused
//! result, FAILED reasons that must not quote data, throttling retried and persisting, Ctrl-C
//! stopping the query (and failing to), AccessDenied naming `athena:StartQueryExecution`.

use std::future::Future;
use std::time::Duration;

use aws_sdk_athena::config::http::HttpResponse;
use aws_sdk_athena::operation::get_query_execution::GetQueryExecutionOutput;
use aws_sdk_athena::operation::get_query_results::GetQueryResultsOutput;
use aws_sdk_athena::operation::start_query_execution::StartQueryExecutionOutput;
use aws_sdk_athena::operation::stop_query_execution::StopQueryExecutionOutput;
use aws_sdk_athena::types::{
    AthenaError, ColumnInfo, Datum, QueryExecution, QueryExecutionState, QueryExecutionStatistics,
    QueryExecutionStatus, ResultReuseInformation, ResultSet, ResultSetMetadata, Row,
};
use aws_sdk_athena::Client;
use aws_smithy_mocks::{mock, Rule, RuleMode};
use bedrock_lens::collect::athena::{run, AthenaCalls, Done, Returns, Run};
use bedrock_lens::collect::aws::fault::Failure;
use bedrock_lens::collect::aws::MAX_ATTEMPTS;

const SECRET: &str = "SECRET-PROMPT-0451";
const OUTPUT: &str = "s3://my-athena-results/bedrock-lens/";

/// An Athena client whose calls the rules answer (no network), with fake credentials, our
/// attempt count and a 1 ms first backoff (standard mode: no adaptive rate limiter delays).
fn client(rules: &[&Rule]) -> Client {
    let mut icpt = aws_smithy_mocks::MockResponseInterceptor::new().rule_mode(RuleMode::MatchAny);
    for r in rules {
        icpt = icpt.with_rule(r);
    }
    use aws_sdk_athena::config::{BehaviorVersion, Credentials, Region};
    Client::from_conf(
        aws_sdk_athena::Config::builder()
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

/// Runs the query in workgroup `wg` with results to OUTPUT and a week of result reuse.
async fn go(
    c: &Client,
    poll_ms: u64,
    cancel: impl Future<Output = ()>,
) -> (Result<Done, Failure>, AthenaCalls) {
    let x = Run {
        client: c,
        region: "eu-west-1",
        workgroup: "wg",
        output: Some(OUTPUT),
        reuse_minutes: Some(10080),
        poll: Duration::from_millis(poll_ms),
    };
    let mut calls = AthenaCalls::default();
    let r = run(&x, "SELECT 1", Returns::Rows, &mut calls, cancel).await;
    (r, calls)
}

/// A cancel that never comes.
async fn never() {
    std::future::pending::<()>().await
}

/// An Athena (awsJson1_1) error answer: the error type in the body's `__type`.
fn error(status: u16, code: &str, message: &str) -> HttpResponse {
    HttpResponse::new(
        status.try_into().unwrap(),
        format!(r#"{{"__type":"{code}","Message":"{message}"}}"#).into(),
    )
}

fn started(id: &'static str) -> Rule {
    mock!(Client::start_query_execution).then_output(move || {
        StartQueryExecutionOutput::builder()
            .query_execution_id(id)
            .build()
    })
}

fn state(
    s: QueryExecutionState,
    reason: Option<&str>,
    stats: Option<QueryExecutionStatistics>,
) -> GetQueryExecutionOutput {
    let mut status = QueryExecutionStatus::builder().state(s);
    if let Some(r) = reason {
        status = status.state_change_reason(r).athena_error(
            AthenaError::builder()
                .error_category(2)
                .error_type(1002)
                .build(),
        );
    }
    GetQueryExecutionOutput::builder()
        .query_execution(
            QueryExecution::builder()
                .status(status.build())
                .set_statistics(stats)
                .build(),
        )
        .build()
}

fn succeeded(bytes: i64, reused: bool) -> GetQueryExecutionOutput {
    let stats = QueryExecutionStatistics::builder()
        .data_scanned_in_bytes(bytes)
        .result_reuse_information(
            ResultReuseInformation::builder()
                .reused_previous_result(reused)
                .build(),
        )
        .build();
    state(QueryExecutionState::Succeeded, None, Some(stats))
}

fn running() -> GetQueryExecutionOutput {
    state(QueryExecutionState::Running, None, None)
}

fn row(values: &[Option<&str>]) -> Row {
    Row::builder()
        .set_data(Some(
            values
                .iter()
                .map(|v| {
                    Datum::builder()
                        .set_var_char_value(v.map(str::to_string))
                        .build()
                })
                .collect(),
        ))
        .build()
}

/// A result page: its rows, with the column metadata (as Athena gives on every page).
fn page(rows: Vec<Row>, next: Option<&str>) -> GetQueryResultsOutput {
    let cols = ["model", "day", "input_tokens"].map(|n| {
        ColumnInfo::builder()
            .name(n)
            .r#type("varchar")
            .build()
            .unwrap()
    });
    GetQueryResultsOutput::builder()
        .result_set(
            ResultSet::builder()
                .result_set_metadata(
                    ResultSetMetadata::builder()
                        .set_column_info(Some(cols.to_vec()))
                        .build(),
                )
                .set_rows(Some(rows))
                .build(),
        )
        .set_next_token(next.map(str::to_string))
        .build()
}

#[tokio::test]
async fn every_result_page_is_read_after_polling_to_success() {
    let start = mock!(Client::start_query_execution)
        .match_requests(|r| {
            let reuse = r
                .result_reuse_configuration()
                .and_then(|c| c.result_reuse_by_age_configuration());
            r.query_string() == Some("SELECT 1")
                && r.work_group() == Some("wg")
                && r.result_configuration().and_then(|c| c.output_location()) == Some(OUTPUT)
                && reuse.is_some_and(|a| a.enabled() && a.max_age_in_minutes() == Some(10080))
        })
        .then_output(|| {
            StartQueryExecutionOutput::builder()
                .query_execution_id("q-1")
                .build()
        });
    let poll = mock!(Client::get_query_execution)
        .match_requests(|r| r.query_execution_id() == Some("q-1"))
        .sequence()
        .output(running)
        .output(|| succeeded(123_456_789, false))
        .build();
    let page1 = mock!(Client::get_query_results)
        .match_requests(|r| r.query_execution_id() == Some("q-1") && r.next_token().is_none())
        .then_output(|| {
            page(
                vec![
                    row(&[Some("model"), Some("day"), Some("input_tokens")]),
                    row(&[Some("claude-haiku"), Some("2025-06-01"), Some("1200")]),
                    row(&[Some("nova-micro"), None, Some("35")]),
                ],
                Some("t2"),
            )
        });
    // The header is not repeated on later pages.
    let page2 = mock!(Client::get_query_results)
        .match_requests(|r| r.query_execution_id() == Some("q-1") && r.next_token() == Some("t2"))
        .then_output(|| {
            page(
                vec![row(&[Some("claude-sonnet"), Some("2025-06-02"), Some("7")])],
                None,
            )
        });
    let c = client(&[&start, &poll, &page1, &page2]);
    let (r, calls) = go(&c, 1, never()).await;
    let done = r.unwrap();
    let s = |v: &str| Some(v.to_string());
    assert_eq!(
        done,
        Done {
            query_id: "q-1".into(),
            header: vec!["model".into(), "day".into(), "input_tokens".into()],
            rows: vec![
                vec![s("claude-haiku"), s("2025-06-01"), s("1200")],
                vec![s("nova-micro"), None, s("35")],
                vec![s("claude-sonnet"), s("2025-06-02"), s("7")],
            ],
            bytes_scanned: 123_456_789,
            reused: false,
        }
    );
    assert_eq!(
        calls,
        AthenaCalls {
            start_query_execution: 1,
            get_query_execution: 2,
            get_query_results: 2,
            stop_query_execution: 0,
        }
    );
    assert_eq!(
        start.num_calls(),
        1,
        "the request carried workgroup, output, reuse"
    );
    assert_eq!(
        (poll.num_calls(), page1.num_calls(), page2.num_calls()),
        (2, 1, 1)
    );
}

#[tokio::test]
async fn a_reused_result_scanned_nothing() {
    let start = started("q-2");
    let poll = mock!(Client::get_query_execution).then_output(|| succeeded(5000, true));
    let results = mock!(Client::get_query_results).then_output(|| {
        page(
            vec![
                row(&[Some("model"), Some("day"), Some("input_tokens")]),
                row(&[Some("m"), Some("d"), Some("1")]),
            ],
            None,
        )
    });
    let c = client(&[&start, &poll, &results]);
    let done = go(&c, 1, never()).await.0.unwrap();
    assert!(done.reused);
    assert_eq!(done.bytes_scanned, 0);
    assert_eq!(done.query_id, "q-2");
    assert_eq!(
        done.rows,
        vec![vec![Some("m".into()), Some("d".into()), Some("1".into())]]
    );
}

/// The failure of a query that Athena reports FAILED with `reason`.
async fn failed_with(reason: &'static str) -> Failure {
    let start = started("q-3");
    let poll = mock!(Client::get_query_execution)
        .then_output(move || state(QueryExecutionState::Failed, Some(reason), None));
    let c = client(&[&start, &poll]);
    let (r, calls) = go(&c, 1, never()).await;
    assert_eq!(calls.get_query_results, 0);
    r.unwrap_err()
}

#[tokio::test]
async fn a_missing_table_points_at_athena_create() {
    let f = failed_with(
        "TABLE_NOT_FOUND: line 8:8: Table 'awsdatacatalog.bedrock_lens.invocation_logs' does not exist",
    )
    .await;
    assert!(f.message.contains("invocation_logs' does not exist"), "{f}");
    assert!(
        f.hint.as_deref().unwrap().contains("--athena-create"),
        "{f}"
    );
    assert_eq!(f.call, "athena:StartQueryExecution");
    assert_eq!(f.region.as_deref(), Some("eu-west-1"));
}

#[tokio::test]
async fn a_failure_quoting_data_is_not_repeated() {
    let f =
        failed_with("HIVE_BAD_DATA: Error parsing field value 'SECRET-PROMPT-0451' for field 3")
            .await;
    let hint = f.hint.clone().unwrap();
    assert!(!f.message.contains(SECRET) && !hint.contains(SECRET), "{f}");
    assert!(
        f.message.contains("HIVE_BAD_DATA") && f.message.contains("q-3"),
        "{f}"
    );
    assert!(hint.contains("athena query"), "{f}");
}

/// Throttling answers (Athena's own TooManyRequestsException, which the SDK's standard
/// classifier counts as throttling and retries).
fn throttled() -> HttpResponse {
    error(400, "TooManyRequestsException", "Rate exceeded")
}

#[tokio::test]
async fn a_throttling_burst_is_retried() {
    let start = mock!(Client::start_query_execution)
        .sequence()
        .http_response(throttled)
        .times(2)
        .output(|| {
            StartQueryExecutionOutput::builder()
                .query_execution_id("q-4")
                .build()
        })
        .build();
    let poll = mock!(Client::get_query_execution).then_output(|| succeeded(10, false));
    let results = mock!(Client::get_query_results).then_output(|| page(vec![], None));
    let c = client(&[&start, &poll, &results]);
    let (r, calls) = go(&c, 1, never()).await;
    let done = r.unwrap();
    assert_eq!(done.query_id, "q-4");
    assert_eq!(done.bytes_scanned, 10);
    assert_eq!(start.num_calls(), 3);
    // Retries are the SDK's: one call as the run counts them.
    assert_eq!(calls.start_query_execution, 1);
}

#[tokio::test]
async fn throttling_that_outlasts_the_retries_fails() {
    let start = mock!(Client::start_query_execution)
        .sequence()
        .http_response(throttled)
        .times(MAX_ATTEMPTS as usize)
        .build();
    let c = client(&[&start]);
    let f = go(&c, 1, never()).await.0.unwrap_err();
    assert_eq!(start.num_calls(), MAX_ATTEMPTS as usize);
    assert_eq!(f.call, "athena:StartQueryExecution");
    assert_eq!(
        f.message,
        format!(
            "still throttled (TooManyRequestsException) after {MAX_ATTEMPTS} attempts with backoff"
        )
    );
}

/// A query RUNNING until Ctrl-C (30 ms, polled every 10 ms); StopQueryExecution answers `stop`.
async fn interrupted(stop: Rule) -> (Failure, AthenaCalls) {
    let start = started("q-5");
    let poll = mock!(Client::get_query_execution)
        .match_requests(|r| r.query_execution_id() == Some("q-5"))
        .then_output(running);
    let c = client(&[&start, &poll, &stop]);
    let (r, calls) = go(&c, 10, tokio::time::sleep(Duration::from_millis(30))).await;
    assert!(calls.get_query_execution >= 2, "{calls:?}");
    assert_eq!(calls.get_query_results, 0);
    assert_eq!(calls.stop_query_execution, 1);
    assert_eq!(stop.num_calls(), 1, "StopQueryExecution for q-5");
    (r.unwrap_err(), calls)
}

#[tokio::test]
async fn ctrl_c_stops_the_query() {
    let stop = mock!(Client::stop_query_execution)
        .match_requests(|r| r.query_execution_id() == Some("q-5"))
        .then_output(|| StopQueryExecutionOutput::builder().build());
    let (f, _) = interrupted(stop).await;
    assert_eq!(
        f.message,
        "interrupted: the Athena query q-5 was stopped (StopQueryExecution); nothing was written"
    );
    assert!(f.hint.is_none());
}

#[tokio::test]
async fn a_stop_that_is_denied_says_the_query_runs_on() {
    let stop = mock!(Client::stop_query_execution)
        .match_requests(|r| r.query_execution_id() == Some("q-5"))
        .then_http_response(|| {
            error(
                400,
                "AccessDeniedException",
                "User is not authorized to perform: athena:StopQueryExecution",
            )
        });
    let (f, _) = interrupted(stop).await;
    assert!(
        f.message
            .starts_with("interrupted: the Athena query q-5 was NOT stopped: "),
        "{f}"
    );
    assert!(f.message.contains("`athena:StopQueryExecution`"), "{f}");
    assert!(f.message.contains("stop it in the Athena console"), "{f}");
    assert!(f.message.ends_with("nothing was written"), "{f}");
}

#[tokio::test]
async fn access_denied_names_the_action_and_the_policy_command() {
    let start = mock!(Client::start_query_execution).then_http_response(|| {
        error(
            400,
            "AccessDeniedException",
            "User: arn:aws:iam::123456789012:user/u is not authorized to perform: athena:StartQueryExecution",
        )
    });
    let c = client(&[&start]);
    let (r, calls) = go(&c, 1, never()).await;
    let f = r.unwrap_err();
    assert_eq!(start.num_calls(), 1, "AccessDenied is not retried");
    assert_eq!(calls.get_query_execution, 0);
    assert_eq!(
        f.to_string(),
        "athena in eu-west-1: athena:StartQueryExecution failed: access denied \
         (AccessDeniedException): the credentials lack the IAM permission \
         `athena:StartQueryExecution` (hint: grant `athena:StartQueryExecution`: `bedrock-lens \
         iam-policy --collect athena` prints the whole least-privilege policy)"
    );
}
