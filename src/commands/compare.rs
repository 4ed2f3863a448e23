//! Computed cost against the bill, for `reconcile` and `review`: one snapshot's logs and/or
//! metrics priced per account, region, model and day (or month), the bill in the same keys,
//! logging coverage, and the bill's credits, refunds and discounts apart.

use std::collections::{BTreeMap, BTreeSet};

use rust_decimal::Decimal;

use super::pipeline::{run_report, ReportPlan};
use crate::cli::{LogsArgs, ReconcileBy};
use crate::error::UsageError;
use crate::output::bill;
use crate::output::reconcile::{
    coverage, reconcile, Applied, Computed, Key, Reconciliation, Thresholds,
};
use crate::output::report::{Counts, DataSource, Report};
use crate::pricing::CacheTtl;
use crate::settings::discounts::Discounts;
use crate::settings::{input_sources, Env};
use crate::usage::ingest::IngestStats;
use crate::usage::{Diagnostics, GroupKey, Period};

/// The token kinds a split reconciliation compares.
const KINDS: [&str; 4] = ["input", "output", "cache_read", "cache_write"];

fn value(r: &crate::output::report::Row, i: usize) -> String {
    r.keys
        .get(i)
        .and_then(|(_, v)| v.clone())
        .unwrap_or_else(|| "-".into())
}

/// What to compare.
pub struct Compare<'a> {
    pub dir: &'a std::path::Path,
    /// `auto`, `logs` or `metrics`: the computed side.
    pub source: DataSource,
    /// Whole days.
    pub period: Period,
    pub by: ReconcileBy,
    pub by_token_kind: bool,
    pub thresholds: Thresholds,
    pub discounts: Option<Discounts>,
    /// The discount is one flat `--discount` (said as `discount_pct`).
    pub flat_discount: bool,
}

/// A comparison, with what reading it found and its warnings (for stderr).
pub struct Compared {
    pub rec: Reconciliation,
    pub stats: IngestStats,
    pub diags: Diagnostics,
    pub warnings: Vec<String>,
}

