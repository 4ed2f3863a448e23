//! GetMetricData planning: which metric queries to ask for, packed into the fewest calls, and
//! the period rules checked before any call is made.
//!
//! Facts sheet, section A: up to 500 queries per call; query ids start with a lowercase letter
//! then [A-Za-z0-9_]; the period is a multiple of 60 s, of 300 s for data older than 15 days and
//! of 3,600 s older than 63 days; 1-minute data is kept 15 days, 5-minute 63 days, 1-hour 455.
//! Billed per metric requested ($0.01 per 1,000).

use chrono::{DateTime, Duration, Utc};

pub const MAX_QUERIES_PER_CALL: usize = 500;
pub const NAMESPACE: &str = "AWS/Bedrock";

/// (metric name, statistics) fetched per model id.
pub const METRICS: &[(&str, &[&str])] = &[
    ("Invocations", &["Sum"]),
    ("InputTokenCount", &["Sum"]),
    ("OutputTokenCount", &["Sum"]),
    // Both spellings are seen; whichever ListMetrics reports is fetched.
    ("CacheReadInputTokens", &["Sum"]),
    ("CacheWriteInputTokens", &["Sum"]),
    ("CacheReadInputTokenCount", &["Sum"]),
    ("CacheWriteInputTokenCount", &["Sum"]),
    ("InvocationLatency", &["Average", "p50", "p90", "p99"]),
    ("InvocationClientErrors", &["Sum"]),
    ("InvocationServerErrors", &["Sum"]),
    ("InvocationThrottles", &["Sum"]),
    ("TimeToFirstToken", &["Average", "p50", "p90", "p99"]),
    ("EstimatedTPMQuotaUsage", &["Sum"]),
];

/// One metric query: a model id's metric at one statistic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    /// `q{n}`: valid, unique, and short (ids count against nothing but keep requests small).
    pub id: String,
    pub model_id: String,
    pub metric: &'static str,
    pub stat: &'static str,
}

/// The queries for the (model id, metric name) pairs ListMetrics found, in a stable order.
pub fn queries(found: &[(String, String)]) -> Vec<Query> {
    let mut pairs: Vec<&(String, String)> = found.iter().collect();
    pairs.sort();
    pairs.dedup();
    let mut out = vec![];
    for (model_id, metric) in pairs {
        let Some((name, stats)) = METRICS.iter().find(|(m, _)| m == metric) else {
            continue;
        };
        for stat in *stats {
            out.push(Query {
                id: format!("q{}", out.len()),
                model_id: model_id.clone(),
                metric: name,
                stat,
            });
        }
    }
    out
}

/// The queries split into calls of at most 500: the minimum number of calls.
pub fn calls(queries: &[Query]) -> Vec<&[Query]> {
    queries.chunks(MAX_QUERIES_PER_CALL).collect()
}

/// What CloudWatch bills for the metrics requested, in micro-dollars ($0.01 per 1,000 metrics).
pub fn cost_micros(metrics_requested: u64) -> u64 {
    metrics_requested * 10
}

/// Checks a period and time range against CloudWatch's rules, before any call.
pub fn check_period(
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    period_s: u32,
    now: DateTime<Utc>,
) -> Result<(), String> {
    if end <= start {
        return Err("the end of the time range must be after its start".into());
    }
    if end > now + Duration::minutes(5) {
        return Err("the time range ends in the future".into());
    }
    if period_s == 0 || period_s % 60 != 0 {
        return Err(format!(
            "--period {period_s}s: CloudWatch periods are multiples of 60 seconds"
        ));
    }
    let age = now - start;
    if age > Duration::days(455) {
        return Err(
            "CloudWatch keeps Bedrock metrics for 455 days: the start is older than that".into(),
        );
    }
    if age > Duration::days(63) && period_s % 3600 != 0 {
        return Err(format!(
            "--period {period_s}s: data older than 63 days is kept at 1-hour resolution; use a multiple of 3600 (or start within the last 63 days)"
        ));
    }
    if age > Duration::days(15) && period_s % 300 != 0 {
        return Err(format!(
            "--period {period_s}s: data older than 15 days is kept at 5-minute resolution; use a multiple of 300 (1-minute data is kept 15 days)"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn packs_the_fewest_calls() {
        // 20 model ids x all 13 metrics = 20 x (10 x 1 + 2 x 4 + 1) ... counted exactly:
        // stats per model: 7 Sum-only cache/count metrics + 4 more Sum + 2 x 4 = 19 queries.
        let found: Vec<(String, String)> = (0..20)
            .flat_map(|i| {
                METRICS
                    .iter()
                    .map(move |(m, _)| (format!("model-{i:02}"), m.to_string()))
            })
            .collect();
        let q = queries(&found);
        assert_eq!(q.len(), 20 * 19);
        let c = calls(&q);
        // 380 queries: one call
        assert_eq!(c.len(), 1);
        let many: Vec<(String, String)> = (0..30)
            .flat_map(|i| {
                METRICS
                    .iter()
                    .map(move |(m, _)| (format!("model-{i:02}"), m.to_string()))
            })
            .collect();
        let q = queries(&many);
        assert_eq!(q.len(), 570);
        assert_eq!(
            calls(&q).iter().map(|c| c.len()).collect::<Vec<_>>(),
            [500, 70]
        );
        // ids: unique, lowercase letter first
        assert!(q.iter().all(|x| x.id.starts_with('q')));
        assert_eq!(q[569].id, "q569");
        // $0.01 per 1,000 metrics: 570 -> $0.0057
        assert_eq!(cost_micros(570), 5_700);
    }

    #[test]
    fn period_rules() {
        let now = Utc.with_ymd_and_hms(2026, 11, 22, 12, 0, 0).unwrap();
        let ago = |d: i64| now - Duration::days(d);
        assert!(check_period(ago(2), ago(1), 60, now).is_ok());
        assert!(check_period(ago(20), ago(1), 60, now)
            .unwrap_err()
            .contains("multiple of 300"));
        assert!(check_period(ago(20), ago(1), 300, now).is_ok());
        assert!(check_period(ago(70), ago(1), 300, now)
            .unwrap_err()
            .contains("multiple of 3600"));
        assert!(check_period(ago(70), ago(1), 3600, now).is_ok());
        assert!(check_period(ago(500), ago(1), 3600, now)
            .unwrap_err()
            .contains("455 days"));
        assert!(check_period(ago(1), ago(2), 60, now)
            .unwrap_err()
            .contains("after its start"));
        assert!(check_period(ago(1), ago(0), 90, now)
            .unwrap_err()
            .contains("multiples of 60"));
    }
}
