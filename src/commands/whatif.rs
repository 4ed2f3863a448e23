//! `whatif`: invocation logs -> the same usage repriced per scenario, per workload, with the
//! cheapest inference mode recommended for each.

use super::pipeline::run_whatif;
use super::{input_outcome, warn_diagnostics, warn_duplicates, warn_unpriced_list, Scope};
use crate::cli::WhatifArgs;
use crate::error::Outcome;
use crate::money::group_thousands;
use crate::render;
use crate::settings::whatif::setup;
use crate::settings::{input_sources, output_of, Env};
use crate::usage::ingest::IngestStats;
use crate::usage::Diagnostics;

pub fn cmd(env: &Env, a: &WhatifArgs) -> anyhow::Result<Outcome> {
    let s = setup(env, a)?;
    let mut stats = IngestStats::default();
    let mut diags = Diagnostics::default();
    let sources = input_sources(&a.input, &mut stats, &mut diags)?;
    let mut read = env.setting_files.clone();
    read.extend(a.scenarios_file.clone());
    let output = output_of("--output", a.output.as_deref(), &sources, &read)?;
    let r = run_whatif(env, &sources, &s, stats, diags)?;
    let text = render::whatif::render(&r.result, a.format)?;
    output.write(text.as_bytes())?;
    warn_diagnostics(&r.stats, &r.diags, env.quiet);
    warn_unpriced_list(&r.result.unpriced);
    super::warn_prices(&r.result.pricing, env.quiet);
    warn_duplicates(&r.dropped);
    if !env.quiet {
        let outside = r.result.input.outside_period;
        eprintln!(
            "read {} record(s) from {} file(s) ({:.1} MB){}; {} scenario(s)",
            group_thousands(r.stats.records),
            r.stats.files,
            r.stats.bytes as f64 / 1e6,
            if outside > 0 {
                format!("; {} outside the period left out", group_thousands(outside))
            } else {
                String::new()
            },
            r.result.scenarios.len()
        );
        if r.result.scenarios.iter().any(|s| s.name == "batch")
            && a.batch_only.is_empty()
            && !a.batch_heuristic
        {
            eprintln!("note: every request counts as batch-eligible; narrow it with --batch-only KEY=VALUE or --batch-heuristic");
        }
    }
    let unpriced: u64 = r.result.unpriced.iter().map(|u| u.counts.invocations).sum();
    let scope = Scope {
        records: r.result.baseline.counts.invocations + unpriced,
        outside_period: r.result.input.outside_period,
    };
    if scope.records > 0 && r.result.baseline.counts.invocations == 0 {
        // A table of $0.00 would read as free.
        eprintln!("error: nothing to compare: no invocation in the period could be priced");
        return Ok(Outcome::Partial);
    }
    Ok(input_outcome(&r.stats, scope, a.strict))
}
