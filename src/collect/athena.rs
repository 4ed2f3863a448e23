//! Amazon Athena: one query run to its end (StartQueryExecution, GetQueryExecution polled,
//! GetQueryResults page by page), stopped with StopQueryExecution when the run is cancelled
//! (Ctrl-C); a FAILED query's reason mapped to a hint without repeating text that could quote
//! a record; the exact Athena charge of the bytes it scanned; the scan-cost estimate from an
//! object listing.

use std::future::Future;
use std::time::Duration;

use aws_sdk_athena::types::{
    QueryExecutionState, ResultConfiguration, ResultReuseByAgeConfiguration,
    ResultReuseConfiguration,
};
use aws_sdk_athena::Client;
use rust_decimal::Decimal;

use super::aws::fault::{describe, Failure};

/// API calls made, per operation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AthenaCalls {
    pub start_query_execution: u64,
    pub get_query_execution: u64,
    pub get_query_results: u64,
    pub stop_query_execution: u64,
}

/// Where and how a query runs.
pub struct Run<'a> {
    pub client: &'a Client,
    pub region: &'a str,
    pub workgroup: &'a str,
    /// s3:// location for the results (None: the workgroup's own).
    pub output: Option<&'a str>,
    /// Athena reuses a result of the same query text up to this many minutes old (None: never).
    pub reuse_minutes: Option<i32>,
    /// Between two GetQueryExecution calls.
    pub poll: Duration,
}

/// A query that succeeded: its id, its result table (header, then rows of text; `None` for
/// NULL), the bytes Athena scanned and whether it reused an earlier result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Done {
    pub query_id: String,
    pub header: Vec<String>,
    pub rows: Vec<Vec<Option<String>>>,
    pub bytes_scanned: u64,
    pub reused: bool,
}

/// Athena's price: $5 per TB scanned (TB = 2^40 bytes), each query's bytes rounded up to the
/// megabyte (2^20 bytes) with a 10 MB minimum. A query that reused a result scans nothing.
pub fn scan_cost_usd(bytes: u64) -> Decimal {
    const MB: u64 = 1 << 20;
    let mb = bytes.div_ceil(MB).max(10);
    Decimal::from(mb) * Decimal::from(5) / Decimal::from(1u64 << 20)
}

fn failure(region: &str, operation: &str, message: String, hint: Option<String>) -> Failure {
    Failure {
        source: "athena".into(),
        region: Some(region.to_string()),
        call: format!("athena:{operation}"),
        message,
        hint,
    }
}

/// Why a query FAILED, in words that quote nothing of the data: Athena's message is repeated
/// only when it is one of the kinds that name a table, a database, a permission or a bucket;
/// otherwise its error type is given with the query id to look it up in the console.
pub fn failed_reason(
    query_id: &str,
    reason: Option<&str>,
    error_type: Option<i32>,
) -> (String, String) {
    let r = reason.unwrap_or("");
    // Messages that begin like these name a table, a database, a permission or a bucket, never
    // a record; any other may quote the data it failed on (HIVE_BAD_DATA...).
    let safe = [
        "TABLE_NOT_FOUND",
        "SCHEMA_NOT_FOUND",
        "PERMISSION_DENIED",
        "Access Denied",
        "Insufficient permissions",
        "Insufficient Lake Formation",
        "Permission denied on S3 path",
        "Unable to verify/create output bucket",
    ];
    let is_safe = safe.iter().any(|s| r.starts_with(s)) && r.len() <= 400;
    let shown = if is_safe {
        crate::io::clean(r)
    } else {
        let code: String = r
            .chars()
            .take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == '_')
            .collect();
        format!(
            "{} (the message is not repeated: it can quote the data; see query {query_id} in the Athena console)",
            if code.len() >= 3 {
                code
            } else {
                format!("error type {}", error_type.map_or("unknown".into(), |t| t.to_string()))
            }
        )
    };
    let hint = if r.starts_with("TABLE_NOT_FOUND") || r.starts_with("SCHEMA_NOT_FOUND") {
        "create the table once: run again with --athena-create (it runs `bedrock-lens athena ddl`'s statements), or run those statements yourself"
    } else if r.starts_with("Unable to verify/create output bucket") {
        "give a results location Athena can write with --athena-output s3://BUCKET/PREFIX (or set one on the workgroup)"
    } else if is_safe {
        "the query's role must read the log bucket, write the results location and read the Glue table: `bedrock-lens iam-policy --collect athena` prints the policy"
    } else {
        "`bedrock-lens athena query` prints the SQL: run it in the Athena console to see the whole message"
    };
    (
        format!("the Athena query failed: {shown}"),
        hint.to_string(),
    )
}

