//! `collect logs`: invocation records from a CloudWatch Logs group (FilterLogEvents, streamed
//! page by page) or aggregated server-side with Logs Insights (`--server-side`).

use aws_sdk_cloudwatchlogs::types::QueryStatus;
use aws_sdk_cloudwatchlogs::Client;
use chrono::{DateTime, Utc};

use super::aws::fault::{describe, Failure};
use super::insights_split::split;

/// Calls made and what they returned.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogCalls {
    pub filter_log_events: u64,
    pub start_query: u64,
    pub get_query_results: u64,
    pub events: u64,
    pub empty_pages: u64,
    /// Logs Insights: bytes scanned (billed at $0.005 per GB).
    pub bytes_scanned: u64,
    pub records_scanned: u64,
}

/// One page of events as NDJSON: one record per line (a JSON value never holds a raw newline
/// inside a string, so newlines between tokens are folded into spaces).
pub fn page_bytes<'a>(messages: impl Iterator<Item = &'a str>) -> Vec<u8> {
    let mut out = vec![];
    for m in messages {
        out.extend(
            m.trim()
                .bytes()
                .map(|b| if b == b'\n' || b == b'\r' { b' ' } else { b }),
        );
        out.push(b'\n');
    }
    out
}

/// A log group in a region, and the window `[start, end)` to read.
pub struct Target<'a> {
    pub client: &'a Client,
    pub region: &'a str,
    pub group: &'a str,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

/// Streams the group's events in the window, calling `on_page` with each non-empty page as
/// NDJSON. Follows nextToken through empty pages.
pub async fn filter(
    t: &Target<'_>,
    calls: &mut LogCalls,
    mut on_page: impl FnMut(Vec<u8>, u64),
) -> Result<(), Failure> {
    let Target {
        client,
        region,
        group,
        start,
        end,
    } = *t;
    let mut token: Option<String> = None;
    let mut page_no = 0u64;
    loop {
        let page = client
            .filter_log_events()
            .log_group_name(group)
            .start_time(start.timestamp_millis())
            .end_time(end.timestamp_millis() - 1)
            .set_next_token(token.clone())
            .send()
            .await
            .map_err(|e| describe("logs", Some(region), "logs", "FilterLogEvents", &e))?;
        calls.filter_log_events += 1;
        page_no += 1;
        let events = page.events();
        if events.is_empty() {
            calls.empty_pages += 1;
        } else {
            calls.events += events.len() as u64;
            on_page(
                page_bytes(events.iter().filter_map(|e| e.message())),
                page_no,
            );
        }
        match page.next_token() {
            // A token equal to the one just sent would ask for the same page forever.
            Some(t) if !t.is_empty() && token.as_deref() != Some(t) => token = Some(t.to_string()),
            _ => break,
        }
    }
    Ok(())
}

/// The Logs Insights aggregation: per model, hour and region, requests and token sums.
pub const INSIGHTS_QUERY: &str =
    "stats count(*) as invocations, sum(input.inputTokenCount) as input_tokens, \
sum(output.outputTokenCount) as output_tokens, \
sum(input.cacheReadInputTokenCount) as cache_read_tokens, \
sum(input.cacheWriteInputTokenCount) as cache_write_tokens \
by modelId, region, bin(1h) as hour";

/// The query for `[s, e)` (epoch seconds): the time filter is in milliseconds inside the query,
/// so an event is counted in exactly one piece whatever the API does with the end second.
pub fn insights_query(s: i64, e: i64) -> String {
    format!(
        "filter schemaType = \"ModelInvocationLog\" and toMillis(@timestamp) >= {} and toMillis(@timestamp) < {} | {INSIGHTS_QUERY}",
        s * 1000,
        e * 1000
    )
}

/// Rows per GetQueryResults (and the most a query returns here: no paging in that API).
pub const INSIGHTS_ROW_LIMIT: usize = 10_000;

/// One aggregated row: field name -> value, as Logs Insights returns them.
pub type Row = Vec<(String, String)>;

/// The fields of an aggregated row, in the order a snapshot stores them.
pub const AGG_FIELDS: &[&str] = &[
    "hour",
    "modelId",
    "region",
    "invocations",
    "input_tokens",
    "output_tokens",
    "cache_read_tokens",
    "cache_write_tokens",
];

