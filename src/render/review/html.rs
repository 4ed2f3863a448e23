//! The review as one self-contained HTML page: a minijinja template (every value from the data
//! auto-escaped; only our own SVG charts pass as markup), inline styles, no script, no fetch,
//! page breaks between sections when printed.

use minijinja::{context, Environment, Value};
use serde::Serialize;

use super::{
    anomaly_cells, attribution_cells, breakdown_cells, cache_line, charts, headline, money,
    money_column, mover_cells, new_and_vanished, pct_text, recommendation_table, sources_line,
    unit_cost_table, unread_line, ANOMALY, ATTRIBUTION, KEEP_AS_IS,
};
use crate::money::group_thousands;
use crate::output::review::Review;

const TEMPLATE: &str = include_str!("template.html");

#[derive(Serialize)]
struct Table {
    title: String,
    header: Vec<String>,
    rows: Vec<Vec<String>>,
    /// Left-aligned (text) columns.
    text: Vec<bool>,
    /// The last row is a total.
    sum: bool,
}

impl Table {
    fn new(
        title: &str,
        header: Vec<String>,
        rows: Vec<Vec<String>>,
        text_cols: &[usize],
        sum: bool,
    ) -> Table {
        let text = (0..header.len()).map(|i| text_cols.contains(&i)).collect();
        Table {
            title: title.to_string(),
            header,
            rows,
            text,
            sum,
        }
    }
}

#[derive(Serialize)]
struct Chart {
    title: String,
    svg: Value,
}

#[derive(Serialize, Default)]
struct Section {
    id: String,
    title: String,
    paragraphs: Vec<String>,
    items: Vec<String>,
    charts: Vec<Chart>,
    tables: Vec<Table>,
}

fn chart(title: &str, svg: String) -> Chart {
    Chart {
        title: title.to_string(),
        // Our own SVG: plotters escapes every text it draws.
        svg: Value::from_safe_string(svg),
    }
}

/// Bars with the cents text each shows: the same cells as the table's.
fn with_cells(
    bars: Vec<(String, rust_decimal::Decimal)>,
) -> Vec<(String, rust_decimal::Decimal, String)> {
    let values: Vec<rust_decimal::Decimal> = bars.iter().map(|(_, v)| *v).collect();
    bars.into_iter()
        .zip(money_column(&values))
        .map(|((l, v), c)| (l, v, c))
        .collect()
}

fn strings<const N: usize>(a: [&str; N]) -> Vec<String> {
    a.map(String::from).to_vec()
}

