//! The review's anomalies: days and identities' days far above their own baseline (the method
//! is `review::METHOD`), each with the identity and model that drove it.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::{amount, key};
use crate::money::ExactUsd;
use crate::output::report::Report;
use crate::output::review::{self as rv, Amount};

/// The month's anomalous days and identities (the top `top` by impact); `day_identity_model`
/// is the pass's `[Day, Identity, Model]` grouping.
pub fn find(
    daily_total: &BTreeMap<NaiveDate, Decimal>,
    day_identity_model: &Report,
    first: NaiveDate,
    end: NaiveDate,
    top: usize,
) -> (Vec<rv::Anomaly>, Vec<rv::Anomaly>) {
    let month_days: Vec<NaiveDate> = daily_total
        .keys()
        .copied()
        .filter(|d| *d >= first && *d <= end)
        .collect();
    let mut ident_model: BTreeMap<(String, String), BTreeMap<NaiveDate, Amount>> = BTreeMap::new();
    let mut long_ctx: BTreeMap<(NaiveDate, String, String), u64> = BTreeMap::new();
    for r in &day_identity_model.rows {
        let Ok(d) = NaiveDate::parse_from_str(&key(r, 0), "%Y-%m-%d") else {
            continue;
        };
        let (ident, model) = (key(r, 1), key(r, 2));
        ident_model
            .entry((ident.clone(), model.clone()))
            .or_default()
            .entry(d)
            .or_default()
            .add(&amount(r));
        if r.long_context_invocations > 0 {
            long_ctx.insert((d, ident, model), r.long_context_invocations);
        }
    }
    let driver = |d: NaiveDate, only: Option<&str>| -> String {
        // The identity and model whose spend rose most over their own median of the 14 days
        // before.
        let mut best: Option<(Decimal, &str, &str, u64, Decimal)> = None;
        for ((ident, model), series) in &ident_model {
            if only.is_some_and(|o| o != ident) {
                continue;
            }
            let x = series.get(&d).map(|a| a.usd).unwrap_or_default();
            let mut base: Vec<Decimal> = (1..=14)
                .filter_map(|k| d.checked_sub_days(chrono::Days::new(k)))
                .map(|p| series.get(&p).map(|a| a.usd).unwrap_or_default())
                .collect();
            base.sort();
            let med = base[base.len() / 2];
            let calls = series.get(&d).map(|a| a.calls).unwrap_or(0);
            if best.is_none_or(|b| x - med > b.0) {
                best = Some((x - med, ident, model, calls, med));
            }
        }
        match best {
            None => "not measurable (no per-identity logs for the day)".into(),
            Some((_, ident, model, calls, _)) => {
                let who = crate::usage::identity_principal(ident);
                let role = who.rsplit('/').next().unwrap_or(who);
                match long_ctx.get(&(d, ident.to_string(), model.to_string())) {
                    Some(n) => format!("{role} / {model} / {n} long-context request(s)"),
                    None => format!("{role} / {model} / {calls} request(s)"),
                }
            }
        }
    };
    let days: Vec<rv::Anomaly> = rv::anomalous_days(daily_total, &month_days)
        .into_iter()
        .map(|(d, x, med, score)| rv::Anomaly {
            day: d,
            identity: None,
            usd: ExactUsd(x),
            baseline_usd: ExactUsd(med),
            impact_usd: ExactUsd(x - med),
            score: ExactUsd(score),
            driver: driver(d, None),
        })
        .collect();
    let mut by_ident: BTreeMap<String, BTreeMap<NaiveDate, Decimal>> = BTreeMap::new();
    for ((ident, _), series) in &ident_model {
        for (d, a) in series {
            *by_ident
                .entry(ident.clone())
                .or_default()
                .entry(*d)
                .or_default() += a.usd;
        }
    }
    let mut identities = vec![];
    for (ident, series) in &by_ident {
        for (d, x, med, score) in rv::anomalous_days(series, &month_days) {
            identities.push(rv::Anomaly {
                day: d,
                identity: Some(ident.clone()),
                usd: ExactUsd(x),
                baseline_usd: ExactUsd(med),
                impact_usd: ExactUsd(x - med),
                score: ExactUsd(score),
                driver: driver(d, Some(ident)),
            });
        }
    }
    identities.sort_by(|a, b| b.impact_usd.0.cmp(&a.impact_usd.0).then(a.day.cmp(&b.day)));
    identities.truncate(top);
    (days, identities)
}
