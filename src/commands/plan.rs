//! `plan`: price described workloads (flags, a plan file, or derived from logs) per model,
//! region and inference mode; sample prompts counted with CountTokens (or estimated offline).

use anyhow::Context;

use crate::cli::PlanArgs;
use crate::collect::aws::{self, AwsArgs};
use crate::collect::count_tokens::{self, CountOutcome};
use crate::error::{Outcome, UsageError};
use crate::money::group_thousands;
use crate::output::plan::{build, DescribedBy, TokenSource};
use crate::pricing::{CacheTtl, Resolver};
use crate::render;
use crate::scenarios::plan::derive::{spec, Span};
use crate::scenarios::plan::describe::{Dec, TokensSpec, WorkloadSpec};
use crate::scenarios::plan::{Options, TokenDist, Workload};
use crate::settings::plan::{scale, setup, spec_from_flags, specs_from_file, workloads, Origin};
use crate::settings::{input_sources, output_of, parse_keys, parse_period, Env};
use crate::usage::ingest::IngestStats;
use crate::usage::Diagnostics;

pub fn cmd(env: &Env, a: &PlanArgs) -> anyhow::Result<Outcome> {
    let resolver = Resolver::new(&env.catalog, &env.map);
    let s = setup(a, &resolver)?;
    let mut outcome = Outcome::Ok;
    let mut read = env.setting_files.clone();
    read.extend(a.file.clone());
    read.extend(a.sample.clone());
    let mut left_out = vec![];
    let (specs, described_by, sources) = match &s.origin {
        Origin::Flags => (vec![spec_from_flags(a)?], DescribedBy::Flags, vec![]),
        Origin::File(p) => (
            specs_from_file(p)?,
            DescribedBy::File {
                path: crate::io::clean(&p.display().to_string()),
            },
            vec![],
        ),
        Origin::Logs => {
            let d = derive(env, &resolver, a)?;
            left_out = d.unpriced;
            (d.specs, d.by, d.sources)
        }
    };
    let mut specs = specs;
    scale(&mut specs, a.scale.as_deref())?;
    let mut ws = workloads(&specs, &s.origin, &resolver, s.day, a.sample.is_some())?;
    let mut sources_of = vec![TokenSource::Stated; ws.len()];
    if let Some(path) = &a.sample {
        let (source, failed) = sampled(env, a, path, &mut ws[0])?;
        sources_of[0] = source;
        if failed {
            outcome = Outcome::Partial;
        }
        // A plan file made from this run keeps the counted tokens (the first model's).
        specs[0].input_tokens = Some(TokensSpec::Histogram {
            histogram: ws[0]
                .input
                .buckets
                .iter()
                .map(|(w, t)| (Dec(*t), Dec(*w)))
                .collect(),
        });
    }
    let output = output_of("--output", a.output.as_deref(), &sources, &read)?;
    let opts = Options {
        catalog: &env.catalog,
        day: s.day,
        tpm: &s.tpm,
        tpm_all: s.tpm_all,
    };
    let pairs: Vec<(Workload, TokenSource)> = ws.into_iter().zip(sources_of).collect();
    let mut plan = build(&opts, &pairs, specs, described_by, left_out);
    plan.repeat_flags = a
        .tpm_per_unit
        .iter()
        .map(|t| format!("--tpm-per-unit {}", crate::io::clean(t)))
        .collect();
    output.write(render::plan::render(&plan, a.format)?.as_bytes())?;
    if !plan.totals.not_priced.is_empty() {
        eprintln!(
            "warning: {} workload(s) cannot be priced as described (no price for the model as named in its region): {}; left out of the totals",
            plan.totals.not_priced.len(),
            plan.totals.not_priced.join(", ")
        );
        eprintln!(
            "hint: `bedrock-lens pricing show MODEL` lists the regions and scopes it is priced in"
        );
        outcome = Outcome::Partial;
    }
    if !env.quiet {
        let rows: usize = plan.workloads.iter().map(|w| w.rows.len()).sum();
        eprintln!(
            "planned {} workload(s): {} row(s) of model x region x mode, prices of {}",
            plan.workloads.len(),
            rows,
            plan.price_date
        );
    }
    Ok(outcome)
}

