//! `collect`: pull a period of usage and cost from AWS into a snapshot directory.
//!
//! Every argument is checked before the first call. Each (source, region) runs on its own: one
//! that fails is reported (with the IAM action or credential problem) and the others complete;
//! the run then exits 1 with a summary. Files are written only when their source completed, each
//! atomically, and the manifest last; Ctrl-C leaves the snapshot as it was.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use anyhow::Context;
use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};
use polars::prelude::{
    Column, DataFrame, DataType, IntoColumn, NamedFrom, Series, TimeUnit, TimeZone as PlTz,
};
use rust_decimal::Decimal;

use crate::cli::{
    AwsTarget, CollectCommand, CollectCostsArgs, CollectLogsArgs, CollectMetricsArgs,
    CollectProfilesArgs,
};
use crate::collect::aws::{self, AwsArgs};
use crate::collect::costs::{self, CeCalls, CostRow};
use crate::collect::fault::Failure;
use crate::collect::logs::{self, LogCalls};
use crate::collect::metric_plan;
use crate::collect::metrics::{self, Calls, Point};
use crate::collect::profiles::{self, AppProfile, ProfileCalls};
use crate::collect::s3::{self, S3Calls};
use crate::collect::usage_type::UsageType;
use crate::error::{Outcome, UsageError};
use crate::money::group_thousands;
use crate::pricing::Resolver;
use crate::render::{self, Grid};
use crate::snapshot::{self, add_window, Manifest, Window};
use crate::usage::ingest::{self, Diagnostics, IngestOptions, IngestStats, Sink, Source};
use crate::usage::{Aggregator, GroupKey, Period, TableFormat, UsageRecord, UsageTable};

use super::{emit, parse_bound, warn_diagnostics, Env};

/// What a collection did, for the summary and the manifest.
struct Done {
    /// Text for stdout.
    summary: String,
    failures: Vec<Failure>,
    /// API calls per operation, and their cost in micro-dollars.
    calls: BTreeMap<String, u64>,
    cost_micros: u64,
    /// Something completed (a source with no success writes nothing).
    any_ok: bool,
    /// Notes for stderr (metrics requested, bytes scanned...).
    notes: Vec<String>,
}

impl Done {
    fn new(ctx: &Ctx) -> Done {
        let mut calls = BTreeMap::new();
        calls.insert("GetCallerIdentity".to_string(), 1);
        Done {
            summary: String::new(),
            failures: ctx.account_failure.iter().cloned().collect(),
            calls,
            cost_micros: 0,
            any_ok: false,
            notes: vec![],
        }
    }
    fn count(&mut self, op: &str, n: u64) {
        if n > 0 {
            *self.calls.entry(op.to_string()).or_default() += n;
        }
    }
}

/// Period and regions, checked before any call.
struct Ctx {
    /// Configuration (credentials resolved once); `aws::for_region` derives each region's.
    base: aws_config::SdkConfig,
    /// The account of the credentials (None when STS could not tell: `account_failure`).
    account: Option<String>,
    account_failure: Option<Failure>,
    regions: Vec<String>,
    window: Window,
    out: Option<PathBuf>,
    quiet: bool,
}

/// The snapshot directory a collection writes, if any.
pub fn out_of(c: &CollectCommand) -> Option<&Path> {
    target_of(c).out.as_deref()
}

fn target_of(c: &CollectCommand) -> &AwsTarget {
    match c {
        CollectCommand::Metrics(a) => &a.target,
        CollectCommand::Logs(a) => &a.target,
        CollectCommand::Costs(a) => &a.target,
        CollectCommand::Profiles(a) => &a.target,
    }
}

/// The window asked for: default from the first day of this month to now; an end in the
/// future is cut to now.
fn window_of(t: &AwsTarget, now: DateTime<Utc>) -> anyhow::Result<(Window, bool)> {
    let start = match &t.start {
        Some(s) => parse_bound("--start", s, false)?,
        None => Utc
            .with_ymd_and_hms(now.year(), now.month(), 1, 0, 0, 0)
            .single()
            .expect("first of the month exists"),
    };
    let asked_end = match &t.end {
        Some(s) => parse_bound("--end", s, true)?,
        None => now,
    };
    let cut = asked_end > now;
    let end = asked_end.min(now);
    if start >= end {
        return Err(UsageError::new(
            format!(
                "the period is empty: --start {} is not before {}",
                start.format("%Y-%m-%dT%H:%M:%SZ"),
                if cut {
                    "now".to_string()
                } else {
                    end.format("%Y-%m-%dT%H:%M:%SZ").to_string()
                }
            ),
            "--end is the last day to include (default: now); --start must come before it",
        )
        .into());
    }
    Ok((Window { start, end }, cut && t.end.is_some()))
}

/// The window on whole buckets of `period` seconds: the start rounded down, the end rounded up
/// (but never past now).
fn align(w: &Window, period: u32, now: DateTime<Utc>) -> Window {
    let p = i64::from(period);
    let down = |t: i64| t.div_euclid(p) * p;
    let start = down(w.start.timestamp());
    let e = w.end.timestamp();
    let end = if e % p == 0 { e } else { down(e) + p };
    let at = |s: i64| DateTime::from_timestamp(s, 0).expect("in range");
    Window {
        start: at(start),
        end: at(end).min(now.max(w.end)),
    }
}

/// `1m`, `5m`, `1h`, `1d` or seconds.
pub fn parse_period_flag(s: &str) -> Result<u32, String> {
    let s = s.trim();
    let (num, unit) = match s.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => (&s[..i], &s[i..]),
        None => (s, "s"),
    };
    let n: u32 = num
        .parse()
        .map_err(|_| format!("--period `{s}` is not a duration"))?;
    let mult = match unit {
        "s" => 1,
        "m" | "min" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err(format!("--period `{s}`: unknown unit `{unit}`")),
    };
    n.checked_mul(mult)
        .filter(|v| *v > 0)
        .ok_or_else(|| format!("--period `{s}` is out of range"))
}

