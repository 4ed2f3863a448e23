//! `review` in every format: Markdown (tables), JSON, and HTML (`html.rs`, with the charts of
//! `charts.rs`). Money cells are apportioned per column so each table adds up to its total.

mod charts;
mod html;

use rust_decimal::Decimal;

use super::bill::tenths_of_nanos;
use super::Grid;
use crate::money::{apportion_signed, cents_text, group_thousands, ExactUsd, Ties};
use crate::output::review::{Breakdown, Review, SpendRow};

/// `review --format`.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReviewFormat {
    /// One self-contained page with inline SVG charts (no scripts, no network).
    Html,
    /// Tables for a wiki or a pull request.
    Markdown,
    /// `bedrock-lens/review/v1`.
    Json,
}

pub fn render(r: &Review, f: ReviewFormat) -> anyhow::Result<String> {
    match f {
        ReviewFormat::Json => super::json(r),
        ReviewFormat::Markdown => Ok(markdown(r)),
        ReviewFormat::Html => html::render(r),
    }
}

/// Cent texts of one column, apportioned so they add up to the column's exact total.
pub fn money_column(values: &[Decimal]) -> Vec<String> {
    let exact: Vec<i128> = values.iter().map(|v| tenths_of_nanos(*v)).collect();
    apportion_signed(&exact, 100_000_000, Ties::ExactSum)
        .into_iter()
        .zip(&exact)
        .map(|(c, e)| cents_text(c, *e))
        .collect()
}

/// One amount, to the cent.
pub fn money(v: Decimal) -> String {
    money_column(&[v]).remove(0)
}

pub fn pct_text(p: Option<ExactUsd>) -> String {
    p.map_or("-".into(), |p| {
        if p.0 > Decimal::ZERO {
            format!("+{:.1}%", p.0)
        } else {
            format!("{:.1}%", p.0)
        }
    })
}

fn signed(v: Decimal) -> String {
    let m = money(v);
    if v > Decimal::ZERO {
        format!("+{m}")
    } else {
        m
    }
}

/// A breakdown's table cells: key, spend, share, last month, change, change %, status. The
/// spend and last-month columns add up to the totals row; a change is the difference of the
/// two cells beside it.
pub fn breakdown_cells(b: &Breakdown) -> (Vec<String>, Vec<Vec<String>>) {
    let rows: Vec<&SpendRow> = b.rows.iter().chain(b.other.as_ref()).collect();
    let prev = b.previous_total_usd.is_some();
    let cents = |values: &[Decimal]| -> (Vec<i128>, Vec<i128>) {
        let exact: Vec<i128> = values.iter().map(|v| tenths_of_nanos(*v)).collect();
        (apportion_signed(&exact, 100_000_000, Ties::ExactSum), exact)
    };
    let (nc, ne) = cents(&rows.iter().map(|r| r.usd.0).collect::<Vec<_>>());
    let (bc, be) = cents(
        &rows
            .iter()
            .map(|r| r.previous_usd.map(|p| p.0).unwrap_or_default())
            .collect::<Vec<_>>(),
    );
    let signed_cents = |c: i128, exact: i128| {
        let t = cents_text(c, exact);
        if c > 0 || (c == 0 && exact > 0) {
            format!("+{t}")
        } else {
            t
        }
    };
    let mut header = vec![b.by.clone(), "Spend".into(), "Share".into()];
    if prev {
        header.extend(["Last month".into(), "Change".into(), "Change %".into()]);
    }
    header.push("Calls".into());
    let mut out: Vec<Vec<String>> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let key = match r.status {
                Some(s) => format!("{} ({s})", r.key),
                None => r.key.clone(),
            };
            let mut v = vec![key, cents_text(nc[i], ne[i]), pct_plain(r.share_pct)];
            if prev {
                v.push(cents_text(bc[i], be[i]));
                // The difference of the two cells beside it, so the row reads right.
                v.push(signed_cents(nc[i] - bc[i], ne[i] - be[i]));
                v.push(pct_text(r.change_pct));
            }
            v.push(group_thousands(r.calls));
            v
        })
        .collect();
    let (tn, tb): (i128, i128) = (nc.iter().sum(), bc.iter().sum());
    let mut total = vec![
        "TOTAL".into(),
        cents_text(tn, tenths_of_nanos(b.total_usd.0)),
        "100.0%".into(),
    ];
    if let Some(p) = b.previous_total_usd {
        total.push(cents_text(tb, tenths_of_nanos(p.0)));
        total.push(signed_cents(tn - tb, tenths_of_nanos(b.total_usd.0 - p.0)));
        total.push(pct_text(crate::output::review::pct(
            b.total_usd.0 - p.0,
            p.0,
        )));
    }
    total.push(group_thousands(rows.iter().map(|r| r.calls).sum::<u64>()));
    out.push(total);
    (header, out)
}