/// What the logs describe: the workloads, the span, the files read, and the models the catalog
/// cannot price (left out of the descriptions).
struct Derived {
    specs: Vec<WorkloadSpec>,
    by: DescribedBy,
    sources: Vec<crate::usage::Source>,
    unpriced: Vec<crate::output::report::UnpricedEntry>,
}

/// The workloads the logs describe, one per model id as called, region and --by values (and
/// long-context requests apart).
fn derive(env: &Env, resolver: &Resolver, a: &PlanArgs) -> anyhow::Result<Derived> {
    let keys = if a.by.is_empty() {
        vec![]
    } else {
        parse_keys(&a.by)?
    };
    let period = parse_period(a.start.as_deref(), a.end.as_deref())?;
    let logs = crate::cli::LogsArgs {
        logs: a.from_logs.clone(),
        snapshot: a.snapshot.clone(),
        start: a.start.clone(),
        end: a.end.clone(),
        keep_duplicates: false,
    };
    let mut stats = IngestStats::default();
    let mut diags = Diagnostics::default();
    let sources = input_sources(&logs, &mut stats, &mut diags)?;
    if let Some(dir) = &a.snapshot {
        let metrics = crate::snapshot::open(dir)
            .map(|o| o.manifest.sources.contains_key("metrics"))
            .unwrap_or(false);
        if metrics && !env.quiet {
            eprintln!(
                "note: plan describes the snapshot's invocation logs; hours only its CloudWatch metrics cover are not described (compare with `report --source logs`)"
            );
        }
    }
    let ttl = CacheTtl::FiveMinutes;
    let run = super::pipeline::run_derive(
        env,
        resolver,
        &sources,
        &keys,
        (ttl, period, false),
        stats,
        diags,
    );
    super::warn_diagnostics(&run.stats, &run.diags, env.quiet);
    let unpriced = crate::output::report::unpriced_of(&run.sink.agg);
    super::warn_unpriced_list(&unpriced);
    super::warn_duplicates(&run.dropped);
    let agg = &run.sink.agg;
    let Some(span) = Span::of(period.start, period.end, agg.first, agg.last) else {
        eprintln!("error: no invocation records in scope: nothing to describe");
        return Err(UsageError::new(
            "--from-logs/--snapshot: no priced invocation records in the period",
            "check the paths and --start/--end (report shows what the logs hold)",
        )
        .into());
    };
    if run.sink.groups.is_empty() {
        return Err(UsageError::new(
            "--from-logs/--snapshot: no priced invocation records in the period",
            "check the paths and --start/--end; unpriced models are listed above",
        )
        .into());
    }
    let specs: Vec<WorkloadSpec> = run
        .sink
        .groups
        .iter()
        .map(|(id, o)| spec(id, o, &keys, &span, ttl))
        .collect();
    if !env.quiet {
        eprintln!(
            "described {} workload(s) from {} record(s), {} to {} ({} day(s){})",
            specs.len(),
            group_thousands(run.stats.records),
            span.first,
            span.last,
            span.days(),
            if span.calendar_month() {
                ": a calendar month, so requests_per_month is its count"
            } else {
                ": requests_per_month scaled to 730 hours"
            }
        );
    }
    Ok(Derived {
        specs,
        by: DescribedBy::Logs {
            first_day: span.first.to_string(),
            last_day: span.last.to_string(),
        },
        sources,
        unpriced,
    })
}