pub fn cmd(env: &Env, c: &CollectCommand) -> anyhow::Result<Outcome> {
    let t = target_of(c);
    let now = Utc::now();
    let (mut window, cut) = window_of(t, now)?;
    if let Some(u) = &t.endpoint_url {
        if !(u.starts_with("http://") || u.starts_with("https://"))
            || u.contains(char::is_whitespace)
        {
            return Err(UsageError::new(
                format!("--endpoint-url `{}` is not an http(s) URL", super::clean(u)),
                "e.g. --endpoint-url http://127.0.0.1:5000 (as for the AWS CLI)",
            )
            .into());
        }
    }
    let mut notes = vec![];
    // Source-specific checks, all before the first call.
    let period = match c {
        CollectCommand::Metrics(a) => {
            let p = parse_period_flag(&a.period).map_err(|e| {
                UsageError::new(e, "use 1m, 5m, 1h, 1d or seconds (multiple of 60)")
            })?;
            // CloudWatch buckets start at multiples of the period: a window on those bounds
            // never overlaps a bucket collected before. Retention is checked on it.
            let aligned = align(&window, p, now);
            metric_plan::check_period(aligned.start, aligned.end, p, now).map_err(|e| {
                UsageError::new(
                    e,
                    "CloudWatch keeps 1-minute data 15 days, 5-minute data 63 days, hourly data 455 days",
                )
            })?;
            let moved = aligned.start != window.start
                || (t.end.is_some() && aligned.end.timestamp() != window.end.timestamp());
            if moved {
                notes.push(format!(
                    "note: the period is aligned to whole {}-second buckets: {} to {}",
                    p,
                    aligned.start.format("%Y-%m-%dT%H:%M:%SZ"),
                    aligned.end.format("%Y-%m-%dT%H:%M:%SZ")
                ));
            }
            window = aligned;
            if a.model_id.is_empty() && window.start < now - chrono::Duration::days(14) {
                notes.push(
                    "note: ListMetrics lists only metrics with data in the last 14 days: models idle since then are not found (name them with --model-id)"
                        .to_string(),
                );
            }
            Some(p)
        }
        _ => None,
    };
    let mut s3_locations = vec![];
    if let CollectCommand::Logs(a) = c {
        if a.server_side {
            // Aggregates are per hour: whole hours replace whole hours in a snapshot.
            let aligned = align(&window, 3600, now);
            if aligned.start != window.start {
                notes.push(format!(
                    "note: --server-side sums whole hours: from {}",
                    aligned.start.format("%Y-%m-%dT%H:%M:%SZ")
                ));
            }
            window = aligned;
        }
        if a.log_group.is_empty() && a.s3.is_empty() {
            return Err(UsageError::new(
                "collect logs needs --log-group NAME or --s3 s3://bucket/prefix",
                "give the CloudWatch Logs group or S3 location your model-invocation logging writes to (Bedrock console > Settings)",
            )
            .into());
        }
        if a.server_side && !a.s3.is_empty() {
            return Err(UsageError::new(
                "--server-side aggregates CloudWatch Logs groups only, not S3",
                "drop --server-side for --s3 (objects are streamed), or collect them in two runs",
            )
            .into());
        }
        for url in &a.s3 {
            s3_locations.push(super::iam::parse_s3(url).ok_or_else(|| {
                UsageError::new(
                    format!("--s3 {url}: not an s3://bucket/prefix location"),
                    "e.g. --s3 s3://my-log-bucket/bedrock",
                )
            })?);
        }
    }
    if let Some(dir) = &t.out {
        if dir.exists() && !dir.is_dir() {
            return Err(UsageError::new(
                format!("--out {}: exists and is not a directory", dir.display()),
                "give a directory for the snapshot (created if missing)",
            )
            .into());
        }
        if dir.join(snapshot::MANIFEST).exists() {
            Manifest::load(dir).map_err(|e| {
                UsageError::new(
                    format!("--out: {e:#}"),
                    "collect into an empty directory or an existing bedrock-lens snapshot",
                )
            })?;
        }
    }
    let quiet = env.quiet;
    if cut && !quiet {
        eprintln!("note: --end is in the future; collecting up to now");
    }
    if !quiet {
        for n in &notes {
            eprintln!("{n}");
        }
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let aws_args = AwsArgs {
        profile: t.profile.clone(),
        endpoint_url: t.endpoint_url.clone(),
    };
    let work = async {
        let base = aws::config(&aws_args, None).await;
        let regions = match c {
            // Cost Explorer has one endpoint, in us-east-1.
            CollectCommand::Costs(_) => vec!["us-east-1".to_string()],
            _ => regions_of(&base, &t.region)?,
        };
        let base = aws::for_region(&base, &regions[0]);
        let (account, account_failure) = match aws::account(&base).await {
            Ok(a) => (Some(a), None),
            // A snapshot files every row under its account: without one, a later collection
            // could not tell its rows from these. Stop before any data call.
            Err(f) if t.out.is_some() => {
                anyhow::bail!(
                    "cannot tell which account the credentials belong to, so nothing is collected into --out: {f}"
                )
            }
            Err(f) => (None, Some(f)),
        };
        let ctx = Ctx {
            base,
            account,
            account_failure,
            regions,
            window: window.clone(),
            out: t.out.clone(),
            quiet,
        };
        if let Some(dir) = &ctx.out {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("creating the snapshot directory {}", dir.display()))?;
        }
        let done = match c {
            CollectCommand::Metrics(a) => metrics_run(&ctx, a, period.unwrap_or(3600)).await?,
            CollectCommand::Logs(a) => logs_run(env, &ctx, a, &s3_locations).await?,
            CollectCommand::Costs(a) => costs_run(&ctx, a).await?,
            CollectCommand::Profiles(a) => profiles_run(&ctx, a).await?,
        };
        anyhow::Ok(done)
    };
    let done = rt.block_on(async {
        tokio::select! {
            r = work => r,
            _ = tokio::signal::ctrl_c() => Err(anyhow::anyhow!(
                "interrupted (Ctrl-C): nothing was written; the snapshot holds what it held before"
            )),
        }
    })?;
    emit(&done.summary)?;
    if !quiet {
        let calls: Vec<String> = done
            .calls
            .iter()
            .map(|(k, v)| format!("{} {k}", group_thousands(v)))
            .collect();
        eprintln!(
            "API calls: {}; cost of these calls: {}",
            if calls.is_empty() {
                "none".to_string()
            } else {
                calls.join(", ")
            },
            micros_usd(done.cost_micros)
        );
        for n in &done.notes {
            eprintln!("{n}");
        }
        if let Some(dir) = &t.out {
            if done.any_ok {
                eprintln!("snapshot: {}", dir.display());
            }
        }
    }
    if done.failures.is_empty() {
        return Ok(Outcome::Ok);
    }
    eprintln!(
        "error: {} part(s) of the collection failed; the rest completed{}:",
        done.failures.len(),
        if t.out.is_some() && done.any_ok {
            " and was saved"
        } else {
            ""
        }
    );
    for f in &done.failures {
        eprintln!("  - {f}");
    }
    Ok(Outcome::Partial)
}

/// `$0.012345` from micro-dollars.
fn micros_usd(m: u64) -> String {
    format!("${}", micros_decimal(m))
}

/// `0.012345` (for the manifest) from micro-dollars.
fn micros_decimal(m: u64) -> String {
    Decimal::new(m as i64, 6).normalize().to_string()
}

fn regions_of(base: &aws_config::SdkConfig, given: &[String]) -> anyhow::Result<Vec<String>> {
    let mut out: Vec<String> = vec![];
    for r in given.iter().map(|r| r.trim()).filter(|r| !r.is_empty()) {
        if !r
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            return Err(UsageError::new(
                format!("--region `{}` is not a region name", super::clean(r)),
                "e.g. --region us-east-1,eu-west-1",
            )
            .into());
        }
        if !out.iter().any(|o| o == r) {
            out.push(r.to_string());
        }
    }
    if out.is_empty() {
        match base.region() {
            Some(r) => out.push(r.to_string()),
            None => return Err(UsageError::new(
                "no region: none given and none configured",
                "pass --region us-east-1 (repeatable), or set AWS_REGION or the profile's region",
            )
            .into()),
        }
    }
    Ok(out)
}

fn progress(ctx: &Ctx, what: &str) -> Option<indicatif::ProgressBar> {
    use std::io::IsTerminal;
    if ctx.quiet || !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::new_spinner();
    bar.set_message(what.to_string());
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    Some(bar)
}