fn pct_plain(p: Option<ExactUsd>) -> String {
    p.map_or("-".into(), |p| format!("{:.1}%", p.0))
}

/// The headline in one sentence.
pub fn headline(r: &Review) -> String {
    let h = &r.headline;
    let mut s = format!(
        "{} computed at list price for Amazon Bedrock in {} ({} calls, {} tokens)",
        money(h.spend_usd.0),
        r.month,
        group_thousands(h.calls),
        group_thousands(h.tokens)
    );
    match (h.previous_usd, h.change_usd, &r.previous_month) {
        (Some(p), Some(c), Some(m)) => s.push_str(&format!(
            ", {} ({}) against {} in {m}",
            signed(c.0),
            pct_text(h.change_pct),
            money(p.0)
        )),
        _ => s.push_str(", no month before to compare with"),
    }
    s.push('.');
    if let Some(x) = &r.reconciliation {
        s.push_str(&format!(
            " Billed: {} gross ({} of it charges not computed from usage, such as provisioned throughput){}.",
            money(x.billed_usd.0),
            money(x.other_charges_usd.0),
            x.billed_net_usd
                .map(|n| format!(", {} net of credits, refunds and discounts", money(n.0)))
                .unwrap_or_default()
        ));
    }
    if let Some(f) = &h.forecast {
        s.push_str(&format!(
            " The month is open (data to {}): forecast {} at its end ({}).",
            r.data_through.map(|d| d.to_string()).unwrap_or_default(),
            money(f.month_end_usd.0),
            f.method
        ));
    }
    if h.unpriced_calls > 0 {
        s.push_str(&format!(
            " {} call(s) of models without a catalog price are in no amount (see caveats).",
            group_thousands(h.unpriced_calls)
        ));
    }
    s
}

/// A mover's last-month, this-month and change cells, as its breakdown's table shows them.
pub fn mover_cells(r: &Review, m: &crate::output::review::Mover) -> [String; 3] {
    let found = r.breakdowns.iter().find(|b| b.by == m.by).and_then(|b| {
        let i = b.rows.iter().position(|x| x.key == m.key)?;
        let (_, rows) = breakdown_cells(b);
        let row = rows.get(i)?;
        Some([
            row.get(3)?.clone(),
            row.get(1)?.clone(),
            row.get(4)?.clone(),
        ])
    });
    found.unwrap_or_else(|| {
        [
            money(m.previous_usd.0),
            money(m.usd.0),
            signed(m.change_usd.0),
        ]
    })
}

/// A unit-cost table: its header and rows.
pub fn unit_cost_table(u: &crate::output::review::UnitCosts) -> (Vec<String>, Vec<Vec<String>>) {
    let header = [
        u.by.as_str(),
        "Calls",
        "Tokens",
        "Spend",
        "$ per 1K calls",
        "$ per 1M tokens",
    ]
    .map(String::from)
    .to_vec();
    let rows = u
        .rows
        .iter()
        .map(|x| {
            vec![
                x.key.clone(),
                group_thousands(x.calls),
                group_thousands(x.tokens),
                money(x.usd.0),
                unit(x.usd_per_1k_calls),
                unit(x.usd_per_1m_tokens),
            ]
        })
        .collect();
    (header, rows)
}

/// What the review says when no mode is cheaper.
pub const KEEP_AS_IS: &str =
    "Keep every model as it runs: no inference mode is cheaper for this month's usage.";

/// The recommendations table (savings cells adding up to the total row), `None` when there is
/// nothing to recommend.
pub fn recommendation_table(r: &Review) -> Option<(Vec<String>, Vec<Vec<String>>)> {
    if r.recommendations.is_empty() {
        return None;
    }
    let savings: Vec<Decimal> = r.recommendations.iter().map(|x| x.savings_usd.0).collect();
    let mut rows: Vec<Vec<String>> = r
        .recommendations
        .iter()
        .zip(money_column(&savings))
        .map(|(x, c)| {
            vec![
                x.model.clone(),
                x.scenario.clone(),
                c,
                pct_plain(x.savings_pct),
                x.caveat.clone(),
            ]
        })
        .collect();
    rows.push(vec![
        "TOTAL, if all were adopted".into(),
        String::new(),
        money(r.recommendations_total_usd.0),
        String::new(),
        String::new(),
    ]);
    let header = ["model", "Move to", "Saves a month", "Saves %", "Caveat"]
        .map(String::from)
        .to_vec();
    Some((header, rows))
}

/// The keys new this month and those gone, in words (`None` when neither).
pub fn new_and_vanished(b: &Breakdown) -> Option<String> {
    let mut parts = vec![];
    if !b.new.is_empty() {
        parts.push(format!("new this month: {}", b.new.join(", ")));
    }
    if !b.vanished.is_empty() {
        parts.push(format!("gone since last month: {}", b.vanished.join(", ")));
    }
    (!parts.is_empty()).then(|| format!("{}.", parts.join("; ")))
}

