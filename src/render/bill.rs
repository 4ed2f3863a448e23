//! `report --source bill` in every format: the grouped bill, cent cells that add up to the total.

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

use super::{csv_guarded, json, Format, Grid};
use crate::io::clean;
use crate::money::{apportion_signed, cents_text, group_thousands, Ties};
use crate::output::bill::{Adjustments, BillReport};

/// An exact amount in units of 1e-10 dollars (Cost Explorer's precision).
pub fn tenths_of_nanos(d: Decimal) -> i128 {
    (d * Decimal::from(10_000_000_000u64))
        .round()
        .to_i128()
        .unwrap_or(0)
}

fn amount_cells(rep: &BillReport) -> (Vec<String>, String) {
    let exact: Vec<i128> = rep
        .rows
        .iter()
        .map(|r| tenths_of_nanos(r.billed_usd))
        .collect();
    let cents = apportion_signed(&exact, 100_000_000, Ties::Alike);
    let cells = cents
        .iter()
        .zip(&exact)
        .map(|(&c, &e)| cents_text(c, e))
        .collect();
    let total: i128 = cents.iter().sum();
    (cells, cents_text(total, tenths_of_nanos(rep.total_usd.0)))
}

fn tokens_cell(t: Option<Decimal>) -> String {
    match t.and_then(|t| t.to_u64().filter(|_| t.fract().is_zero())) {
        Some(n) => group_thousands(n),
        None => t.map_or("-".into(), |t| t.normalize().to_string()),
    }
}

fn period_line(rep: &BillReport) -> String {
    let d = |x: Option<chrono::NaiveDate>| x.map_or("-".to_string(), |d| d.to_string());
    format!(
        "Bedrock bill {} to {} (Cost Explorer, as billed), by {}\n",
        d(rep.period.start),
        d(rep.period.end),
        clean(&rep.group_by.join(", "))
    )
}

fn caveats(rep: &BillReport) -> Vec<String> {
    let mut out = vec![];
    if !rep.unmapped.is_empty() {
        let list: Vec<String> = rep
            .unmapped
            .iter()
            .take(8)
            .map(|u| {
                format!(
                    "{} / {} ({})",
                    clean(&u.service),
                    clean(&u.usage_type),
                    u.reason
                )
            })
            .collect();
        let more = match rep.unmapped.len() {
            n if n > 8 => format!(" and {} more", n - 8),
            _ => String::new(),
        };
        out.push(format!(
            "{} usage type(s) not mapped to a catalog model (kept as their own rows): {}{more}",
            rep.unmapped.len(),
            list.join("; ")
        ));
    }
    out.push(match &rep.adjustments {
        Some(_) => "amounts are usage charges (record type Usage, UnblendedCost): credits, refunds, discounts and tax are shown apart".into(),
        None => "amounts are Cost Explorer's UnblendedCost; credits, refunds and discounts are not in this snapshot (collected by an older version: run `collect costs` again to have them apart)".into(),
    });
    out
}

/// The bill from gross to net, in lines: each non-usage record type, then the totals.
pub fn adjustment_lines(a: &Adjustments) -> Vec<String> {
    let usd = |d: Decimal| {
        let r = d.round_dp(2);
        if r.is_sign_negative() && !r.is_zero() {
            format!("-${}", -r)
        } else {
            format!("${r}")
        }
    };
    let mut out: Vec<String> = a
        .rows
        .iter()
        .filter(|r| r.kind != "usage")
        .map(|r| {
            let kind = if r.kind == r.record_type.to_ascii_lowercase() {
                String::new()
            } else {
                format!(" ({})", r.kind)
            };
            format!(
                "{} / {}{kind}: {} (net {})",
                clean(&r.service),
                clean(&r.record_type),
                usd(r.unblended_usd.0),
                usd(r.net_unblended_usd.0)
            )
        })
        .collect();
    if out.is_empty() {
        out.push("no credits, refunds, discounts or tax in the period".into());
    }
    out.push(format!(
        "billed gross (usage) {} + adjustments {} = {}; billed net (NetUnblendedCost, after discounts AWS nets in) {}",
        usd(a.gross_usd.0),
        usd(a.adjustments_usd.0),
        usd(a.after_adjustments_usd.0),
        usd(a.net_usd.0)
    ));
    out
}

/// The adjustments section of a table or Markdown document.
pub fn adjustments_section(a: Option<&Adjustments>, markdown: bool) -> String {
    let Some(a) = a else {
        return String::new();
    };
    let title = "Credits, refunds, discounts and tax (Cost Explorer record types):";
    let lines = adjustment_lines(a);
    if markdown {
        let body: String = lines.iter().map(|l| format!("- {l}\n")).collect();
        format!("\n**{title}**\n\n{body}")
    } else {
        let body: String = lines.iter().map(|l| format!("  {l}\n")).collect();
        format!("{title}\n{body}")
    }
}

pub fn render(rep: &BillReport, format: Format) -> anyhow::Result<String> {
    if format == Format::Json {
        return json(rep);
    }
    let mut header: Vec<String> = rep.group_by.clone();
    header.push("Tokens".into());
    header.push("Billed (USD)".into());
    if format == Format::Csv {
        header.pop();
        header.push("billed_usd".into());
        let rows: Vec<Vec<String>> = rep
            .rows
            .iter()
            .map(|r| {
                let mut v: Vec<String> = r
                    .keys
                    .iter()
                    .map(|(_, v)| v.clone().unwrap_or_default())
                    .collect();
                v.push(
                    r.tokens
                        .map_or(String::new(), |t| t.normalize().to_string()),
                );
                v.push(r.billed_usd.normalize().to_string());
                v
            })
            .collect();
        let adj = rep.adjustments.as_ref().map(adjustment_lines);
        let caveats: String = caveats(rep)
            .iter()
            .chain(adj.iter().flatten())
            .map(|c| format!("# caveat: {c}\n"))
            .collect();
        let keys = rep.group_by.len();
        return Ok(format!("{}{caveats}", csv_guarded(&header, &rows, keys)?));
    }
    let (cells, total) = amount_cells(rep);
    let mut rows: Vec<Vec<String>> = rep
        .rows
        .iter()
        .zip(cells)
        .map(|(r, cell)| {
            let mut v: Vec<String> = r
                .keys
                .iter()
                .map(|(_, v)| v.clone().unwrap_or_else(|| "-".into()))
                .collect();
            v.push(tokens_cell(r.tokens));
            v.push(cell);
            v
        })
        .collect();
    let mut last = vec![String::new(); rep.group_by.len()];
    last[0] = "TOTAL".into();
    last.push(String::new());
    last.push(total);
    rows.push(last);
    let markdown = format == Format::Markdown;
    let grid = Grid {
        first_numeric: rep.group_by.len(),
        header,
        rows,
    }
    .render(markdown);
    let title = if markdown {
        format!("**{}**\n\n", period_line(rep).trim_end())
    } else {
        period_line(rep)
    };
    let notes = caveats(rep);
    let tail = if markdown {
        super::caveats_markdown(&notes)
    } else {
        notes.iter().map(|c| format!("note: {c}\n")).collect()
    };
    let by_cat: Vec<String> = rep
        .by_category
        .iter()
        .map(|(k, v)| format!("{k} ${}", v.0.round_dp(2)))
        .collect();
    Ok(format!(
        "{title}{grid}By category: {}\n{}{tail}",
        by_cat.join(", "),
        adjustments_section(rep.adjustments.as_ref(), markdown)
    ))
}