/// What a collection adds to its source's manifest entry.
struct Saved {
    /// Manifest key (`metrics`, `invocations`...) and the file it describes.
    name: &'static str,
    file: &'static str,
    rows: u64,
    /// The window collected (merged into the entry's windows).
    window: Option<Window>,
    regions: Regions,
    /// Accounts added to the entry's.
    accounts: Vec<String>,
}

enum Regions {
    /// Added to the entry's regions.
    Add(Vec<String>),
    /// The entry's regions from now on (derived from the whole file).
    Exactly(Vec<String>),
}

/// Updates one source's manifest entry after its files were written: the common fields from
/// `s` and the collection's calls and their cost, then the source's own `details`.
fn save_manifest(
    dir: &Path,
    done: &Done,
    s: Saved,
    details: impl FnOnce(&mut BTreeMap<String, serde_json::Value>),
) -> anyhow::Result<()> {
    let mut m = Manifest::load_or_new(dir)?;
    let e = m.sources.entry(s.name.to_string()).or_default();
    e.file = s.file.into();
    e.rows = s.rows;
    if let Some(w) = s.window {
        e.windows = add_window(&e.windows, w);
    }
    e.regions = match s.regions {
        Regions::Add(r) => snapshot::sorted(e.regions.drain(..).chain(r)),
        Regions::Exactly(r) => snapshot::sorted(r),
    };
    e.accounts = snapshot::sorted(e.accounts.drain(..).chain(s.accounts));
    e.api_calls = done.calls.clone();
    e.api_cost_usd = micros_decimal(done.cost_micros);
    details(&mut e.details);
    e.collected_at = Some(Utc::now());
    m.save(dir)
}

fn ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

fn datetime_col(name: &str, v: Vec<i64>) -> anyhow::Result<Column> {
    Ok(Series::new(name.into(), v)
        .cast(&DataType::Datetime(TimeUnit::Milliseconds, Some(PlTz::UTC)))?
        .into_column())
}

// ---------------------------------------------------------------- metrics

