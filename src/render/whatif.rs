//! `whatif` in every format. Human formats show cents apportioned per scenario (largest
//! remainder), so every scenario's workloads add up to its total on screen as in JSON.

use rust_decimal::Decimal;

use super::{csv_guarded, json, Format, Grid};
use crate::io::clean;
use crate::money::{apportion, apportion_signed, cents_text, group_thousands, Num, Ties, Usd6};
use crate::output::whatif::{ScenarioOut, WhatIf};
use crate::scenarios::details::{
    actionable_first, Assumptions, CapacityDetail, CapacityPlan, Details,
};
use crate::scenarios::evaluate::ttl_name;

/// Cents per workload (and the total) for one column of micro-dollar amounts.
fn cents(micros: &[Usd6]) -> (Vec<i128>, i128) {
    let m: Vec<i128> = micros.iter().map(|u| u.0.max(0)).collect();
    let c = apportion(&m, 10_000, Ties::Alike);
    let t = c.iter().sum();
    (c, t)
}

fn money(c: i128, micros: i128) -> String {
    cents_text(c, micros)
}

/// A change in cents; one under a cent (`micros` not 0) never reads as no change.
fn change(c: i128, micros: i128) -> String {
    match c.cmp(&0) {
        std::cmp::Ordering::Equal if micros > 0 => "+<$0.01".into(),
        std::cmp::Ordering::Equal if micros < 0 => "-<$0.01".into(),
        std::cmp::Ordering::Equal => "0".into(),
        std::cmp::Ordering::Greater => format!("+{}", cents_text(c, 0)),
        std::cmp::Ordering::Less => cents_text(c, 0),
    }
}

fn pct_text(p: Option<Num>) -> String {
    match p {
        None => "n/a".into(),
        Some(p) if p.0 > rust_decimal::Decimal::ZERO => format!("+{p:.1}%"),
        Some(p) => format!("{p:.1}%"),
    }
}

/// A number of a note, as JSON shows it (empty where it could not be computed).
fn num(n: Option<Num>) -> String {
    n.map(Num::text).unwrap_or_default()
}

/// A short note on one workload under one scenario.
fn note(details: Option<&Details>) -> String {
    let Some(d) = details else {
        return String::new();
    };
    let mut parts = vec![];
    let (mut unchanged, mut partly) = (0, 0);
    match d {
        Details::Batch(b) => {
            parts.push(format!("{}% batch-eligible", num(b.eligible_share_pct)));
            unchanged = b.unchanged_invocations;
        }
        Details::Request(r) => {
            unchanged = r.unchanged_invocations;
            partly = r.partly_applied_invocations;
        }
        Details::Caching(c) => parts.push(format!(
            "{} reads, {} writes",
            group_thousands(c.cache_reads),
            group_thousands(c.cache_writes)
        )),
        Details::Capacity(_) | Details::Regions(_) => match d.main() {
            Some(CapacityDetail::Sized(one)) => {
                let overflow = match &one.plan {
                    CapacityPlan::Provisioned(p) => {
                        let s = &p.sizing;
                        let breaks_even = s
                            .break_even_utilisation_pct
                            .is_some_and(|b| b.0 <= Decimal::from(100));
                        parts.push(format!(
                            "{} unit(s), {}% used, {}",
                            group_thousands(s.units),
                            num(Some(s.utilisation_pct)),
                            if breaks_even {
                                format!("break-even at {}% used", num(s.break_even_utilisation_pct))
                            } else {
                                "cannot break even".to_string()
                            }
                        ));
                        s.overflow_tokens
                    }
                    CapacityPlan::Reserved(r) => {
                        parts.push(format!(
                            "{} in / {} out TPM reserved",
                            group_thousands(r.input_tpm),
                            group_thousands(r.output_tpm)
                        ));
                        r.overflow_tokens
                    }
                };
                // Capacity (units or a reservation) exceeded in busy minutes.
                if overflow > 0 {
                    parts.push(format!("{} tokens overflow", group_thousands(overflow)));
                }
            }
            Some(CapacityDetail::Unchanged(u)) => unchanged = u.unchanged_invocations,
            None => {}
        },
    }
    if unchanged > 0 {
        parts.push(format!("{} calls unchanged", group_thousands(unchanged)));
    }
    if partly > 0 {
        parts.push(format!(
            "{} calls with a step not applicable",
            group_thousands(partly)
        ));
    }
    if let Details::Regions(v) = d {
        parts.push(format!("{} regions", v.len()));
    }
    parts.join("; ")
}

