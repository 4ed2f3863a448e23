//! `report`: invocation logs -> priced usage grouped by the keys asked for.

use super::pipeline::{run_report, ReportPlan};
use super::{input_outcome, warn_diagnostics, warn_duplicates, warn_unpriced, Scope, ScopeUnit};
use crate::cli::ReportArgs;
use crate::error::{Outcome, UsageError};
use crate::io::Output;
use crate::money::group_thousands;
use crate::output::report::DataSource;
use crate::pricing::UsageTable;
use crate::render;
use crate::settings::{input_sources, output_of, parse_keys, parse_period, Env};
use crate::usage::ingest::IngestStats;
use crate::usage::Diagnostics;
use crate::usage::TableFormat;
use crate::usage::{GroupKey, Period};

/// What the report prices: `--source`, with `auto` decided by what the snapshot holds.
fn source_of(a: &ReportArgs) -> anyhow::Result<DataSource> {
    let Some(dir) = &a.input.snapshot else {
        return match a.source {
            DataSource::Metrics | DataSource::Bill => Err(UsageError::new(
                format!(
                    "--source {} reads a snapshot, not --logs",
                    a.source.name()
                ),
                "collect it with `bedrock-lens collect metrics|costs --out DIR`, then `report --snapshot DIR --source metrics|bill`",
            )
            .into()),
            _ => Ok(DataSource::Logs),
        };
    };
    if let Err(e) = crate::snapshot::open(dir) {
        return Err(UsageError::new(
            format!("--snapshot: {e:#}"),
            "give the directory `bedrock-lens collect ... --out DIR` wrote (or `demo --snapshot DIR`)",
        )
        .into());
    }
    Ok(match a.source {
        DataSource::Auto => super::from_metrics::auto_source(dir),
        s => s,
    })
}