/// Cache reads and writes, and what they saved.
pub fn cache_line(c: &crate::output::review::Cache) -> String {
    format!(
        "{} cache-read and {} cache-write tokens; realised savings {} (reads at the cache-read rate instead of the input rate, less {} of write premium).",
        group_thousands(c.read_tokens),
        group_thousands(c.write_tokens),
        money(c.realised_savings_usd.0),
        money(c.write_premium_usd.0)
    )
}

/// Cache writes never read, or why that is not measurable.
pub fn unread_line(c: &crate::output::review::Cache) -> String {
    let (Some(unread), Some(premium)) = (c.unread_writes, c.unread_premium_usd) else {
        return "Cache writes never read: not measurable (no logged cache write could be matched to its prompt: the logs hold no request bodies, or bodies of an unknown shape).".into();
    };
    format!(
        "Cache writes never read: {} of {} checked writes were not read by the next request with the same prefix within the TTL ({} of write premium for nothing).",
        group_thousands(unread),
        group_thousands(c.checked_writes),
        money(premium.0)
    )
}

/// The anomaly tables' columns.
pub const ANOMALY: [&str; 7] = [
    "Day",
    "Identity",
    "Spend",
    "Baseline",
    "Impact",
    "Score",
    "Driven by",
];

/// One anomaly's cells.
pub fn anomaly_cells(a: &crate::output::review::Anomaly) -> Vec<String> {
    vec![
        a.day.to_string(),
        a.identity.clone().unwrap_or_else(|| "(all)".into()),
        money(a.usd.0),
        money(a.baseline_usd.0),
        signed(a.impact_usd.0),
        format!("{:.1}", a.score.0),
        a.driver.clone(),
    ]
}

/// The tag-coverage table's columns.
pub const ATTRIBUTION: [&str; 5] = [
    "key",
    "Tagged",
    "Untagged",
    "From metrics (unknown)",
    "Tagged share",
];

/// One key's tag coverage, as cells that add up to the month's spend.
pub fn attribution_cells(a: &crate::output::review::Attribution) -> Vec<String> {
    let c = money_column(&[a.tagged_usd.0, a.untagged_usd.0, a.from_metrics_usd.0]);
    vec![
        a.key.clone(),
        c[0].clone(),
        c[1].clone(),
        c[2].clone(),
        pct_plain(a.tagged_pct),
    ]
}

/// A unit cost: cents above a dollar, four decimals below.
pub fn unit(v: Option<ExactUsd>) -> String {
    v.map_or("-".into(), |v| {
        if v.0 >= Decimal::ONE {
            format!("${:.2}", v.0)
        } else {
            format!("${:.4}", v.0)
        }
    })
}

/// Facts under the headline: sources and the catalog date.
pub fn sources_line(r: &Review) -> String {
    format!(
        "Sources: {}. Prices: catalog as of {}. Every figure comes from the same results as `report`, `whatif` and `reconcile`.",
        r.sources.join(", "),
        r.catalog_as_of.as_deref().unwrap_or("-")
    )
}

fn table(header: Vec<String>, rows: Vec<Vec<String>>, first_numeric: usize) -> String {
    Grid {
        header,
        rows,
        first_numeric,
    }
    .render(true)
}