/// A field of an aggregated row (empty when absent).
pub fn field(row: &Row, name: &str) -> String {
    row.iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

/// A Logs Insights sum (sent as text, sometimes as `123.0`).
pub fn parse_count(s: &str) -> u64 {
    s.parse::<u64>()
        .ok()
        .or_else(|| s.parse::<f64>().ok().map(|f| f as u64))
        .unwrap_or(0)
}

/// Runs the aggregation over the window, splitting the range while a result is at the row
/// limit. Polls GetQueryResults until the query completes.
pub async fn insights(
    t: &Target<'_>,
    calls: &mut LogCalls,
    poll: std::time::Duration,
) -> Result<Vec<Row>, Failure> {
    let mut pending = vec![(t.start.timestamp(), t.end.timestamp())];
    let mut out = vec![];
    while let Some(range) = pending.pop() {
        let rows = insights_once(t, range, calls, poll).await?;
        // One bin is an hour: a narrower range cannot return fewer rows.
        if let Some((first, second)) = split(range, rows.len(), INSIGHTS_ROW_LIMIT, 3600) {
            pending.push(second);
            pending.push(first);
            continue;
        }
        out.extend(rows);
    }
    Ok(out)
}

async fn insights_once(
    &Target {
        client,
        region,
        group,
        ..
    }: &Target<'_>,
    (s, e): (i64, i64),
    calls: &mut LogCalls,
    poll: std::time::Duration,
) -> Result<Vec<Row>, Failure> {
    let started = client
        .start_query()
        .log_group_name(group)
        .start_time(s)
        .end_time(e)
        .query_string(insights_query(s, e))
        .limit(INSIGHTS_ROW_LIMIT as i32)
        .send()
        .await
        .map_err(|err| describe("logs", Some(region), "logs", "StartQuery", &err))?;
    calls.start_query += 1;
    let id = started.query_id().unwrap_or_default().to_string();
    loop {
        let r = client
            .get_query_results()
            .query_id(&id)
            .send()
            .await
            .map_err(|err| describe("logs", Some(region), "logs", "GetQueryResults", &err))?;
        calls.get_query_results += 1;
        match r.status() {
            Some(QueryStatus::Complete) => {
                if let Some(st) = r.statistics() {
                    calls.bytes_scanned += st.bytes_scanned() as u64;
                    calls.records_scanned += st.records_scanned() as u64;
                }
                return Ok(r
                    .results()
                    .iter()
                    .map(|row| {
                        row.iter()
                            .filter_map(|f| Some((f.field()?.to_string(), f.value()?.to_string())))
                            .collect()
                    })
                    .collect());
            }
            Some(QueryStatus::Running) | Some(QueryStatus::Scheduled) | None => {
                tokio::time::sleep(poll).await;
            }
            Some(other) => {
                return Err(Failure {
                    source: "logs".into(),
                    region: Some(region.into()),
                    call: "logs:GetQueryResults".into(),
                    message: format!("the Logs Insights query ended {}", other.as_str()),
                    hint: Some(
                        "a query times out after 60 minutes: collect a shorter range".into(),
                    ),
                })
            }
        }
    }
}

/// Logs Insights cost of the bytes scanned, in micro-dollars ($0.005 per GB, 1 GB = 1e9 bytes).
pub fn insights_cost_micros(bytes: u64) -> u64 {
    // 5,000 micro-dollars per 1e9 bytes, rounded up to a whole micro-dollar.
    (bytes as u128 * 5_000).div_ceil(1_000_000_000) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_become_one_record_per_line() {
        let b = page_bytes(["{\"a\":\n1}", " {\"b\":2}\r\n"].into_iter());
        assert_eq!(b, b"{\"a\": 1}\n{\"b\":2}\n");
    }

    #[test]
    fn insights_cost_rounds_up_to_a_micro_dollar() {
        assert_eq!(insights_cost_micros(1_000_000_000), 5_000);
        assert_eq!(insights_cost_micros(1), 1);
        assert_eq!(insights_cost_micros(0), 0);
    }
}
