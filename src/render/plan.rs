//! `plan` in every format: a table per workload (terminal or Markdown), CSV with one line per
//! row, the JSON document, or the descriptions as a plan file (TOML) to edit and price again.

use super::{csv_guarded, json, Grid, NOTE};
use crate::money::{decimal_thousands, group_thousands, Num, Usd6};
use crate::output::plan::{Plan, TokenSource, WorkloadPlan};
use crate::scenarios::plan::describe::PlanFile;
use crate::scenarios::plan::{BreakEven, Row, Status};

/// Output formats of `plan`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum PlanFormat {
    /// A table per workload for the terminal.
    #[default]
    Table,
    /// The versioned JSON document (bedrock-lens/plan/v1).
    Json,
    /// One line per workload x model x region x mode, raw numbers.
    Csv,
    /// Markdown tables, for design documents and tickets.
    Markdown,
    /// The workload descriptions as a plan file: edit it, then `plan --file`.
    Toml,
}

pub fn render(p: &Plan, f: PlanFormat) -> anyhow::Result<String> {
    match f {
        PlanFormat::Json => json(p),
        PlanFormat::Csv => csv(p),
        PlanFormat::Toml => toml_text(p),
        PlanFormat::Table => Ok(text(p, false)),
        PlanFormat::Markdown => Ok(text(p, true)),
    }
}

/// A number with thousands separators: 1,388.9; under 1, two significant decimals (0.027).
fn t(n: Num) -> String {
    if n.0 > rust_decimal::Decimal::ZERO && n.0 < rust_decimal::Decimal::ONE {
        return n.0.round_sf(2).unwrap_or(n.0).normalize().to_string();
    }
    decimal_thousands(crate::money::round_dp(n.0, 1))
}

fn usd(u: &Usd6) -> String {
    u.dollars()
}

fn pct(p: Option<Num>) -> String {
    match p {
        None => String::new(),
        Some(p) if p.0.is_sign_positive() && !p.0.is_zero() => format!("+{p:.1}%"),
        Some(p) => format!("{p:.1}%"),
    }
}

/// What a row rests on or why it is not priced, in a few words.
fn row_note(r: &Row) -> String {
    let mut parts = vec![];
    match r.status {
        Status::Priced => {}
        Status::NotOffered => parts.push("not offered".to_string()),
        Status::NotMeasurable => parts.push("not measurable".to_string()),
    }
    if let Some(n) = &r.note {
        parts.push(n.clone());
    }
    if let Some(p) = &r.provisioned {
        parts.push(match &p.break_even {
            BreakEven::At {
                requests_per_minute,
                times_today,
            } => format!(
                "stays cheaper from {} requests/min on average ({times_today}x today) on",
                t(*requests_per_minute)
            ),
            BreakEven::Never { reason } => format!("never breaks even: {reason}"),
        });
    }
    if let Some(why) = &r.excluded_because {
        parts.push(format!("excluded: {why}"));
    }
    parts.join("; ")
}

fn money_cells(r: &Row) -> Vec<String> {
    if r.status == Status::Priced {
        r.monthly_usd.iter().map(usd).collect()
    } else {
        vec!["n/a".into(); 3]
    }
}

fn workload_grid(w: &WorkloadPlan) -> Grid {
    let mut rows = vec![];
    for (i, r) in w.rows.iter().enumerate() {
        if !shown(w, i) {
            continue;
        }
        let mark = match (Some(i) == w.cheapest, Some(i) == w.as_described) {
            (true, true) => "* =",
            (true, false) => "*",
            (false, true) => "=",
            _ => "",
        };
        let mut row = vec![
            mark.to_string(),
            r.model_id.clone(),
            r.region.clone(),
            r.label.clone(),
        ];
        row.extend(money_cells(r));
        row.push(pct(r.vs_on_demand_pct));
        row.push(row_note(r));
        rows.push(row);
    }
    Grid {
        header: [
            "",
            "Model",
            "Region",
            "Mode",
            "Monthly now",
            "In 6 months",
            "In 12 months",
            "vs on-demand",
            NOTE,
        ]
        .map(String::from)
        .to_vec(),
        rows,
        first_numeric: 4,
    }
}