async fn metrics_run(ctx: &Ctx, a: &CollectMetricsArgs, period: u32) -> anyhow::Result<Done> {
    let mut done = Done::new(ctx);
    let mut calls = Calls::default();
    let mut points: Vec<Point> = vec![];
    let mut ok_regions = vec![];
    // (region, model id, metric, statistic) of every series asked for: only those replace
    // earlier rows (a model ListMetrics no longer lists keeps its saved points).
    let mut asked: HashSet<(String, String, &'static str, &'static str)> = HashSet::new();
    let bar = progress(ctx, "collecting CloudWatch metrics");
    for region in &ctx.regions {
        let conf = aws::for_region(&ctx.base, region);
        let client = aws_sdk_cloudwatch::Client::new(&conf);
        let r = async {
            let mut found = metrics::discover(&client, region, &mut calls).await?;
            // Models named on the command line are asked for every metric, found or not
            // (ListMetrics only lists metrics with data in the last two weeks).
            for m in &a.model_id {
                found.extend(
                    metric_plan::METRICS
                        .iter()
                        .map(|(name, _)| (m.clone(), name.to_string())),
                );
            }
            let queries = metric_plan::queries(&found);
            let series: Vec<_> = queries
                .iter()
                .map(|q| (region.clone(), q.model_id.clone(), q.metric, q.stat))
                .collect();
            metrics::fetch(
                &client,
                region,
                &queries,
                ctx.window.start,
                ctx.window.end,
                period as i32,
                &mut calls,
            )
            .await
            .map(|p| (p, series))
        }
        .await;
        match r {
            Ok((p, series)) => {
                asked.extend(series);
                points.extend(p);
                ok_regions.push(region.clone());
            }
            Err(f) => done.failures.push(f),
        }
    }
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    done.count("ListMetrics", calls.list_metrics);
    done.count("GetMetricData", calls.get_metric_data);
    done.cost_micros = metric_plan::cost_micros(calls.metrics_requested);
    done.notes.push(format!(
        "metrics requested: {} (GetMetricData bills $0.01 per 1,000)",
        group_thousands(calls.metrics_requested)
    ));
    done.any_ok = !ok_regions.is_empty();
    done.summary = metrics_summary(&points);
    if let (Some(dir), true) = (&ctx.out, done.any_ok) {
        let path = dir.join(snapshot::METRICS);
        let w = &ctx.window;
        let account: Option<Arc<str>> = ctx.account.as_deref().map(Arc::from);
        let mut rows: Vec<MetricRow> = points
            .into_iter()
            .map(|point| MetricRow {
                account: account.clone(),
                period,
                point,
            })
            .collect();
        if path.exists() {
            // Replaced: this account's points of the regions read here, at this period, in
            // this window. Everything else (other accounts, regions, periods, times) is kept.
            rows.extend(read_metrics(&path)?.into_iter().filter(|r| {
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
        let n = rows.len() as u64;
        snapshot::write_parquet(&path, &mut metrics_df(&rows)?)?;
        let saved = Saved {
            name: "metrics",
            file: snapshot::METRICS,
            rows: n,
            window: Some(w.clone()),
            regions: Regions::Add(ok_regions),
            accounts: ctx.account.iter().cloned().collect(),
        };
        save_manifest(dir, &done, saved, |d| {
            d.insert("period_seconds".into(), serde_json::json!(period));
            d.insert(
                "metrics_requested".into(),
                serde_json::json!(calls.metrics_requested),
            );
        })?;
    }
    Ok(done)
}

/// A datapoint as stored: with the account and period it was collected at.
struct MetricRow {
    account: Option<Arc<str>>,
    period: u32,
    point: Point,
}

fn metrics_df(rows: &[MetricRow]) -> anyhow::Result<DataFrame> {
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

/// An earlier metrics file's rows.
fn read_metrics(path: &Path) -> anyhow::Result<Vec<MetricRow>> {
    let df = snapshot::read_parquet(path)?;
    let s = |n: &str| -> anyhow::Result<Vec<Option<Arc<str>>>> {
        Ok(df
            .column(n)?
            .str()?
            .iter()
            .map(|v| v.map(Arc::from))
            .collect())
    };
    let (account, region, model, metric, stat) = (
        s("account").unwrap_or_else(|_| vec![None; df.height()]),
        s("region")?,
        s("model_id")?,
        s("metric")?,
        s("stat")?,
    );
    let ts: Vec<Option<i64>> = df
        .column("timestamp")?
        .datetime()?
        .physical()
        .iter()
        .collect();
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
        let (Some(t), Some(v)) = (ts[i].and_then(DateTime::from_timestamp_millis), value[i]) else {
            continue;
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

const SUMMED: &[(&str, &str)] = &[
    ("Invocations", "Invocations"),
    ("InputTokenCount", "Input tokens"),
    ("OutputTokenCount", "Output tokens"),
    ("CacheReadInputTokenCount", "Cache read"),
    ("CacheWriteInputTokenCount", "Cache write"),
    ("InvocationThrottles", "Throttles"),
];

/// The other spelling of a cache-token metric (both are seen; a model publishing both must not
/// count twice).
const ALIASES: &[(&str, &str)] = &[
    ("CacheReadInputTokens", "CacheReadInputTokenCount"),
    ("CacheWriteInputTokens", "CacheWriteInputTokenCount"),
];

fn metrics_summary(points: &[Point]) -> String {
    // Sums are exact: CloudWatch counts are whole numbers well inside f64's exact range.
    // Per (region, model): one column per summed metric, the alias spellings apart.
    let mut rows: BTreeMap<(Arc<str>, Arc<str>), [f64; 8]> = BTreeMap::new();
    for p in points.iter().filter(|p| p.stat == "Sum") {
        let i = SUMMED.iter().position(|(m, _)| *m == p.metric).or_else(|| {
            ALIASES
                .iter()
                .position(|(m, _)| *m == p.metric)
                .map(|k| 6 + k)
        });
        if let Some(i) = i {
            rows.entry((p.region.clone(), p.model_id.clone()))
                .or_default()[i] += p.value;
        }
    }
    if rows.is_empty() {
        return "No AWS/Bedrock datapoints in this period.\n".into();
    }
    let mut header = vec!["Region".to_string(), "Model id".to_string()];
    header.extend(SUMMED.iter().map(|(_, h)| h.to_string()));
    let mut total = [0f64; 6];
    let mut out_rows: Vec<Vec<String>> = rows
        .iter()
        .map(|((r, m), v)| {
            let mut v6 = [v[0], v[1], v[2], v[3], v[4], v[5]];
            // Whichever spelling the model publishes (the larger, if both).
            v6[3] = v6[3].max(v[6]);
            v6[4] = v6[4].max(v[7]);
            for (t, x) in total.iter_mut().zip(v6) {
                *t += x;
            }
            let mut row = vec![r.to_string(), m.to_string()];
            row.extend(v6.iter().map(|x| group_thousands(*x as u64)));
            row
        })
        .collect();
    let mut t = vec!["Total".to_string(), String::new()];
    t.extend(total.iter().map(|x| group_thousands(*x as u64)));
    out_rows.push(t);
    Grid {
        header,
        rows: out_rows,
        first_numeric: 2,
    }
    .render(false)
}

// ---------------------------------------------------------------- logs

/// Passes each request on once: a request id already seen (overlapping pages or objects, a
/// re-delivered file) is counted and dropped.
struct Dedup<'a, S> {
    inner: S,
    seen: &'a Mutex<HashSet<u128>>,
    duplicates: u64,
    accounts: BTreeSet<String>,
}

impl<S: Sink> Sink for Dedup<'_, S> {
    fn record(&mut self, r: &UsageRecord) {
        if !r.request_id.is_empty() {
            let mut seen = self.seen.lock().expect("no panics while held");
            if !seen.insert(id_hash(r.request_id)) {
                self.duplicates += 1;
                return;
            }
        }
        if !self.accounts.contains(r.account) {
            self.accounts.insert(r.account.to_string());
        }
        self.inner.record(r);
    }
    fn merge(&mut self, o: Self) {
        self.inner.merge(o.inner);
        self.duplicates += o.duplicates;
        self.accounts.extend(o.accounts);
    }
}

/// A request id as 128 bits (two independent 64-bit hashes): 16 bytes per request remembered
/// instead of the id's text, with collisions out of reach (~1e-20 for 1e9 requests).
fn id_hash(id: &str) -> u128 {
    use std::hash::{Hash, Hasher};
    let half = |salt: u8| {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        salt.hash(&mut h);
        id.hash(&mut h);
        h.finish()
    };
    (u128::from(half(1)) << 64) | u128::from(half(2))
}

async fn logs_run(
    env: &Env,
    ctx: &Ctx,
    a: &CollectLogsArgs,
    s3_locations: &[(String, String)],
) -> anyhow::Result<Done> {
    if a.server_side {
        return insights_run(ctx, a).await;
    }
    let mut done = Done::new(ctx);
    let resolver = Resolver::new(&env.catalog, &env.map);
    let groupings = [vec![GroupKey::Model]];
    let ttl = a.cache_write_ttl;
    let period = Period {
        start: Some(ctx.window.start),
        end: Some(ctx.window.end),
    };
    // Each part (a log group in a region, an S3 location) lands in its own table first; only
    // the parts that complete go into the snapshot and the summary, so a failure half-way
    // through a part leaves none of it behind.
    let parts_dir = match &ctx.out {
        Some(dir) => tempfile::Builder::new()
            .prefix(".bedrock-lens-parts-")
            .tempdir_in(dir),
        None => tempfile::Builder::new()
            .prefix("bedrock-lens-parts-")
            .tempdir(),
    }
    .context("creating a working directory for the collection")?;
    let mut parts: Vec<PathBuf> = vec![];
    let mut stats = IngestStats::default();
    let mut diags = Diagnostics::default();
    let mut outside_period = 0u64;
    let opts = IngestOptions::default();
    let bar = progress(ctx, "collecting invocation logs");
    let mut log_calls = LogCalls::default();
    let mut s3_calls = S3Calls::default();
    let mut regions_read = vec![];
    let mut n_part = 0usize;
    // Reads one page or object into the part's table.
    let mut feed = |table: &UsageTable, name: String, data: Vec<u8>| {
        let src = Source::Memory {
            name,
            data: Arc::new(data),
        };
        let mut agg = ingest::ingest(
            std::slice::from_ref(&src),
            || Aggregator::new(&resolver, &groupings, ttl, period, Some(table)),
            &opts,
            &mut stats,
            &mut diags,
        );
        agg.flush_table();
        outside_period += agg.outside_period;
        if let Some(b) = &bar {
            b.set_message(format!(
                "collecting invocation logs: {} records",
                group_thousands(stats.records)
            ));
        }
    };
    for region in ctx.regions.iter().filter(|_| !a.log_group.is_empty()) {
        let conf = aws::for_region(&ctx.base, region);
        let client = aws_sdk_cloudwatchlogs::Client::new(&conf);
        for group in &a.log_group {
            n_part += 1;
            let path = parts_dir.path().join(format!("part-{n_part}.parquet"));
            let table = UsageTable::create(&path, TableFormat::Parquet)?;
            let r = logs::filter(
                &client,
                region,
                group,
                ctx.window.start,
                ctx.window.end,
                &mut log_calls,
                |bytes, page| feed(&table, format!("{region}:{group} page {page}"), bytes),
            )
            .await;
            match r {
                Ok(()) => {
                    table.finish()?;
                    parts.push(path);
                    if !regions_read.contains(region) {
                        regions_read.push(region.clone());
                    }
                }
                Err(f) => done
                    .failures
                    .push(f.with_policy_args(&format!("--log-group {group}"))),
            }
        }
    }
    if !s3_locations.is_empty() {
        let region = ctx.regions[0].clone();
        let conf = aws::for_region(&ctx.base, &region);
        let client = aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(&conf)
                .force_path_style(conf.endpoint_url().is_some())
                .build(),
        );
        for (bucket, prefix) in s3_locations {
            n_part += 1;
            let path = parts_dir.path().join(format!("part-{n_part}.parquet"));
            let table = UsageTable::create(&path, TableFormat::Parquet)?;
            let mut failures = vec![];
            let r = s3::fetch(
                &client,
                bucket,
                prefix,
                ctx.window.start,
                ctx.window.end,
                &mut s3_calls,
                &mut failures,
                |name, bytes| feed(&table, name, bytes),
            )
            .await;
            match r {
                // Objects are whole: those read are kept, those that failed are listed (a
                // re-run of the window replaces the location's rows).
                Ok(()) => {
                    table.finish()?;
                    parts.push(path);
                    done.failures.extend(failures);
                    if !regions_read.contains(&region) {
                        regions_read.push(region.clone());
                    }
                }
                Err(f) => {
                    done.failures.extend(failures);
                    done.failures
                        .push(f.with_policy_args(&format!("--s3 s3://{bucket}/{prefix}")));
                }
            }
        }
    }
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    done.count("FilterLogEvents", log_calls.filter_log_events);
    done.count("ListObjectsV2", s3_calls.list_objects);
    done.count("GetObject", s3_calls.get_object);
    done.cost_micros = s3_calls.cost_micros();
    done.any_ok = !parts.is_empty();
    warn_diagnostics(&stats, &diags);

    // The parts that completed, each request once, into the snapshot's table and the summary.
    let table = match (&ctx.out, done.any_ok) {
        (Some(dir), true) => Some(UsageTable::create(
            &dir.join(snapshot::INVOCATIONS),
            TableFormat::Parquet,
        )?),
        _ => None,
    };
    let seen: Mutex<HashSet<u128>> = Mutex::new(HashSet::new());
    let sources: Vec<Source> = parts.iter().cloned().map(Source::Table).collect();
    let mut kept_stats = IngestStats::default();
    let mut merged = ingest::ingest(
        &sources,
        || Dedup {
            inner: Aggregator::new(&resolver, &groupings, ttl, period, table.as_ref()),
            seen: &seen,
            duplicates: 0,
            accounts: BTreeSet::new(),
        },
        &opts,
        &mut kept_stats,
        &mut Diagnostics::default(),
    );
    merged.inner.flush_table();
    let duplicates = merged.duplicates;
    let accounts = std::mem::take(&mut merged.accounts);
    let mut input_stats = stats.clone();
    input_stats.records = kept_stats.records - duplicates;
    input_stats.error_records = kept_stats.error_records;
    let mut reports =
        super::report::reports_of(env, &merged.inner, &groupings, ttl, &period, &input_stats);
    drop(merged);
    let mut rep = reports.remove(0);
    rep.input.outside_period = outside_period;
    done.summary = render::report::render(&rep, render::Format::Table)?;
    super::report::warn_unpriced(&rep);
    let mut read = vec![];
    if !a.log_group.is_empty() {
        read.push(format!(
            "{} event(s) in {} FilterLogEvents page(s) ({} empty)",
            group_thousands(log_calls.events),
            group_thousands(log_calls.filter_log_events),
            group_thousands(log_calls.empty_pages)
        ));
    }
    if !s3_locations.is_empty() {
        read.push(format!(
            "{} S3 object(s) ({:.1} MB as stored; {} skipped by name or hour folder)",
            group_thousands(s3_calls.get_object),
            s3_calls.bytes as f64 / 1e6,
            group_thousands(s3_calls.skipped_objects)
        ));
    }
    done.notes.push(format!(
        "read {} record(s) from {}; {} duplicate(s) dropped; {} outside the period",
        group_thousands(stats.records),
        read.join(" and "),
        group_thousands(duplicates),
        group_thousands(outside_period),
    ));
    let (Some(dir), Some(table)) = (&ctx.out, table) else {
        return Ok(done);
    };
    // Earlier rows are kept unless their request was collected again here: rows of other log
    // groups, regions or locations (and of parts that failed this time) stay.
    let old = dir.join(snapshot::INVOCATIONS);
    let mut kept = 0u64;
    if old.exists() {
        let mut keep = Aggregator::new(
            &resolver,
            &groupings,
            ttl,
            Period {
                start: None,
                end: None,
            },
            Some(&table),
        );
        let seen = seen.lock().expect("no panics while held");
        snapshot::read_table(&old, |r| {
            if !r.request_id.is_empty() && seen.contains(&id_hash(r.request_id)) {
                return;
            }
            kept += 1;
            keep.add(r);
        })?;
        keep.flush_table();
    }
    let rows = table.finish()?;
    let saved = Saved {
        name: "invocations",
        file: snapshot::INVOCATIONS,
        rows,
        window: Some(ctx.window.clone()),
        regions: Regions::Add(regions_read),
        accounts: accounts.into_iter().collect(),
    };
    save_manifest(dir, &done, saved, |d| {
        // Every log group and location collected into this file so far.
        let mut union = |key: &str, new: &[String]| {
            let earlier: Vec<String> = d
                .get(key)
                .and_then(|v| serde_json::from_value(v.clone()).ok())
                .unwrap_or_default();
            let all = snapshot::sorted(earlier.into_iter().chain(new.iter().cloned()));
            d.insert(key.to_string(), serde_json::json!(all));
        };
        union("log_groups", &a.log_group);
        union("s3", &a.s3);
        d.insert("duplicates_dropped".into(), serde_json::json!(duplicates));
        d.insert(
            "skipped_lines".into(),
            serde_json::json!(stats.skipped_lines),
        );
        d.insert(
            "kept_from_earlier_collections".into(),
            serde_json::json!(kept),
        );
    })?;
    Ok(done)
}

async fn insights_run(ctx: &Ctx, a: &CollectLogsArgs) -> anyhow::Result<Done> {
    let mut done = Done::new(ctx);
    let mut calls = LogCalls::default();
    let mut rows: Vec<(String, logs::Row)> = vec![];
    let mut ok_parts: Vec<(String, String)> = vec![];
    for region in &ctx.regions {
        let conf = aws::for_region(&ctx.base, region);
        let client = aws_sdk_cloudwatchlogs::Client::new(&conf);
        for group in &a.log_group {
            match logs::insights(
                &client,
                region,
                group,
                ctx.window.start,
                ctx.window.end,
                &mut calls,
                std::time::Duration::from_millis(500),
            )
            .await
            {
                Ok(r) => {
                    done.any_ok = true;
                    ok_parts.push((region.clone(), group.clone()));
                    rows.extend(r.into_iter().map(|row| {
                        let mut row = row;
                        row.push(("log_group".into(), group.clone()));
                        (region.clone(), row)
                    }));
                }
                Err(f) => done.failures.push(f),
            }
        }
    }
    done.count("StartQuery", calls.start_query);
    done.count("GetQueryResults", calls.get_query_results);
    done.cost_micros = logs::insights_cost_micros(calls.bytes_scanned);
    done.notes.push(format!(
        "Logs Insights scanned {} bytes ({} records): {} at $0.005 per GB",
        group_thousands(calls.bytes_scanned),
        group_thousands(calls.records_scanned),
        micros_usd(done.cost_micros)
    ));
    let get = |row: &logs::Row, f: &str| -> String {
        row.iter()
            .find(|(k, _)| k == f)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let mut totals: BTreeMap<String, [u64; 5]> = BTreeMap::new();
    for (_, r) in &rows {
        let t = totals.entry(get(r, "modelId")).or_default();
        for (i, f) in AGG_FIELDS[3..].iter().enumerate() {
            t[i] += parse_count(&get(r, f));
        }
    }
    let mut grid_rows: Vec<Vec<String>> = totals
        .iter()
        .map(|(m, v)| {
            let mut row = vec![m.clone()];
            row.extend(v.iter().map(group_thousands));
            row
        })
        .collect();
    if grid_rows.is_empty() {
        grid_rows.push(vec![
            "(no records)".into(),
            "0".into(),
            "0".into(),
            "0".into(),
            "0".into(),
            "0".into(),
        ]);
    }
    done.summary = Grid {
        header: [
            "Model id",
            "Invocations",
            "Input tokens",
            "Output tokens",
            "Cache read",
            "Cache write",
        ]
        .map(String::from)
        .to_vec(),
        rows: grid_rows,
        first_numeric: 1,
    }
    .render(false);
    if let (Some(dir), true) = (&ctx.out, done.any_ok) {
        let account = ctx.account.clone().unwrap_or_default();
        let mut table: Vec<Vec<String>> = rows
            .iter()
            .map(|(collected_in, r)| {
                let mut v = vec![account.clone(), collected_in.clone(), get(r, "log_group")];
                v.extend(AGG_FIELDS.iter().map(|f| get(r, f)));
                v
            })
            .collect();
        let path = dir.join(snapshot::LOG_AGGREGATES);
        if path.exists() {
            // Replaced: this account's log groups read here, for the hours of this window.
            let w = &ctx.window;
            let in_window = |hour: &str| {
                chrono::NaiveDateTime::parse_from_str(hour, "%Y-%m-%d %H:%M:%S%.f")
                    .map(|h| h.and_utc() >= w.start && h.and_utc() < w.end)
                    .unwrap_or(false)
            };
            let old = snapshot::read_parquet(&path)?;
            let cols: Vec<Vec<String>> = AGG_COLUMNS
                .iter()
                .map(|c| -> anyhow::Result<Vec<String>> {
                    if old.column(c).is_err() && (*c == "account" || *c == "log_group") {
                        return Ok(vec![String::new(); old.height()]);
                    }
                    Ok(old
                        .column(c)?
                        .cast(&DataType::String)?
                        .str()?
                        .iter()
                        .map(|v| v.unwrap_or_default().to_string())
                        .collect())
                })
                .collect::<anyhow::Result<_>>()?;
            for i in 0..old.height() {
                let row: Vec<String> = cols.iter().map(|c| c[i].clone()).collect();
                let replaced = row[0] == account
                    && ok_parts.iter().any(|(r, g)| *r == row[1] && *g == row[2])
                    && in_window(&row[3]);
                if !replaced {
                    table.push(row);
                }
            }
        }
        let column = |i: usize| -> Column {
            let name = AGG_COLUMNS[i];
            if i >= 6 {
                Column::new(
                    name.into(),
                    table
                        .iter()
                        .map(|r| parse_count(&r[i]))
                        .collect::<Vec<u64>>(),
                )
            } else {
                Column::new(
                    name.into(),
                    table.iter().map(|r| r[i].clone()).collect::<Vec<String>>(),
                )
            }
        };
        let mut df = DataFrame::new(table.len(), (0..AGG_COLUMNS.len()).map(column).collect())?;
        snapshot::write_parquet(&path, &mut df)?;
        let saved = Saved {
            name: "log_aggregates",
            file: snapshot::LOG_AGGREGATES,
            rows: table.len() as u64,
            window: Some(ctx.window.clone()),
            regions: Regions::Add(ok_parts.iter().map(|(r, _)| r.clone()).collect()),
            accounts: ctx.account.iter().cloned().collect(),
        };
        save_manifest(dir, &done, saved, |d| {
            d.insert(
                "bytes_scanned".into(),
                serde_json::json!(calls.bytes_scanned),
            );
            d.insert(
                "query".into(),
                serde_json::json!(logs::insights_query(
                    ctx.window.start.timestamp(),
                    ctx.window.end.timestamp()
                )),
            );
        })?;
    }
    Ok(done)
}

/// Logs Insights fields kept, in the order of `AGG_COLUMNS` after the first three.
const AGG_FIELDS: &[&str] = &[
    "hour",
    "modelId",
    "region",
    "invocations",
    "input_tokens",
    "output_tokens",
    "cache_read_tokens",
    "cache_write_tokens",
];

/// Columns of log-aggregates.parquet (the last five are counts).
const AGG_COLUMNS: &[&str] = &[
    "account",
    "collected_in",
    "log_group",
    "hour",
    "model_id",
    "region",
    "invocations",
    "input_tokens",
    "output_tokens",
    "cache_read_tokens",
    "cache_write_tokens",
];

/// A Logs Insights sum (sent as text, sometimes as `123.0`).
fn parse_count(s: &str) -> u64 {
    s.parse::<u64>()
        .ok()
        .or_else(|| s.parse::<f64>().ok().map(|f| f as u64))
        .unwrap_or(0)
}

// ---------------------------------------------------------------- costs

async fn costs_run(ctx: &Ctx, a: &CollectCostsArgs) -> anyhow::Result<Done> {
    let mut done = Done::new(ctx);
    let mut calls = CeCalls::default();
    let start = ctx.window.start.date_naive();
    // Cost Explorer takes whole days, end exclusive: a partial last day is included.
    let end = if ctx.window.end.time() == chrono::NaiveTime::MIN {
        ctx.window.end.date_naive()
    } else {
        ctx.window.end.date_naive() + chrono::Days::new(1)
    };
    let conf = aws::for_region(&ctx.base, "us-east-1");
    let client = aws_sdk_costexplorer::Client::new(&conf);
    let services = if a.service.is_empty() {
        costs::services(&client, start, end, &mut calls).await
    } else {
        Ok(a.service.clone())
    };
    let r = match services {
        Ok(s) if s.is_empty() => Ok((s, vec![])),
        Ok(s) => costs::fetch(&client, &s, a.linked_account, start, end, &mut calls)
            .await
            .map(|rows| (s, rows)),
        Err(f) => Err(f),
    };
    done.count("GetCostAndUsage", calls.get_cost_and_usage);
    done.count("GetDimensionValues", calls.get_dimension_values);
    done.cost_micros = calls.cost_micros();
    let (services, rows) = match r {
        Ok(x) => x,
        Err(f) => {
            done.failures.push(f);
            done.summary = "No cost collected.\n".into();
            return Ok(done);
        }
    };
    done.any_ok = true;
    done.summary = costs_summary(&rows, &services);
    let unparsed: BTreeSet<&str> = rows
        .iter()
        .filter(|r| r.parsed.is_none())
        .map(|r| r.usage_type.as_str())
        .collect();
    if !unparsed.is_empty() {
        done.notes.push(format!(
            "note: {} usage type(s) not recognised, kept as unparsed rows: {}",
            unparsed.len(),
            unparsed.iter().copied().collect::<Vec<_>>().join(", ")
        ));
    }
    if let Some(dir) = &ctx.out {
        let path = dir.join(snapshot::COSTS);
        let mut all: Vec<(Option<String>, CostRow)> = rows
            .iter()
            .map(|r| (ctx.account.clone(), r.clone()))
            .collect();
        if path.exists() {
            // Replaced: this account's days collected here; other accounts and days stay.
            all.extend(read_costs(&path)?.into_iter().filter(|(acct, r)| {
                *acct != ctx.account
                    || r.day < start
                    || r.day >= end
                    || !services.contains(&r.service)
            }));
        }
        let n = all.len() as u64;
        snapshot::write_parquet(&path, &mut costs_df(&all)?)?;
        let accounts: Vec<String> = rows
            .iter()
            .filter_map(|r| r.linked_account.clone())
            .collect();
        let midnight = |d: NaiveDate| d.and_hms_opt(0, 0, 0).expect("midnight").and_utc();
        let saved = Saved {
            name: "costs",
            file: snapshot::COSTS,
            rows: n,
            window: Some(Window {
                start: midnight(start),
                end: midnight(end),
            }),
            // Those of the file's rows (replaced rows take theirs along).
            regions: Regions::Exactly(
                all.iter()
                    .filter_map(|(_, r)| r.parsed.as_ref().and_then(|p| p.region.clone()))
                    .collect(),
            ),
            accounts: accounts.into_iter().chain(ctx.account.clone()).collect(),
        };
        let unparsed: Vec<String> = unparsed.iter().map(|s| s.to_string()).collect();
        save_manifest(dir, &done, saved, |d| {
            d.insert("services".into(), serde_json::json!(services));
            d.insert("unparsed_usage_types".into(), serde_json::json!(unparsed));
            d.insert(
                "grouped_by_linked_account".into(),
                serde_json::json!(a.linked_account),
            );
        })?;
    }
    Ok(done)
}

fn kind_name(p: &UsageType) -> String {
    serde_json::to_value(p.kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

fn mode_name(p: &UsageType) -> String {
    serde_json::to_value(p.mode)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

fn costs_df(all: &[(Option<String>, CostRow)]) -> anyhow::Result<DataFrame> {
    let rows: Vec<&CostRow> = all.iter().map(|(_, r)| r).collect();
    let s = |f: &dyn Fn(&CostRow) -> Option<String>| -> Vec<Option<String>> {
        rows.iter().map(|r| f(r)).collect()
    };
    Ok(DataFrame::new(
        rows.len(),
        vec![
            Column::new(
                "account".into(),
                all.iter().map(|(a, _)| a.clone()).collect::<Vec<_>>(),
            ),
            Column::new("day".into(), s(&|r| Some(r.day.to_string()))),
            Column::new("service".into(), s(&|r| Some(r.service.clone()))),
            Column::new("usage_type".into(), s(&|r| Some(r.usage_type.clone()))),
            Column::new("linked_account".into(), s(&|r| r.linked_account.clone())),
            Column::new("cost".into(), s(&|r| Some(r.cost.to_string()))),
            Column::new("cost_unit".into(), s(&|r| Some(r.cost_unit.clone()))),
            Column::new("quantity".into(), s(&|r| Some(r.quantity.to_string()))),
            Column::new(
                "quantity_unit".into(),
                s(&|r| Some(r.quantity_unit.clone())),
            ),
            Column::new(
                "parsed".into(),
                rows.iter()
                    .map(|r| r.parsed.is_some())
                    .collect::<Vec<bool>>(),
            ),
            Column::new(
                "region".into(),
                s(&|r| r.parsed.as_ref().and_then(|p| p.region.clone())),
            ),
            Column::new(
                "model".into(),
                s(&|r| r.parsed.as_ref().and_then(|p| p.model.clone())),
            ),
            Column::new(
                "token_kind".into(),
                s(&|r| r.parsed.as_ref().map(kind_name)),
            ),
            Column::new("mode".into(), s(&|r| r.parsed.as_ref().map(mode_name))),
            Column::new(
                "marketplace".into(),
                rows.iter()
                    .map(|r| r.parsed.as_ref().map(|p| p.marketplace))
                    .collect::<Vec<Option<bool>>>(),
            ),
        ],
    )?)
}

fn read_costs(path: &Path) -> anyhow::Result<Vec<(Option<String>, CostRow)>> {
    let df = snapshot::read_parquet(path)?;
    let s = |n: &str| -> anyhow::Result<Vec<Option<String>>> {
        Ok(df
            .column(n)?
            .str()?
            .iter()
            .map(|v| v.map(str::to_string))
            .collect())
    };
    let (account, day, service, ut, acct, cost, cu, q, qu) = (
        s("account").unwrap_or_else(|_| vec![None; df.height()]),
        s("day")?,
        s("service")?,
        s("usage_type")?,
        s("linked_account")?,
        s("cost")?,
        s("cost_unit")?,
        s("quantity")?,
        s("quantity_unit")?,
    );
    let mut out = vec![];
    for i in 0..df.height() {
        let Some(d) = day[i]
            .as_deref()
            .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        else {
            continue;
        };
        let usage_type = ut[i].clone().unwrap_or_default();
        let amount = |v: &Option<String>| {
            v.as_deref()
                .and_then(costs::parse_amount)
                .with_context(|| format!("{}: row {}: unreadable amount", path.display(), i + 1))
        };
        out.push((
            account[i].clone(),
            CostRow {
                day: d,
                service: service[i].clone().unwrap_or_default(),
                parsed: crate::collect::usage_type::parse(&usage_type),
                usage_type,
                linked_account: acct[i].clone(),
                cost: amount(&cost[i])?,
                cost_unit: cu[i].clone().unwrap_or_default(),
                quantity: amount(&q[i])?,
                quantity_unit: qu[i].clone().unwrap_or_default(),
            },
        ));
    }
    Ok(out)
}

fn costs_summary(rows: &[CostRow], services: &[String]) -> String {
    if rows.is_empty() {
        return format!(
            "No Bedrock cost in this period (services read: {}).\n",
            if services.is_empty() {
                "none found".to_string()
            } else {
                services.join(", ")
            }
        );
    }
    let mut by: BTreeMap<(String, String), (Decimal, Decimal, Option<UsageType>)> = BTreeMap::new();
    for r in rows {
        let e = by
            .entry((r.service.clone(), r.usage_type.clone()))
            .or_insert((Decimal::ZERO, Decimal::ZERO, r.parsed.clone()));
        e.0 += r.cost;
        e.1 += r.quantity;
    }
    let mut total = Decimal::ZERO;
    let mut grid: Vec<Vec<String>> = by
        .iter()
        .map(|((svc, ut), (cost, q, p))| {
            total += *cost;
            vec![
                svc.clone(),
                ut.clone(),
                p.as_ref()
                    .and_then(|p| p.region.clone())
                    .unwrap_or_default(),
                p.as_ref().and_then(|p| p.model.clone()).unwrap_or_default(),
                p.as_ref()
                    .map(kind_name)
                    .unwrap_or_else(|| "(unparsed)".into()),
                p.as_ref().map(mode_name).unwrap_or_default(),
                decimal_thousands(*q),
                usd_exact(*cost),
            ]
        })
        .collect();
    grid.push(vec![
        "Total".into(),
        String::new(),
        String::new(),
        String::new(),
        String::new(),
        String::new(),
        String::new(),
        usd_exact(total),
    ]);
    Grid {
        header: [
            "Service",
            "Usage type",
            "Region",
            "Model",
            "Kind",
            "Mode",
            "Quantity",
            "Cost",
        ]
        .map(String::from)
        .to_vec(),
        rows: grid,
        first_numeric: 6,
    }
    .render(false)
}

/// Dollars, exact, with at least cents: $0.10, $0.043259825.
fn usd_exact(d: Decimal) -> String {
    let mut d = d.normalize();
    if d.scale() < 2 {
        d.rescale(2);
    }
    format!("${}", decimal_thousands_raw(d))
}

/// An exact decimal with thousands separators in its whole part, as Cost Explorer sent it
/// (trailing zeros dropped): 1235.995 -> 1,235.995.
fn decimal_thousands(d: Decimal) -> String {
    decimal_thousands_raw(d.normalize())
}

fn decimal_thousands_raw(d: Decimal) -> String {
    let text = d.to_string();
    let (sign, text) = match text.strip_prefix('-') {
        Some(t) => ("-", t),
        None => ("", text.as_str()),
    };
    let (whole, frac) = text.split_once('.').unwrap_or((text, ""));
    let whole = whole
        .parse::<u128>()
        .map(group_thousands)
        .unwrap_or(whole.to_string());
    if frac.is_empty() {
        format!("{sign}{whole}")
    } else {
        format!("{sign}{whole}.{frac}")
    }
}

// ---------------------------------------------------------------- profiles

async fn profiles_run(ctx: &Ctx, _a: &CollectProfilesArgs) -> anyhow::Result<Done> {
    let mut done = Done::new(ctx);
    let mut calls = ProfileCalls::default();
    let mut all: Vec<AppProfile> = vec![];
    let mut ok_regions: Vec<String> = vec![];
    for region in &ctx.regions {
        let conf = aws::for_region(&ctx.base, region);
        let client = aws_sdk_bedrock::Client::new(&conf);
        match profiles::fetch(&client, region, &mut calls).await {
            Ok(p) => {
                ok_regions.push(region.clone());
                all.extend(p);
            }
            Err(f) => done.failures.push(f),
        }
    }
    done.any_ok = !ok_regions.is_empty();
    done.count("ListInferenceProfiles", calls.list_inference_profiles);
    done.count("ListTagsForResource", calls.list_tags_for_resource);
    let rows: Vec<Vec<String>> = all
        .iter()
        .map(|p| {
            vec![
                p.name.clone(),
                p.arn.clone(),
                p.models.first().cloned().unwrap_or_default(),
                p.tags
                    .iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>()
                    .join(", "),
            ]
        })
        .collect();
    done.summary = if rows.is_empty() {
        "No application inference profiles.\n".into()
    } else {
        Grid {
            header: ["Name", "ARN", "Model", "Tags"].map(String::from).to_vec(),
            rows,
            first_numeric: 4,
        }
        .render(false)
    };
    if let (Some(dir), true) = (&ctx.out, done.any_ok) {
        let path = dir.join(snapshot::PROFILES);
        if path.exists() {
            // Replaced: this account's profiles in the regions listed here (a deleted profile
            // goes); profiles of other regions and accounts stay.
            let account_of = |arn: &str| arn.split(':').nth(4).map(str::to_string);
            for old in read_profiles(&path)? {
                let listed_here =
                    ok_regions.contains(&old.region) && account_of(&old.arn) == ctx.account;
                if !listed_here && !all.iter().any(|p| p.arn == old.arn) {
                    all.push(old);
                }
            }
        }
        let col =
            |f: &dyn Fn(&AppProfile) -> String| -> Vec<String> { all.iter().map(f).collect() };
        let mut df = DataFrame::new(
            all.len(),
            vec![
                Column::new("region".into(), col(&|p| p.region.clone())),
                Column::new("arn".into(), col(&|p| p.arn.clone())),
                Column::new("name".into(), col(&|p| p.name.clone())),
                Column::new("models".into(), col(&|p| p.models.join(","))),
                Column::new(
                    "tags".into(),
                    col(&|p| serde_json::to_string(&p.tags).unwrap_or_default()),
                ),
            ],
        )?;
        snapshot::write_parquet(&path, &mut df)?;
        super::write_atomic(
            &dir.join(snapshot::PROFILE_MAP),
            profiles::profile_map_toml(&all).as_bytes(),
        )?;
        let saved = Saved {
            name: "profiles",
            file: snapshot::PROFILES,
            rows: all.len() as u64,
            window: None,
            regions: Regions::Add(ok_regions),
            accounts: ctx.account.iter().cloned().collect(),
        };
        save_manifest(dir, &done, saved, |_| {})?;
    }
    Ok(done)
}

/// An earlier profiles file's rows.
fn read_profiles(path: &Path) -> anyhow::Result<Vec<AppProfile>> {
    let df = snapshot::read_parquet(path)?;
    let s = |n: &str| -> anyhow::Result<Vec<String>> {
        Ok(df
            .column(n)?
            .str()?
            .iter()
            .map(|v| v.unwrap_or_default().to_string())
            .collect())
    };
    let (region, arn, name, models, tags) = (
        s("region")?,
        s("arn")?,
        s("name")?,
        s("models")?,
        s("tags")?,
    );
    Ok((0..df.height())
        .map(|i| AppProfile {
            region: region[i].clone(),
            arn: arn[i].clone(),
            name: name[i].clone(),
            models: models[i]
                .split(',')
                .filter(|m| !m.is_empty())
                .map(str::to_string)
                .collect(),
            tags: serde_json::from_str(&tags[i]).unwrap_or_default(),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_align_to_whole_buckets_and_never_pass_now() {
        let t = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        let w = |a: &str, b: &str| Window {
            start: t(a),
            end: t(b),
        };
        let now = t("2026-11-22T06:59:30Z");
        assert_eq!(
            align(
                &w("2026-11-20T10:30:00Z", "2026-11-21T11:10:00Z"),
                3600,
                now
            ),
            w("2026-11-20T10:00:00Z", "2026-11-21T12:00:00Z")
        );
        // Already aligned: unchanged.
        let a = w("2026-11-20T10:00:00Z", "2026-11-21T12:00:00Z");
        assert_eq!(align(&a, 3600, now), a);
        // Rounding the end up stops at now.
        assert_eq!(
            align(
                &w("2026-11-22T05:10:00Z", "2026-11-22T06:59:30Z"),
                3600,
                now
            ),
            w("2026-11-22T05:00:00Z", "2026-11-22T06:59:30Z")
        );
        assert_eq!(
            align(&w("2026-11-22T06:58:10Z", "2026-11-22T06:59:00Z"), 60, now),
            w("2026-11-22T06:58:00Z", "2026-11-22T06:59:00Z")
        );
    }

    #[test]
    fn periods() {
        assert_eq!(parse_period_flag("1m"), Ok(60));
        assert_eq!(parse_period_flag("5m"), Ok(300));
        assert_eq!(parse_period_flag("1h"), Ok(3600));
        assert_eq!(parse_period_flag("1d"), Ok(86_400));
        assert_eq!(parse_period_flag("120"), Ok(120));
        assert!(parse_period_flag("0").is_err());
        assert!(parse_period_flag("1w").is_err());
        assert!(parse_period_flag("h").is_err());
    }

    #[test]
    fn cost_explorer_amounts_print_exactly() {
        let d = |s: &str| s.parse::<Decimal>().unwrap();
        assert_eq!(decimal_thousands(d("1235.995")), "1,235.995");
        assert_eq!(decimal_thousands(d("0.0432598250")), "0.043259825");
        assert_eq!(decimal_thousands(d("5000000")), "5,000,000");
        assert_eq!(decimal_thousands(d("-1234.5")), "-1,234.5");
        assert_eq!(usd_exact(d("0.10")), "$0.10");
        assert_eq!(usd_exact(d("1234")), "$1,234.00");
        assert_eq!(usd_exact(d("0.0432598250")), "$0.043259825");
    }

    #[test]
    fn micro_dollars_print_exactly() {
        assert_eq!(micros_usd(10), "$0.00001");
        assert_eq!(micros_usd(40_000), "$0.04");
        assert_eq!(micros_usd(0), "$0");
    }
}
