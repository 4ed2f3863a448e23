//! `metrics.parquet`: CloudWatch datapoints (account, region, model id, metric, statistic, time,
//! value, period), and the rule a re-collection replaces rows by.

use anyhow::Context;
use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use polars::prelude::{
    BooleanChunked, Column, DataFrame, DataType, IntoColumn, NamedFrom, NewChunkedArray, Series,
    TimeUnit, TimeZone as PlTz,
};

use super::Window;
use crate::collect::cloudwatch_metrics::{Point, SeriesKey};
use crate::collect::metric_plan;
use crate::usage::record::check_year;
use crate::usage::table::millis;
use crate::usage::Diagnostics;

/// Writes `points` into the metrics file at `path`, merged with its earlier rows, and returns
/// the rows written. Replaced: this account's points of the series asked for (`asked`), at
/// this period, in this window; everything else (other accounts, regions, periods, times, and
/// models no longer listed) is kept, except earlier rows that break a border rule (located in
/// `dg`).
pub fn save(
    path: &Path,
    points: Vec<Point>,
    account: Option<&str>,
    period: u32,
    w: &Window,
    asked: &HashSet<SeriesKey>,
    dg: &mut Diagnostics,
) -> anyhow::Result<u64> {
    let account: Option<Arc<str>> = account.map(Arc::from);
    let mut rows: Vec<MetricRow> = points
        .into_iter()
        .map(|point| MetricRow {
            account: account.clone(),
            period,
            point,
        })
        .collect();
    // Rows this version cannot hold (a metric or statistic it does not know, written by a newer
    // one) are kept as they are.
    let mut foreign = None;
    if path.exists() {
        let old = super::read_parquet(path)?;
        foreign = unknown_rows(&old)?;
        rows.extend(rows_of(&old, path, dg)?.into_iter().filter(|r| {
            let p = &r.point;
            !(r.account == account
                && r.period == period
                && p.timestamp >= w.start
                && p.timestamp < w.end
                && asked.contains(&(
                    p.region.to_string(),
                    p.model_id.to_string(),
                    p.metric,
                    p.stat,
                )))
        }));
    }
    let mut df = frame(&rows)?;
    if let Some(extra) = foreign {
        df.vstack_mut(&extra.select(df.get_column_names_owned())?)?;
    }
    let n = df.height() as u64;
    super::write_parquet(path, &mut df)?;
    Ok(n)
}

/// The rows of a metrics file this version knows (a row without a time or value is left out,
/// located in `dg`).
pub fn read(path: &Path, dg: &mut Diagnostics) -> anyhow::Result<Vec<MetricRow>> {
    rows_of(&super::read_parquet(path)?, path, dg).with_context(|| {
        format!(
            "{}: not a metrics file this version reads (written by another version?); hint: collect the metrics again with `bedrock-lens collect metrics --out DIR`",
            path.display()
        )
    })
}

/// The rows of an earlier file whose metric or statistic this version does not know.
fn unknown_rows(old: &DataFrame) -> anyhow::Result<Option<DataFrame>> {
    let known_metric = super::text(old, "metric", |s| static_metric(s).is_some())?;
    let known_stat = super::text(old, "stat", |s| static_stat(s).is_some())?;
    let mask: Vec<bool> = known_metric
        .iter()
        .zip(&known_stat)
        .map(|(m, s)| !(m.unwrap_or(false) && s.unwrap_or(false)))
        .collect();
    if !mask.contains(&true) {
        return Ok(None);
    }
    let mask = BooleanChunked::from_slice("unknown".into(), &mask);
    Ok(Some(old.filter(&mask)?))
}

/// A datapoint as stored: with the account and period it was collected at.
pub struct MetricRow {
    pub account: Option<Arc<str>>,
    pub period: u32,
    pub point: Point,
}