pub fn render(r: &Review) -> anyhow::Result<String> {
    let mut sections = vec![];
    // Spend.
    let mut spend = Section {
        id: "spend".into(),
        title: "Spend".into(),
        ..Default::default()
    };
    spend
        .charts
        .push(chart("Daily spend by model", charts::daily(r)));
    let model_bars: Vec<(String, rust_decimal::Decimal)> = r.breakdowns[0]
        .rows
        .iter()
        .map(|x| (x.key.clone(), x.usd.0))
        .collect();
    let model_bars = with_cells(model_bars);
    spend.charts.push(chart(
        "Spend by model",
        charts::bars(&format!("Spend by model, {} (USD)", r.month), &model_bars),
    ));
    if let Some(ident) = r.breakdowns.iter().find(|b| b.by == "identity") {
        // The role or user and its account: the ARN's distinguishing parts.
        let label = |k: &str| match k.strip_prefix("arn:aws:") {
            Some(rest) => {
                let account = rest.split(':').nth(2).unwrap_or("");
                let name = rest.rsplit('/').next().unwrap_or(rest);
                format!("{name} ({account})")
            }
            None => k.to_string(),
        };
        let bars: Vec<(String, rust_decimal::Decimal)> = ident
            .rows
            .iter()
            .map(|x| (label(&x.key), x.usd.0))
            .collect();
        let bars = with_cells(bars);
        spend.charts.push(chart(
            "Top identities",
            charts::bars(&format!("Top identities, {} (USD)", r.month), &bars),
        ));
    }
    for b in &r.breakdowns {
        let (h, rows) = breakdown_cells(b);
        spend
            .tables
            .push(Table::new(&format!("By {}", b.by), h, rows, &[0], true));
        spend
            .items
            .extend(new_and_vanished(b).map(|l| format!("By {}: {l}", b.by)));
    }
    sections.push(spend);
    if !r.movers.is_empty() {
        let rows = r
            .movers
            .iter()
            .map(|m| {
                let [before, now, change] = mover_cells(r, m);
                vec![
                    m.key.clone(),
                    m.by.clone(),
                    before,
                    now,
                    change,
                    pct_text(m.change_pct),
                ]
            })
            .collect();
        sections.push(Section {
            id: "movers".into(),
            title: "Biggest movers".into(),
            tables: vec![Table::new(
                "",
                strings([
                    "key",
                    "by",
                    "Last month",
                    "This month",
                    "Change",
                    "Change %",
                ]),
                rows,
                &[0, 1],
                false,
            )],
            ..Default::default()
        });
    }
    // Unit costs, caching, waste.
    let mut unit = Section {
        id: "unit-costs".into(),
        title: "Unit costs, caching and waste".into(),
        ..Default::default()
    };
    for u in &r.unit_costs {
        let (h, rows) = unit_cost_table(u);
        unit.tables
            .push(Table::new(&format!("Per {}", u.by), h, rows, &[0], false));
    }
    match &r.cache {
        Some(c) => {
            unit.items
                .push(format!("Prompt caching: {}", cache_line(c)));
            unit.items.push(unread_line(c));
        }
        None => unit.items.push(
            "Prompt caching: none in use this month (or not measurable without logs).".into(),
        ),
    }
    let w = &r.waste;
    unit.items.push(format!(
        "Errors: {} of {} calls ({}).",
        group_thousands(w.errors),
        group_thousands(w.calls),
        w.error_pct.map_or("-".into(), |p| format!("{:.1}%", p.0))
    ));
    if let Some(t) = w.throttles {
        unit.items.push(format!(
            "Throttled calls (CloudWatch): {}.",
            group_thousands(t)
        ));
    }
    for n in &w.not_measurable {
        unit.items.push(format!("Not measurable: {n}."));
    }
    sections.push(unit);
    // Against the bill.
    let mut bill = Section {
        id: "reconciliation".into(),
        title: "Computed against billed".into(),
        ..Default::default()
    };
    match (&r.reconciliation, &r.reconciliation_absent) {
        (Some(x), _) => {
            bill.paragraphs.push(format!(
                "Computed {} against billed {} ({} of it charges never computed from usage): gap {}.",
                money(x.computed_usd.0),
                money(x.billed_usd.0),
                money(x.other_charges_usd.0),
                money(x.gap_usd.0)
            ));
            if let (Some(c), Some(n)) = (x.credits_usd, x.billed_net_usd) {
                bill.paragraphs.push(format!(
                    "Credits, refunds, discounts and tax {}; billed net {}.",
                    money(c.0),
                    money(n.0)
                ));
            }
            if let Some(svg) = charts::computed_vs_billed(r) {
                bill.charts
                    .push(chart("Computed against billed per day", svg));
            }
            let gap_rows =
                |list: &[crate::output::review::Gap], with_cause: bool| -> Vec<Vec<String>> {
                    list.iter()
                        .map(|g| {
                            let mut v = vec![
                                g.key.clone(),
                                g.computed_usd.map_or("-".into(), |v| money(v.0)),
                                g.billed_usd.map_or("-".into(), |v| money(v.0)),
                                g.gap_usd.map_or("n/a".into(), |v| money(v.0)),
                                g.gap_pct.map_or("-".into(), |p| format!("{:.1}%", p.0)),
                            ];
                            if with_cause {
                                v.push(g.cause.clone().unwrap_or_default());
                            }
                            v
                        })
                        .collect()
                };
            let head = strings(["key", "Computed", "Billed", "Gap", "Gap % of bill"]);
            if !x.flagged.is_empty() {
                let mut h = head.clone();
                h[0] = "Flagged: model and day".into();
                h.push("Likely cause".into());
                bill.tables.push(Table::new(
                    "Flagged gaps",
                    h,
                    gap_rows(&x.flagged, true),
                    &[0, 5],
                    false,
                ));
            }
            let mut h = head.clone();
            h[0] = "model".into();
            bill.tables.push(Table::new(
                "Per model",
                h,
                gap_rows(&x.by_model, false),
                &[0],
                false,
            ));
            let short: Vec<Vec<String>> = x
                .coverage
                .iter()
                .map(|c| {
                    vec![
                        format!("{} {}", c.region, c.model),
                        c.coverage_pct
                            .map_or("-".into(), |p| format!("{:.1}%", p.0)),
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
            if !short.is_empty() {
                bill.tables.push(Table::new(
                    "Logging coverage (logs against metrics)",
                    strings(["region and model", "Tokens", "Calls", "Flag"]),
                    short,
                    &[0],
                    false,
                ));
            }
        }
        (None, Some(why)) => bill.paragraphs.push(format!("Not measurable: {why}.")),
        (None, None) => {}
    }
    sections.push(bill);
    // Anomalies.
    let mut anomalies = Section {
        id: "anomalies".into(),
        title: "Anomalies".into(),
        paragraphs: vec![format!("Method: {}.", r.anomalies.method)],
        ..Default::default()
    };
    let rows = |list: &[crate::output::review::Anomaly]| -> Vec<Vec<String>> {
        list.iter().map(anomaly_cells).collect()
    };
    let head = ANOMALY.map(String::from).to_vec();
    if r.anomalies.days.is_empty() {
        anomalies
            .paragraphs
            .push("No day above its baseline.".into());
    } else {
        anomalies.tables.push(Table::new(
            "Days",
            head.clone(),
            rows(&r.anomalies.days),
            &[0, 1, 6],
            false,
        ));
    }
    if !r.anomalies.identities.is_empty() {
        anomalies.tables.push(Table::new(
            "Identities",
            head,
            rows(&r.anomalies.identities),
            &[0, 1, 6],
            false,
        ));
    }
    sections.push(anomalies);
    if !r.attribution.is_empty() {
        let rows = r.attribution.iter().map(attribution_cells).collect();
        sections.push(Section {
            id: "attribution".into(),
            title: "Tag coverage".into(),
            tables: vec![Table::new(
                "",
                ATTRIBUTION.map(String::from).to_vec(),
                rows,
                &[0],
                false,
            )],
            ..Default::default()
        });
    }
    // Recommendations.
    let mut recs = Section {
        id: "recommendations".into(),
        title: "Recommendations".into(),
        ..Default::default()
    };
    match recommendation_table(r) {
        Some((h, rows)) => recs.tables.push(Table::new("", h, rows, &[0, 1, 4], true)),
        None => recs.paragraphs.push(KEEP_AS_IS.into()),
    }
    sections.push(recs);
    sections.push(Section {
        id: "caveats".into(),
        title: "Caveats".into(),
        items: r.caveats.clone(),
        ..Default::default()
    });
    let mut env = Environment::new();
    env.add_template("review.html", TEMPLATE)?;
    let t = env.get_template("review.html")?;
    Ok(t.render(context! {
        month => r.month,
        headline => headline(r),
        total => money(r.headline.spend_usd.0),
        total_exact => r.headline.spend_usd.0.normalize().to_string(),
        sources => sources_line(r),
        sections => sections,
        version => env!("CARGO_PKG_VERSION"),
    })?)
}
