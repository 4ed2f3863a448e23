//! The review's sections from other passes: the month's what-if (caching, recommendations),
//! the bill compared as `reconcile` compares it, waste, and the caveats.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::super::compare::{compare, Compare};
use super::super::pipeline::{run_whatif, run_whatif_metrics};
use super::Input;
use crate::cli::ReconcileBy;
use crate::money::ExactUsd;
use crate::output::reconcile::Thresholds;
use crate::output::report::Report;
use crate::output::review::{self as rv, Amount, Review};
use crate::scenarios::spec::{self, Eligibility};
use crate::settings::Env;
use crate::usage::ingest::IngestStats;
use crate::usage::{Diagnostics, Period};

/// Caching in use and recommendations, from the month's what-if.
pub fn whatif(
    env: &Env,
    input: &Input,
    dir: Option<&Path>,
    has_metrics: bool,
    period: Period,
) -> anyhow::Result<(Option<rv::Cache>, Vec<rv::Recommendation>)> {
    let logs = !input.sources.is_empty();
    let names: Vec<String> = spec::DEFAULT
        .iter()
        .filter(|n| logs || !(**n == "caching" || n.starts_with("caching-")))
        .map(|n| n.to_string())
        .collect();
    // Streaming callers wait for the answer: only the rest could move to batch.
    let eligibility = Eligibility {
        rules: vec![],
        non_streaming: true,
    };
    let setup = super::super::pipeline::model_whatif(env, &names, eligibility, period)?;
    let run = match (logs, dir) {
        (true, _) => run_whatif(
            env,
            &input.sources,
            &setup,
            IngestStats::default(),
            Diagnostics::default(),
        )?,
        (false, Some(dir)) if has_metrics => run_whatif_metrics(
            env,
            dir,
            &setup,
            IngestStats::default(),
            Diagnostics::default(),
        )?,
        _ => return Ok((None, vec![])),
    };
    let w = &run.result;
    let c = &w.caching_in_use;
    let cache = (logs && c.cache_read_tokens + c.cache_write_tokens > 0).then(|| rv::Cache {
        read_tokens: c.cache_read_tokens,
        write_tokens: c.cache_write_tokens,
        realised_savings_usd: ExactUsd(c.realised_savings_usd.to_decimal()),
        write_premium_usd: ExactUsd(c.write_premium_usd.to_decimal()),
        unread_writes: (c.unread_writes.counts.writes > 0)
            .then_some(c.unread_writes.counts.unread_writes),
        checked_writes: c.unread_writes.counts.writes,
        unread_premium_usd: (c.unread_writes.counts.writes > 0)
            .then(|| ExactUsd(c.unread_writes.premium_usd.to_decimal())),
    });
    let recs = w
        .recommendations
        .iter()
        .filter_map(|r| {
            let scenario = r.scenario.clone()?;
            let s = r.savings_usd.to_decimal();
            (s > Decimal::ZERO).then(|| rv::Recommendation {
                model: r
                    .key
                    .0
                    .first()
                    .and_then(|(_, v)| v.clone())
                    .unwrap_or_default(),
                scenario,
                savings_usd: ExactUsd(s),
                savings_pct: r.savings_pct.map(|p| ExactUsd(p.0)),
                caveat: r.reason.clone(),
            })
        })
        .collect();
    Ok((cache, recs))
}