fn frame(rows: &[MetricRow]) -> anyhow::Result<DataFrame> {
    let s = |f: &dyn Fn(&MetricRow) -> Option<&str>| -> Vec<Option<&str>> {
        rows.iter().map(f).collect()
    };
    Ok(DataFrame::new(
        rows.len(),
        vec![
            Column::new("account".into(), s(&|r| r.account.as_deref())),
            Column::new("region".into(), s(&|r| Some(&r.point.region))),
            Column::new("model_id".into(), s(&|r| Some(&r.point.model_id))),
            Column::new("metric".into(), s(&|r| Some(r.point.metric))),
            Column::new("stat".into(), s(&|r| Some(r.point.stat))),
            datetime_col(
                "timestamp",
                rows.iter().map(|r| ms(r.point.timestamp)).collect(),
            )?,
            Column::new(
                "value".into(),
                rows.iter().map(|r| r.point.value).collect::<Vec<f64>>(),
            ),
            Column::new(
                "period_seconds".into(),
                rows.iter().map(|r| r.period).collect::<Vec<u32>>(),
            ),
        ],
    )?)
}

/// An earlier metrics file's rows (those this version knows the metric and statistic of):
/// one without a time in 2000-2100 or a value is left out, located in `dg`.
fn rows_of(df: &DataFrame, path: &Path, dg: &mut Diagnostics) -> anyhow::Result<Vec<MetricRow>> {
    let s = |n: &str| super::text(df, n, |v| Arc::<str>::from(v));
    let (account, region, model, metric, stat) = (
        super::text_added(df, "account", |v| Arc::<str>::from(v))?,
        s("region")?,
        s("model_id")?,
        s("metric")?,
        s("stat")?,
    );
    let ts = millis(df, "timestamp")?;
    let value: Vec<Option<f64>> = df.column("value")?.f64()?.iter().collect();
    let period: Vec<Option<u32>> = df.column("period_seconds")?.u32()?.iter().collect();
    let mut out = vec![];
    for i in 0..df.height() {
        // Names outside the plan (from a newer version) cannot be held as &'static str.
        let (Some(m), Some(st)) = (
            metric[i].as_deref().and_then(static_metric),
            stat[i].as_deref().and_then(static_stat),
        ) else {
            continue;
        };
        let point = match (ts[i], value[i]) {
            (None, _) => Err("timestamp is missing".to_string()),
            (_, None) => Err("value is missing".to_string()),
            // Beyond chrono's range: as far outside the years as any date can be.
            (Some(ms), Some(v)) => {
                check_year(DateTime::from_timestamp_millis(ms).unwrap_or_default())
                    .map(|t| (t, v))
                    .map_err(|r| r.to_string())
            }
        };
        let (t, v) = match point {
            Ok(p) => p,
            Err(reason) => {
                dg.push_row(0, path, i as u64 + 1, reason);
                continue;
            }
        };
        out.push(MetricRow {
            account: account[i].clone(),
            period: period[i].unwrap_or(0),
            point: Point {
                region: region[i].clone().unwrap_or_else(|| Arc::from("")),
                model_id: model[i].clone().unwrap_or_else(|| Arc::from("")),
                metric: m,
                stat: st,
                timestamp: t,
                value: v,
            },
        });
    }
    Ok(out)
}

fn static_metric(s: &str) -> Option<&'static str> {
    metric_plan::METRICS
        .iter()
        .map(|(m, _)| *m)
        .find(|m| *m == s)
}

fn static_stat(s: &str) -> Option<&'static str> {
    metric_plan::METRICS
        .iter()
        .flat_map(|(_, st)| st.iter().copied())
        .find(|x| *x == s)
}

fn ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