/// What a statement returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Returns {
    /// A result table (a SELECT): every page is read.
    Rows,
    /// Nothing to read (CREATE ...).
    Nothing,
}

/// Runs `sql` to its end and reads every page of its result (`Returns::Rows`); when `cancel`
/// completes first, the query is stopped (StopQueryExecution) and the run fails saying so.
pub async fn run(
    x: &Run<'_>,
    sql: &str,
    returns: Returns,
    calls: &mut AthenaCalls,
    cancel: impl Future<Output = ()>,
) -> Result<Done, Failure> {
    let mut start = x
        .client
        .start_query_execution()
        .query_string(sql)
        .work_group(x.workgroup);
    if let Some(o) = x.output {
        start =
            start.result_configuration(ResultConfiguration::builder().output_location(o).build());
    }
    if let Some(m) = x.reuse_minutes {
        start = start.result_reuse_configuration(
            ResultReuseConfiguration::builder()
                .result_reuse_by_age_configuration(
                    ResultReuseByAgeConfiguration::builder()
                        .enabled(true)
                        .max_age_in_minutes(m)
                        .build(),
                )
                .build(),
        );
    }
    calls.start_query_execution += 1;
    let started = start.send().await.map_err(|e| {
        describe(
            "athena",
            Some(x.region),
            "athena",
            "StartQueryExecution",
            &e,
        )
    })?;
    let id = started.query_execution_id().unwrap_or_default().to_string();
    if id.is_empty() {
        return Err(failure(
            x.region,
            "StartQueryExecution",
            "Athena returned no query id".into(),
            None,
        ));
    }
    tokio::pin!(cancel);
    let (bytes, reused) = loop {
        calls.get_query_execution += 1;
        let got = x
            .client
            .get_query_execution()
            .query_execution_id(&id)
            .send()
            .await
            .map_err(|e| describe("athena", Some(x.region), "athena", "GetQueryExecution", &e))?;
        let qe = got.query_execution();
        let status = qe.and_then(|q| q.status());
        match status.and_then(|s| s.state()) {
            Some(QueryExecutionState::Succeeded) => {
                let st = qe.and_then(|q| q.statistics());
                break (
                    st.and_then(|s| s.data_scanned_in_bytes())
                        .unwrap_or(0)
                        .max(0) as u64,
                    st.and_then(|s| s.result_reuse_information())
                        .is_some_and(|r| r.reused_previous_result()),
                );
            }
            Some(QueryExecutionState::Failed) => {
                let (m, h) = failed_reason(
                    &id,
                    status.and_then(|s| s.state_change_reason()),
                    status
                        .and_then(|s| s.athena_error())
                        .and_then(|e| e.error_type()),
                );
                return Err(failure(x.region, "StartQueryExecution", m, Some(h)));
            }
            Some(QueryExecutionState::Cancelled) => {
                return Err(failure(
                    x.region,
                    "StartQueryExecution",
                    format!("the Athena query {id} was cancelled (by someone else, or the workgroup's data limit)"),
                    Some("run again; a workgroup's per-query data limit cancels queries that scan more".into()),
                ));
            }
            _ => {}
        }
        tokio::select! {
            _ = &mut cancel => {
                calls.stop_query_execution += 1;
                let stopped = x.client.stop_query_execution().query_execution_id(&id).send().await;
                let how = match stopped {
                    Ok(_) => "stopped (StopQueryExecution)".to_string(),
                    Err(e) => format!(
                        "NOT stopped: {} (stop it in the Athena console)",
                        describe("athena", Some(x.region), "athena", "StopQueryExecution", &e).message
                    ),
                };
                return Err(failure(
                    x.region,
                    "StartQueryExecution",
                    format!("interrupted: the Athena query {id} was {how}; nothing was written"),
                    None,
                ));
            }
            _ = tokio::time::sleep(x.poll) => {}
        }
    };
    let (header, rows) = match returns {
        Returns::Rows => tokio::select! {
            r = results(x, &id, calls) => r?,
            _ = &mut cancel => {
                return Err(failure(
                    x.region,
                    "GetQueryResults",
                    format!("interrupted while reading the result of query {id} (it had ended); nothing was written"),
                    None,
                ))
            }
        },
        Returns::Nothing => (vec![], vec![]),
    };
    Ok(Done {
        query_id: id,
        header,
        rows,
        bytes_scanned: if reused { 0 } else { bytes },
        reused,
    })
}

