//! Builds the monthly review (`review`, `demo --review`) from the same passes as `report`,
//! `whatif` and `reconcile`: one report pass over the input (logs, plus metrics for the hours
//! without logs), one what-if pass over the month, the snapshot's bill compared as `reconcile`
//! compares it. The month's sections from other passes are in `sections.rs`, the anomalies in
//! `anomalies.rs`.

mod anomalies;
mod sections;

use sections::{caveats, reconcile, waste, whatif};

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{Datelike, NaiveDate, TimeZone, Utc};
use rust_decimal::Decimal;

use super::pipeline::{run_report, ReportPlan};
use crate::error::UsageError;
use crate::money::ExactUsd;
use crate::output::report::{Report, Row};
use crate::output::review::{self as rv, Amount, Review};
use crate::pricing::CacheTtl;
use crate::settings::Env;
use crate::usage::ingest::{IngestStats, Source};
use crate::usage::{Diagnostics, GroupKey, Period};

/// The format: as asked, else by the output file's extension, else Markdown.
pub fn format_of(
    asked: Option<crate::render::review::ReviewFormat>,
    output: Option<&Path>,
) -> crate::render::review::ReviewFormat {
    use crate::render::review::ReviewFormat;
    asked.unwrap_or_else(|| {
        match output
            .and_then(|p| p.extension())
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("html" | "htm") => ReviewFormat::Html,
            Some("json") => ReviewFormat::Json,
            _ => ReviewFormat::Markdown,
        }
    })
}

/// What to review.
pub struct Input {
    /// A snapshot (logs and/or metrics, maybe a bill), else log paths.
    pub snapshot: Option<PathBuf>,
    pub sources: Vec<Source>,
    /// Extra sources for the month before (`--previous`).
    pub previous: Vec<Source>,
    pub month: Option<NaiveDate>,
    /// Extra breakdowns (`meta:team`, ...).
    pub by: Vec<GroupKey>,
    pub top: usize,
}

/// The groupings of the pass, in order: month by model, profile, account and identity; day by
/// model; day by identity and model; then each `--by` key with the month.
fn groupings(by: &[GroupKey]) -> Vec<Vec<GroupKey>> {
    let mut g = vec![
        vec![GroupKey::Month, GroupKey::Model],
        vec![GroupKey::Month, GroupKey::Profile],
        vec![GroupKey::Month, GroupKey::Account],
        vec![GroupKey::Month, GroupKey::Identity],
        vec![GroupKey::Day, GroupKey::Model],
        vec![GroupKey::Day, GroupKey::Identity, GroupKey::Model],
    ];
    g.extend(by.iter().map(|k| vec![GroupKey::Month, k.clone()]));
    g
}

fn key(r: &Row, i: usize) -> String {
    r.keys
        .get(i)
        .and_then(|(_, v)| v.clone())
        .unwrap_or_else(|| "-".into())
}

fn amount(r: &Row) -> Amount {
    Amount {
        usd: match r.cost {
            Some(_) => r.exact.iter().map(|p| p.to_decimal()).sum(),
            None => Decimal::ZERO,
        },
        calls: r.counts.invocations,
        errors: r.counts.errors,
        tokens: r.counts.tokens(),
        unpriced_calls: r.unpriced_invocations,
    }
}

/// Per month, per key: the rows of a `[Month, K]` grouping.
type ByMonth = BTreeMap<String, BTreeMap<String, Amount>>;

fn by_month(rep: &Report) -> ByMonth {
    let mut out = ByMonth::new();
    for r in &rep.rows {
        out.entry(key(r, 0))
            .or_default()
            .entry(key(r, 1))
            .or_default()
            .add(&amount(r));
    }
    out
}

fn month_of(d: NaiveDate) -> String {
    d.format("%Y-%m").to_string()
}

fn last_day(first: NaiveDate) -> NaiveDate {
    first
        .checked_add_months(chrono::Months::new(1))
        .and_then(|d| d.pred_opt())
        .expect("a month")
}

fn midnight(d: NaiveDate) -> chrono::DateTime<Utc> {
    Utc.from_utc_datetime(&d.and_hms_opt(0, 0, 0).expect("midnight"))
}

