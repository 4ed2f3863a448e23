//! `report` in every format.

use super::{csv, json, Format, Grid};
use crate::money::{apportion, cents_text, group_thousands, Ties, Usd6};
use crate::output::report::{Counts, Report};

const COUNT_HEADERS: [&str; 6] = [
    "Calls",
    "Errors",
    "Input tok",
    "Output tok",
    "Cache read",
    "Cache write",
];

fn count_cells(c: &Counts) -> Vec<String> {
    c.array().iter().map(group_thousands).collect()
}

/// Cost cells in cents that add up to the TOTAL cell: the rows' micro-dollars are apportioned
/// to cents (largest remainder), so the table agrees with itself and with the JSON total.
fn cost_cells(rep: &Report) -> (Vec<String>, String) {
    let micros: Vec<i128> = rep
        .rows
        .iter()
        .map(|r| r.cost_usd().map_or(0, |c| c.0))
        .collect();
    let cents = apportion(&micros, 10_000, Ties::Alike);
    let cells = rep
        .rows
        .iter()
        .zip(&cents)
        .map(|(r, &c)| match r.cost_usd() {
            None => "unpriced".into(),
            Some(u) if r.unpriced_invocations > 0 => format!("{} + unpriced", cents_text(c, u.0)),
            Some(u) => cents_text(c, u.0),
        })
        .collect();
    let total_cents: i128 = cents.iter().sum();
    let total = match rep.totals.cost_usd {
        None => "unpriced".to_string(),
        Some(u) => {
            let unpriced = if rep.totals.unpriced_invocations > 0 {
                " + unpriced"
            } else {
                ""
            };
            format!("{}{unpriced}", cents_text(total_cents, u.0))
        }
    };
    (cells, total)
}

/// The human grid: one line per row, then a total line labelled `total_label`.
pub fn grid(rep: &Report, total_label: &str) -> Grid {
    let (costs, total_cost) = cost_cells(rep);
    let mut header: Vec<String> = rep.group_by.clone();
    header.extend(COUNT_HEADERS.iter().map(|s| s.to_string()));
    header.push("Cost (USD)".into());
    let mut rows: Vec<Vec<String>> = rep
        .rows
        .iter()
        .zip(costs)
        .map(|(r, cost)| {
            let mut cells: Vec<String> = r
                .keys
                .iter()
                .map(|(_, v)| v.clone().unwrap_or_else(|| "(none)".into()))
                .collect();
            cells.extend(count_cells(&r.counts));
            cells.push(cost);
            cells
        })
        .collect();
    let mut total = vec![total_label.to_string()];
    total.extend(std::iter::repeat_n(
        String::new(),
        rep.group_by.len().saturating_sub(1),
    ));
    total.extend(count_cells(&rep.totals.counts));
    total.push(total_cost);
    rows.push(total);
    Grid {
        header,
        rows,
        first_numeric: rep.group_by.len().max(1),
    }
}

fn fixed(u: Option<Usd6>) -> String {
    u.map(|u| u.fixed6()).unwrap_or_default()
}

pub fn render(rep: &Report, format: Format) -> anyhow::Result<String> {
    Ok(match format {
        Format::Json => json(rep)?,
        Format::Table => {
            let mut s = period_line(rep);
            s.push_str(&table_or_none(rep, false));
            s
        }
        Format::Markdown => {
            let mut s = format!("**{}**\n\n", period_line(rep).trim_end());
            s.push_str(&table_or_none(rep, true));
            s.push_str(&super::caveats_markdown(&caveats_of(rep)));
            s
        }
        Format::Csv => {
            let mut header: Vec<String> = rep.group_by.clone();
            header.extend(
                [
                    "invocations",
                    "errors",
                    "input_tokens",
                    "output_tokens",
                    "cache_read_tokens",
                    "cache_write_tokens",
                    "cost_usd",
                    "cost_input_usd",
                    "cost_output_usd",
                    "cost_cache_read_usd",
                    "cost_cache_write_usd",
                    "unpriced_invocations",
                ]
                .map(String::from),
            );
            let rows: Vec<Vec<String>> = rep
                .rows
                .iter()
                .map(|r| {
                    let mut cells: Vec<String> = r
                        .keys
                        .iter()
                        .map(|(_, v)| v.clone().unwrap_or_default())
                        .collect();
                    cells.extend(r.counts.array().map(|n| n.to_string()));
                    cells.push(fixed(r.cost_usd()));
                    let b = r.cost;
                    cells.push(fixed(b.map(|b| b.input)));
                    cells.push(fixed(b.map(|b| b.output)));
                    cells.push(fixed(b.map(|b| b.cache_read)));
                    cells.push(fixed(b.map(|b| b.cache_write)));
                    cells.push(r.unpriced_invocations.to_string());
                    cells
                })
                .collect();
            let mut s = csv(&header, &rows)?;
            s.push_str(&super::caveats_csv(&caveats_of(rep)));
            s
        }
    })
}

fn caveats_of(rep: &Report) -> Vec<String> {
    let mut c = super::caveats(&rep.input, &rep.unpriced, &rep.pricing);
    c.extend(rep.limits.iter().cloned());
    c
}

/// The table, or a line saying there is nothing in scope (a table of zeros would read as a
/// month that cost nothing).
fn table_or_none(rep: &Report, markdown: bool) -> String {
    if !rep.totals.counts.is_empty() {
        return grid(rep, "TOTAL").render(markdown);
    }
    format!(
        "No invocation records in scope: {} read, {} outside the period.\n",
        group_thousands(rep.input.records),
        group_thousands(rep.input.outside_period)
    )
}

fn period_line(rep: &Report) -> String {
    let p = &rep.period;
    format!(
        "Bedrock usage {} (UTC), by {}{}; cost at {}\n",
        super::period_text(p.start.as_deref(), p.end.as_deref()),
        crate::io::clean(&rep.group_by.join(", ")),
        match rep.source {
            crate::output::report::DataSource::Metrics => ", from CloudWatch metrics",
            _ => "",
        },
        super::prices_text(&rep.pricing),
    )
}