pub struct Cents {
    /// [scenario][workload]; scenario 0 is the baseline.
    pub rows: Vec<Vec<i128>>,
    pub totals: Vec<i128>,
}

/// Baseline cents apportioned; each scenario as baseline cents + its changes apportioned, so
/// unchanged workloads read exactly as their baseline and every column adds up.
pub fn cents_of(w: &WhatIf) -> Cents {
    let base: Vec<Usd6> = w.baseline.rows.iter().map(|r| r.total_usd).collect();
    let (b, bt) = cents(&base);
    let mut rows = vec![b.clone()];
    let mut totals = vec![bt];
    for s in &w.scenarios {
        // A scenario not computed has no rows: its column is never shown.
        let d: Vec<i128> = match s.rows.is_empty() {
            true => vec![0; b.len()],
            false => s.rows.iter().map(|r| r.delta_usd.0).collect(),
        };
        let dc = apportion_signed(&d, 10_000, Ties::Alike);
        let col: Vec<i128> = b.iter().zip(&dc).map(|(x, y)| x + y).collect();
        totals.push(col.iter().sum());
        rows.push(col);
    }
    Cents { rows, totals }
}

/// What a scenario total rests on, in a few words (the assumptions say it in full).
fn total_note(a: &Assumptions) -> String {
    let mut parts = vec![];
    let mut partly = 0;
    match a {
        Assumptions::Request(r) => {
            if let Some(p) = r.batch.as_ref().and_then(|b| b.eligible_share_pct) {
                parts.push(format!("{}% batch-eligible", num(Some(p))));
            }
            partly = r.partly_applied_invocations.values().sum();
        }
        Assumptions::Provisioned(_) | Assumptions::Reserved(_) | Assumptions::Caching(_) => {}
    }
    let left = a.unchanged().values().sum::<u64>() + partly;
    if left > 0 {
        parts.push(format!(
            "{} calls not (fully) applicable",
            group_thousands(left)
        ));
    }
    if let Assumptions::Caching(c) = a {
        parts.push(format!("{} application(s) cached", c.repeated_prefixes));
    }
    parts.join("; ")
}

/// A table of scenarios (baseline first): cost, change, percent and a note.
fn scenario_grid(rows: Vec<Vec<String>>) -> Grid {
    Grid {
        header: vec![
            "Scenario".into(),
            "Cost (USD)".into(),
            "Change".into(),
            "%".into(),
            super::NOTE.into(),
        ],
        rows,
        first_numeric: 1,
    }
}

/// Scenario totals: one line per scenario.
pub fn totals_grid(w: &WhatIf, c: &Cents) -> Grid {
    let mut rows = vec![vec![
        "baseline".to_string(),
        money(c.totals[0], w.baseline.total_usd.0),
        String::new(),
        String::new(),
        format!("{} calls", group_thousands(w.baseline.counts.invocations)),
    ]];
    for (i, s) in w.scenarios.iter().enumerate() {
        let d = c.totals[i + 1] - c.totals[0];
        rows.push(match (&s.not_computed, s.total_usd, s.delta_usd) {
            (None, Some(total), Some(delta)) => vec![
                s.name.clone(),
                money(c.totals[i + 1], total.0),
                change(d, delta.0),
                pct_text(s.delta_pct),
                total_note(&s.assumptions),
            ],
            _ => not_computed_row(s, None),
        });
    }
    scenario_grid(rows)
}