/// The month's bill against its computed cost, as `reconcile --by day` gives it.
pub fn reconcile(
    env: &Env,
    dir: &Path,
    period: Period,
) -> anyhow::Result<(rv::Reconciliation, BTreeMap<NaiveDate, Decimal>)> {
    let c = compare(
        env,
        &Compare {
            dir,
            source: crate::output::report::DataSource::Auto,
            period,
            by: ReconcileBy::Day,
            by_token_kind: false,
            thresholds: Thresholds {
                pct: Decimal::ONE,
                usd: Decimal::ONE,
            },
            discounts: None,
            flat_discount: false,
        },
    )?;
    let rec = c.rec;
    let mut by_model: BTreeMap<String, (Option<Decimal>, Option<Decimal>)> = BTreeMap::new();
    let mut by_day: BTreeMap<String, (Option<Decimal>, Option<Decimal>)> = BTreeMap::new();
    let add = |slot: &mut (Option<Decimal>, Option<Decimal>), r: &crate::output::reconcile::Row| {
        if let Some(c) = r.computed_usd {
            *slot.0.get_or_insert(Decimal::ZERO) += c.0;
        }
        if let Some(b) = r.billed_usd {
            *slot.1.get_or_insert(Decimal::ZERO) += b.0;
        }
    };
    for r in &rec.rows {
        add(by_model.entry(r.model.clone()).or_default(), r);
        // Per day: model tokens only (a provisioned charge is not usage of the day).
        if !r.other_charge {
            add(by_day.entry(r.period.clone()).or_default(), r);
        }
    }
    let gap = |k: String, (c, b): (Option<Decimal>, Option<Decimal>)| {
        let g = b.unwrap_or_default() - c.unwrap_or_default();
        rv::Gap {
            key: k,
            computed_usd: c.map(ExactUsd),
            billed_usd: b.map(ExactUsd),
            gap_usd: Some(ExactUsd(g)),
            gap_pct: b.and_then(|b| rv::pct(g, b)),
            cause: None,
        }
    };
    let billed_by_day: BTreeMap<NaiveDate, Decimal> = by_day
        .iter()
        .filter_map(|(d, (_, b))| Some((NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()?, (*b)?)))
        .collect();
    let mut models: Vec<rv::Gap> = by_model.into_iter().map(|(k, v)| gap(k, v)).collect();
    models.sort_by(|a, b| {
        let abs = |g: &rv::Gap| g.gap_usd.map(|x| x.0.abs()).unwrap_or_default();
        abs(b).cmp(&abs(a)).then(a.key.cmp(&b.key))
    });
    let flagged = rec
        .rows
        .iter()
        .filter(|r| r.flagged)
        .map(|r| rv::Gap {
            key: format!("{} {}", r.model, r.period),
            computed_usd: r.computed_usd,
            billed_usd: r.billed_usd,
            gap_usd: r.gap_usd,
            gap_pct: r.gap_pct,
            cause: r.cause.clone(),
        })
        .collect();
    Ok((
        rv::Reconciliation {
            computed_usd: rec.computed_usd,
            billed_usd: rec.billed_usd,
            other_charges_usd: rec.other_charges_usd,
            gap_usd: rec.gap_usd,
            flagged,
            by_model: models,
            by_day: by_day.into_iter().map(|(k, v)| gap(k, v)).collect(),
            coverage: rec.logging_coverage.clone(),
            credits_usd: rec.adjustments.as_ref().map(|a| a.adjustments_usd),
            billed_net_usd: rec.adjustments.as_ref().map(|a| a.net_usd),
        },
        billed_by_day,
    ))
}

