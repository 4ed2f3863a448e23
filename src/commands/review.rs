//! `review`: the monthly spend review of a snapshot or log files, as HTML, Markdown or JSON.

use chrono::NaiveDate;

use super::monthly::{build, format_of, Input};
use super::warn_diagnostics;
use crate::cli::{LogsArgs, ReviewArgs};
use crate::error::{Outcome, UsageError};
use crate::render;
use crate::settings::{input_sources, output_of, parse_keys, Env};
use crate::usage::ingest::IngestStats;
use crate::usage::{Diagnostics, GroupKey};

/// `YYYY-MM` as the month's first day, or a usage error.
fn month(s: &str) -> anyhow::Result<NaiveDate> {
    NaiveDate::parse_from_str(&format!("{}-01", s.trim()), "%Y-%m-%d").map_err(|_| {
        UsageError::new(
            format!("--month {s}: not a month"),
            "give YYYY-MM, e.g. --month 2026-10",
        )
        .into()
    })
}

pub fn cmd(env: &Env, a: &ReviewArgs) -> anyhow::Result<Outcome> {
    let mut stats = IngestStats::default();
    let mut diags = Diagnostics::default();
    let logs = LogsArgs {
        logs: a.logs.clone(),
        snapshot: a.snapshot.clone(),
        start: None,
        end: None,
        keep_duplicates: false,
    };
    // A snapshot without logs (metrics only) reviews from its metrics.
    let sources = match &a.snapshot {
        Some(dir) if !dir.join(crate::snapshot::INVOCATIONS).exists() => {
            crate::snapshot::open(dir).map_err(|e| {
                UsageError::new(
                    format!("--snapshot: {e:#}"),
                    "give the directory `bedrock-lens collect ... --out DIR` wrote",
                )
            })?;
            vec![]
        }
        _ => input_sources(&logs, &mut stats, &mut diags)?,
    };
    let previous = match &a.previous {
        None => vec![],
        Some(p) => {
            let prev = if p.join(crate::snapshot::MANIFEST).exists() {
                LogsArgs {
                    snapshot: Some(p.clone()),
                    logs: vec![],
                    ..logs.clone()
                }
            } else {
                LogsArgs {
                    snapshot: None,
                    logs: vec![p.clone()],
                    ..logs.clone()
                }
            };
            input_sources(&prev, &mut stats, &mut diags)?
        }
    };
    let by = if a.by.is_empty() {
        vec![]
    } else {
        parse_keys(&a.by)?
    };
    if let Some(k) = by.iter().find(|k| {
        matches!(
            k,
            GroupKey::Model | GroupKey::Profile | GroupKey::Account | GroupKey::Identity
        )
    }) {
        return Err(UsageError::new(
            format!(
                "--by {}: the review always breaks spend down by it",
                k.name()
            ),
            "give other keys: meta:<key>, operation, region or model_id",
        )
        .into());
    }
    if by.iter().any(|k| k.is_time()) {
        return Err(UsageError::new(
            "--by: the review is per month and day already",
            "give meta:<key>, operation, region or model_id",
        )
        .into());
    }
    let input = Input {
        snapshot: a.snapshot.clone(),
        sources,
        previous,
        month: a.month.as_deref().map(month).transpose()?,
        by,
        top: usize::from(a.top),
    };
    if a.format.is_none() {
        if let Some(p) = &a.output {
            let ext = p.extension().and_then(|e| e.to_str()).unwrap_or("");
            if !matches!(
                ext.to_ascii_lowercase().as_str(),
                "html" | "htm" | "md" | "markdown" | "json"
            ) {
                return Err(UsageError::new(
                    format!(
                        "-o {}: the format cannot be told from the name",
                        p.display()
                    ),
                    "end it in .html, .md or .json, or give --format html|markdown|json",
                )
                .into());
            }
        }
    }
    let output = output_of("--output", a.output.as_deref(), &[], &env.setting_files)?;
    let (review, st, dg) = build(env, &input)?;
    let text = render::review::render(&review, format_of(a.format, a.output.as_deref()))?;
    output.write(text.as_bytes())?;
    warn_diagnostics(&st, &dg, env.quiet);
    if !env.quiet {
        if let Some(p) = &a.output {
            eprintln!("wrote the review of {} to {}", review.month, p.display());
        }
    }
    Ok(Outcome::Ok)
}
