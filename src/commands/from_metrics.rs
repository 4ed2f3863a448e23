//! Usage from a snapshot's CloudWatch metrics (`report --source metrics`): token sums per
//! account, region, model id and period, priced like logs at standard rates, with what metrics
//! cannot tell (long context, batch, service tier) said next to the figures.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::error::UsageError;
use crate::money::{ExactUsd, Pico};
use crate::output::report::{reports_of, DataSource, Report};
use crate::pricing::aggregate::Bucket;
use crate::pricing::{Aggregator, CacheTtl, Resolver};
use crate::settings::Env;
use crate::snapshot::metrics::MetricRow;
use crate::usage::ingest::IngestStats;
use crate::usage::{Diagnostics, GroupKey, Period, Tokens, UsageRecord};

/// What `--source auto` reads from the snapshot in `dir` as a whole: its invocation logs when
/// it has them (or cannot be opened: the logs path says why), else its metrics when it has them.
pub fn auto_source(dir: &Path) -> crate::output::report::DataSource {
    use crate::output::report::DataSource;
    let logs = crate::snapshot::open(dir)
        .map(|o| o.invocations.is_some() || o.log_sums.is_some())
        .unwrap_or(true);
    if !logs && dir.join(crate::snapshot::METRICS).exists() {
        DataSource::Metrics
    } else {
        DataSource::Logs
    }
}

/// The keys metrics can group by (they carry no caller, operation or request metadata).
const METRIC_KEYS: &str = "model, model_id, profile, region, account, hour, day, month";

/// Refuses a grouping metrics cannot answer, naming the key.
pub fn check_keys(groupings: &[Vec<GroupKey>]) -> anyhow::Result<()> {
    for k in groupings.iter().flatten() {
        let ok = matches!(
            k,
            GroupKey::Model
                | GroupKey::ModelId
                | GroupKey::Profile
                | GroupKey::Region
                | GroupKey::Account
                | GroupKey::Hour
                | GroupKey::Day
                | GroupKey::Month
        );
        if !ok {
            return Err(UsageError::new(
                format!(
                    "--by {}: CloudWatch metrics carry no caller, operation or request metadata",
                    k.name()
                ),
                format!("with --source metrics group by {METRIC_KEYS}; `{}` needs invocation logs (--source logs)", k.name()),
            )
            .into());
        }
    }
    Ok(())
}

/// One series' sums in one period.
#[derive(Default)]
struct Sums {
    period: u32,
    invocations: u64,
    errors: u64,
    input: u64,
    output: u64,
    /// Both spellings of the cache metrics are collected; the larger of the two is the count.
    cache_read: [u64; 2],
    cache_write: [u64; 2],
}

type BucketKey = (Option<Arc<str>>, Arc<str>, Arc<str>, DateTime<Utc>);

/// (account, region, hour start in seconds) an invocation log covers.
pub type Hours = std::collections::HashSet<(String, String, i64)>;

/// The hours a snapshot's invocation logs cover (for `--source auto`: metrics elsewhere).
pub fn logged_hours(inv: &Path, diags: &mut Diagnostics) -> anyhow::Result<Hours> {
    let mut hours = Hours::new();
    let mut st = IngestStats::default();
    crate::usage::ingest::read_table(inv, 0, &mut st, diags, |r| {
        let h = r.timestamp.timestamp().div_euclid(3600) * 3600;
        hours.insert((r.account.to_string(), r.region.to_string(), h));
    })?;
    Ok(hours)
}

/// Whether a metrics bucket overlaps an hour the logs cover (so the logs price it).
fn logged(hours: &Hours, account: &str, region: &str, t: DateTime<Utc>, period: u32) -> bool {
    let start = t.timestamp().div_euclid(3600) * 3600;
    let end = t.timestamp() + i64::from(period.max(1));
    (0..)
        .map(|i| start + i * 3600)
        .take_while(|h| *h < end)
        .any(|h| hours.contains(&(account.to_string(), region.to_string(), h)))
}