/// One workload: baseline and every scenario.
pub fn workload_grid(w: &WhatIf, c: &Cents, pos: usize) -> Grid {
    let base = &w.baseline.rows[pos];
    let mut rows = vec![vec![
        "baseline".to_string(),
        money(c.rows[0][pos], base.total_usd.0),
        String::new(),
        String::new(),
        format!("{} calls", group_thousands(base.counts.invocations)),
    ]];
    for (i, s) in w.scenarios.iter().enumerate() {
        let Some(r) = s.rows.get(pos) else {
            rows.push(not_computed_row(
                s,
                Some("no result (why: in the All workloads table)"),
            ));
            continue;
        };
        rows.push(vec![
            s.name.clone(),
            money(c.rows[i + 1][pos], r.total_usd.0),
            change(c.rows[i + 1][pos] - c.rows[0][pos], r.delta_usd.0),
            pct_text(r.delta_pct),
            note(r.details.as_ref()),
        ]);
    }
    scenario_grid(rows)
}

/// A scenario without a result: why (`None`: said on its line in the totals), not numbers.
fn not_computed_row(s: &ScenarioOut, why: Option<&str>) -> Vec<String> {
    let (label, reason) = s
        .not_computed
        .as_ref()
        .map_or(("n/a", ""), |n| (n.status.label(), n.reason.as_str()));
    vec![
        s.name.clone(),
        label.into(),
        String::new(),
        String::new(),
        why.unwrap_or(reason).into(),
    ]
}

/// Recommendations, one line per workload; a saving in cents is the difference of the cents
/// the workload's table shows, so the two never disagree.
pub fn recommendations_grid(w: &WhatIf, c: &Cents) -> Grid {
    let mut header: Vec<String> = w.group_by.clone();
    header.extend(["Recommendation", "Saves", super::WHY].map(String::from));
    let rows = w
        .recommendations
        .iter()
        .enumerate()
        .map(|(pos, r)| {
            let mut row: Vec<String> = r
                .key
                .0
                .iter()
                .map(|(_, v)| v.clone().unwrap_or_else(|| "(none)".into()))
                .collect();
            row.push(r.scenario.clone().unwrap_or_else(|| "keep as is".into()));
            let column = w
                .scenarios
                .iter()
                .position(|s| Some(&s.name) == r.scenario.as_ref());
            row.push(match column {
                None => String::new(),
                Some(i) => format!(
                    "{} ({})",
                    cents_text(c.rows[0][pos] - c.rows[i + 1][pos], r.savings_usd.0),
                    pct_text(r.savings_pct).trim_start_matches('+')
                ),
            });
            row.push(r.reason.clone());
            row
        })
        .collect();
    Grid {
        first_numeric: header.len(),
        header,
        rows,
    }
}