/// Compares a snapshot's computed cost with its bill.
pub fn compare(env: &Env, c: &Compare) -> anyhow::Result<Compared> {
    let period = c.period;
    let mut warnings: Vec<String> = vec![];
    let dir = c.dir;
    let opened = crate::snapshot::open(dir).map_err(|e| {
        UsageError::new(
            format!("--snapshot: {e:#}"),
            "give the directory `bedrock-lens collect ... --out DIR` wrote",
        )
    })?;
    let costs = dir.join(crate::snapshot::COSTS);
    if !costs.exists() {
        return Err(UsageError::new(
            format!(
                "--snapshot {}: holds no bill (costs.parquet)",
                dir.display()
            ),
            "collect it: `bedrock-lens collect costs --start ... --end ... --out DIR`",
        )
        .into());
    }
    let has_logs = opened.invocations.is_some();
    let has_metrics = dir.join(crate::snapshot::METRICS).exists();
    let source = match c.source {
        DataSource::Auto if has_logs => DataSource::Logs,
        DataSource::Auto if has_metrics => DataSource::Metrics,
        DataSource::Auto => {
            return Err(UsageError::new(
                format!("--snapshot {}: holds no usage to compare the bill with", dir.display()),
                "collect logs or metrics for the same period: `bedrock-lens collect logs|metrics --out DIR`",
            )
            .into())
        }
        DataSource::Bill => {
            return Err(UsageError::new(
                "--source bill: the bill is what reconcile compares against",
                "use --source logs or metrics (the computed side)",
            )
            .into())
        }
        s => s,
    };
    let time = match c.by {
        ReconcileBy::Day => GroupKey::Day,
        ReconcileBy::Month => GroupKey::Month,
    };
    let groupings = vec![
        vec![
            GroupKey::Account,
            GroupKey::Region,
            GroupKey::Model,
            time.clone(),
        ],
        vec![GroupKey::Region, GroupKey::Model, GroupKey::Day],
    ];
    let mut stats = IngestStats::default();
    let mut diags = Diagnostics::default();
    let logs = |stats: IngestStats,
                diags: Diagnostics|
     -> anyhow::Result<(Vec<Report>, IngestStats, Diagnostics)> {
        let args = LogsArgs {
            logs: vec![],
            snapshot: Some(dir.to_path_buf()),
            start: None,
            end: None,
            keep_duplicates: false,
        };
        let (mut st, mut dg) = (stats, diags);
        let sources = input_sources(&args, &mut st, &mut dg)?;
        let plan = ReportPlan {
            groupings: &groupings,
            ttl: CacheTtl::FiveMinutes,
            period,
            table: None,
            keep_duplicates: false,
        };
        let run = run_report(env, &sources, &plan, st, dg);
        Ok((run.reports, run.stats, run.diags))
    };
    let metrics = |stats: &mut IngestStats, diags: &mut Diagnostics| {
        super::from_metrics::run(
            env,
            dir,
            &groupings,
            CacheTtl::FiveMinutes,
            period,
            stats,
            diags,
            None,
        )
    };
    let reports = match source {
        DataSource::Logs => {
            let (r, st, dg) = logs(stats, diags)?;
            stats = st;
            diags = dg;
            r
        }
        _ => metrics(&mut stats, &mut diags)?,
    };
    // auto with both: metrics for the accounts, regions and hours the logs miss, as `report`.
    let mut extra: Vec<crate::output::report::Row> = vec![];
    if c.source == DataSource::Auto && has_logs && has_metrics {
        let inv = dir.join(crate::snapshot::INVOCATIONS);
        let hours = super::from_metrics::logged_hours(&inv, &mut diags)?;
        let (mut st, mut dg) = (IngestStats::default(), Diagnostics::default());
        let m = super::from_metrics::run(
            env,
            dir,
            &groupings[..1],
            CacheTtl::FiveMinutes,
            period,
            &mut st,
            &mut dg,
            Some(&hours),
        )?;
        extra = m[0].rows.clone();
    }
    let rows = crate::snapshot::costs::read(&costs, &mut diags)?;
    let lines = bill::lines(&env.catalog, &rows);
    // The service that bills each model, for a discount per service.
    let service_of: BTreeMap<&str, &str> = lines
        .iter()
        .filter_map(|l| Some((l.model.as_deref()?, l.row.service.as_str())))
        .collect();
    if let Some(d) = &c.discounts {
        let billed_services: BTreeSet<&str> =
            lines.iter().map(|l| l.row.service.as_str()).collect();
        for svc in d.services.keys() {
            if !billed_services.contains(svc.as_str()) {
                warnings.push(format!(
                    "--discount-file: services.\"{}\" bills nothing in this snapshot, so it discounts nothing (the bill's services: {})",
                    crate::io::clean(svc),
                    billed_services.iter().copied().collect::<Vec<_>>().join(", ")
                ));
            }
        }
    }
    let mut applied: BTreeMap<String, Applied> = BTreeMap::new();
    let mut pct_of = |model: &str| -> Decimal {
        let Some(d) = &c.discounts else {
            return Decimal::ZERO;
        };
        let (pct, from) = d.of(model, service_of.get(model).copied());
        if !pct.is_zero() {
            applied.entry(model.to_string()).or_insert(Applied {
                pct: crate::money::ExactUsd(pct),
                from,
            });
        }
        pct
    };
    let mut computed: BTreeMap<Key, Computed> = BTreeMap::new();
    for r in reports[0].rows.iter().chain(&extra) {
        let pct = pct_of(&value(r, 2));
        let off = |usd: Decimal| Discounts::take_off(usd, pct);
        let key = |kind: &str| {
            (
                value(r, 0),
                value(r, 1),
                value(r, 2),
                value(r, 3),
                kind.to_string(),
            )
        };
        // Exact amounts: a month is the sum of its days to the last digit.
        let parts = r.cost.map(|_| r.exact.map(|p| p.to_decimal()));
        if c.by_token_kind {
            for (i, kind) in KINDS.iter().enumerate() {
                let c = computed.entry(key(kind)).or_default();
                if let Some(p) = parts {
                    *c.usd.get_or_insert(Decimal::ZERO) += off(p[i]);
                }
                if i == 0 {
                    c.unpriced_invocations += r.unpriced_invocations;
                }
            }
            continue;
        }
        let c = computed.entry(key("")).or_default();
        if let Some(p) = parts {
            *c.usd.get_or_insert(Decimal::ZERO) += off(p.iter().copied().sum());
        }
        c.unpriced_invocations += r.unpriced_invocations;
    }
    // Kinds priced at nothing (no tokens of that kind on either side) are left out below.
    // Logging coverage: when the snapshot has both, log tokens against metric tokens.
    let mut logging_coverage = vec![];
    if has_logs && has_metrics {
        let counts = |rep: &Report| -> BTreeMap<(String, String, String), Counts> {
            rep.rows
                .iter()
                .map(|r| ((value(r, 0), value(r, 1), value(r, 2)), r.counts))
                .collect()
        };
        let (mut st, mut dg) = (IngestStats::default(), Diagnostics::default());
        let other = match source {
            DataSource::Logs => metrics(&mut st, &mut dg)?,
            _ => logs(st, dg)?.0,
        };
        let (l, m) = match source {
            DataSource::Logs => (&reports[1], &other[1]),
            _ => (&other[1], &reports[1]),
        };
        logging_coverage = coverage(&counts(m), &counts(l), c.thresholds.pct);
    }
    // The bill, in the same keys; charges that are not model tokens by category.
    let in_period = |d: chrono::NaiveDate| {
        let t = d.and_hms_opt(0, 0, 0).expect("midnight").and_utc();
        Period { ..period }.contains(t)
    };
    let mut billed: BTreeMap<Key, Decimal> = BTreeMap::new();
    let mut categories: BTreeSet<Key> = BTreeSet::new();
    for l in lines.iter().filter(|l| in_period(l.row.day)) {
        let when = match c.by {
            ReconcileBy::Day => l.row.day.to_string(),
            ReconcileBy::Month => l.row.day.format("%Y-%m").to_string(),
        };
        let region = l
            .row
            .parsed
            .as_ref()
            .and_then(|p| p.region.clone())
            .unwrap_or_else(|| "-".into());
        let model = bill::model_label(l);
        let kind = match (&l.row.parsed, c.by_token_kind) {
            (Some(p), true) => match p.kind {
                crate::collect::cost_explorer::usage_type::TokenKind::Input => "input",
                crate::collect::cost_explorer::usage_type::TokenKind::Output => "output",
                crate::collect::cost_explorer::usage_type::TokenKind::CacheRead => "cache_read",
                _ => "cache_write",
            },
            _ => "",
        };
        let k = (
            l.account.unwrap_or("-").to_string(),
            region,
            model,
            when,
            kind.to_string(),
        );
        if l.row.parsed.is_none() {
            categories.insert(k.clone());
        }
        *billed.entry(k).or_default() += l.row.cost;
    }
    if c.by_token_kind {
        computed.retain(|k, c| {
            billed.contains_key(k)
                || c.usd.is_some_and(|u| !u.is_zero())
                || c.unpriced_invocations > 0
        });
    }
    let granularity = match c.by {
        ReconcileBy::Day => "day",
        ReconcileBy::Month => "month",
    };
    let rec = reconcile(
        if extra.is_empty() {
            source.name()
        } else {
            "logs+metrics"
        },
        granularity,
        &computed,
        &billed,
        &categories,
        c.thresholds,
        logging_coverage,
    );
    let mut rec = rec;
    rec.discount_pct = match (c.flat_discount, &c.discounts) {
        (true, Some(d)) => Some(crate::money::ExactUsd(d.default)),
        _ => None,
    };
    rec.discounts = applied;
    rec.adjustments = crate::snapshot::record_types::read_in(dir)?.map(|rt| {
        let day = |t: Option<chrono::DateTime<chrono::Utc>>| t.map(|t| t.date_naive());
        bill::adjustments(&rt, day(period.start), day(period.end))
    });
    // A discount AWS already lists as its own record type is in the adjustments, not in the
    // usage rows: modelling it again on the computed side counts it twice.
    let billed_discounts: Vec<&str> = rec
        .adjustments
        .iter()
        .flat_map(|a| &a.rows)
        .filter(|r| r.kind == "discount")
        .map(|r| r.record_type.as_str())
        .collect();
    if c.discounts.is_some() && !billed_discounts.is_empty() {
        warnings.push(format!(
            "the bill lists discounts as their own record types ({}), so its usage rows are at list price: a discount taken off the computed side counts them twice; leave out --discount/--discount-file for a usage-row comparison",
            billed_discounts.join(", ")
        ));
    }
    Ok(Compared {
        rec,
        stats,
        diags,
        warnings,
    })
}
