//! `demo`: the built-in sample month through the real pipeline: month by model, top identities.

use std::io::Write;
use std::sync::Arc;

use flate2::write::GzEncoder;
use flate2::Compression;
use serde::Serialize;

use crate::cli::{DemoArgs, DemoFormat};
use crate::demo;
use crate::error::Outcome;
use crate::pricing::CacheTtl;
use crate::render;
use crate::report::Report;
use crate::usage::ingest::{Diagnostics, IngestStats, Source};
use crate::usage::{GroupKey, Period};

use super::report::{run, warn_unpriced, Plan};
use super::whatif as whatif_cmd;
use super::{emit, warn_diagnostics, write_atomic, Env};
use crate::scenarios::sink::Plan as WhatifPlan;
use crate::scenarios::spec::{self, Eligibility};
use crate::whatif::WhatIf;

/// How many identities the demo lists.
const TOP: usize = 5;

#[derive(Serialize)]
struct DemoResult<'a> {
    schema: &'static str,
    by_model: &'a Report,
    top_identities: &'a Report,
    whatif: &'a WhatIf,
}

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
        let mut n = 0;
        for ((acct, region, day), bytes) in &files {
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
    }
    let groupings = vec![vec![GroupKey::Model], vec![GroupKey::Identity]];
    let period = Period {
        start: None,
        end: None,
    };
    let plan = Plan {
        groupings: &groupings,
        ttl: CacheTtl::FiveMinutes,
        period,
        table: None,
    };
    let mut r = run(
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
    let setup = whatif_cmd::Setup {
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
    };
    let w = whatif_cmd::run(
        env,
        &sources,
        &setup,
        IngestStats::default(),
        Diagnostics::default(),
    )?;
    let by_model = r.reports.remove(0);
    let mut top = r.reports.remove(0);
    top.rows.truncate(TOP);
    top.totals = crate::report::totals_of(&top.rows);
    let text = match a.format {
        DemoFormat::Json => render::json(&DemoResult {
            schema: "bedrock-lens/demo/v1",
            by_model: &by_model,
            top_identities: &top,
            whatif: &w.result,
        })?,
        f => {
            let md = f == DemoFormat::Markdown;
            let title = |s: &str| {
                if md {
                    format!("### {s}\n\n")
                } else {
                    format!("{s}\n")
                }
            };
            let mut s = title(&format!(
                "bedrock-lens demo: a sample month of Amazon Bedrock usage ({} to {}, {} invocations, 2 accounts, {} models)",
                by_model.period.start.as_deref().unwrap_or("-"),
                by_model.period.end.as_deref().unwrap_or("-"),
                by_model.totals.counts.invocations,
                by_model.rows.len(),
            ));
            s.push('\n');
            s.push_str(&title("Month by model"));
            if md {
                s.push('\n');
            }
            s.push_str(&render::report::grid(&by_model, "TOTAL").render(md));
            s.push('\n');
            s.push_str(&title(&format!(
                "Top {TOP} identities by cost (roles, session names removed)"
            )));
            if md {
                s.push('\n');
            }
            s.push_str(&render::report::grid(&top, &format!("TOTAL (top {TOP})")).render(md));
            s.push('\n');
            s.push_str(&title(
                "What if the same month ran differently (bedrock-lens whatif)",
            ));
            if md {
                s.push('\n');
            }
            s.push_str(&render::whatif::summary(&w.result, md));
            s.push_str(
                "Every request counts as batch-eligible here; flex/priority use the documented ratios where the catalog has no rate\n\
                 (never recommended on that basis). `bedrock-lens whatif --logs DIR` shows each model and every assumption.\n",
            );
            s.push_str(&format!(
                "\nPrices: built-in catalog as of {}. Cost is computed per request (long-context and cache rates included);\n\
                 models the catalog does not know are listed on stderr and left out of the totals.\n\
                 Try: bedrock-lens demo --out demo-logs && bedrock-lens report --logs demo-logs --by day,model\n",
                by_model.pricing.catalog_as_of.as_deref().unwrap_or("-")
            ));
            s
        }
    };
    emit(&text)?;
    warn_diagnostics(&r.stats, &r.diags);
    warn_unpriced(&by_model);
    Ok(Outcome::Ok)
}