/// Markdown: headings and tables, no HTML.
pub fn markdown(r: &Review) -> String {
    let mut s = format!(
        "# Bedrock spend review: {}\n\n{}\n\n{}\n",
        r.month,
        headline(r),
        sources_line(r)
    );
    for b in &r.breakdowns {
        let (h, rows) = breakdown_cells(b);
        s.push_str(&format!("\n## Spend by {}\n\n{}", b.by, table(h, rows, 1)));
        if let Some(line) = new_and_vanished(b) {
            s.push_str(&format!("\nBy {}: {line}\n", b.by));
        }
    }
    if !r.movers.is_empty() {
        let rows = r
            .movers
            .iter()
            .map(|m| {
                let [before, now, change] = mover_cells(r, m);
                vec![
                    m.by.clone(),
                    m.key.clone(),
                    before,
                    now,
                    change,
                    pct_text(m.change_pct),
                ]
            })
            .collect();
        s.push_str(&format!(
            "\n## Biggest movers\n\n{}",
            table(
                [
                    "by",
                    "key",
                    "Last month",
                    "This month",
                    "Change",
                    "Change %"
                ]
                .map(String::from)
                .to_vec(),
                rows,
                2
            )
        ));
    }
    for u in &r.unit_costs {
        let (h, rows) = unit_cost_table(u);
        s.push_str(&format!(
            "\n## Unit costs by {}\n\n{}",
            u.by,
            table(h, rows, 1)
        ));
    }
    s.push_str("\n## Prompt caching\n\n");
    match &r.cache {
        Some(c) => s.push_str(&format!("- {}\n- {}\n", cache_line(c), unread_line(c))),
        None => s.push_str("- No prompt caching in use this month (or not measurable: no logs).\n"),
    }
    let w = &r.waste;
    s.push_str(&format!(
        "\n## Waste\n\n- Errors: {} of {} calls ({}).\n",
        group_thousands(w.errors),
        group_thousands(w.calls),
        pct_plain(w.error_pct)
    ));
    if let Some(t) = w.throttles {
        s.push_str(&format!(
            "- Throttled calls (CloudWatch): {}.\n",
            group_thousands(t)
        ));
    }
    for n in &w.not_measurable {
        s.push_str(&format!("- Not measurable: {n}.\n"));
    }
    s.push_str("\n## Computed against billed\n\n");
    match (&r.reconciliation, &r.reconciliation_absent) {
        (Some(x), _) => {
            s.push_str(&format!(
                "Computed {} against billed {} ({} of it charges never computed from usage): gap {}.",
                money(x.computed_usd.0),
                money(x.billed_usd.0),
                money(x.other_charges_usd.0),
                money(x.gap_usd.0)
            ));
            if let (Some(c), Some(n)) = (x.credits_usd, x.billed_net_usd) {
                s.push_str(&format!(
                    " Credits, refunds, discounts and tax {}; billed net {}.",
                    money(c.0),
                    money(n.0)
                ));
            }
            s.push('\n');
            let rows = x
                .flagged
                .iter()
                .map(|g| {
                    vec![
                        g.key.clone(),
                        g.computed_usd.map_or("-".into(), |v| money(v.0)),
                        g.billed_usd.map_or("-".into(), |v| money(v.0)),
                        g.gap_usd.map_or("n/a".into(), |v| money(v.0)),
                        pct_plain(g.gap_pct),
                        g.cause.clone().unwrap_or_default(),
                    ]
                })
                .collect::<Vec<_>>();
            if rows.is_empty() {
                s.push_str("\nNo gap flagged (above 1% of the bill and $1).\n");
            } else {
                s.push_str(&format!(
                    "\nFlagged gaps:\n\n{}",
                    table(
                        [
                            "model and day",
                            "Computed",
                            "Billed",
                            "Gap",
                            "Gap % of bill",
                            "Likely cause"
                        ]
                        .map(String::from)
                        .to_vec(),
                        rows,
                        1
                    )
                ));
            }
            let short: Vec<String> = x
                .coverage
                .iter()
                .filter(|c| c.flagged)
                .map(|c| {
                    format!(
                        "{} {} ({} of tokens, {} of calls)",
                        c.region,
                        c.model,
                        pct_plain(c.coverage_pct),
                        pct_plain(c.calls_coverage_pct)
                    )
                })
                .collect();
            if !short.is_empty() {
                s.push_str(&format!(
                    "\nLogging coverage below 99%: {}.\n",
                    short.join("; ")
                ));
            }
        }
        (None, Some(why)) => s.push_str(&format!("Not measurable: {why}.\n")),
        (None, None) => {}
    }
    s.push_str(&format!(
        "\n## Anomalies\n\nMethod: {}.\n\n",
        r.anomalies.method
    ));
    let anomaly_rows = |list: &[crate::output::review::Anomaly]| -> Vec<Vec<String>> {
        list.iter().map(anomaly_cells).collect()
    };
    let head = || ANOMALY.map(String::from).to_vec();
    if r.anomalies.days.is_empty() {
        s.push_str("No day above its baseline.\n");
    } else {
        s.push_str(&format!(
            "Days:\n\n{}",
            table(head(), anomaly_rows(&r.anomalies.days), 2)
        ));
    }
    if !r.anomalies.identities.is_empty() {
        s.push_str(&format!(
            "\nIdentities:\n\n{}",
            table(head(), anomaly_rows(&r.anomalies.identities), 2)
        ));
    }
    if !r.attribution.is_empty() {
        let rows = r.attribution.iter().map(attribution_cells).collect();
        s.push_str(&format!(
            "\n## Tag coverage\n\n{}",
            table(ATTRIBUTION.map(String::from).to_vec(), rows, 1)
        ));
    }
    s.push_str("\n## Recommendations\n\n");
    match recommendation_table(r) {
        Some((h, rows)) => s.push_str(&table(h, rows, 2)),
        None => s.push_str(&format!("{KEEP_AS_IS}\n")),
    }
    s.push_str("\nThe charts are in the HTML version (`--format html`).\n");
    s.push_str(&super::caveats_markdown(&r.caveats));
    s
}
