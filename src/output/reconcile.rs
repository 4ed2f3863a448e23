//! `reconcile`: computed cost (logs or metrics) against the bill, per account, region, model and
//! day (or month): both amounts, the gap in dollars and percent, a flag above the thresholds and
//! the usual cause next to it; and logging coverage (log tokens against metric tokens).

use std::collections::{BTreeMap, BTreeSet};

use rust_decimal::Decimal;
use serde::Serialize;

use crate::money::ExactUsd;
use crate::output::bill::Adjustments;
use crate::output::report::Counts;

pub const SCHEMA: &str = "bedrock-lens/reconcile/v1";

/// account, region, model (catalog key or a bill category), day or month, and the token kind
/// (`input`, `output`, `cache_read`, `cache_write`) when split by it, else empty.
pub type Key = (String, String, String, String, String);

/// What was computed for a key.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Computed {
    /// `None`: nothing of it could be priced.
    pub usd: Option<Decimal>,
    pub unpriced_invocations: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub account: String,
    pub region: String,
    pub model: String,
    /// The day or month, as asked (written as the field `day` or `month`).
    pub period: String,
    pub monthly: bool,
    /// Set when the reconciliation is split by token kind.
    pub token_kind: Option<String>,
    pub computed_usd: Option<ExactUsd>,
    pub billed_usd: Option<ExactUsd>,
    /// billed - computed (what the bill holds beyond what was computed); `None` when not
    /// measurable: usage there that no price in the catalog covers.
    pub gap_usd: Option<ExactUsd>,
    /// gap / billed, in percent, one decimal; `None` when nothing was billed.
    pub gap_pct: Option<ExactUsd>,
    pub flagged: bool,
    pub cause: Option<String>,
    /// A charge that is not model tokens (its model is the bill's category).
    pub other_charge: bool,
}