/// Reads `dir`'s metrics into buckets and passes each to `f` (as a record of its key fields
/// and token sums, and its counts); buckets overlapping an hour in `skip` are left out. Returns
/// how many datapoints of series also collected at a finer period were left out.
pub fn each_bucket(
    dir: &Path,
    stats: &mut IngestStats,
    diags: &mut Diagnostics,
    skip: Option<&Hours>,
    mut f: impl FnMut(&UsageRecord, Bucket),
) -> anyhow::Result<u64> {
    let path = dir.join(crate::snapshot::METRICS);
    if !path.exists() {
        return Err(UsageError::new(
            format!("--snapshot {}: holds no CloudWatch metrics (metrics.parquet)", dir.display()),
            "collect them first: `bedrock-lens collect metrics --start ... --end ... --out DIR`, or use --source logs",
        )
        .into());
    }
    let rows = crate::snapshot::metrics::read(&path, diags)?;
    stats.files += 1;
    stats.bytes += std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    let finer = Finer::of(&rows);
    let mut buckets: BTreeMap<BucketKey, Sums> = BTreeMap::new();
    let mut coarser = 0u64;
    for (i, r) in rows.iter().enumerate() {
        let p = &r.point;
        let series = (
            r.account.clone(),
            p.region.clone(),
            p.model_id.clone(),
            p.metric,
        );
        if finer.covers(&series, r.period, p.timestamp) {
            coarser += 1;
            continue;
        }
        let acct = r.account.as_deref().unwrap_or("");
        if skip.is_some_and(|h| logged(h, acct, &p.region, p.timestamp, r.period)) {
            continue;
        }
        let Some(v) = count(p.value) else {
            diags.push_row(
                0,
                &path,
                i as u64 + 1,
                format!(
                    "{} is not a whole, non-negative count: {}",
                    p.metric, p.value
                ),
            );
            stats.skipped_lines += 1;
            continue;
        };
        stats.records += 1;
        let b = buckets
            .entry((
                r.account.clone(),
                p.region.clone(),
                p.model_id.clone(),
                p.timestamp,
            ))
            .or_default();
        b.period = r.period;
        match p.metric {
            "Invocations" => b.invocations += v,
            "InvocationClientErrors" | "InvocationServerErrors" => b.errors += v,
            "InputTokenCount" => b.input += v,
            "OutputTokenCount" => b.output += v,
            "CacheReadInputTokens" => b.cache_read[0] += v,
            "CacheReadInputTokenCount" => b.cache_read[1] += v,
            "CacheWriteInputTokens" => b.cache_write[0] += v,
            "CacheWriteInputTokenCount" => b.cache_write[1] += v,
            _ => stats.records -= 1,
        }
    }
    for ((account, region, model_id, t), s) in &buckets {
        let rec = UsageRecord {
            timestamp: *t,
            account: account.as_deref().unwrap_or(""),
            region,
            inference_region: None,
            model_id,
            identity_arn: "",
            operation: "",
            request_id: "",
            request_metadata: None,
            tokens: Tokens {
                input: s.input,
                output: s.output,
                cache_read: s.cache_read[0].max(s.cache_read[1]),
                cache_write: s.cache_write[0].max(s.cache_write[1]),
            },
            error_code: None,
            guardrail_blocked: false,
            body: None,
        };
        f(
            &rec,
            Bucket {
                invocations: s.invocations,
                errors: s.errors,
                period_secs: s.period,
            },
        );
    }
    Ok(coarser)
}