/// Input tokens of the sampled workload, per candidate model: counted with CountTokens, or
/// estimated from size (offline, unsupported model, failed call). Returns how they were
/// obtained and whether a count failed.
fn sampled(
    env: &Env,
    a: &PlanArgs,
    path: &std::path::Path,
    w: &mut Workload,
) -> anyhow::Result<(TokenSource, bool)> {
    let samples = count_tokens::read_samples(path).map_err(|e| {
        UsageError::new(
            format!("--sample {e}"),
            "one JSON request body per line: Converse ({\"messages\": [...]}) or the model's InvokeModel body",
        )
    })?;
    if samples.is_empty() {
        return Err(UsageError::new(
            format!(
                "--sample {}: holds no request body",
                crate::io::clean(&path.display().to_string())
            ),
            "one JSON request body per line",
        )
        .into());
    }
    let estimates: Vec<u64> = samples.iter().map(count_tokens::estimate).collect();
    let region = w.regions[0].clone();
    let mut counted_any = false;
    let mut estimated_any = false;
    let mut failed = false;
    let models: Vec<(usize, String)> = {
        let mut m: Vec<(usize, String)> = w
            .candidates
            .iter()
            .map(|c| {
                (
                    c.model,
                    env.catalog
                        .model(c.model)
                        .ids
                        .first()
                        .cloned()
                        .unwrap_or_else(|| c.id.clone()),
                )
            })
            .collect();
        m.dedup_by_key(|x| x.0);
        m
    };
    let outcomes: Vec<CountOutcome> = if a.offline {
        vec![]
    } else {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .context("starting the async runtime")?;
        let args = AwsArgs {
            profile: a.profile.clone(),
            endpoint_url: a.endpoint_url.clone(),
        };
        let conf = rt.block_on(aws::config(&args, Some(&region)));
        if let Err(why) = rt.block_on(aws::check_credentials(&conf)) {
            eprintln!(
                "warning: {why}: the sample's tokens are ESTIMATED from its size, not counted"
            );
            eprintln!(
                "hint: {} (or pass --offline to estimate on purpose)",
                aws::CREDENTIALS_HINT
            );
            failed = true;
            vec![]
        } else {
            let client = rt.block_on(count_tokens::client(&args, &region));
            models
                .iter()
                .map(|(_, id)| rt.block_on(count_tokens::count(&client, &region, id, &samples)))
                .collect()
        }
    };
    for (i, (model, id)) in models.iter().enumerate() {
        let counts: Vec<(u64, bool)> = match outcomes.get(i) {
            Some(CountOutcome::Counted(c)) => c
                .iter()
                .zip(&estimates)
                .map(|(c, e)| c.map_or((*e, false), |n| (n, true)))
                .collect(),
            Some(CountOutcome::NotSupported(why)) => {
                eprintln!("note: {id}: {why}; its tokens are ESTIMATED from the samples' size");
                estimates.iter().map(|e| (*e, false)).collect()
            }
            Some(CountOutcome::Failed(f)) => {
                eprintln!("warning: {f}; {id}'s tokens are ESTIMATED from the samples' size");
                failed = true;
                estimates.iter().map(|e| (*e, false)).collect()
            }
            None => estimates.iter().map(|e| (*e, false)).collect(),
        };
        let all_counted = counts.iter().all(|c| c.1);
        counted_any |= counts.iter().any(|c| c.1);
        estimated_any |= !all_counted;
        let how = format!(
            "{} sample prompt(s) from {}, {} for {id}",
            samples.len(),
            crate::io::clean(&path.display().to_string()),
            if all_counted {
                "counted with CountTokens"
            } else if counts.iter().any(|c| c.1) {
                "counted with CountTokens where sendable, the rest ESTIMATED at ~4 bytes a token"
            } else {
                "ESTIMATED at ~4 bytes of prompt text a token (not counted)"
            }
        );
        let dist = TokenDist {
            buckets: counts
                .iter()
                .map(|(n, _)| (1.into(), (*n).into()))
                .collect(),
            how,
            estimated: !all_counted,
        };
        w.input_by_model.insert(*model, dist.clone());
        if i == 0 {
            w.input = dist;
        }
    }
    let source = match (counted_any, estimated_any) {
        (true, false) => TokenSource::Counted,
        (true, true) => TokenSource::Mixed,
        _ => TokenSource::Estimated,
    };
    Ok((source, failed))
}