impl Serialize for Row {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("account", &self.account)?;
        m.serialize_entry("region", &self.region)?;
        m.serialize_entry("model", &self.model)?;
        m.serialize_entry(if self.monthly { "month" } else { "day" }, &self.period)?;
        if let Some(k) = &self.token_kind {
            m.serialize_entry("token_kind", k)?;
        }
        m.serialize_entry("computed_usd", &self.computed_usd)?;
        m.serialize_entry("billed_usd", &self.billed_usd)?;
        m.serialize_entry("gap_usd", &self.gap_usd)?;
        m.serialize_entry("gap_pct", &self.gap_pct)?;
        m.serialize_entry("flagged", &self.flagged)?;
        m.serialize_entry("cause", &self.cause)?;
        m.end()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Coverage {
    pub region: String,
    pub model: String,
    pub metric_tokens: u64,
    pub log_tokens: u64,
    /// log tokens / metric tokens, in percent, one decimal.
    pub coverage_pct: Option<ExactUsd>,
    /// CloudWatch's Invocations: successful calls.
    pub metric_calls: u64,
    /// Successful calls in the logs (calls without an error).
    pub log_calls: u64,
    /// log calls / metric calls, in percent, one decimal; `None` without metric calls.
    pub calls_coverage_pct: Option<ExactUsd>,
    /// Tokens or calls covered less than 100% minus the threshold: logs are missing.
    pub flagged: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reconciliation {
    pub schema: &'static str,
    /// What the computed side priced: `logs` or `metrics`.
    pub computed_from: &'static str,
    /// `day` or `month`.
    pub granularity: &'static str,
    pub threshold_pct: ExactUsd,
    pub min_gap_usd: ExactUsd,
    /// The discount taken off every computed amount (percent), `None` when none was asked for.
    pub discount_pct: Option<ExactUsd>,
    /// Per model, the discount taken off its computed amounts and where it came from (the
    /// discount file's model, service or default entry); empty when none applied.
    pub discounts: BTreeMap<String, Applied>,
    /// The bill from gross to net (credits, refunds, discounts, tax), when the snapshot has its
    /// record types. Rows compare against gross usage charges.
    pub adjustments: Option<Adjustments>,
    pub rows: Vec<Row>,
    pub computed_usd: ExactUsd,
    pub billed_usd: ExactUsd,
    /// Of `billed_usd`, charges that are not model tokens (provisioned throughput, guardrails...):
    /// billed, never computed from usage.
    pub other_charges_usd: ExactUsd,
    /// The sum of the rows' measurable gaps.
    pub gap_usd: ExactUsd,
    /// Rows flagged.
    pub flagged: usize,
    /// Logging-coverage rows flagged.
    pub coverage_flagged: usize,
    /// Empty unless the snapshot holds both logs and metrics.
    pub logging_coverage: Vec<Coverage>,
}

/// Which discount a model's computed amounts got, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Applied {
    pub pct: ExactUsd,
    /// `model`, `service <name>` or `default`.
    pub from: String,
}

/// Thresholds of a flag: the gap's share of the bill, and its size in dollars.
#[derive(Debug, Clone, Copy)]
pub struct Thresholds {
    pub pct: Decimal,
    pub usd: Decimal,
}

fn pct(num: Decimal, den: Decimal) -> Option<Decimal> {
    (!den.is_zero()).then(|| (num * Decimal::from(100) / den).round_dp(1))
}

/// The usual cause of a gap, in words.
fn cause(c: Option<&Computed>, billed: Option<Decimal>, gap: Decimal, category: bool) -> String {
    if category {
        return "billed, not computed from usage (a charge that is not model tokens)".into();
    }
    if c.is_some_and(|c| c.unpriced_invocations > 0) {
        return "unpriced model: some of its usage has no price in the catalog, so the computed figure leaves it out".into();
    }
    match (c.and_then(|c| c.usd), billed) {
        (None, Some(_)) => "billed, no usage found: missing logs or metrics for this account, region and day, batch jobs (not in runtime metrics or per-request logs), or usage outside the collected period".into(),
        (Some(_), None) => "computed, not billed: the bill not collected for this account or day, usage billed to another account, or a day boundary (the bill's days are UTC too, but late records shift)".into(),
        _ if gap > Decimal::ZERO => "billed more than computed: usage missing from the logs or metrics, a price change, long-context or tier surcharges the usage does not show, or Marketplace charges billed apart".into(),
        _ => "billed less than computed: credits, refunds or discounts (EDP, private pricing), or a price change".into(),
    }
}

/// Joins computed and billed amounts by key; `categories` are billed rows of charges that are
/// not model tokens (never computed).
pub fn reconcile(
    computed_from: &'static str,
    granularity: &'static str,
    computed: &BTreeMap<Key, Computed>,
    billed: &BTreeMap<Key, Decimal>,
    categories: &BTreeSet<Key>,
    t: Thresholds,
    logging_coverage: Vec<Coverage>,
) -> Reconciliation {
    let keys: BTreeSet<&Key> = computed.keys().chain(billed.keys()).collect();
    let mut rows = vec![];
    let (mut tc, mut tb, mut tg, mut other) =
        (Decimal::ZERO, Decimal::ZERO, Decimal::ZERO, Decimal::ZERO);
    for k in keys {
        let c = computed.get(k);
        let b = billed.get(k).copied();
        let cu = c.and_then(|c| c.usd);
        // Usage that nothing in the catalog priced: no gap can be told; flagged when billed.
        let unpriced = c.is_some_and(|c| c.unpriced_invocations > 0) && cu.is_none();
        let gap = (!unpriced).then(|| b.unwrap_or_default() - cu.unwrap_or_default());
        let gap_pct = gap.zip(b).and_then(|(g, b)| pct(g, b));
        let flagged = match gap {
            None => b.is_some_and(|b| b.abs() >= t.usd),
            Some(gap) => {
                gap.abs() >= t.usd
                    && match gap_pct {
                        Some(p) => p.abs() > t.pct,
                        None => true,
                    }
            }
        };
        tc += cu.unwrap_or_default();
        tb += b.unwrap_or_default();
        tg += gap.unwrap_or_default();
        if categories.contains(k) {
            other += b.unwrap_or_default();
        }
        rows.push(Row {
            account: k.0.clone(),
            region: k.1.clone(),
            model: k.2.clone(),
            period: k.3.clone(),
            monthly: granularity == "month",
            token_kind: (!k.4.is_empty()).then(|| k.4.clone()),
            computed_usd: cu.map(ExactUsd),
            billed_usd: b.map(ExactUsd),
            gap_usd: gap.map(ExactUsd),
            gap_pct: gap_pct.map(ExactUsd),
            flagged,
            cause: flagged.then(|| cause(c, b, gap.unwrap_or_default(), categories.contains(k))),
            other_charge: categories.contains(k),
        });
    }
    let flagged = rows.iter().filter(|r| r.flagged).count();
    Reconciliation {
        schema: SCHEMA,
        computed_from,
        granularity,
        threshold_pct: ExactUsd(t.pct),
        min_gap_usd: ExactUsd(t.usd),
        discount_pct: None,
        discounts: BTreeMap::new(),
        adjustments: None,
        rows,
        computed_usd: ExactUsd(tc),
        billed_usd: ExactUsd(tb),
        other_charges_usd: ExactUsd(other),
        gap_usd: ExactUsd(tg),
        flagged,
        coverage_flagged: logging_coverage.iter().filter(|c| c.flagged).count(),
        logging_coverage,
    }
}

/// Logging coverage per region and model, over the same days: the share of metric tokens found in the logs, and of
/// CloudWatch's Invocations (successful calls) found as successful calls in the logs (logs
/// record failed calls too; their errors are left out of the comparison).
pub fn coverage(
    metrics: &BTreeMap<(String, String, String), Counts>,
    logs: &BTreeMap<(String, String, String), Counts>,
    threshold_pct: Decimal,
) -> Vec<Coverage> {
    let short = |p: Option<Decimal>| p.is_some_and(|p| p < Decimal::from(100) - threshold_pct);
    // Per region and model, over the days the metrics have: logs of days the metrics were not
    // collected for are left out.
    let mut sums: BTreeMap<(String, String), (Counts, Counts)> = BTreeMap::new();
    for ((region, model, day), m) in metrics {
        let l = logs
            .get(&(region.clone(), model.clone(), day.clone()))
            .copied()
            .unwrap_or_default();
        let e = sums.entry((region.clone(), model.clone())).or_default();
        e.0.add(m);
        e.1.add(&l);
    }
    sums.iter()
        .map(|(k, (m, l))| {
            let (mt, lt) = (m.tokens(), l.tokens());
            let log_calls = l.invocations.saturating_sub(l.errors);
            let tokens_pct = pct(Decimal::from(lt), Decimal::from(mt));
            let calls_pct = pct(Decimal::from(log_calls), Decimal::from(m.invocations));
            Coverage {
                region: k.0.clone(),
                model: k.1.clone(),
                metric_tokens: mt,
                log_tokens: lt,
                coverage_pct: tokens_pct.map(ExactUsd),
                metric_calls: m.invocations,
                log_calls,
                calls_coverage_pct: calls_pct.map(ExactUsd),
                flagged: short(tokens_pct) || short(calls_pct),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(model: &str, day: &str) -> Key {
        (
            "1".into(),
            "us-east-1".into(),
            model.into(),
            day.into(),
            String::new(),
        )
    }

    #[test]
    fn a_planted_gap_is_flagged_and_pennies_are_not() {
        let d = |s: &str| s.parse::<Decimal>().unwrap();
        let computed: BTreeMap<Key, Computed> = [
            (
                k("a", "2026-10-01"),
                Computed {
                    usd: Some(d("100")),
                    unpriced_invocations: 0,
                },
            ),
            (
                k("a", "2026-10-02"),
                Computed {
                    usd: Some(d("100")),
                    unpriced_invocations: 0,
                },
            ),
            (
                k("b", "2026-10-01"),
                Computed {
                    usd: Some(d("0.50")),
                    unpriced_invocations: 0,
                },
            ),
        ]
        .into();
        let billed: BTreeMap<Key, Decimal> = [
            (k("a", "2026-10-01"), d("100.40")),
            // 7% more than computed: 107.53 billed against 100 computed.
            (k("a", "2026-10-02"), d("107.53")),
            // 40% off but 20 cents: not flagged
            (k("b", "2026-10-01"), d("0.70")),
            (k("(provisioned throughput)", "2026-10-01"), d("20")),
        ]
        .into();
        let cats: BTreeSet<Key> = [k("(provisioned throughput)", "2026-10-01")].into();
        let r = reconcile(
            "logs",
            "day",
            &computed,
            &billed,
            &cats,
            Thresholds {
                pct: d("1"),
                usd: d("1"),
            },
            vec![],
        );
        let flags: Vec<(&str, &str, bool, Option<String>)> = r
            .rows
            .iter()
            .map(|r| {
                (
                    r.model.as_str(),
                    r.period.as_str(),
                    r.flagged,
                    r.gap_pct.map(|p| p.0.to_string()),
                )
            })
            .collect();
        assert_eq!(
            flags,
            [
                (
                    "(provisioned throughput)",
                    "2026-10-01",
                    true,
                    Some("100".to_string())
                ),
                ("a", "2026-10-01", false, Some("0.4".to_string())),
                ("a", "2026-10-02", true, Some("7.0".to_string())),
                ("b", "2026-10-01", false, Some("28.6".to_string())),
            ]
        );
        assert_eq!(r.flagged, 2);
        assert_eq!(r.gap_usd.0, d("28.13"));
        assert!(r.rows[2]
            .cause
            .as_deref()
            .unwrap()
            .starts_with("billed more than computed"));
        assert!(r.rows[0]
            .cause
            .as_deref()
            .unwrap()
            .starts_with("billed, not computed from usage"));
    }

    #[test]
    fn coverage_counts_only_the_days_the_metrics_have_and_flags_a_shortfall() {
        let c = |calls: u64, errors: u64, input: u64| Counts {
            invocations: calls,
            errors,
            input_tokens: input,
            ..Default::default()
        };
        let k =
            |model: &str, day: &str| ("us-east-1".to_string(), model.to_string(), day.to_string());
        let metrics: BTreeMap<_, _> = [
            (k("a", "2026-10-05"), c(10, 0, 1000)),
            (k("b", "2026-10-05"), c(10, 0, 1000)),
        ]
        .into();
        let logs: BTreeMap<_, _> = [
            // a: every call logged, plus one failed call (logs record errors, metrics do not)
            (k("a", "2026-10-05"), c(11, 1, 1000)),
            // ... and a day the metrics were not collected for: left out, not 200%.
            (k("a", "2026-10-06"), c(10, 0, 1000)),
            // b: 9 of 10 calls, 900 of 1,000 tokens.
            (k("b", "2026-10-05"), c(9, 0, 900)),
        ]
        .into();
        let cov = coverage(&metrics, &logs, Decimal::ONE);
        let got: Vec<(&str, u64, u64, Option<ExactUsd>, bool)> = cov
            .iter()
            .map(|c| {
                (
                    c.model.as_str(),
                    c.log_tokens,
                    c.log_calls,
                    c.calls_coverage_pct,
                    c.flagged,
                )
            })
            .collect();
        let pct = |s: &str| Some(ExactUsd(s.parse().unwrap()));
        assert_eq!(
            got,
            [
                ("a", 1000, 10, pct("100"), false),
                ("b", 900, 9, pct("90"), true)
            ]
        );
    }
}