/// `report --source bill`: the snapshot's Cost Explorer rows as billed.
fn bill_cmd(env: &Env, a: &ReportArgs) -> anyhow::Result<Outcome> {
    use crate::output::bill::{self, BillKey, BILL_KEYS};
    let dir = a
        .input
        .snapshot
        .as_deref()
        .expect("the bill comes from a snapshot");
    let keys =
        a.by.iter()
            .filter(|s| !s.trim().is_empty())
            .map(|s| {
                BillKey::parse(s).ok_or_else(|| {
                    UsageError::new(
                        format!("--by {}: the bill cannot be grouped by it", s.trim()),
                        format!("with --source bill group by {BILL_KEYS}"),
                    )
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
    if a.export_usage.is_some() {
        return Err(UsageError::new(
            "--export-usage writes one row per request: the bill has none",
            "leave out --export-usage, or use --source logs",
        )
        .into());
    }
    let path = dir.join(crate::snapshot::COSTS);
    if !path.exists() {
        return Err(UsageError::new(
            format!(
                "--snapshot {}: holds no bill (costs.parquet)",
                dir.display()
            ),
            "collect it first: `bedrock-lens collect costs --start ... --end ... --out DIR`",
        )
        .into());
    }
    let output = output_of("--output", a.output.as_deref(), &[], &env.setting_files)?;
    let mut diags = Diagnostics::default();
    let rows = crate::snapshot::costs::read(&path, &mut diags)?;
    let day = |s: Option<&str>, end: bool| -> anyhow::Result<Option<chrono::NaiveDate>> {
        let p =
            crate::settings::parse_days(if end { None } else { s }, if end { s } else { None })?;
        Ok(if end { p.end } else { p.start }.map(|t| t.date_naive()))
    };
    let (start, end) = (
        day(a.input.start.as_deref(), false)?,
        day(a.input.end.as_deref(), true)?,
    );
    let lines = bill::lines(&env.catalog, &rows);
    let mut rep = bill::report(&lines, &keys, start, end);
    rep.adjustments = crate::snapshot::record_types::read_in(dir)?
        .map(|rows| bill::adjustments(&rows, start, end));
    output.write(render::bill::render(&rep, a.format)?.as_bytes())?;
    let stats = IngestStats {
        records: rows.len() as u64,
        files: 1,
        ..Default::default()
    };
    warn_diagnostics(&stats, &diags, env.quiet);
    if !rep.unmapped.is_empty() && matches!(a.format, render::Format::Json | render::Format::Csv) {
        eprintln!(
            "note: {} usage type(s) are not mapped to a catalog model; they are their own rows (listed in `unmapped`)",
            rep.unmapped.len()
        );
    }
    let scope = Scope {
        records: rep.lines,
        outside_period: rows.len() as u64 - rep.lines,
        unit: ScopeUnit::BillRows,
    };
    Ok(input_outcome(&stats, scope, a.strict))
}

/// `report --source metrics`: the snapshot's token metrics priced, with what they cannot tell.
fn metrics_cmd(
    env: &Env,
    a: &ReportArgs,
    keys: Vec<GroupKey>,
    period: Period,
) -> anyhow::Result<Outcome> {
    let dir = a
        .input
        .snapshot
        .as_deref()
        .expect("metrics come from a snapshot");
    if a.export_usage.is_some() {
        return Err(UsageError::new(
            "--export-usage writes one row per request: metrics have sums per period, not requests",
            "leave out --export-usage, or use --source logs",
        )
        .into());
    }
    super::from_metrics::check_keys(std::slice::from_ref(&keys))?;
    let output = output_of("--output", a.output.as_deref(), &[], &env.setting_files)?;
    let mut stats = IngestStats::default();
    let mut diags = Diagnostics::default();
    let reports = super::from_metrics::run(
        env,
        dir,
        &[keys],
        a.cache_write_ttl,
        period,
        &mut stats,
        &mut diags,
        None,
    )?;
    let rep = &reports[0];
    output.write(render::report::render(rep, a.format)?.as_bytes())?;
    warn_diagnostics(&stats, &diags, env.quiet);
    warn_unpriced(rep, env.quiet);
    if !env.quiet {
        eprintln!(
            "read {} metric datapoint(s) from {}",
            group_thousands(stats.records),
            dir.join(crate::snapshot::METRICS).display()
        );
    }
    let scope = Scope {
        records: u64::from(!rep.totals.counts.is_empty()),
        outside_period: rep.input.outside_period,
        unit: ScopeUnit::Metrics,
    };
    Ok(input_outcome(&stats, scope, a.strict))
}

/// `report --snapshot` over the Athena aggregation's sums (`collect logs --athena`).
fn sums_cmd(
    env: &Env,
    a: &ReportArgs,
    keys: Vec<GroupKey>,
    period: Period,
    dir: &std::path::Path,
    o: &crate::snapshot::Opened,
) -> anyhow::Result<Outcome> {
    if a.export_usage.is_some() {
        return Err(UsageError::new(
            "--export-usage writes one row per request: the snapshot holds Athena's sums per group",
            "leave out --export-usage, or collect the logs themselves (`collect logs --s3`)",
        )
        .into());
    }
    let output = output_of("--output", a.output.as_deref(), &[], &env.setting_files)?;
    let entry = o.manifest.sources.get("log_sums");
    let read = super::from_sums::Read {
        dir,
        windows: entry.map(|e| e.windows.as_slice()).unwrap_or_default(),
        cuts: entry
            .and_then(|e| e.details.get("long_context_thresholds"))
            .and_then(|v| serde_json::from_value(v.clone()).ok()),
    };
    let run = super::from_sums::run(env, &read, &[keys], a.cache_write_ttl, period)?;
    let read = format!(
        "read Athena's sums of {} record(s) in {} object(s) ({:.1} MB as stored) from {}",
        group_thousands(run.stats.records),
        group_thousands(run.stats.files),
        run.stats.bytes as f64 / 1e6,
        dir.join(crate::snapshot::LOG_SUMS).display()
    );
    finish(env, a, &output, &run, read)
}

/// Writes the report of a pass over invocations, says its warnings and `read` (what was read),
/// and returns the run's outcome.
fn finish(
    env: &Env,
    a: &ReportArgs,
    output: &Output,
    run: &super::pipeline::ReportRun,
    read: String,
) -> anyhow::Result<Outcome> {
    let rep = &run.reports[0];
    output.write(render::report::render(rep, a.format)?.as_bytes())?;
    warn_diagnostics(&run.stats, &run.diags, env.quiet);
    warn_unpriced(rep, env.quiet);
    warn_duplicates(&run.dropped);
    if !env.quiet {
        eprintln!("{read}");
    }
    let scope = Scope {
        records: rep.totals.counts.invocations,
        outside_period: rep.input.outside_period,
        unit: ScopeUnit::Invocations,
    };
    Ok(input_outcome(&run.stats, scope, a.strict))
}

pub fn cmd(env: &Env, a: &ReportArgs) -> anyhow::Result<Outcome> {
    let source = source_of(a)?;
    if source == DataSource::Bill {
        return bill_cmd(env, a);
    }
    let keys = parse_keys(&a.by)?;
    let period = parse_period(a.input.start.as_deref(), a.input.end.as_deref())?;
    let mut stats = IngestStats::default();
    let mut diags = Diagnostics::default();
    if source == DataSource::Metrics {
        return metrics_cmd(env, a, keys, period);
    }
    if let Some(dir) = &a.input.snapshot {
        let o = crate::snapshot::open(dir)?;
        if o.invocations.is_none() && o.log_sums.is_some() {
            return sums_cmd(env, a, keys, period, dir, &o);
        }
    }
    let sources = input_sources(&a.input, &mut stats, &mut diags)?;
    let output = output_of(
        "--output",
        a.output.as_deref(),
        &sources,
        &env.setting_files,
    )?;
    let table = match &a.export_usage {
        Some(p) => {
            let out = output_of("--export-usage", Some(p), &sources, &env.setting_files)?;
            if out == Output::Stdout || (out == output && matches!(out, Output::File(_))) {
                return Err(UsageError::new(
                    format!(
                        "--export-usage {}: the report is written there",
                        p.display()
                    ),
                    "give the usage table a file of its own",
                )
                .into());
            }
            let format = TableFormat::from_path(p).ok_or_else(|| {
                UsageError::new(
                    format!("--export-usage {}: unknown file type", p.display()),
                    "name the file *.parquet or *.csv",
                )
            })?;
            Some(UsageTable::create_at(&out, format, p)?)
        }
        None => None,
    };
    let run = {
        let plan = ReportPlan {
            groupings: &[keys],
            ttl: a.cache_write_ttl,
            period,
            table: table.as_ref(),
            keep_duplicates: a.input.keep_duplicates,
        };
        run_report(env, &sources, &plan, stats, diags)
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
    let mut run = run;
    // auto on a snapshot with both: metrics price the accounts, regions and hours the logs miss.
    if a.source == DataSource::Auto {
        if let Some(dir) = &a.input.snapshot {
            let metrics = dir.join(crate::snapshot::METRICS);
            let inv = dir.join(crate::snapshot::INVOCATIONS);
            if metrics.exists() && inv.exists() && a.export_usage.is_none() {
                let keys = parse_keys(&a.by)?;
                let fits = super::from_metrics::check_keys(std::slice::from_ref(&keys)).is_ok();
                // The metrics of the hours without logs: added to the rows when the grouping
                // fits metrics; else only said (by model), so nothing is dropped silently.
                let hours = super::from_metrics::logged_hours(&inv, &mut run.diags)?;
                let (mut st, mut dg) = (IngestStats::default(), Diagnostics::default());
                let m = super::from_metrics::run(
                    env,
                    dir,
                    &[if fits { keys } else { vec![GroupKey::Model] }],
                    a.cache_write_ttl,
                    period,
                    &mut st,
                    &mut dg,
                    Some(&hours),
                )?;
                if fits {
                    let logs = run.reports.remove(0);
                    run.reports
                        .insert(0, crate::output::report::with_metrics(logs, &m[0]));
                } else {
                    let t = &m[0].totals;
                    if t.counts.invocations + t.counts.input_tokens + t.counts.output_tokens > 0 {
                        let usd = t.cost_usd.map_or("unpriced".to_string(), |u| u.dollars());
                        run.reports[0].limits.push(format!(
                            "the metrics hold {} more call(s) ({usd}) in hours without invocation logs, which this grouping cannot show (metrics carry no {}): --by model, region, account, day or month shows them",
                            group_thousands(t.counts.invocations),
                            a.by.join(",")
                        ));
                    }
                }
            }
        }
    }
    let read = super::read_summary(&run.stats, run.reports[0].input.outside_period);
    finish(env, a, &output, &run, read)
}