/// The review of `input`.
pub fn build(env: &Env, input: &Input) -> anyhow::Result<(Review, IngestStats, Diagnostics)> {
    let groupings = groupings(&input.by);
    let period = Period {
        start: None,
        end: None,
    };
    let plan = ReportPlan {
        groupings: &groupings,
        ttl: CacheTtl::FiveMinutes,
        period,
        table: None,
        keep_duplicates: false,
    };
    let all = input.sources.clone();
    let dir = input.snapshot.as_deref();
    let has_metrics = dir.is_some_and(|d| d.join(crate::snapshot::METRICS).exists());
    let has_bill = dir.is_some_and(|d| d.join(crate::snapshot::COSTS).exists());
    let mut sources_used = vec![];
    let (mut reports, stats, diags) = if all.is_empty() {
        (vec![], IngestStats::default(), Diagnostics::default())
    } else {
        sources_used.push("logs".to_string());
        let run = run_report(
            env,
            &all,
            &plan,
            IngestStats::default(),
            Diagnostics::default(),
        );
        (run.reports, run.stats, run.diags)
    };
    // `--previous`: the month before only, from its own pass.
    if let (Some(month), false) = (input.month, input.previous.is_empty()) {
        let before = month
            .checked_sub_months(chrono::Months::new(1))
            .expect("a month");
        let prev_month = month_of(before);
        if reports
            .iter()
            .take(1)
            .flat_map(|r| &r.rows)
            .any(|r| key(r, 0) == prev_month)
        {
            return Err(UsageError::new(
                format!("--previous: the input already holds {prev_month}"),
                "leave out --previous: the month before comes from the input",
            )
            .into());
        }
        let p = ReportPlan {
            period: Period {
                start: Some(midnight(before)),
                end: Some(midnight(month)),
            },
            ..plan
        };
        let run = run_report(
            env,
            &input.previous,
            &p,
            IngestStats::default(),
            Diagnostics::default(),
        );
        if reports.is_empty() {
            reports = run.reports;
        } else {
            for (r, more) in reports.iter_mut().zip(run.reports) {
                r.rows.extend(more.rows);
            }
        }
    }
    // Metrics for the hours the logs miss (or all of them, without logs): model-level keys only.
    let mut from_metrics: Option<Vec<Report>> = None;
    if let (Some(dir), true) = (dir, has_metrics) {
        let inv = dir.join(crate::snapshot::INVOCATIONS);
        let mut dg = Diagnostics::default();
        let hours = if input.sources.is_empty() {
            None
        } else {
            Some(super::from_metrics::logged_hours(&inv, &mut dg)?)
        };
        let mg: Vec<Vec<GroupKey>> = groupings[..3]
            .iter()
            .cloned()
            .chain([groupings[4].clone()])
            .collect();
        let mut st = IngestStats::default();
        let m = super::from_metrics::run(
            env,
            dir,
            &mg,
            CacheTtl::FiveMinutes,
            period,
            &mut st,
            &mut dg,
            hours.as_ref(),
        )?;
        if !m[0].rows.is_empty() {
            sources_used.push("metrics".to_string());
        }
        from_metrics = Some(m);
    }
    if reports.is_empty() && from_metrics.is_none() {
        return Err(UsageError::new(
            "nothing to review: the input holds neither invocation logs nor metrics",
            "give --logs PATH, or a --snapshot with logs or metrics (`bedrock-lens collect all --month YYYY-MM --out DIR`)",
        )
        .into());
    }
    // Per grouping: month (or day) -> key -> amount, logs and metrics together.
    let empty = Report {
        rows: vec![],
        ..from_metrics
            .as_ref()
            .map(|m| m[0].clone())
            .unwrap_or_else(|| reports[0].clone())
    };
    let rep = |i: usize| reports.get(i).unwrap_or(&empty);
    let metrics_of = |i: usize| -> Option<&Report> {
        let m = from_metrics.as_ref()?;
        match i {
            0..=2 => m.get(i),
            4 => m.get(3),
            _ => None,
        }
    };
    let mut months: Vec<ByMonth> = (0..groupings.len())
        .filter(|i| *i != 4 && *i != 5)
        .map(|i| by_month(rep(i)))
        .collect();
    // months index: 0 model, 1 profile, 2 account, 3 identity, 4.. extra keys.
    let mut metrics_only: BTreeMap<String, Amount> = BTreeMap::new();
    if let Some(m) = metrics_of(0) {
        for (month, keys) in by_month(m) {
            for a in keys.values() {
                metrics_only.entry(month.clone()).or_default().add(a);
            }
        }
        for (slot, i) in [(0usize, 0usize), (1, 1), (2, 2)] {
            if let Some(m) = metrics_of(i) {
                for (month, keys) in by_month(m) {
                    for (k, a) in keys {
                        months[slot]
                            .entry(month.clone())
                            .or_default()
                            .entry(k)
                            .or_default()
                            .add(&a);
                    }
                }
            }
        }
    }
    // Breakdowns that need logs: the metrics' part as its own line, so every breakdown adds up
    // to the same total.
    let no_caller = rv::FROM_METRICS.to_string();
    for by in months.iter_mut().skip(3) {
        for (month, a) in &metrics_only {
            if a.calls > 0 || !a.usd.is_zero() {
                by.entry(month.clone())
                    .or_default()
                    .entry(no_caller.clone())
                    .or_default()
                    .add(a);
            }
        }
    }
    // Days.
    let mut day_model: BTreeMap<NaiveDate, BTreeMap<String, Amount>> = BTreeMap::new();
    let mut add_days = |r: &Report| {
        for row in &r.rows {
            if let Ok(d) = NaiveDate::parse_from_str(&key(row, 0), "%Y-%m-%d") {
                day_model
                    .entry(d)
                    .or_default()
                    .entry(key(row, 1))
                    .or_default()
                    .add(&amount(row));
            }
        }
    };
    add_days(rep(4));
    if let Some(m) = metrics_of(4) {
        add_days(m);
    }
    let daily_total: BTreeMap<NaiveDate, Decimal> = day_model
        .iter()
        .map(|(d, m)| (*d, m.values().map(|a| a.usd).sum()))
        .collect();
    let active: Vec<NaiveDate> = day_model
        .iter()
        .filter(|(_, m)| m.values().any(|a| a.calls > 0 || !a.usd.is_zero()))
        .map(|(d, _)| *d)
        .collect();
    let Some(&through) = active.last() else {
        return Err(UsageError::new(
            "nothing to review: the input has no calls",
            "check the paths or the snapshot's period",
        )
        .into());
    };
    // The month: as asked, else the last complete one (the last with data when none is).
    let first = match input.month {
        Some(m) => m,
        None => {
            let open =
                NaiveDate::from_ymd_opt(through.year(), through.month(), 1).expect("a month");
            if through == last_day(open) {
                open
            } else {
                let prev = open
                    .checked_sub_months(chrono::Months::new(1))
                    .expect("a month");
                if active.iter().any(|d| month_of(*d) == month_of(prev)) {
                    prev
                } else {
                    open
                }
            }
        }
    };
    let end = last_day(first);
    let month = month_of(first);
    let prev_first = first
        .checked_sub_months(chrono::Months::new(1))
        .expect("a month");
    let prev = month_of(prev_first);
    let has_prev = active.iter().any(|d| month_of(*d) == prev);
    if !active.iter().any(|d| month_of(*d) == month) {
        return Err(UsageError::new(
            format!("--month {month}: the input has no calls in it"),
            format!(
                "the input runs from {} to {through}",
                active.first().copied().unwrap_or(through)
            ),
        )
        .into());
    }
    let data_through = through.min(end);
    let open_month = data_through < end;
    let now = |slot: usize| months[slot].get(&month).cloned().unwrap_or_default();
    let before =
        |slot: usize| has_prev.then(|| months[slot].get(&prev).cloned().unwrap_or_default());
    let names = ["model", "profile", "account", "identity"];
    let mut breakdowns = vec![];
    for (slot, name) in names.iter().enumerate() {
        breakdowns.push(rv::breakdown(
            name,
            &now(slot),
            before(slot).as_ref(),
            input.top,
        ));
    }
    for (j, k) in input.by.iter().enumerate() {
        let slot = 4 + j;
        breakdowns.push(rv::breakdown(
            &k.name(),
            &now(slot),
            before(slot).as_ref(),
            input.top,
        ));
    }
    let total = now(0);
    let spend: Decimal = total.values().map(|a| a.usd).sum();
    let previous: Option<Decimal> = before(0).map(|b| b.values().map(|a| a.usd).sum());
    let headline = rv::Headline {
        spend_usd: ExactUsd(spend),
        previous_usd: previous.map(ExactUsd),
        change_usd: previous.map(|p| ExactUsd(spend - p)),
        change_pct: previous.and_then(|p| rv::pct(spend - p, p)),
        calls: total.values().map(|a| a.calls).sum(),
        tokens: total.values().map(|a| a.tokens).sum(),
        unpriced_calls: total.values().map(|a| a.unpriced_calls).sum(),
        forecast: if open_month {
            rv::forecast(&daily_total, data_through, end)
        } else {
            None
        },
    };
    let mut movers = rv::movers(&breakdowns[0], 3);
    movers.extend(rv::movers(&breakdowns[3], 3));
    let unit_costs = vec![
        rv::unit_costs("model", &now(0), input.top),
        rv::unit_costs("identity", &now(3), input.top),
    ];
    // Anomalies: days, and identities' days, against their own baseline.
    let (days, identities) = anomalies::find(&daily_total, rep(5), first, end, input.top);
    // Attribution: the share of spend each metadata key is set on.
    let attribution: Vec<rv::Attribution> = input
        .by
        .iter()
        .enumerate()
        .filter(|(_, k)| matches!(k, GroupKey::Meta(_)))
        .map(|(j, k)| {
            let rows = now(4 + j);
            let sum = |f: &dyn Fn(&str) -> bool| -> Decimal {
                rows.iter()
                    .filter(|(key, _)| f(key))
                    .map(|(_, a)| a.usd)
                    .sum()
            };
            let untagged = sum(&|key| key == "-");
            let unknown = sum(&|key| key == no_caller);
            rv::Attribution {
                key: k.name(),
                tagged_usd: ExactUsd(spend - untagged - unknown),
                untagged_usd: ExactUsd(untagged),
                from_metrics_usd: ExactUsd(unknown),
                tagged_pct: rv::pct(spend - untagged - unknown, spend),
            }
        })
        .collect();
    // The what-if of the month: caching in use and recommendations.
    let month_period = Period {
        start: Some(midnight(first)),
        end: Some(midnight(end.succ_opt().expect("a day"))),
    };
    let (cache, recommendations) = whatif(env, input, dir, has_metrics, month_period)?;
    // Against the bill.
    let (reconciliation, reconciliation_absent, billed_by_day) = match dir {
        Some(dir) if has_bill => {
            let (r, by_day) = reconcile(env, dir, month_period)?;
            (Some(r), None, by_day)
        }
        Some(_) => (
            None,
            Some("the snapshot holds no bill (collect costs for the month: `bedrock-lens collect costs --month ...`)".to_string()),
            BTreeMap::new(),
        ),
        None => (
            None,
            Some("reviewed from log files: no bill to compare with (review a snapshot with `collect costs` in it)".to_string()),
            BTreeMap::new(),
        ),
    };
    if reconciliation.is_some() {
        sources_used.push("bill".to_string());
    }
    let waste = waste(dir, has_metrics, &total, first, end)?;
    // Daily: the top models, the rest as other; last month's same day; billed.
    let top_models: Vec<String> = breakdowns[0]
        .rows
        .iter()
        .take(6)
        .map(|r| r.key.clone())
        .collect();
    let daily = (0..=(end - first).num_days())
        .filter_map(|k| first.checked_add_days(chrono::Days::new(k as u64)))
        .filter(|d| *d <= data_through)
        .map(|d| {
            let models = day_model.get(&d).cloned().unwrap_or_default();
            let mut by_model: Vec<(String, ExactUsd)> = top_models
                .iter()
                .map(|m| {
                    (
                        m.clone(),
                        ExactUsd(models.get(m).map(|a| a.usd).unwrap_or_default()),
                    )
                })
                .collect();
            let other: Decimal = models
                .iter()
                .filter(|(m, _)| !top_models.contains(m))
                .map(|(_, a)| a.usd)
                .sum();
            if !other.is_zero() {
                by_model.push(("other".into(), ExactUsd(other)));
            }
            let before_day = prev_first.with_day(d.day()).filter(|_| has_prev);
            rv::Daily {
                day: d,
                usd: ExactUsd(daily_total.get(&d).copied().unwrap_or_default()),
                by_model,
                previous_usd: before_day
                    .map(|b| ExactUsd(daily_total.get(&b).copied().unwrap_or_default())),
                billed_usd: billed_by_day.get(&d).copied().map(ExactUsd),
            }
        })
        .collect();
    let recommendations_total: Decimal = recommendations.iter().map(|r| r.savings_usd.0).sum();
    let mut review = Review {
        schema: rv::SCHEMA,
        month: month.clone(),
        previous_month: has_prev.then(|| prev.clone()),
        data_through: Some(data_through),
        open_month,
        sources: sources_used,
        catalog_as_of: env.catalog.as_of().map(|d| d.to_string()),
        headline,
        breakdowns,
        movers,
        unit_costs,
        cache,
        waste,
        reconciliation,
        reconciliation_absent,
        anomalies: rv::Anomalies {
            method: rv::METHOD.to_string(),
            days,
            identities,
        },
        attribution,
        recommendations,
        recommendations_total_usd: ExactUsd(recommendations_total),
        caveats: vec![],
        daily,
    };
    review.caveats = caveats(
        env,
        &review,
        &stats,
        rep(0),
        &now(0),
        &metrics_only,
        &month,
        has_metrics,
        dir,
    );
    Ok((review, stats, diags))
}
