//! Subcommands, one file each, orchestration only; and what they share: how a run's input
//! problems and unpriced models are reported on stderr, and the exit outcome they lead to.

pub mod athena;
pub mod collect;
mod compare;
pub mod dashboard;
pub mod demo;
pub mod discover;
mod from_metrics;
mod from_sums;
pub mod iam_policy;
mod monthly;
mod pipeline;
pub mod plan;
pub mod pricing;
pub mod reconcile;
pub mod report;
pub mod review;
pub mod whatif;

use crate::io::clean;
use crate::money::group_thousands;
use crate::output::report::UnpricedEntry;
use crate::usage::ingest::IngestStats;
use crate::usage::Diagnostics;

/// What a run found in its period: the records in it and those outside it.
#[derive(Debug, Clone, Copy)]
pub struct Scope {
    pub records: u64,
    pub outside_period: u64,
    pub unit: ScopeUnit,
}

/// What a run's records are, for its messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScopeUnit {
    /// Invocation-log records (per request).
    Invocations,
    /// Cost Explorer rows of the bill.
    BillRows,
    /// CloudWatch datapoints, summed into buckets per model id and period.
    Metrics,
}

/// How a run over logs ends: with no record in scope (none read, or none in the period) it
/// says so and exits 1; with `--strict`, any unusable line or file also makes it exit 1.
pub fn input_outcome(stats: &IngestStats, scope: Scope, strict: bool) -> crate::error::Outcome {
    if scope.records == 0 {
        let (read, outside) = (
            group_thousands(stats.records),
            group_thousands(scope.outside_period),
        );
        eprintln!(
            "error: {}",
            match scope.unit {
                ScopeUnit::Invocations => format!(
                    "no invocation records in scope: {read} read, {outside} outside the period"
                ),
                ScopeUnit::BillRows => format!(
                    "no bill rows in scope: {read} read, {outside} outside the period"
                ),
                ScopeUnit::Metrics => format!(
                    "no metrics in scope: {read} datapoint(s) read, {outside} bucket(s) outside the period"
                ),
            }
        );
        eprintln!(
            "hint: {}",
            if scope.outside_period > 0 {
                "widen --start/--end (or leave them out) to take in the records that were read"
            } else if scope.unit == ScopeUnit::Invocations {
                "check the paths: they hold no readable invocation-log records (see the lines above)"
            } else {
                "the snapshot holds none: collect them for the period with `bedrock-lens collect ... --out DIR`"
            }
        );
        return crate::error::Outcome::Partial;
    }
    let bad = stats.skipped_lines + stats.file_errors;
    if strict && bad > 0 {
        eprintln!("error: --strict: {bad} line(s) or file(s) could not be used");
        crate::error::Outcome::Partial
    } else {
        crate::error::Outcome::Ok
    }
}

/// The summary of what a pass read: records, files, bytes as stored, and any records outside
/// the period left out.
pub fn read_summary(stats: &IngestStats, outside_period: u64) -> String {
    format!(
        "read {} record(s) from {} file(s) ({:.1} MB){}",
        group_thousands(stats.records),
        stats.files,
        stats.bytes as f64 / 1e6,
        if outside_period > 0 {
            format!(
                "; {} outside the period left out",
                group_thousands(outside_period)
            )
        } else {
            String::new()
        }
    )
}

/// Prints what could not be read: first few in full (location and reason, never content);
/// and (a note, which -q drops) the files found in --logs directories that are not logs.
pub fn warn_diagnostics(stats: &IngestStats, diags: &Diagnostics, quiet: bool) {
    if !stats.ignored_files.is_empty() && !quiet {
        let n: u64 = stats.ignored_files.values().sum();
        let kinds: Vec<String> = stats
            .ignored_files
            .iter()
            .map(|(k, n)| format!("{} {}", group_thousands(*n), clean(k)))
            .collect();
        eprintln!(
            "note: {} other file(s) left alone in the --logs directories ({}): only regular files named like logs are read",
            group_thousands(n),
            kinds.join(", ")
        );
    }
    if diags.total == 0 {
        return;
    }
    let implausible = match stats.implausible {
        0 => String::new(),
        n => format!(" ({n} with implausible token counts)"),
    };
    eprintln!(
        "warning: {} problem(s) in the input: {} line(s) or row(s) skipped{implausible}, {} file(s) not fully read; everything else is in the report",
        diags.total, stats.skipped_lines, stats.file_errors
    );
    list_diagnostics(diags);
    if let Some(h) = diags.hint {
        eprintln!("  hint: {h}");
    }
}

/// The first problems in full (location and reason, never content), and how many more.
pub fn list_diagnostics(diags: &Diagnostics) {
    for d in &diags.shown {
        eprintln!("  {}: {}", clean(&d.location), clean(&d.message));
    }
    if diags.hidden() > 0 {
        eprintln!("  ... and {} more", diags.hidden());
    }
}

/// One warning naming every model that could not be priced, and the catalog's freshness.
pub fn warn_unpriced(rep: &crate::output::report::Report, quiet: bool) {
    warn_unpriced_list(&rep.unpriced);
    warn_prices(&rep.pricing, quiet);
    warn_limits(&rep.limits, quiet);
}

/// What the source could not tell (metrics), as notes (not with --quiet).
pub fn warn_limits(limits: &[String], quiet: bool) {
    if !quiet {
        for l in limits {
            eprintln!("note: {l}");
        }
    }
}

/// Says when the prices may be out of date (a warning), and which dated price versions priced
/// the data (a note: not with --quiet).
pub fn warn_prices(p: &crate::output::report::PricingOut, quiet: bool) {
    if let Some(w) = &p.stale_prices {
        eprintln!("warning: {w}");
    }
    if !p.price_versions.is_empty() && !quiet {
        eprintln!("note: a price changed within the data; each request was priced by the row in force on its day:");
        for v in &p.price_versions {
            eprintln!("  {}", clean(&v.text()));
        }
    }
}

pub fn warn_unpriced_list(unpriced: &[UnpricedEntry]) {
    if unpriced.is_empty() {
        return;
    }
    let calls: u64 = unpriced.iter().map(|u| u.counts.invocations).sum();
    let tokens: u64 = unpriced
        .iter()
        .map(|u| {
            u.counts.input_tokens
                + u.counts.output_tokens
                + u.counts.cache_read_tokens
                + u.counts.cache_write_tokens
        })
        .sum();
    eprintln!(
        "warning: no price for {} model id(s): {} invocations ({} tokens) are excluded from cost totals",
        unpriced.len(),
        group_thousands(calls),
        group_thousands(tokens)
    );
    for u in unpriced {
        eprintln!("  {}: {}", clean(&u.model_id), clean(&u.reasons.join("; ")));
    }
    eprintln!("  hint: add prices with --pricing FILE (`bedrock-lens pricing template <model id>` prints one to fill in)");
}

/// Says how many requests were read more than once and left out, and what they would have
/// added.
pub fn warn_duplicates(d: &pipeline::Dropped) {
    if d.requests == 0 {
        return;
    }
    let unpriced = match d.unpriced {
        0 => String::new(),
        n => format!(", {} of them unpriced", group_thousands(n)),
    };
    eprintln!(
        "warning: {} duplicate request(s) dropped (a request id read more than once: overlapping inputs?); counted once, they leave out {}{unpriced}",
        group_thousands(d.requests),
        d.cost.to_usd6().dollars(),
    );
    eprintln!("  hint: --keep-duplicates counts every copy");
}
