//! Renderers: every command builds one canonical result; these turn it into table, JSON, CSV or
//! Markdown. Human formats share one grid so they cannot disagree.

pub mod bill;
pub mod collect;
pub mod dashboard;
pub mod demo;
pub mod discover;
pub mod plan;
pub mod reconcile;
pub mod report;
pub mod review;
pub mod whatif;

use tabled::builder::Builder;

use crate::io::{clean, csv_cell};
use crate::money::group_thousands;
use crate::output::report::{InputOut, PricingOut, UnpricedEntry};
use tabled::settings::object::Columns;
use tabled::settings::{Alignment, Style, Width};

/// `catalog prices as of D[, with overrides from F (as of D), ...]`: what every human header
/// says the costs rest on.
pub fn prices_text(p: &PricingOut) -> String {
    let mut s = format!(
        "catalog prices as of {}",
        p.catalog_as_of.as_deref().unwrap_or("-")
    );
    if !p.overrides.is_empty() {
        let files: Vec<String> = p
            .overrides
            .iter()
            .map(|o| format!("{} (as of {})", clean(&o.file), o.as_of))
            .collect();
        s.push_str(&format!(", with overrides from {}", files.join(", ")));
    }
    s
}

/// `N invocation(s): ID (reason (n invocations)), ...`: what was left unpriced and why, the first
/// five ids in full.
pub fn unpriced_text(unpriced: &[UnpricedEntry]) -> String {
    let calls: u64 = unpriced.iter().map(|u| u.counts.invocations).sum();
    let ids: Vec<String> = unpriced
        .iter()
        .take(5)
        .map(|u| format!("{} ({})", clean(&u.model_id), clean(&u.reasons.join("; "))))
        .collect();
    let more = match unpriced.len() {
        n if n > 5 => format!(" and {} more", n - 5),
        _ => String::new(),
    };
    format!(
        "{} invocation(s): {}{more}",
        group_thousands(calls),
        ids.join(", ")
    )
}

/// What a reader of a saved Markdown or CSV result must know besides its numbers (stderr says
/// it too, but a file outlives the terminal): usage left out, lines skipped, duplicates
/// dropped, prices overridden.
pub fn caveats(input: &InputOut, unpriced: &[UnpricedEntry], pricing: &PricingOut) -> Vec<String> {
    let mut out = vec![];
    if !unpriced.is_empty() {
        out.push(format!(
            "not priced, so left out of the cost: {}",
            unpriced_text(unpriced)
        ));
    }
    if input.skipped_lines > 0 {
        out.push(format!(
            "{} unreadable line(s) skipped (each named on stderr)",
            group_thousands(input.skipped_lines)
        ));
    }
    if input.file_errors > 0 {
        out.push(format!(
            "{} input file(s) could not be read (named on stderr)",
            group_thousands(input.file_errors)
        ));
    }
    if input.duplicates_dropped > 0 {
        out.push(format!(
            "{} duplicate request(s) (a request id seen before) counted once",
            group_thousands(input.duplicates_dropped)
        ));
    }
    if !pricing.overrides.is_empty() {
        out.push(format!("prices: {}", prices_text(pricing)));
    }
    if let Some(w) = &pricing.stale_prices {
        out.push(w.clone());
    }
    if !pricing.price_versions.is_empty() {
        let v: Vec<String> = pricing.price_versions.iter().map(|v| v.text()).collect();
        out.push(format!(
            "priced by dated price rows (a price changed): {}",
            v.join("; ")
        ));
    }
    out
}

/// Caveats as a Markdown section (empty when there are none).
pub fn caveats_markdown(c: &[String]) -> String {
    if c.is_empty() {
        return String::new();
    }
    let items: Vec<String> = c
        .iter()
        .map(|x| format!("- {}\n", x.replace('|', "\\|")))
        .collect();
    format!("\n**Caveats**\n\n{}", items.concat())
}

/// Caveats as `# ` comment lines after the CSV records (readers skip them with
/// `comment='#'`; empty when there are none).
pub fn caveats_csv(c: &[String]) -> String {
    c.iter().map(|x| format!("# caveat: {x}\n")).collect()
}

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    /// Aligned text table for the terminal.
    #[default]
    Table,
    /// The versioned JSON document (stable, documented shape).
    Json,
    /// One header line and one line per row, raw numbers, no totals line.
    Csv,
    /// GitHub-flavoured Markdown table, for tickets and reviews.
    Markdown,
}

