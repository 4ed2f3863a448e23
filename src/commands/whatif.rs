//! `whatif`: invocation logs -> the same usage repriced per scenario, per workload, with the
//! cheapest inference mode recommended for each.

use super::pipeline::run_whatif;
use super::{
    input_outcome, warn_diagnostics, warn_duplicates, warn_unpriced_list, Scope, ScopeUnit,
};
use crate::cli::WhatifArgs;
use crate::error::Outcome;
use crate::render;
use crate::settings::whatif::setup;
use crate::settings::{input_sources, output_of, Env};
use crate::usage::ingest::IngestStats;
use crate::usage::Diagnostics;

/// Whether the what-if reprices the snapshot's metrics: `--source metrics`, or `auto` on a
/// snapshot without invocation logs.
fn from_metrics(a: &WhatifArgs) -> anyhow::Result<Option<&std::path::Path>> {
    use crate::output::report::DataSource;
    let Some(dir) = a.input.snapshot.as_deref() else {
        return match a.source {
            DataSource::Metrics | DataSource::Bill => Err(crate::error::UsageError::new(
                format!("--source {}: whatif reads it from a snapshot, not --logs", a.source.name()),
                "collect metrics with `bedrock-lens collect metrics --out DIR`, then `whatif --snapshot DIR --source metrics`",
            )
            .into()),
            _ => Ok(None),
        };
    };
    Ok(match a.source {
        DataSource::Metrics => Some(dir),
        DataSource::Bill => {
            return Err(crate::error::UsageError::new(
                "--source bill: the bill has no tokens per request to reprice",
                "use --source logs or metrics",
            )
            .into())
        }
        DataSource::Auto => {
            (super::from_metrics::auto_source(dir) == DataSource::Metrics).then_some(dir)
        }
        DataSource::Logs => None,
    })
}

pub fn cmd(env: &Env, a: &WhatifArgs) -> anyhow::Result<Outcome> {
    let metrics_dir = from_metrics(a)?;
    let mut a = a.clone();
    if metrics_dir.is_some() {
        // Prompt caching is measured from request bodies: metrics have none.
        let caching = |n: &str| n == "caching" || n.starts_with("caching-");
        if a.scenario.iter().any(|n| n.split('+').any(caching)) {
            return Err(crate::error::UsageError::new(
                "the caching scenarios measure prompt repetition from request bodies: CloudWatch metrics have none",
                "leave them out with --source metrics (cache-rate works: it assumes a hit rate), or use --source logs",
            )
            .into());
        }
        if a.scenario.is_empty() {
            a.scenario = crate::scenarios::spec::DEFAULT
                .iter()
                .filter(|n| !caching(n))
                .map(|n| n.to_string())
                .collect();
        }
    }
    let a = &a;
    let s = setup(env, a)?;
    let mut stats = IngestStats::default();
    let mut diags = Diagnostics::default();
    let mut read = env.setting_files.clone();
    read.extend(a.scenarios_file.clone());
    let r = match metrics_dir {
        Some(dir) => {
            let output = output_of("--output", a.output.as_deref(), &[], &read)?;
            let r = super::pipeline::run_whatif_metrics(env, dir, &s, stats, diags)?;
            output.write(render::whatif::render(&r.result, a.format)?.as_bytes())?;
            warn_diagnostics(&r.stats, &r.diags, env.quiet);
            warn_unpriced_list(&r.result.unpriced);
            super::warn_prices(&r.result.pricing, env.quiet);
            super::warn_limits(&r.result.limits, env.quiet);
            let c = &r.result.baseline.counts;
            let any = c.invocations + c.input_tokens + c.output_tokens;
            let scope = Scope {
                records: any.min(1),
                outside_period: r.result.input.outside_period,
                unit: ScopeUnit::Metrics,
            };
            return Ok(input_outcome(&r.stats, scope, false));
        }
        None => {
            let sources = input_sources(&a.input, &mut stats, &mut diags)?;
            let output = output_of("--output", a.output.as_deref(), &sources, &read)?;
            let r = run_whatif(env, &sources, &s, stats, diags)?;
            (r, output)
        }
    };
    let (r, output) = r;
    let text = render::whatif::render(&r.result, a.format)?;
    output.write(text.as_bytes())?;
    warn_diagnostics(&r.stats, &r.diags, env.quiet);
    warn_unpriced_list(&r.result.unpriced);
    super::warn_prices(&r.result.pricing, env.quiet);
    warn_duplicates(&r.dropped);
    if !env.quiet {
        eprintln!(
            "{}; {} scenario(s)",
            super::read_summary(&r.stats, r.result.input.outside_period),
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
        unit: ScopeUnit::Invocations,
    };
    if scope.records > 0 && r.result.baseline.counts.invocations == 0 {
        // A table of $0.00 would read as free.
        eprintln!("error: nothing to compare: no invocation in the period could be priced");
        return Ok(Outcome::Partial);
    }
    Ok(input_outcome(&r.stats, scope, a.strict))
}