/// The assumptions, one paragraph per scenario, for the human formats.
pub fn notes(w: &WhatIf) -> Vec<String> {
    let mut out = vec![];
    for s in &w.scenarios {
        let mut line = format!("{}: {}.", s.name, s.description);
        let mut partly = None;
        match &s.assumptions {
            Assumptions::Request(a) => {
                if let Some(b) = &a.batch {
                    let e = &b.batch_eligibility;
                    match b.eligible_share_pct {
                        Some(p) => line.push_str(&format!(
                            " Eligible: {e} ({}% of requests).",
                            num(Some(p))
                        )),
                        None => line.push_str(&format!(" Eligible: {e}.")),
                    }
                }
                line.push_str(&format!(" Prices: {}.", a.prices));
                if let Some(p) = &a.profile {
                    line.push_str(&format!(" What changes: {}.", p.what_changes));
                }
                partly = Some(&a.partly_applied_invocations);
            }
            Assumptions::Provisioned(a) => {
                let list: Vec<String> = a
                    .tpm_per_unit
                    .iter()
                    .map(|(k, v)| format!("{k} {v}"))
                    .collect();
                if !list.is_empty() {
                    line.push_str(&format!(
                        " Tokens per minute per unit: {}.",
                        list.join(", ")
                    ));
                }
                line.push_str(&format!(
                    " Sized for the p{} busy minute.",
                    a.size_percentile
                ));
            }
            Assumptions::Reserved(a) => line.push_str(&format!(" Prices: {}.", a.prices)),
            Assumptions::Caching(a) => line.push_str(&format!(
                " {} application(s) (system prompt x model x account x region) worth caching, {} more reusing prefixes too sparsely to pay: {} requests would read the cache, {} write it.",
                a.repeated_prefixes, a.unprofitable_prefixes, a.cache_reads, a.cache_writes
            )),
        }
        for (u, label) in [
            (Some(s.assumptions.unchanged()), "Unchanged"),
            (partly, "A step not applied"),
        ] {
            let Some(u) = u else {
                continue;
            };
            // At most 3, the rest in JSON.
            let reasons = actionable_first(u);
            for (why, n) in reasons.iter().take(3) {
                line.push_str(&format!(
                    " {label} ({} calls): {why}.",
                    group_thousands(**n)
                ));
            }
            if reasons.len() > 3 {
                let rest: u64 = reasons[3..].iter().map(|(_, n)| **n).sum();
                line.push_str(&format!(
                    " {} more reasons ({} calls; all listed in --format json).",
                    reasons.len() - 3,
                    group_thousands(rest)
                ));
            }
        }
        out.push(line);
    }
    let c = &w.caching_in_use;
    if c.cache_read_tokens + c.cache_write_tokens > 0 {
        let u = &c.unread_writes;
        out.push(format!(
            "caching already in use: {} cache-read and {} cache-write tokens saved {} net (reads {}, write premium {}); {} of {} logged cache writes were not read back within {} ({} tokens, {} premium){}.",
            group_thousands(c.cache_read_tokens),
            group_thousands(c.cache_write_tokens),
            c.realised_savings_usd.dollars(),
            c.read_savings_usd.dollars(),
            c.write_premium_usd.dollars(),
            group_thousands(u.counts.unread_writes),
            group_thousands(u.counts.writes),
            ttl_name(u.ttl),
            group_thousands(u.counts.unread_tokens),
            u.premium_usd.dollars(),
            if u.counts.writes < u.logged_write_requests {
                format!(
                    "; only {} of the {} logged writes could be checked (the others have no request body in the log, or one of an unknown shape)",
                    group_thousands(u.counts.writes),
                    group_thousands(u.logged_write_requests)
                )
            } else {
                String::new()
            },
        ));
    }
    out
}

fn headline(w: &WhatIf) -> String {
    let mut s = format!(
        "What if: {}, {} priced invocations by {}{}{}",
        super::period_text(w.period.start.as_deref(), w.period.end.as_deref()),
        group_thousands(w.baseline.counts.invocations),
        clean(&w.group_by.join(", ")),
        match w.source {
            crate::output::report::DataSource::Metrics => ", from CloudWatch metrics",
            _ => "",
        },
        match w.baseline.counts.invocations {
            // No baseline: not a $0.00 one.
            0 => String::new(),
            _ => format!(" (baseline {})", w.baseline.total_usd.dollars()),
        }
    );
    if w.baseline.counts.invocations > 0 {
        s.push_str(&format!("\nCost at {}.", super::prices_text(&w.pricing)));
    }
    if !w.unpriced.is_empty() {
        s.push_str(&format!(
            "\nNot priced, so left out of the baseline and every scenario: {}",
            super::unpriced_text(&w.unpriced)
        ));
    }
    s
}

/// The recommendations table, or a line saying there is nothing to recommend on.
fn recommendations(w: &WhatIf, c: &Cents, markdown: bool) -> String {
    if w.recommendations.is_empty() {
        "(no priced usage in the period: nothing to compare)\n".into()
    } else {
        recommendations_grid(w, c).render(markdown)
    }
}

/// Totals and recommendations only (the demo's view).
pub fn summary(w: &WhatIf, markdown: bool) -> String {
    let c = cents_of(w);
    let h = if markdown { "### " } else { "" };
    format!(
        "{h}{}\n\n{}\n{h}Recommendations\n\n{}",
        headline(w),
        totals_grid(w, &c).render(markdown),
        recommendations(w, &c, markdown)
    )
}

