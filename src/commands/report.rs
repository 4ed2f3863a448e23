//! `report`: invocation logs -> priced usage grouped by the keys asked for.

use super::pipeline::{run_report, ReportPlan};
use super::{input_outcome, warn_diagnostics, warn_duplicates, warn_unpriced, Scope};
use crate::cli::ReportArgs;
use crate::error::{Outcome, UsageError};
use crate::io::Output;
use crate::money::group_thousands;
use crate::pricing::UsageTable;
use crate::render;
use crate::settings::{input_sources, output_of, parse_keys, parse_period, Env};
use crate::usage::ingest::IngestStats;
use crate::usage::Diagnostics;
use crate::usage::TableFormat;

pub fn cmd(env: &Env, a: &ReportArgs) -> anyhow::Result<Outcome> {
    let keys = parse_keys(&a.by)?;
    let period = parse_period(a.input.start.as_deref(), a.input.end.as_deref())?;
    let mut stats = IngestStats::default();
    let mut diags = Diagnostics::default();
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
    let rep = &run.reports[0];
    let text = render::report::render(rep, a.format)?;
    output.write(text.as_bytes())?;
    warn_diagnostics(&run.stats, &run.diags, env.quiet);
    warn_unpriced(rep, env.quiet);
    warn_duplicates(&run.dropped);
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
    let scope = Scope {
        records: rep.totals.counts.invocations,
        outside_period: rep.input.outside_period,
    };
    Ok(input_outcome(&run.stats, scope, a.strict))
}