/// Rows a table shows: all but modes the catalog lists no rate for (listed under the table).
fn shown(w: &WorkloadPlan, i: usize) -> bool {
    let r = &w.rows[i];
    !(r.status == Status::NotOffered && r.catalog_gap) || Some(i) == w.as_described
}

/// "flex tier, priority tier for X in R; ..." of the rows not shown.
fn not_offered(w: &WorkloadPlan) -> Option<String> {
    let mut by: Vec<(String, Vec<String>)> = vec![];
    for (i, r) in w.rows.iter().enumerate() {
        if shown(w, i) {
            continue;
        }
        let key = format!("{} in {}", r.model_id, r.region);
        match by.iter_mut().find(|(k, _)| *k == key) {
            Some((_, v)) => v.push(r.label.clone()),
            None => by.push((key, vec![r.label.clone()])),
        }
    }
    (!by.is_empty()).then(|| {
        by.iter()
            .map(|(k, v)| format!("{} for {k}", v.join(", ")))
            .collect::<Vec<_>>()
            .join("; ")
    })
}

fn source_text(s: TokenSource) -> &'static str {
    match s {
        TokenSource::Stated => "as described",
        TokenSource::Counted => "counted with CountTokens from the samples",
        TokenSource::Estimated => {
            "ESTIMATED from the samples' size (~4 bytes a token), not counted"
        }
        TokenSource::Mixed => {
            "counted with CountTokens where the model supports it, else ESTIMATED from size"
        }
    }
}

fn text(p: &Plan, md: bool) -> String {
    let mut s = String::new();
    let h = |s: &mut String, level: &str, t: &str| {
        if md {
            s.push_str(&format!("{level} {t}\n\n"));
        } else {
            s.push_str(&format!("{t}\n"));
        }
    };
    h(
        &mut s,
        "#",
        &format!(
            "Plan: monthly cost per model and inference mode (prices of {}, month of {} hours)",
            p.price_date, p.month_hours
        ),
    );
    // A paragraph break in Markdown, a line break on a terminal.
    let br = if md { "\n\n" } else { "\n" };
    for w in &p.workloads {
        let d = &w.description;
        s.push('\n');
        h(&mut s, "##", &w.name);
        let line = format!(
            "{} requests/month ({} a minute on average{}), {} input tokens a request ({}), {} output; growth {}% a month; latency {}{}",
            group_thousands(d.requests_per_month),
            t(d.average_requests_per_minute),
            d.peak_requests_per_minute
                .map(|p| format!(", peak {}", t(p)))
                .unwrap_or_default(),
            t(d.input_tokens_mean),
            source_text(d.input_token_source),
            t(d.output_tokens_mean),
            d.growth_per_month_pct,
            d.max_latency,
            if d.streaming { ", streaming" } else { "" },
        );
        s.push_str(&line);
        s.push_str(br);
        s.push_str(&workload_grid(w).render(md));
        if md {
            s.push('\n');
        }
        s.push_str("= as described, * cheapest that meets the constraints");
        s.push_str(br);
        if let Some(n) = not_offered(w) {
            s.push_str(&format!("not offered (the catalog lists no rate): {n}{br}"));
        }
        match w.cheapest.map(|i| &w.rows[i]) {
            Some(r) => {
                let saves = w
                    .cheapest_saves_usd
                    .first()
                    .filter(|u| u.0 != 0)
                    .map(|u| format!(", {} a month less than as described", usd(u)))
                    .unwrap_or_default();
                s.push_str(&format!(
                    "cheapest that meets the constraints: {} in {}, {}: {} a month now{saves}{br}",
                    r.model_id,
                    r.region,
                    r.label,
                    usd(&r.monthly_usd[0])
                ));
            }
            None => s.push_str(&format!("no priced row meets the constraints{br}")),
        }
        for (h, c) in w.cheapest_by_horizon.iter().enumerate().skip(1) {
            if let Some(r) = c.filter(|c| Some(*c) != w.cheapest).map(|i| &w.rows[i]) {
                s.push_str(&format!(
                    "{}in {} months the cheapest becomes {} in {}, {}: {} a month{br}",
                    if md { "" } else { "  " },
                    p.horizons_months[h],
                    r.model_id,
                    r.region,
                    r.label,
                    usd(&r.monthly_usd[h])
                ));
            }
        }
        s.push_str("assumptions:\n");
        for a in &w.assumptions {
            s.push_str(&format!("  - {a}\n"));
        }
    }
    s.push('\n');
    let t = &p.totals;
    match (&t.as_described_usd, &t.cheapest_usd) {
        (Some(d), Some(c)) => s.push_str(&format!(
            "all workloads, as described: {} a month now, {} in 6 months, {} in 12; cheapest options: {}, {}, {}\n",
            usd(&d[0]),
            usd(&d[1]),
            usd(&d[2]),
            usd(&c[0]),
            usd(&c[1]),
            usd(&c[2]),
        )),
        _ => s.push_str("all workloads: not measurable (no workload can be priced as described)\n"),
    }
    if !t.not_priced.is_empty() {
        s.push_str(&format!(
            "not priced as described, so left out of the totals: {}\n",
            t.not_priced.join(", ")
        ));
    }
    if md {
        s = s.replace("\nassumptions:\n", "\nAssumptions:\n\n");
    }
    s
}