fn human(w: &WhatIf, markdown: bool) -> String {
    let c = cents_of(w);
    let (h2, h3) = if markdown { ("## ", "### ") } else { ("", "") };
    let mut s = format!("{h2}{}\n\n", headline(w));
    if w.baseline.counts.invocations == 0 {
        // Scenario tables of $0.00 would read as free.
        s.push_str(&format!(
            "Nothing to compare: no priced invocation in scope ({} record(s) read, {} outside the period).\n",
            group_thousands(w.input.records),
            group_thousands(w.input.outside_period)
        ));
        if markdown {
            s.push_str(&super::caveats_markdown(&caveats_of(w)));
        }
        return s;
    }
    s.push_str(&format!(
        "{h3}All workloads\n\n{}\n",
        totals_grid(w, &c).render(markdown)
    ));
    s.push_str(&format!(
        "{h3}Recommendations\n\n{}\n",
        recommendations(w, &c, markdown)
    ));
    for (pos, r) in w.baseline.rows.iter().enumerate() {
        s.push_str(&format!(
            "{h3}{}\n\n{}\n",
            r.key.label(),
            workload_grid(w, &c, pos).render(markdown)
        ));
    }
    s.push_str(&format!("{h3}Assumptions\n\n"));
    for n in notes(w) {
        s.push_str(&format!("{}{}\n", if markdown { "- " } else { "  " }, n));
    }
    if markdown {
        s.push_str(&super::caveats_markdown(&caveats_of(w)));
    }
    s
}

/// The input's caveats, then per scenario what a reader of a saved file must not miss: no
/// result (and why), and which requests a batch scenario counted as eligible.
fn caveats_of(w: &WhatIf) -> Vec<String> {
    let mut out = super::caveats(&w.input, &w.unpriced, &w.pricing);
    out.extend(w.limits.iter().cloned());
    for s in &w.scenarios {
        if let Some(n) = &s.not_computed {
            out.push(format!(
                "scenario {}: {}: {}",
                s.name,
                n.status.label(),
                n.reason
            ));
        } else if let Assumptions::Request(a) = &s.assumptions {
            if let Some(b) = &a.batch {
                out.push(format!(
                    "scenario {}: batch-eligible: {} ({}% of requests)",
                    s.name,
                    b.batch_eligibility,
                    num(b.eligible_share_pct)
                ));
            }
        }
    }
    out
}

/// Long CSV: one line per workload and scenario (baseline included), raw numbers.
fn csv_text(w: &WhatIf) -> anyhow::Result<String> {
    let mut header = w.group_by.clone();
    header.extend(
        [
            "scenario",
            "invocations",
            "baseline_usd",
            "cost_usd",
            "delta_usd",
            "delta_pct",
        ]
        .map(String::from),
    );
    let mut rows = vec![];
    for (pos, b) in w.baseline.rows.iter().enumerate() {
        let keys: Vec<String> = b
            .key
            .0
            .iter()
            .map(|(_, v)| v.clone().unwrap_or_default())
            .collect();
        // (cost, change, percent); `None`: no result, empty cells (never the baseline read as one).
        let line = |name: &str, result: Option<(Usd6, Usd6, Option<Num>)>| {
            let mut r = keys.clone();
            r.extend([
                name.to_string(),
                b.counts.invocations.to_string(),
                b.total_usd.fixed6(),
            ]);
            r.extend(match result {
                Some((cost, delta, pct)) => [
                    cost.fixed6(),
                    delta.fixed6(),
                    pct.map(|p| format!("{p:.1}")).unwrap_or_default(),
                ],
                None => Default::default(),
            });
            r
        };
        rows.push(line("baseline", Some((b.total_usd, Usd6(0), None))));
        for s in &w.scenarios {
            let result = s
                .rows
                .get(pos)
                .map(|r| (r.total_usd, r.delta_usd, r.delta_pct));
            rows.push(line(&s.name, result));
        }
    }
    let mut s = csv_guarded(&header, &rows, w.group_by.len() + 1)?;
    s.push_str(&super::caveats_csv(&caveats_of(w)));
    Ok(s)
}

pub fn render(w: &WhatIf, f: Format) -> anyhow::Result<String> {
    Ok(match f {
        Format::Json => json(w)?,
        Format::Csv => csv_text(w)?,
        Format::Table => human(w, false),
        Format::Markdown => human(w, true),
    })
}
