//! `reconcile`: a snapshot's computed cost (its logs, else its metrics) against its bill.

use std::str::FromStr;

use rust_decimal::Decimal;

use super::compare::{Compare, Compared};
use crate::cli::ReconcileArgs;
use crate::error::{Outcome, UsageError};
use crate::output::reconcile::Thresholds;
use crate::render;
use crate::settings::discounts::{percent, Discounts};
use crate::settings::{output_of, parse_days, Env};

/// A number with an optional `%` (`1%`, `1.5`), or a usage error naming the flag.
fn number(flag: &str, s: &str) -> anyhow::Result<Decimal> {
    Decimal::from_str(s.trim().trim_end_matches('%').trim())
        .ok()
        .filter(|d| *d >= Decimal::ZERO)
        .ok_or_else(|| {
            UsageError::new(
                format!("{flag} {s}: not a non-negative number"),
                format!("e.g. {flag} 1"),
            )
            .into()
        })
}

pub fn cmd(env: &Env, a: &ReconcileArgs) -> anyhow::Result<Outcome> {
    let t = Thresholds {
        pct: number("--threshold", &a.threshold)?,
        usd: number("--min-gap-usd", &a.min_gap_usd)?,
    };
    let discounts = match (&a.discount, &a.discount_file) {
        (Some(d), _) => Some(Discounts::flat(percent(d).ok_or_else(|| {
            UsageError::new(
                format!("--discount {d}: not a percentage from 0 to below 100"),
                "e.g. --discount 12%",
            )
        })?)),
        (None, Some(f)) => Some(Discounts::load(f, &env.catalog)?),
        (None, None) => None,
    };
    let period = parse_days(a.start.as_deref(), a.end.as_deref())?;
    let compared = super::compare::compare(
        env,
        &Compare {
            dir: &a.snapshot,
            source: a.source,
            period,
            by: a.by,
            by_token_kind: a.by_token_kind,
            thresholds: t,
            discounts,
            flat_discount: a.discount.is_some(),
        },
    )?;
    if !env.quiet {
        for w in &compared.warnings {
            eprintln!("warning: {w}");
        }
    }
    let Compared {
        rec, stats, diags, ..
    } = compared;
    let output = output_of("--output", a.output.as_deref(), &[], &env.setting_files)?;
    output.write(render::reconcile::render(&rec, a.format)?.as_bytes())?;
    super::warn_diagnostics(&stats, &diags, env.quiet);
    if rec.flagged > 0 && !env.quiet {
        eprintln!(
            "note: {} gap(s) above {}% and ${} flagged, each with its usual cause",
            rec.flagged,
            t.pct.normalize(),
            t.usd.normalize()
        );
    }
    if rec.rows.is_empty() {
        if !env.quiet {
            eprintln!(
                "note: nothing in scope: neither usage nor bill in the period asked for (check --start/--end against the snapshot's windows: `bedrock-lens collect ... --out DIR` printed them, and manifest.json has them)"
            );
        }
        return Ok(Outcome::Partial);
    }
    if rec.coverage_flagged > 0 && !env.quiet {
        eprintln!(
            "note: logging coverage below {}% for {} region and model pair(s): logs are missing there",
            Decimal::from(100) - t.pct,
            rec.coverage_flagged
        );
    }
    Ok(
        if a.strict && (rec.flagged > 0 || rec.coverage_flagged > 0) {
            Outcome::Partial
        } else {
            Outcome::Ok
        },
    )
}