fn csv(p: &Plan) -> anyhow::Result<String> {
    let header: Vec<String> = [
        "workload",
        "model_id",
        "model",
        "region",
        "mode",
        "status",
        "monthly_usd_now",
        "monthly_usd_6_months",
        "monthly_usd_12_months",
        "vs_on_demand_pct",
        "as_described",
        "cheapest",
        "cheapest_in_months",
        "meets_constraints",
        "units",
        "break_even",
        "break_even_requests_per_minute",
        "break_even_times_today",
        "input_token_source",
        "note",
    ]
    .map(String::from)
    .to_vec();
    let mut rows = vec![];
    for w in &p.workloads {
        for (i, r) in w.rows.iter().enumerate() {
            let m = |h: usize| r.monthly_usd.get(h).map(|u| u.fixed6()).unwrap_or_default();
            let (be, be_rpm, be_x) = match r.provisioned.as_ref().map(|p| &p.break_even) {
                Some(BreakEven::At {
                    requests_per_minute,
                    times_today,
                }) => ("at".into(), requests_per_minute.text(), times_today.text()),
                Some(BreakEven::Never { .. }) => ("never".into(), String::new(), String::new()),
                None => (String::new(), String::new(), String::new()),
            };
            let cheapest_in: Vec<String> = w
                .cheapest_by_horizon
                .iter()
                .zip(&p.horizons_months)
                .filter(|(c, _)| **c == Some(i))
                .map(|(_, h)| h.to_string())
                .collect();
            rows.push(vec![
                w.name.clone(),
                r.model_id.clone(),
                r.model.clone(),
                r.region.clone(),
                r.label.clone(),
                serde_json::to_value(r.status)?
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
                m(0),
                m(1),
                m(2),
                r.vs_on_demand_pct.map(Num::text).unwrap_or_default(),
                r.as_described.to_string(),
                (Some(i) == w.cheapest).to_string(),
                cheapest_in.join(" "),
                r.meets_constraints.to_string(),
                r.provisioned
                    .as_ref()
                    .map(|p| p.units.to_string())
                    .unwrap_or_default(),
                be,
                be_rpm,
                be_x,
                serde_json::to_value(w.description.input_token_source)?
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
                r.note.clone().unwrap_or_default(),
            ]);
        }
    }
    csv_guarded(&header, &rows, 5)
}

fn toml_text(p: &Plan) -> anyhow::Result<String> {
    let file = PlanFile {
        workloads: p.specs.clone(),
    };
    let body = toml::to_string(&file)?;
    let mut head = String::from(
        "# bedrock-lens plan file: one [[workload]] per workload. Edit it (traffic, models,\n# tokens, caching), then price it: bedrock-lens plan --file THIS_FILE\n",
    );
    if !p.repeat_flags.is_empty() {
        head.push_str(&format!(
            "# priced with {}: pass it again (a plan file does not hold it)\n",
            p.repeat_flags.join(" ")
        ));
    }
    for u in &p.left_out {
        head.push_str(&format!(
            "# left out: {}: {}\n",
            crate::io::clean(&u.model_id),
            crate::io::clean(&u.reasons.join("; "))
        ));
    }
    Ok(format!("{head}\n{body}"))
}