/// Every page of a query's result: the header (the first row of the first page), then the rows.
async fn results(
    x: &Run<'_>,
    id: &str,
    calls: &mut AthenaCalls,
) -> Result<(Vec<String>, Vec<Vec<Option<String>>>), Failure> {
    let mut token: Option<String> = None;
    let mut header: Option<Vec<String>> = None;
    let mut rows = vec![];
    loop {
        calls.get_query_results += 1;
        let page = x
            .client
            .get_query_results()
            .query_execution_id(id)
            .max_results(1000)
            .set_next_token(token.take())
            .send()
            .await
            .map_err(|e| describe("athena", Some(x.region), "athena", "GetQueryResults", &e))?;
        let set = page.result_set();
        let names: Vec<String> = set
            .and_then(|s| s.result_set_metadata())
            .map(|m| {
                m.column_info()
                    .iter()
                    .map(|c| c.name().to_string())
                    .collect()
            })
            .unwrap_or_default();
        for r in set.map(|s| s.rows()).unwrap_or_default() {
            let values: Vec<Option<String>> = r
                .data()
                .iter()
                .map(|d| d.var_char_value().map(str::to_string))
                .collect();
            if header.is_none() {
                // The first row of a SELECT's first page repeats the column names.
                let names = if names.is_empty() {
                    values
                        .iter()
                        .map(|v| v.clone().unwrap_or_default())
                        .collect()
                } else {
                    names.clone()
                };
                header = Some(names);
                continue;
            }
            rows.push(values);
        }
        match page.next_token() {
            Some(t) if !t.is_empty() => token = Some(t.to_string()),
            _ => break,
        }
    }
    Ok((header.unwrap_or_default(), rows))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn athena_charges_by_the_megabyte_with_a_ten_megabyte_minimum() {
        assert_eq!(
            scan_cost_usd(0).normalize().to_string(),
            "0.0000476837158203125"
        );
        assert_eq!(scan_cost_usd(1 << 40), Decimal::from(5));
        // 1 GiB and one byte: 1,025 MB.
        assert_eq!(
            scan_cost_usd((1 << 30) + 1),
            Decimal::from(1025) * Decimal::from(5) / Decimal::from(1u64 << 20)
        );
    }

    #[test]
    fn a_failed_query_repeats_no_text_that_could_quote_data() {
        let (m, h) = failed_reason(
            "q-1",
            Some("HIVE_BAD_DATA: Error parsing field value 'my secret prompt' for field 3"),
            Some(1002),
        );
        assert!(!m.contains("secret"), "{m}");
        assert!(m.contains("HIVE_BAD_DATA") && m.contains("q-1"), "{m}");
        assert!(h.contains("athena query"), "{h}");
        // A phrase of a safe message inside a quoted record does not make it safe.
        let (m, _) = failed_reason(
            "q-4",
            Some("HIVE_BAD_DATA: value 'the file does not exist, Access Denied' for field 3"),
            None,
        );
        assert!(
            !m.contains("Access Denied") && !m.contains("file does not exist"),
            "{m}"
        );
        let (m, h) = failed_reason(
            "q-2",
            Some("TABLE_NOT_FOUND: line 8:8: Table 'awsdatacatalog.bedrock_lens.invocation_logs' does not exist"),
            None,
        );
        assert!(m.contains("invocation_logs' does not exist"), "{m}");
        assert!(h.contains("--athena-create"), "{h}");
    }
}