/// Header of a free-text last column, which stays left-aligned.
pub const NOTE: &str = "Note";
/// The header of a trailing column of reasons.
pub const WHY: &str = "Why";
/// Headers of trailing free-text columns, which stay left-aligned.
pub const TEXT_HEADERS: &[&str] = &[NOTE, WHY, "Likely cause", "Caveat", "Driven by"];
/// The widest a trailing text column gets on a terminal before it wraps.
const TEXT_WIDTH: usize = 72;

/// A header, rows of cells, and which columns are numbers (right-aligned).
pub struct Grid {
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
    pub first_numeric: usize,
}

impl Grid {
    pub fn render(&self, markdown: bool) -> String {
        let clean = |c: &String| cell_text(c, markdown);
        let mut b = Builder::default();
        b.push_record(self.header.iter().map(clean));
        for r in &self.rows {
            b.push_record(r.iter().map(clean));
        }
        let mut t = b.build();
        if markdown {
            t.with(Style::markdown());
        } else {
            t.with(Style::sharp());
        }
        // Numbers right-aligned; a trailing `Note` column stays left-aligned.
        let end = match self.header.last() {
            Some(h) if TEXT_HEADERS.contains(&h.as_str()) => self.header.len() - 1,
            _ => self.header.len(),
        };
        if self.first_numeric < end {
            t.modify(Columns::new(self.first_numeric..end), Alignment::right());
        }
        // A trailing text column (a note, a reason) wraps on a terminal; Markdown keeps it on
        // one line, as its table syntax needs.
        if !markdown && matches!(self.header.last().map(String::as_str), Some(NOTE | WHY)) {
            let last = self.header.len() - 1;
            t.modify(
                Columns::new(last..),
                Width::wrap(TEXT_WIDTH).keep_words(true),
            );
        }
        let mut s = t.to_string();
        s.push('\n');
        s
    }
}

/// A value from the logs made safe for one cell: control characters (line breaks, terminal
/// escapes) and bidirectional marks become spaces; in Markdown `|` is escaped so it cannot
/// open a column.
fn cell_text(s: &str, markdown: bool) -> String {
    let s: String = s
        .chars()
        .map(|c| if crate::io::unsafe_char(c) { ' ' } else { c })
        .collect();
    if markdown {
        // Markdown renders raw HTML: a `<` that could open a tag (`<img`, `</b`, `<!--`) shows
        // as text, never as markup; `<$0.01` stays as written.
        let s = s.replace('|', "\\|");
        let mut out = String::with_capacity(s.len());
        let mut chars = s.chars().peekable();
        while let Some(c) = chars.next() {
            let tag = c == '<'
                && chars
                    .peek()
                    .is_some_and(|n| n.is_ascii_alphabetic() || matches!(n, '/' | '!' | '?'));
            if tag {
                out.push_str("&lt;");
            } else {
                out.push(c);
            }
        }
        out
    } else {
        s
    }
}

/// CSV with proper quoting.
pub fn csv(header: &[String], rows: &[Vec<String>]) -> anyhow::Result<String> {
    csv_guarded(header, rows, usize::MAX)
}

/// CSV where only the first `text_cols` columns (values from the logs) get the formula guard;
/// the rest are our own numbers, which may be negative.
pub fn csv_guarded(
    header: &[String],
    rows: &[Vec<String>],
    text_cols: usize,
) -> anyhow::Result<String> {
    let mut w = csv::Writer::from_writer(vec![]);
    w.write_record(header)?;
    for r in rows {
        w.write_record(r.iter().enumerate().map(|(i, c)| {
            if i < text_cols {
                csv_cell(c).into_owned()
            } else {
                c.clone()
            }
        }))?;
    }
    Ok(String::from_utf8(w.into_inner()?)?)
}

/// A result's period in a heading: `2026-10-01 to 2026-10-31`, `from 2027-01-01`, or that no
/// record was in scope (no bound given and none seen).
pub fn period_text(start: Option<&str>, end: Option<&str>) -> String {
    match (start, end) {
        (Some(s), Some(e)) => format!("{s} to {e}"),
        (Some(s), None) => format!("from {s}"),
        (None, Some(e)) => format!("up to {e}"),
        (None, None) => "(no records in scope)".into(),
    }
}

pub fn json<T: serde::Serialize>(v: &T) -> anyhow::Result<String> {
    let mut s = serde_json::to_string_pretty(v)?;
    s.push('\n');
    Ok(s)
}
