//! `demo`: the built-in sample month through the real pipeline: month by model, top identities.

use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use flate2::write::GzEncoder;
use flate2::Compression;

use super::pipeline::{run_report, run_whatif, ReportPlan};
use super::{warn_diagnostics, warn_unpriced};
use crate::cli::{DemoArgs, DemoFormat};
use crate::collect::demo_month as demo;
use crate::error::Outcome;
use crate::io::{emit, write_atomic};
use crate::output::demo::{Demo, SCHEMA, TOP};
use crate::output::report::totals_of;
use crate::pricing::CacheTtl;
use crate::render;
use crate::scenarios::sink::Plan as WhatifPlan;
use crate::scenarios::spec::{self, Eligibility};
use crate::settings::whatif::Setup;
use crate::settings::Env;
use crate::usage::ingest::{IngestStats, Source};
use crate::usage::Diagnostics;
use crate::usage::{GroupKey, Period};

/// The demo's what-if: every per-request mode and measured caching (provisioned throughput
/// needs a tokens-per-minute figure per model unit that AWS does not publish).
const WHATIF_SCENARIOS: &[&str] = &["batch", "flex", "priority", "global", "caching"];

pub fn cmd(env: &Env, a: &DemoArgs) -> anyhow::Result<Outcome> {
    let files = demo::month();
    let sources: Vec<Source> = files
        .iter()
        .map(|((acct, region, day), bytes)| Source::Memory {
            name: format!(
                "demo/{acct}/{region}/{:04}-{:02}-{day:02}",
                demo::YEAR,
                demo::MONTH
            ),
            data: Arc::new(bytes.clone()),
        })
        .collect();
    if let Some(dir) = &a.out {
        write_logs(env, dir, &files)?;
    }
    let groupings = vec![vec![GroupKey::Model], vec![GroupKey::Identity]];
    let period = Period {
        start: None,
        end: None,
    };
    let plan = ReportPlan {
        groupings: &groupings,
        ttl: CacheTtl::FiveMinutes,
        period,
        table: None,
        keep_duplicates: false,
    };
    let mut r = run_report(
        env,
        &sources,
        &plan,
        IngestStats::default(),
        Diagnostics::default(),
    );
    let resolver = crate::pricing::Resolver::new(&env.catalog, &env.map);
    let names: Vec<String> = WHATIF_SCENARIOS.iter().map(|s| s.to_string()).collect();
    let scenarios = spec::expand(
        &names,
        &spec::Params::default(),
        &[],
        &resolver,
        CacheTtl::FiveMinutes,
    )
    .map_err(anyhow::Error::msg)?;
    let setup = Setup {
        plan: WhatifPlan {
            keys: vec![GroupKey::Model],
            scenarios,
            eligibility: Eligibility::default(),
            ttl: CacheTtl::FiveMinutes,
            period,
        },
        tpm_by_model: Default::default(),
        tpm_all: None,
        percentile: 100,
        provisioned_asked: false,
        keep_duplicates: false,
    };
    let w = run_whatif(
        env,
        &sources,
        &setup,
        IngestStats::default(),
        Diagnostics::default(),
    )?;
    let by_model = r.reports.remove(0);
    let mut top = r.reports.remove(0);
    top.rows.truncate(TOP);
    top.totals = totals_of(&top.rows);
    let demo = Demo {
        schema: SCHEMA,
        by_model: &by_model,
        top_identities: &top,
        whatif: &w.result,
    };
    let text = match a.format {
        DemoFormat::Json => render::json(&demo)?,
        f => render::demo::human(&demo, f == DemoFormat::Markdown),
    };
    emit(&text)?;
    warn_diagnostics(&r.stats, &r.diags, env.quiet);
    warn_unpriced(&by_model, env.quiet);
    Ok(Outcome::Ok)
}

/// `--out DIR`: the month as gzipped log files in the S3 delivery layout.
fn write_logs(env: &Env, dir: &Path, files: &demo::Month) -> anyhow::Result<()> {
    let mut n = 0;
    for ((acct, region, day), bytes) in files {
        let path = dir.join(format!(
            "AWSLogs/{acct}/BedrockModelInvocationLogs/{region}/{:04}/{:02}/{day:02}/00/demo-{acct}-{region}-{day:02}.json.gz",
            demo::YEAR,
            demo::MONTH
        ));
        let mut gz = GzEncoder::new(Vec::new(), Compression::default());
        gz.write_all(bytes)?;
        write_atomic(&path, &gz.finish()?)?;
        n += 1;
    }
    if !env.quiet {
        eprintln!(
            "wrote {n} log files under {} (S3 delivery layout); rerun with: bedrock-lens report --logs {}",
            dir.display(),
            dir.display()
        );
    }
    Ok(())
}
