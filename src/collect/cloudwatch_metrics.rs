//! `collect metrics`: CloudWatch GetMetricData over AWS/Bedrock. ListMetrics finds the ModelId
//! values and metric names present; the queries are packed 500 per call and NextToken followed,
//! so the number of calls is the minimum.

use std::sync::Arc;

use aws_sdk_cloudwatch::primitives::DateTime as SmithyTime;
use aws_sdk_cloudwatch::types::{Dimension, Metric, MetricDataQuery, MetricStat};
use aws_sdk_cloudwatch::Client;
use chrono::{DateTime, Utc};

use super::aws::fault::{describe, Failure};
use super::metric_plan::{self, Query, NAMESPACE};

/// One datapoint.
#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    pub region: Arc<str>,
    pub model_id: Arc<str>,
    pub metric: &'static str,
    pub stat: &'static str,
    pub timestamp: DateTime<Utc>,
    pub value: f64,
}

/// API calls made, per operation, and metrics requested (what GetMetricData bills).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Calls {
    pub list_metrics: u64,
    pub get_metric_data: u64,
    pub metrics_requested: u64,
}

/// (model id, metric name) pairs present in the namespace, following NextToken.
pub async fn discover(
    client: &Client,
    region: &str,
    calls: &mut Calls,
) -> Result<Vec<(String, String)>, Failure> {
    let mut out = vec![];
    let mut token: Option<String> = None;
    loop {
        let page = client
            .list_metrics()
            .namespace(NAMESPACE)
            .set_next_token(token.take())
            .send()
            .await
            .map_err(|e| describe("metrics", Some(region), "cloudwatch", "ListMetrics", &e))?;
        calls.list_metrics += 1;
        for m in page.metrics() {
            let model = m
                .dimensions()
                .iter()
                .find(|d| d.name() == Some("ModelId"))
                .and_then(|d| d.value());
            // Only the per-model series: the account-wide ones (no dimension) are sums of them.
            if let (Some(model), Some(name), 1) = (model, m.metric_name(), m.dimensions().len()) {
                out.push((model.to_string(), name.to_string()));
            }
        }
        match page.next_token() {
            Some(t) if !t.is_empty() => token = Some(t.to_string()),
            _ => break,
        }
    }
    Ok(out)
}

fn query(q: &Query, period: i32) -> MetricDataQuery {
    let metric = Metric::builder()
        .namespace(NAMESPACE)
        .metric_name(q.metric)
        .dimensions(
            Dimension::builder()
                .name("ModelId")
                .value(&q.model_id)
                .build(),
        )
        .build();
    MetricDataQuery::builder()
        .id(&q.id)
        .metric_stat(
            MetricStat::builder()
                .metric(metric)
                .period(period)
                .stat(q.stat)
                .build(),
        )
        .return_data(true)
        .build()
}

/// Fetches every query's datapoints for `[start, end)` at `period` seconds.
pub async fn fetch(
    client: &Client,
    region: &str,
    queries: &[Query],
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    period: i32,
    calls: &mut Calls,
) -> Result<Vec<Point>, Failure> {
    let mut out = vec![];
    // One shared string per region and model id: a 1-minute month is millions of points.
    let region: Arc<str> = region.into();
    for batch in metric_plan::calls(queries) {
        let built: Vec<MetricDataQuery> = batch.iter().map(|q| query(q, period)).collect();
        let models: Vec<Arc<str>> = batch
            .iter()
            .map(|q| Arc::from(q.model_id.as_str()))
            .collect();
        let mut token: Option<String> = None;
        loop {
            let page = client
                .get_metric_data()
                .start_time(SmithyTime::from_secs(start.timestamp()))
                .end_time(SmithyTime::from_secs(end.timestamp()))
                .set_metric_data_queries(Some(built.clone()))
                .set_next_token(token.take())
                .send()
                .await
                .map_err(|e| {
                    describe("metrics", Some(&region), "cloudwatch", "GetMetricData", &e)
                })?;
            calls.get_metric_data += 1;
            calls.metrics_requested += built.len() as u64;
            for r in page.metric_data_results() {
                let Some(i) = r.id().and_then(|id| batch.iter().position(|q| q.id == id)) else {
                    continue;
                };
                let q = &batch[i];
                for (t, v) in r.timestamps().iter().zip(r.values()) {
                    let Some(ts) = DateTime::from_timestamp(t.secs(), t.subsec_nanos()) else {
                        continue;
                    };
                    out.push(Point {
                        region: region.clone(),
                        model_id: models[i].clone(),
                        metric: q.metric,
                        stat: q.stat,
                        timestamp: ts,
                        value: *v,
                    });
                }
            }
            match page.next_token() {
                Some(t) if !t.is_empty() => token = Some(t.to_string()),
                _ => break,
            }
        }
    }
    Ok(out)
}

/// The (region, model id, metric, statistic) of a series asked for.
pub type SeriesKey = (String, String, &'static str, &'static str);

/// One region's collection: the models ListMetrics finds plus `model_ids` (asked for every
/// metric, found or not: ListMetrics lists only metrics with data in the last two weeks), all
/// their series fetched over `[start, end)`. Returns the points and the series asked for.
pub async fn collect(
    client: &Client,
    region: &str,
    model_ids: &[String],
    (start, end): (DateTime<Utc>, DateTime<Utc>),
    period: i32,
    calls: &mut Calls,
) -> Result<(Vec<Point>, Vec<SeriesKey>), Failure> {
    let mut found = discover(client, region, calls).await?;
    for m in model_ids {
        found.extend(
            metric_plan::METRICS
                .iter()
                .map(|(name, _)| (m.clone(), name.to_string())),
        );
    }
    let queries = metric_plan::queries(&found);
    let series = queries
        .iter()
        .map(|q| (region.to_string(), q.model_id.clone(), q.metric, q.stat))
        .collect();
    let points = fetch(client, region, &queries, start, end, period, calls).await?;
    Ok((points, series))
}
