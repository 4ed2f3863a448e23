//! `reconcile` in every format: one line per account, region, model and day; flagged gaps with
//! their cause; logging coverage.

use rust_decimal::Decimal;

use super::bill::tenths_of_nanos;
use super::{csv_guarded, json, Format, Grid};
use crate::io::clean;
use crate::money::{apportion_signed, cents_text, group_thousands, Ties};
use crate::output::reconcile::Reconciliation;

/// Cent cells of one column, apportioned so they add up to the column's exact total rounded.
fn column(values: &[Option<Decimal>]) -> Vec<i128> {
    let exact: Vec<i128> = values
        .iter()
        .map(|v| v.map_or(0, tenths_of_nanos))
        .collect();
    apportion_signed(&exact, 100_000_000, Ties::Alike)
}

pub fn render(rec: &Reconciliation, format: Format) -> anyhow::Result<String> {
    if format == Format::Json {
        return json(rec);
    }
    let split = rec.rows.iter().any(|r| r.token_kind.is_some());
    let with_kind = |mut v: Vec<String>, kind: &str| {
        if split {
            v.insert(4, kind.to_string());
        }
        v
    };
    let header: Vec<String> = [
        "account",
        "region",
        "model",
        rec.granularity,
        "computed",
        "billed",
        "gap",
        "gap % of bill",
        "flag",
    ]
    .map(String::from)
    .to_vec();
    if format == Format::Csv {
        let rows: Vec<Vec<String>> = rec
            .rows
            .iter()
            .map(|r| {
                let d = |x: Option<crate::money::ExactUsd>| {
                    x.map_or(String::new(), |v| v.0.normalize().to_string())
                };
                let blank = |v: &str| {
                    if v == "-" {
                        String::new()
                    } else {
                        v.to_string()
                    }
                };
                with_kind(
                    vec![
                        blank(&r.account),
                        blank(&r.region),
                        r.model.clone(),
                        r.period.clone(),
                        d(r.computed_usd),
                        d(r.billed_usd),
                        d(r.gap_usd),
                        d(r.gap_pct),
                        r.flagged.to_string(),
                        r.cause.clone().unwrap_or_default(),
                    ],
                    r.token_kind.as_deref().unwrap_or(""),
                )
            })
            .collect();
        let mut h = header.clone();
        for (i, n) in [
            "computed_usd",
            "billed_usd",
            "gap_usd",
            "gap_pct",
            "flagged",
        ]
        .iter()
        .enumerate()
        {
            h[4 + i] = n.to_string();
        }
        h.push("cause".into());
        // Keys come from the data (formula-guarded); amounts are ours and may be negative.
        return csv_guarded(&with_kind(h, "token_kind"), &rows, 4 + usize::from(split));
    }
    let markdown = format == Format::Markdown;
    let computed: Vec<Option<Decimal>> = rec
        .rows
        .iter()
        .map(|r| r.computed_usd.map(|v| v.0))
        .collect();
    let billed: Vec<Option<Decimal>> = rec.rows.iter().map(|r| r.billed_usd.map(|v| v.0)).collect();
    let (cc, bc) = (column(&computed), column(&billed));
    let mut gap_cents = 0i128;
    let mut other_cents = 0i128;
    let rows: Vec<Vec<String>> = rec
        .rows
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let cell = |v: Option<Decimal>, c: i128| {
                v.map_or("-".into(), |v| cents_text(c, tenths_of_nanos(v)))
            };
            let gap = match r.gap_usd {
                None => "n/a".to_string(),
                Some(g) => {
                    gap_cents += bc[i] - cc[i];
                    cents_text(bc[i] - cc[i], tenths_of_nanos(g.0))
                }
            };
            if r.other_charge {
                other_cents += bc[i];
            }
            with_kind(
                vec![
                    r.account.clone(),
                    r.region.clone(),
                    r.model.clone(),
                    r.period.clone(),
                    cell(computed[i], cc[i]),
                    cell(billed[i], bc[i]),
                    gap,
                    r.gap_pct.map_or("-".into(), |p| format!("{:.1}%", p.0)),
                    if r.flagged {
                        "FLAG".into()
                    } else {
                        String::new()
                    },
                ],
                r.token_kind.as_deref().unwrap_or("-"),
            )
        })
        .collect();
    let grid = Grid {
        header: with_kind(header, "token kind"),
        rows,
        first_numeric: 4 + usize::from(split),
    }
    .render(markdown);
    let total = |c: &[i128]| c.iter().sum::<i128>();
    let money = |c: i128| cents_text(c, c);
    let billed_total = total(&bc);
    let mut s = format!(
        "Computed ({}{}) against billed (Cost Explorer), per {}: computed {}, billed {}{}, gap {}; {} flagged (gap above {}% of the bill and at least ${})\n",
        rec.computed_from,
        rec.discount_pct
            .map(|d| format!(", {}% discount taken off", d.0.normalize()))
            .unwrap_or_default(),
        rec.granularity,
        money(total(&cc)),
        money(billed_total),
        if other_cents != 0 {
            format!(
                " ({} model tokens + {} other charges, billed and never computed from usage)",
                money(billed_total - other_cents),
                money(other_cents)
            )
        } else {
            String::new()
        },
        money(gap_cents),
        rec.flagged,
        rec.threshold_pct.0.normalize(),
        rec.min_gap_usd.0.normalize()
    );
    if markdown {
        s = format!("**{}**\n\n", s.trim_end());
    }
    s.push_str(&grid);
    let flagged: Vec<String> = rec
        .rows
        .iter()
        .filter(|r| r.flagged)
        .map(|r| {
            format!(
                "{}- {} {} {} {}: {}\n",
                if markdown { "" } else { "  " },
                clean(&r.account),
                clean(&r.region),
                clean(&r.model),
                r.period,
                r.cause.as_deref().unwrap_or("")
            )
        })
        .collect();
    if !flagged.is_empty() {
        s.push_str(&format!(
            "\nFlagged, with the usual cause:\n{}",
            flagged.concat()
        ));
    }
    if !rec.discounts.is_empty() && rec.discount_pct.is_none() {
        let list: Vec<String> = rec
            .discounts
            .iter()
            .map(|(m, d)| format!("{} {}% ({})", clean(m), d.pct.0.normalize(), clean(&d.from)))
            .collect();
        s.push_str(&format!(
            "\nDiscounts taken off the computed side: {}\n",
            list.join(", ")
        ));
    }
    if let Some(a) = &rec.adjustments {
        s.push('\n');
        s.push_str(&super::bill::adjustments_section(Some(a), markdown));
        s.push_str(&format!(
            "{}The rows compare computed (list price{}) with billed gross usage; credits, refunds and discounts above are not in them.\n",
            if markdown { "\n" } else { "" },
            if rec.discounts.is_empty() { "" } else { ", less the discounts" }
        ));
    }
    if !rec.logging_coverage.is_empty() {
        s.push_str(
            "\nLogging coverage (tokens and successful calls in the logs / in the metrics, over the days the metrics have; CloudWatch's Invocations count successful calls only):\n",
        );
        let rows = rec
            .logging_coverage
            .iter()
            .map(|c| {
                vec![
                    clean(&c.region),
                    clean(&c.model),
                    group_thousands(c.metric_tokens),
                    group_thousands(c.log_tokens),
                    c.coverage_pct
                        .map_or("-".into(), |p| format!("{:.1}%", p.0)),
                    group_thousands(c.metric_calls),
                    group_thousands(c.log_calls),
                    c.calls_coverage_pct
                        .map_or("-".into(), |p| format!("{:.1}%", p.0)),
                    if c.flagged {
                        "FLAG".into()
                    } else {
                        String::new()
                    },
                ]
            })
            .collect();
        s.push_str(
            &Grid {
                header: [
                    "region",
                    "model",
                    "metric tokens",
                    "log tokens",
                    "coverage",
                    "metric calls",
                    "log calls",
                    "calls",
                    "flag",
                ]
                .map(String::from)
                .to_vec(),
                rows,
                first_numeric: 2,
            }
            .render(markdown),
        );
        if rec.coverage_flagged > 0 {
            s.push_str(&format!(
                "{} region and model pair(s) flagged: less than {}% of their metric tokens or calls are in the logs (missing logs, or a logging configuration that drops calls: check each account and region's model-invocation logging)\n",
                rec.coverage_flagged,
                Decimal::from(100) - rec.threshold_pct.0
            ));
        }
    }
    Ok(s)
}