fn datetime_col(name: &str, v: Vec<i64>) -> anyhow::Result<Column> {
    Ok(Series::new(name.into(), v)
        .cast(&DataType::Datetime(TimeUnit::Milliseconds, Some(PlTz::UTC)))?
        .into_column())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn rows_of_metrics_this_version_does_not_know_survive_a_recollection() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("metrics.parquet");
        let point = |metric: &'static str, t: &str, value: f64| Point {
            region: Arc::from("us-east-1"),
            model_id: Arc::from("m"),
            metric,
            stat: "Sum",
            timestamp: at(t),
            value,
        };
        let w = Window {
            start: at("2026-10-01T00:00:00Z"),
            end: at("2026-10-02T00:00:00Z"),
        };
        let asked: HashSet<SeriesKey> =
            [("us-east-1".into(), "m".into(), "Invocations", "Sum")].into();
        save(
            &path,
            vec![point("Invocations", "2026-10-01T01:00:00Z", 1.0)],
            Some("1"),
            3600,
            &w,
            &asked,
            &mut Diagnostics::default(),
        )
        .unwrap();
        // A newer version wrote a metric this one does not know.
        let mut df = super::super::read_parquet(&path).unwrap();
        let metric = df.column("metric").unwrap().str().unwrap().clone();
        let renamed: Vec<Option<&str>> = metric.iter().map(|_| Some("FutureMetric")).collect();
        df.with_column(Column::new("metric".into(), renamed))
            .unwrap();
        let mut both = frame(&[MetricRow {
            account: Some(Arc::from("1")),
            period: 3600,
            point: point("Invocations", "2026-10-01T01:00:00Z", 1.0),
        }])
        .unwrap();
        both.vstack_mut(&df).unwrap();
        super::super::write_parquet(&path, &mut both).unwrap();
        // Re-collecting the same window replaces the known series and keeps the foreign row.
        let n = save(
            &path,
            vec![point("Invocations", "2026-10-01T01:00:00Z", 5.0)],
            Some("1"),
            3600,
            &w,
            &asked,
            &mut Diagnostics::default(),
        )
        .unwrap();
        assert_eq!(n, 2);
        let df = super::super::read_parquet(&path).unwrap();
        let metrics: Vec<String> = super::super::strings(&df, "metric").unwrap();
        assert_eq!(metrics, vec!["Invocations", "FutureMetric"]);
        let values: Vec<Option<f64>> = df.column("value").unwrap().f64().unwrap().iter().collect();
        assert_eq!(values, vec![Some(5.0), Some(1.0)]);
    }

    #[test]
    fn earlier_rows_without_a_time_or_value_go_and_are_said() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("metrics.parquet");
        let row = |t: &str| MetricRow {
            account: Some(Arc::from("1")),
            period: 3600,
            point: Point {
                region: Arc::from("us-east-1"),
                model_id: Arc::from("m"),
                metric: "Invocations",
                stat: "Sum",
                timestamp: at(t),
                value: 1.0,
            },
        };
        let (t1, t3) = ("2026-10-01T01:00:00Z", "2026-10-01T03:00:00Z");
        let mut df = frame(&[row(t1), row("2026-10-01T02:00:00Z"), row(t3)]).unwrap();
        // The second row loses its time, the third its value.
        let ts = Series::new(
            "timestamp".into(),
            vec![Some(ms(at(t1))), None, Some(ms(at(t3)))],
        )
        .cast(&DataType::Datetime(TimeUnit::Milliseconds, Some(PlTz::UTC)))
        .unwrap();
        df.with_column(ts.into_column()).unwrap();
        let value = Column::new("value".into(), vec![Some(1.0), Some(1.0), None]);
        df.with_column(value).unwrap();
        super::super::write_parquet(&path, &mut df).unwrap();
        // Another window: nothing is replaced; the two rows are left out and said.
        let w = Window {
            start: at("2026-11-01T00:00:00Z"),
            end: at("2026-11-02T00:00:00Z"),
        };
        let mut dg = Diagnostics::default();
        let n = save(&path, vec![], Some("1"), 3600, &w, &HashSet::new(), &mut dg).unwrap();
        assert_eq!(n, 1);
        let said: Vec<String> = dg
            .shown
            .iter()
            .map(|d| format!("{}: {}", d.location, d.message))
            .collect();
        let at_row = |n: u32, why: &str| format!("{}: row {n}: {why}", path.display());
        assert_eq!(
            said,
            vec![
                at_row(2, "timestamp is missing"),
                at_row(3, "value is missing")
            ]
        );
    }
}
