//! The monthly spend review (`bedrock-lens/review/v1`): one document built from the same
//! report, what-if and reconcile results as those commands, with the review's own arithmetic
//! (month over month, top-N and other, unit costs, anomalies against a robust baseline,
//! attribution, forecast) done here once, exactly, for every format to render.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, NaiveDate, Weekday};
use rust_decimal::Decimal;
use serde::Serialize;

use crate::money::ExactUsd;
use crate::output::reconcile::Coverage;

pub const SCHEMA: &str = "bedrock-lens/review/v1";

/// The line of a breakdown that needs logs (caller, metadata) holding the calls priced from
/// metrics in hours without logs, so every breakdown adds up to the same total.
pub const FROM_METRICS: &str = "(hours without logs: from metrics)";

/// One group's month: spend, calls and tokens, this month and last.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Amount {
    pub usd: Decimal,
    pub calls: u64,
    pub errors: u64,
    pub tokens: u64,
    pub unpriced_calls: u64,
}

impl Amount {
    pub fn add(&mut self, o: &Amount) {
        self.usd += o.usd;
        self.calls += o.calls;
        self.errors += o.errors;
        self.tokens += o.tokens;
        self.unpriced_calls += o.unpriced_calls;
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Review {
    pub schema: &'static str,
    /// The month reviewed, `YYYY-MM`.
    pub month: String,
    /// The month compared with, when the input holds it.
    pub previous_month: Option<String>,
    /// The last day with data; before the month's last day the month is open (forecast).
    pub data_through: Option<NaiveDate>,
    pub open_month: bool,
    /// What the numbers come from: `logs`, `metrics` (hours without logs), `bill`.
    pub sources: Vec<String>,
    pub catalog_as_of: Option<String>,
    pub headline: Headline,
    pub breakdowns: Vec<Breakdown>,
    pub movers: Vec<Mover>,
    pub unit_costs: Vec<UnitCosts>,
    pub cache: Option<Cache>,
    pub waste: Waste,
    /// `None` with `reconciliation_absent` saying why.
    pub reconciliation: Option<Reconciliation>,
    pub reconciliation_absent: Option<String>,
    pub anomalies: Anomalies,
    pub attribution: Vec<Attribution>,
    pub recommendations: Vec<Recommendation>,
    /// What adopting every recommendation would save in the month.
    pub recommendations_total_usd: ExactUsd,
    pub caveats: Vec<String>,
    pub daily: Vec<Daily>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Headline {
    pub spend_usd: ExactUsd,
    pub previous_usd: Option<ExactUsd>,
    pub change_usd: Option<ExactUsd>,
    /// change / previous, percent, one decimal.
    pub change_pct: Option<ExactUsd>,
    pub calls: u64,
    pub tokens: u64,
    /// Calls no price covers: not in any amount.
    pub unpriced_calls: u64,
    pub forecast: Option<Forecast>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Forecast {
    /// The month's spend at its end: spent so far plus the remaining days.
    pub month_end_usd: ExactUsd,
    pub remaining_days: u32,
    pub method: String,
}

/// Spend by one key, this month and last; the top rows, the rest as one `other` line.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Breakdown {
    /// `model`, `profile`, `account`, `identity` or `meta:KEY`.
    pub by: String,
    pub rows: Vec<SpendRow>,
    pub other: Option<SpendRow>,
    pub total_usd: ExactUsd,
    pub previous_total_usd: Option<ExactUsd>,
    /// Keys with calls this month and none the month before, in or out of the top rows.
    pub new: Vec<String>,
    /// Keys with calls the month before and none this month.
    pub vanished: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SpendRow {
    pub key: String,
    pub usd: ExactUsd,
    /// Share of the month's spend, percent, one decimal.
    pub share_pct: Option<ExactUsd>,
    pub previous_usd: Option<ExactUsd>,
    pub change_usd: Option<ExactUsd>,
    pub change_pct: Option<ExactUsd>,
    pub calls: u64,
    pub tokens: u64,
    /// `new` (nothing last month), `vanished` (nothing this month), or none.
    pub status: Option<&'static str>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Mover {
    pub by: String,
    pub key: String,
    pub previous_usd: ExactUsd,
    pub usd: ExactUsd,
    pub change_usd: ExactUsd,
    pub change_pct: Option<ExactUsd>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnitCosts {
    pub by: String,
    pub rows: Vec<UnitCost>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnitCost {
    pub key: String,
    pub calls: u64,
    pub tokens: u64,
    pub usd: ExactUsd,
    pub usd_per_1k_calls: Option<ExactUsd>,
    pub usd_per_1m_tokens: Option<ExactUsd>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cache {
    pub read_tokens: u64,
    pub write_tokens: u64,
    /// Reads at the cache-read rate instead of the input rate, less the writes' premium.
    pub realised_savings_usd: ExactUsd,
    pub write_premium_usd: ExactUsd,
    /// Cache writes the next request with the same prefix did not read within the TTL; `None`
    /// when no logged write could be matched to its prompt (not measurable).
    pub unread_writes: Option<u64>,
    /// Of the requests that wrote the cache, those that could be checked.
    pub checked_writes: u64,
    pub unread_premium_usd: Option<ExactUsd>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Waste {
    pub calls: u64,
    pub errors: u64,
    pub error_pct: Option<ExactUsd>,
    /// CloudWatch InvocationThrottles in the month, when the snapshot has metrics.
    pub throttles: Option<u64>,
    /// What cannot be told, and why.
    pub not_measurable: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reconciliation {
    pub computed_usd: ExactUsd,
    pub billed_usd: ExactUsd,
    pub other_charges_usd: ExactUsd,
    pub gap_usd: ExactUsd,
    pub flagged: Vec<Gap>,
    pub by_model: Vec<Gap>,
    pub by_day: Vec<Gap>,
    pub coverage: Vec<Coverage>,
    pub credits_usd: Option<ExactUsd>,
    pub billed_net_usd: Option<ExactUsd>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Gap {
    /// The model, the day, or `model day` for a flagged row.
    pub key: String,
    pub computed_usd: Option<ExactUsd>,
    pub billed_usd: Option<ExactUsd>,
    pub gap_usd: Option<ExactUsd>,
    pub gap_pct: Option<ExactUsd>,
    pub cause: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Anomalies {
    pub method: String,
    pub days: Vec<Anomaly>,
    pub identities: Vec<Anomaly>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Anomaly {
    pub day: NaiveDate,
    /// The identity, for an identity's anomaly.
    pub identity: Option<String>,
    pub usd: ExactUsd,
    pub baseline_usd: ExactUsd,
    /// usd - baseline.
    pub impact_usd: ExactUsd,
    /// How many robust deviations above the baseline, one decimal.
    pub score: ExactUsd,
    /// What drove it: `identity / model / N long-context requests`.
    pub driver: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Attribution {
    /// `meta:KEY`.
    pub key: String,
    pub tagged_usd: ExactUsd,
    /// Logged calls without the key.
    pub untagged_usd: ExactUsd,
    /// Calls priced from metrics (hours without logs): whether the key was set is unknown.
    pub from_metrics_usd: ExactUsd,
    pub tagged_pct: Option<ExactUsd>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Recommendation {
    pub model: String,
    pub scenario: String,
    pub savings_usd: ExactUsd,
    pub savings_pct: Option<ExactUsd>,
    pub caveat: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Daily {
    pub day: NaiveDate,
    pub usd: ExactUsd,
    /// Per model (the top models; the rest as `other`).
    pub by_model: Vec<(String, ExactUsd)>,
    /// The same day of the month before, when there is one.
    pub previous_usd: Option<ExactUsd>,
    pub billed_usd: Option<ExactUsd>,
}

/// `num / den` in percent, one decimal.
pub fn pct(num: Decimal, den: Decimal) -> Option<ExactUsd> {
    (!den.is_zero()).then(|| ExactUsd((num * Decimal::from(100) / den).round_dp(1)))
}

/// A breakdown's rows: this month's and last month's amounts per key, sorted by spend, the top
/// `top` shown and the rest summed into `other`; keys with nothing this month but something
/// last month are `vanished` rows (shown when in the top by last month's spend).
pub fn breakdown(
    by: &str,
    now: &BTreeMap<String, Amount>,
    before: Option<&BTreeMap<String, Amount>>,
    top: usize,
) -> Breakdown {
    let total: Decimal = now.values().map(|a| a.usd).sum();
    let keys: BTreeSet<&String> = now
        .keys()
        .chain(before.into_iter().flat_map(|b| b.keys()))
        .collect();
    let mut rows: Vec<SpendRow> = keys
        .into_iter()
        .map(|k| {
            let a = now.get(k).cloned().unwrap_or_default();
            let p = before.map(|b| b.get(k).cloned().unwrap_or_default());
            row(k, &a, p.as_ref(), total)
        })
        .collect();
    rows.sort_by(|a, b| {
        let prev = |r: &SpendRow| r.previous_usd.map(|p| p.0).unwrap_or_default();
        b.usd
            .0
            .cmp(&a.usd.0)
            .then(prev(b).cmp(&prev(a)))
            .then(a.key.cmp(&b.key))
    });
    let with = |status: &str| -> Vec<String> {
        rows.iter()
            .filter(|r| r.status == Some(status) && !r.key.starts_with('('))
            .map(|r| r.key.clone())
            .collect()
    };
    let (new, vanished) = (with("new"), with("vanished"));
    let other = (rows.len() > top).then(|| {
        let rest = rows.split_off(top);
        let mut a = Amount::default();
        let mut p = before.map(|_| Amount::default());
        for r in &rest {
            a.add(&Amount {
                usd: r.usd.0,
                calls: r.calls,
                tokens: r.tokens,
                ..Default::default()
            });
            if let (Some(p), Some(x)) = (p.as_mut(), r.previous_usd) {
                p.usd += x.0;
            }
        }
        let mut o = row(
            &format!("other ({} more)", rest.len()),
            &a,
            p.as_ref(),
            total,
        );
        o.status = None;
        o
    });
    Breakdown {
        by: by.to_string(),
        rows,
        other,
        total_usd: ExactUsd(total),
        previous_total_usd: before.map(|b| ExactUsd(b.values().map(|a| a.usd).sum())),
        new,
        vanished,
    }
}

fn row(key: &str, a: &Amount, p: Option<&Amount>, total: Decimal) -> SpendRow {
    let change = p.map(|p| a.usd - p.usd);
    let status = match p {
        Some(p) if p.calls == 0 && p.usd.is_zero() && (a.calls > 0 || !a.usd.is_zero()) => {
            Some("new")
        }
        Some(p) if a.calls == 0 && a.usd.is_zero() && (p.calls > 0 || !p.usd.is_zero()) => {
            Some("vanished")
        }
        _ => None,
    };
    SpendRow {
        key: key.to_string(),
        usd: ExactUsd(a.usd),
        share_pct: pct(a.usd, total),
        previous_usd: p.map(|p| ExactUsd(p.usd)),
        change_usd: change.map(ExactUsd),
        change_pct: p.and_then(|p| change.and_then(|c| pct(c, p.usd))),
        calls: a.calls,
        tokens: a.tokens,
        status,
    }
}

/// The biggest month-over-month movers of a breakdown: up to `n` up and `n` down, by dollars
/// (lines of our own, in parentheses, are not movers).
pub fn movers(b: &Breakdown, n: usize) -> Vec<Mover> {
    let mut all: Vec<Mover> = b
        .rows
        .iter()
        .filter(|r| !r.key.starts_with('('))
        .filter_map(|r| {
            let (p, c) = (r.previous_usd?, r.change_usd?);
            (!c.0.is_zero()).then(|| Mover {
                by: b.by.clone(),
                key: r.key.clone(),
                previous_usd: p,
                usd: r.usd,
                change_usd: c,
                change_pct: r.change_pct,
            })
        })
        .collect();
    all.sort_by_key(|m| std::cmp::Reverse(m.change_usd.0));
    let up: Vec<Mover> = all
        .iter()
        .filter(|m| m.change_usd.0 > Decimal::ZERO)
        .take(n)
        .cloned()
        .collect();
    let down: Vec<Mover> = all
        .iter()
        .rev()
        .filter(|m| m.change_usd.0 < Decimal::ZERO)
        .take(n)
        .cloned()
        .collect();
    up.into_iter().chain(down).collect()
}

/// $ per 1K calls and per 1M tokens.
pub fn unit_costs(by: &str, now: &BTreeMap<String, Amount>, top: usize) -> UnitCosts {
    let mut rows: Vec<UnitCost> = now
        .iter()
        .filter(|(_, a)| !a.usd.is_zero())
        .map(|(k, a)| UnitCost {
            key: k.clone(),
            calls: a.calls,
            tokens: a.tokens,
            usd: ExactUsd(a.usd),
            usd_per_1k_calls: (a.calls > 0).then(|| {
                ExactUsd((a.usd * Decimal::from(1000) / Decimal::from(a.calls)).round_dp(6))
            }),
            usd_per_1m_tokens: (a.tokens > 0).then(|| {
                ExactUsd((a.usd * Decimal::from(1_000_000) / Decimal::from(a.tokens)).round_dp(6))
            }),
        })
        .collect();
    rows.sort_by(|a, b| b.usd.0.cmp(&a.usd.0).then(a.key.cmp(&b.key)));
    rows.truncate(top);
    UnitCosts {
        by: by.to_string(),
        rows,
    }
}

/// The median of `xs` (empty: zero).
fn median(xs: &mut [Decimal]) -> Decimal {
    if xs.is_empty() {
        return Decimal::ZERO;
    }
    xs.sort();
    let n = xs.len();
    if n % 2 == 1 {
        xs[n / 2]
    } else {
        (xs[n / 2 - 1] + xs[n / 2]) / Decimal::from(2)
    }
}

fn weekend(d: NaiveDate) -> bool {
    matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

/// How anomalies are found, in words.
pub const METHOD: &str = "a day is compared with the same kind of day (weekday or weekend) in the 14 days before it (at least 3 such days with data): flagged when its spend is above the median of those days by more than 3.5 robust deviations (1.4826 x the median absolute deviation, at least 10% of the median) and by at least $1";

/// Robust score threshold and floors of [`METHOD`].
const SCORE: i64 = 35; // tenths
const MIN_IMPACT_USD: i64 = 1;

/// Days of `days` (in the reviewed month) far above their baseline in `series` (every day's
/// amount, the 14 days before the month included).
pub fn anomalous_days(
    series: &BTreeMap<NaiveDate, Decimal>,
    days: &[NaiveDate],
) -> Vec<(NaiveDate, Decimal, Decimal, Decimal)> {
    let mut out = vec![];
    // Days before the data starts are no baseline (not $0 days).
    let Some(&start) = series.keys().next() else {
        return out;
    };
    for &d in days {
        let Some(&x) = series.get(&d) else { continue };
        let mut base: Vec<Decimal> = (1..=14)
            .filter_map(|k| d.checked_sub_days(chrono::Days::new(k)))
            .filter(|p| *p >= start && weekend(*p) == weekend(d))
            .map(|p| series.get(&p).copied().unwrap_or_default())
            .collect();
        if base.len() < 3 {
            continue;
        }
        let med = median(&mut base);
        let mut dev: Vec<Decimal> = base.iter().map(|v| (*v - med).abs()).collect();
        let mad = median(&mut dev);
        let sigma = (mad * Decimal::new(14826, 4)).max(med / Decimal::from(10));
        if sigma.is_zero() {
            continue;
        }
        let score = (x - med) / sigma;
        if score * Decimal::from(10) > Decimal::from(SCORE)
            && x - med >= Decimal::from(MIN_IMPACT_USD)
        {
            out.push((d, x, med, score.round_dp(1)));
        }
    }
    out
}

/// The month's forecast from its days so far: each remaining day at the mean of the same kind
/// of day (weekday or weekend) among the last 7 days with data.
pub fn forecast(
    series: &BTreeMap<NaiveDate, Decimal>,
    through: NaiveDate,
    month_end: NaiveDate,
) -> Option<Forecast> {
    if through >= month_end {
        return None;
    }
    let first = NaiveDate::from_ymd_opt(through.year(), through.month(), 1)?;
    let so_far: Decimal = series.range(first..=through).map(|(_, v)| *v).sum();
    let last7: Vec<(NaiveDate, Decimal)> = (0..7)
        .filter_map(|k| through.checked_sub_days(chrono::Days::new(k)))
        .map(|d| (d, series.get(&d).copied().unwrap_or_default()))
        .collect();
    let mean = |we: bool| {
        let v: Vec<Decimal> = last7
            .iter()
            .filter(|(d, _)| weekend(*d) == we)
            .map(|(_, v)| *v)
            .collect();
        if v.is_empty() {
            Decimal::ZERO
        } else {
            v.iter().copied().sum::<Decimal>() / Decimal::from(v.len())
        }
    };
    let (wd, we) = (mean(false), mean(true));
    let mut rest = Decimal::ZERO;
    let mut d = through.succ_opt()?;
    let mut remaining = 0;
    while d <= month_end {
        rest += if weekend(d) { we } else { wd };
        remaining += 1;
        d = d.succ_opt()?;
    }
    Some(Forecast {
        month_end_usd: ExactUsd((so_far + rest).round_dp(2)),
        remaining_days: remaining,
        method: format!(
            "run rate of the last 7 days with the weekday pattern: each of the {remaining} remaining day(s) at the mean of the same kind of day (weekday ${}, weekend ${}) in the 7 days to {through}",
            wd.round_dp(2),
            we.round_dp(2)
        ),
    })
}

#[cfg(test)]
#[path = "review_tests.rs"]
mod tests;