/// The report(s) priced from `dir`'s metrics.parquet, with the datapoints read as records;
/// buckets overlapping an hour in `skip` (priced from logs) are left out.
#[allow(clippy::too_many_arguments)]
pub fn run(
    env: &Env,
    dir: &Path,
    groupings: &[Vec<GroupKey>],
    ttl: CacheTtl,
    period: Period,
    stats: &mut IngestStats,
    diags: &mut Diagnostics,
    skip: Option<&Hours>,
) -> anyhow::Result<Vec<Report>> {
    let resolver = Resolver::new(&env.catalog, &env.map);
    let mut agg = Aggregator::new(&resolver, groupings, ttl, period, None);
    let coarser = each_bucket(dir, stats, diags, skip, |r, b| {
        agg.add_bucket(r, b);
    })?;
    let mut reports = reports_of(&env.catalog, &agg, groupings, ttl, &period, stats);
    let mut limits = limits(&agg.long_context_bound, ttl);
    if coarser > 0 {
        limits.push(format!(
            "{coarser} datapoint(s) of series also collected at a finer period were left out (each token counted once, at the finer period)"
        ));
    }
    let bound: BTreeMap<String, ExactUsd> = agg
        .long_context_bound
        .iter()
        .map(|(m, p)| (m.clone(), ExactUsd(p.to_decimal())))
        .collect();
    for r in &mut reports {
        r.source = DataSource::Metrics;
        r.limits = limits.clone();
        r.long_context_bound_usd = bound.clone();
    }
    Ok(reports)
}

/// A metric value as a count: whole and non-negative (Sum of tokens or calls).
fn count(v: f64) -> Option<u64> {
    (v >= 0.0 && v.fract() == 0.0 && v < 1e18).then_some(v as u64)
}

type Series = (Option<Arc<str>>, Arc<str>, Arc<str>, &'static str);

/// Per series and period, the times of its datapoints: a point is left out where the same
/// series has points at a finer period inside its span (an hour also collected per minute is
/// counted from its minutes), and counted elsewhere (the hours the minutes do not reach).
struct Finer(BTreeMap<Series, BTreeMap<u32, BTreeSet<DateTime<Utc>>>>);

impl Finer {
    fn of(rows: &[MetricRow]) -> Finer {
        let mut out: BTreeMap<Series, BTreeMap<u32, BTreeSet<DateTime<Utc>>>> = BTreeMap::new();
        for r in rows {
            let p = &r.point;
            let k = (
                r.account.clone(),
                p.region.clone(),
                p.model_id.clone(),
                p.metric,
            );
            out.entry(k)
                .or_default()
                .entry(r.period)
                .or_default()
                .insert(p.timestamp);
        }
        Finer(out)
    }

    /// Whether `series` has points at a period finer than `period` in `[at, at + period)`.
    fn covers(&self, series: &Series, period: u32, at: DateTime<Utc>) -> bool {
        let end = at + chrono::Duration::seconds(i64::from(period));
        self.0.get(series).is_some_and(|by| {
            by.range(..period)
                .any(|(_, times)| times.range(at..end).next().is_some())
        })
    }
}

/// What metrics cannot tell, in words, with the long-context bound in dollars.
pub fn limits(long_bound: &BTreeMap<String, Pico>, ttl: CacheTtl) -> Vec<String> {
    let mut out = vec![format!(
        "from CloudWatch metrics (AWS/Bedrock): tokens summed per model id and period, priced at on-demand standard rates, cache writes at the {} TTL",
        match ttl {
            CacheTtl::FiveMinutes => "5-minute",
            CacheTtl::OneHour => "1-hour",
        }
    )];
    if !long_bound.is_empty() {
        let models: BTreeSet<&str> = long_bound.keys().map(String::as_str).collect();
        let total = long_bound.values().fold(Pico(0), |a, b| a + *b);
        out.push(format!(
            "long-context requests cannot be told from metrics: {} priced at standard rates; at most ${} more if every hour whose prompt tokens are over the model's long-context threshold had been priced at long-context rates (JSON long_context_bound_usd)",
            models.into_iter().collect::<Vec<_>>().join(", "),
            total
                .to_decimal()
                .round_dp_with_strategy(2, rust_decimal::RoundingStrategy::AwayFromZero)
        ));
    }
    out.push(
        "batch inference jobs are not in runtime metrics (their cost is in the bill), and metrics do not say the service tier: every token is priced at the standard tier"
            .into(),
    );
    out.push(
        "Calls are CloudWatch's Invocations (successful calls; client and server errors are the Errors column), where logs count every call: the two can differ by the errors"
            .into(),
    );
    out
}