/// Errors, throttles (from the metrics) and what cannot be measured.
pub fn waste(
    dir: Option<&Path>,
    has_metrics: bool,
    total: &BTreeMap<String, Amount>,
    first: NaiveDate,
    end: NaiveDate,
) -> anyhow::Result<rv::Waste> {
    let calls: u64 = total.values().map(|a| a.calls).sum();
    let errors: u64 = total.values().map(|a| a.errors).sum();
    let throttles = match (dir, has_metrics) {
        (Some(dir), true) => {
            let rows = crate::snapshot::metrics::read(
                &dir.join(crate::snapshot::METRICS),
                &mut Diagnostics::default(),
            )?;
            // Collected or not: a series never asked for is not zero throttles.
            rows.iter()
                .any(|r| r.point.metric == "InvocationThrottles")
                .then(|| {
                    rows.iter()
                        .filter(|r| r.point.metric == "InvocationThrottles")
                        .filter(|r| {
                            let d = r.point.timestamp.date_naive();
                            d >= first && d <= end
                        })
                        .map(|r| r.point.value.max(0.0) as u64)
                        .sum()
                })
        }
        _ => None,
    };
    let mut not_measurable = vec![
        "retried calls: a retry is a new request id and the logs carry no retry marker".to_string(),
        "the cost of failed calls: a failed call's tokens, when its log counts them, are in its model's spend; AWS does not bill throttled calls".to_string(),
    ];
    if throttles.is_none() {
        not_measurable.push(match (dir, has_metrics) {
            (Some(_), true) => "throttles: the snapshot's metrics have no InvocationThrottles series (collect metrics again: `collect metrics` asks for it)".into(),
            _ => "throttles: they are in CloudWatch metrics (InvocationThrottles), not in the logs; collect metrics for the month".into(),
        });
    }
    Ok(rv::Waste {
        calls,
        errors,
        error_pct: rv::pct(Decimal::from(errors), Decimal::from(calls)),
        throttles,
        not_measurable,
    })
}

/// What the reader must know, in the document itself.
#[allow(clippy::too_many_arguments)]
pub fn caveats(
    env: &Env,
    r: &Review,
    stats: &IngestStats,
    models: &Report,
    month_models: &BTreeMap<String, Amount>,
    metrics_only: &BTreeMap<String, Amount>,
    month: &str,
    has_metrics: bool,
    dir: Option<&Path>,
) -> Vec<String> {
    let mut out = vec![];
    // Models of this month that no price covers (the pass reads every month).
    let month_unpriced = |id: &str| month_models.get(id).is_some_and(|a| a.unpriced_calls > 0);
    for u in models
        .unpriced
        .iter()
        .filter(|u| month_unpriced(&u.model_id))
    {
        let a = &month_models[&u.model_id];
        out.push(format!(
            "not priced, so in no amount: {} ({} calls, {} tokens this month): {}",
            u.model_id,
            crate::money::group_thousands(a.unpriced_calls),
            crate::money::group_thousands(a.tokens),
            u.reasons.join("; ")
        ));
    }
    for a in &r.attribution {
        if a.tagged_usd.0.is_zero() && a.untagged_usd.0 > Decimal::ZERO {
            out.push(format!("{} is set on no priced call this month: is the key spelled as the requestMetadata has it?", a.key));
        }
    }
    if stats.skipped_lines > 0 {
        out.push(format!(
            "{} log line(s) of the input (all months read) could not be read and were skipped",
            stats.skipped_lines
        ));
    }
    if models.input.duplicates_dropped > 0 {
        out.push(format!(
            "{} request(s) of the input (all months read) were read twice (the same request id) and counted once",
            models.input.duplicates_dropped
        ));
    }
    for o in &models.pricing.overrides {
        out.push(format!("prices overridden from {}", o.file));
    }
    if let Some(s) = &models.pricing.stale_prices {
        out.push(s.clone());
    }
    if let Some(as_of) = &r.catalog_as_of {
        out.push(format!(
            "prices: the built-in catalog as of {as_of} (AWS Price List), each row with its source"
        ));
    }
    if let Some(a) = metrics_only.get(month).filter(|a| a.calls > 0) {
        out.push(format!(
            "{} call(s) (${}) in hours without logs are priced from CloudWatch metrics: in the model, profile and account breakdowns, and as their own line where a caller or metadata key is needed",
            crate::money::group_thousands(a.calls),
            a.usd.round_dp(2)
        ));
    }
    if dir.is_some() && !has_metrics {
        out.push("no CloudWatch metrics in the snapshot: logging coverage and throttles are not measurable".into());
    }
    if r.previous_month.is_none() {
        out.push("no data for the month before: month-over-month changes are not measurable (give --previous PATH)".into());
    }
    let _ = env;
    out
}
