//! `report`: invocation logs -> priced usage grouped by the keys asked for.

use std::path::PathBuf;

use crate::cli::ReportArgs;
use crate::error::{Outcome, UsageError};
use crate::money::group_thousands;
use crate::pricing::{CacheTtl, Resolver};
use crate::render;
use crate::report::{self, PeriodOut, PricingOut, Report};
use crate::usage::aggregate::KEY_HELP;
use crate::usage::ingest::{self, Diagnostics, IngestOptions, IngestStats, Source};
use crate::usage::{Aggregator, GroupKey, Period, TableFormat, UsageTable};

use super::{clean, emit, input_outcome, parse_period, warn_diagnostics, write_atomic, Env};

pub fn parse_keys(by: &[String]) -> anyhow::Result<Vec<GroupKey>> {
    let keys = by
        .iter()
        .filter(|s| !s.trim().is_empty())
        .map(|s| GroupKey::parse(s))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| UsageError::new(e, format!("--by takes: {KEY_HELP}")))?;
    if keys.is_empty() {
        return Err(UsageError::new("--by is empty", format!("--by takes: {KEY_HELP}")).into());
    }
    for (i, k) in keys.iter().enumerate() {
        if keys[..i].contains(k) {
            return Err(UsageError::new(
                format!("--by lists `{}` twice", k.name()),
                "give each key once, e.g. --by day,model",
            )
            .into());
        }
    }
    Ok(keys)
}

/// The result of one pass over the input: one report per grouping.
pub struct Run {
    pub reports: Vec<Report>,
    pub stats: IngestStats,
    pub diags: Diagnostics,
}

/// What one pass computes.
pub struct Plan<'a> {
    pub groupings: &'a [Vec<GroupKey>],
    pub ttl: CacheTtl,
    pub period: Period,
    /// Also write every request as a row of the usage table.
    pub table: Option<&'a UsageTable>,
}

/// Reads all sources once and builds a report for each grouping.
pub fn run(
    env: &Env,
    sources: &[Source],
    plan: &Plan,
    mut stats: IngestStats,
    mut diags: Diagnostics,
) -> Run {
    let Plan {
        groupings,
        ttl,
        period,
        table,
    } = *plan;
    let resolver = Resolver::new(&env.catalog, &env.map);
    let opts = IngestOptions {
        progress: progress_bar(env, sources),
        ..Default::default()
    };
    let mut agg = ingest::ingest(
        sources,
        || Aggregator::new(&resolver, groupings, ttl, period, table),
        &opts,
        &mut stats,
        &mut diags,
    );
    agg.flush_table();
    if let Some(bar) = &opts.progress {
        bar.finish_and_clear();
    }
    let reports = reports_of(env, &agg, groupings, ttl, &period, &stats);
    Run {
        reports,
        stats,
        diags,
    }
}

/// One report per grouping from an aggregator that has seen every record.
pub fn reports_of(
    env: &Env,
    agg: &Aggregator,
    groupings: &[Vec<GroupKey>],
    ttl: CacheTtl,
    period: &Period,
    stats: &IngestStats,
) -> Vec<Report> {
    let period_out = period_out(period, agg);
    let unpriced = report::unpriced_of(agg);
    let input = report::input_of(stats, agg);
    (0..groupings.len())
        .map(|i| {
            let rows = report::rows_of(agg, i);
            Report {
                schema: report::SCHEMA,
                period: period_out.clone(),
                group_by: groupings[i].iter().map(GroupKey::name).collect(),
                totals: report::totals_of(&rows),
                rows,
                unpriced: unpriced.clone(),
                input: input.clone(),
                pricing: PricingOut {
                    catalog_as_of: agg
                        .prices_as_of
                        .or_else(|| env.catalog.oldest_as_of())
                        .map(|d| d.to_string()),
                    cache_write_ttl: ttl,
                    overrides: env.overrides.clone(),
                },
            }
        })
        .collect()
}

/// The period a result covers: the bounds asked for, else the first and last day seen.
pub fn period_out(period: &Period, agg: &Aggregator) -> PeriodOut {
    // A bound at midnight shows as its day; any other instant in full.
    let day = |t: chrono::DateTime<chrono::Utc>| {
        if t.time() == chrono::NaiveTime::MIN {
            t.format("%Y-%m-%d").to_string()
        } else {
            t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        }
    };
    PeriodOut {
        start: period
            .start
            .map(day)
            .or_else(|| agg.first_day().map(|d| d.to_string())),
        // --end is exclusive internally; show the last day included.
        // --end of a day or month is exclusive at the next midnight: show the last day included.
        end: period
            .end
            .map(|e| {
                if e.time() == chrono::NaiveTime::MIN {
                    (e - chrono::Days::new(1)).format("%Y-%m-%d").to_string()
                } else {
                    day(e)
                }
            })
            .or_else(|| agg.last_day().map(|d| d.to_string())),
    }
}

/// A byte progress bar on stderr, only when it is a terminal and not --quiet.
pub fn progress_bar(env: &Env, sources: &[Source]) -> Option<indicatif::ProgressBar> {
    use std::io::IsTerminal;
    if env.quiet
        || !std::io::stderr().is_terminal()
        || sources.iter().all(|s| matches!(s, Source::Memory { .. }))
    {
        return None;
    }
    let bar = indicatif::ProgressBar::new(ingest::total_size(sources));
    bar.set_style(
        indicatif::ProgressStyle::with_template("reading logs {bar:30} {binary_bytes}/{binary_total_bytes} ({binary_bytes_per_sec}, {eta} left)")
            .expect("valid progress template"),
    );
    Some(bar)
}

/// One warning naming every model that could not be priced.
pub fn warn_unpriced(rep: &Report) {
    warn_unpriced_list(&rep.unpriced);
}

pub fn warn_unpriced_list(unpriced: &[report::UnpricedEntry]) {
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
    eprintln!("  hint: add prices with --pricing FILE (see `bedrock-lens pricing show <model>` for the format)");
}

pub fn check_paths(paths: &[PathBuf]) -> anyhow::Result<()> {
    for p in paths {
        if !p.exists() {
            return Err(UsageError::new(
                format!("--logs {}: no such file or directory", p.display()),
                "give invocation-log files (.json, .jsonl, .json.gz) or directories that hold them",
            )
            .into());
        }
    }
    Ok(())
}

pub fn cmd(env: &Env, a: &ReportArgs) -> anyhow::Result<Outcome> {
    let keys = parse_keys(&a.by)?;
    let period = parse_period(a.input.start.as_deref(), a.input.end.as_deref())?;
    let mut stats = IngestStats::default();
    let mut diags = Diagnostics::default();
    let sources = super::input_sources(&a.input, &mut stats, &mut diags)?;
    let table = match &a.export_usage {
        Some(p) => {
            let format = TableFormat::from_path(p).ok_or_else(|| {
                UsageError::new(
                    format!("--export-usage {}: unknown file type", p.display()),
                    "name the file *.parquet or *.csv",
                )
            })?;
            Some(UsageTable::create(p, format)?)
        }
        None => None,
    };
    let run = {
        let plan = Plan {
            groupings: &[keys],
            ttl: a.cache_write_ttl,
            period,
            table: table.as_ref(),
        };
        run(env, &sources, &plan, stats, diags)
    };
    if let (Some(t), Some(p)) = (table, &a.export_usage) {
        let rows = t.finish()?;
        if !env.quiet {
            eprintln!(
                "wrote {} usage row(s) to {}",
                group_thousands(rows),
                p.display()
            );
        }
    }
    let rep = &run.reports[0];
    let text = render::report::render(rep, a.format)?;
    match &a.output {
        Some(p) => write_atomic(p, text.as_bytes())?,
        None => emit(&text)?,
    }
    warn_diagnostics(&run.stats, &run.diags);
    warn_unpriced(rep);
    if !env.quiet {
        eprintln!(
            "read {} record(s) from {} file(s) ({:.1} MB){}",
            group_thousands(run.stats.records),
            run.stats.files,
            run.stats.bytes as f64 / 1e6,
            if rep.input.outside_period > 0 {
                format!(
                    "; {} outside the period left out",
                    group_thousands(rep.input.outside_period)
                )
            } else {
                String::new()
            }
        );
    }
    Ok(input_outcome(&run.stats, a.strict))
}
