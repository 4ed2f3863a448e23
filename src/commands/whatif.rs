//! `whatif`: invocation logs -> the same usage repriced per scenario, per workload, with the
//! cheapest inference mode recommended for each.

use std::collections::HashMap;

use chrono::{Days, NaiveTime};

use crate::cli::WhatifArgs;
use crate::error::{Outcome, UsageError};
use crate::money::group_thousands;
use crate::pricing::Resolver;
use crate::render;
use crate::report::{self, PricingOut};
use crate::scenarios::sink::{Plan, WhatIfSink};
use crate::scenarios::spec::{self, Eligibility, Kind, Params};
use crate::usage::ingest::{self, Diagnostics, IngestOptions, IngestStats, Source};
use crate::usage::{GroupKey, Period};
use crate::whatif::{self, Settings, WhatIf};

use super::report::{parse_keys, period_out, progress_bar, warn_unpriced_list};
use super::{emit, input_outcome, parse_period, warn_diagnostics, write_atomic, Env};

/// Flags resolved once: the pass plan and the end-of-run settings.
pub struct Setup {
    pub plan: Plan,
    pub tpm_by_model: HashMap<usize, u64>,
    pub tpm_all: Option<u64>,
    pub percentile: u32,
    /// Provisioned asked for by name: a missing tokens-per-minute figure is then an error.
    pub provisioned_asked: bool,
}

fn usage(e: String, hint: &str) -> anyhow::Error {
    UsageError::new(e, hint).into()
}

pub fn setup(env: &Env, a: &WhatifArgs) -> anyhow::Result<Setup> {
    let keys = parse_keys(&a.by)?;
    if !keys
        .iter()
        .any(|k| matches!(k, GroupKey::Model | GroupKey::ModelId))
    {
        return Err(usage(
            "--by must include model or model_id: each workload is repriced and sized on its own model".into(),
            "e.g. --by model or --by model,meta:team",
        ));
    }
    if let Some(k) = keys.iter().find(|k| k.is_time()) {
        return Err(usage(
            format!("--by {}: whatif compares the whole period, and provisioned or reserved capacity is sized and billed for all of it", k.name()),
            "run whatif once per day or month with --start/--end instead",
        ));
    }
    let period = parse_period(a.input.start.as_deref(), a.input.end.as_deref())?;
    let resolver = Resolver::new(&env.catalog, &env.map);
    let hint_names = format!("--scenario takes: {}", spec::NAMES);
    let swaps = a
        .swap
        .iter()
        .map(|s| spec::parse_swap(s, &resolver))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| usage(e, "e.g. --swap anthropic.claude-sonnet-4-5=anthropic.claude-haiku-4-5@50 (`bedrock-lens pricing list` shows the keys)"))?;
    let cache_rate = a
        .cache_hit_rate
        .as_deref()
        .map(|h| spec::cache_rate(h, &a.cache_prefix_share, a.cache_write_ttl))
        .transpose()
        .map_err(|e| usage(e, "give a fraction (0.7) or a percentage (70%)"))?;
    let file = match &a.scenarios_file {
        None => vec![],
        Some(p) => spec::load_file(p).map_err(|e| {
            usage(e, "the file holds [[scenario]] tables: name, tier (standard|batch|flex|priority), profile (global|geo), [[scenario.swap]] from/to/share, cache_hit_rate, cache_prefix_share, cache_ttl")
        })?,
    };
    for (i, s) in swaps.iter().enumerate() {
        if swaps[..i].iter().any(|o| o.from_idx == s.from_idx) {
            return Err(usage(
                format!("--swap moves {} twice", s.from),
                "give one --swap per model (FROM=TO@PERCENT); to split a model's traffic three ways, use a scenarios file per split",
            ));
        }
    }
    let params = Params { swaps, cache_rate };
    let mut names = a.scenario.clone();
    if names.is_empty() && !file.is_empty() {
        // A scenarios file without --scenario: its scenarios after the defaults.
        names = spec::DEFAULT.iter().map(|s| s.to_string()).collect();
        names.extend(file.iter().map(|f| f.name.clone()));
    }
    let scenarios = spec::expand(&names, &params, &file, &resolver, a.cache_write_ttl)
        .map_err(|e| usage(e, &hint_names))?;
    let eligibility = Eligibility::parse(&a.batch_only, a.batch_heuristic)
        .map_err(|e| usage(e, "keys as for --by: identity, identity_arn, operation, model, model_id, region, account, meta:<key>"))?;
    let mut tpm_by_model = HashMap::new();
    let mut tpm_all = None;
    let tpm_hint =
        "--tpm-per-unit N (every model) or MODEL=N, N a whole number of tokens per minute";
    for t in &a.tpm_per_unit {
        let (model, n) = match t.rsplit_once('=') {
            Some((m, n)) => (Some(m.trim()), n),
            None => (None, t.as_str()),
        };
        let n: u64 = n
            .trim()
            .replace('_', "")
            .parse()
            .ok()
            .filter(|&n| n > 0 && n <= 100_000_000)
            .ok_or_else(|| {
                usage(
                    format!("--tpm-per-unit `{t}`: not a whole number of tokens per minute from 1 to 100,000,000"),
                    tpm_hint,
                )
            })?;
        match model {
            None => tpm_all = Some(n),
            Some(m) => {
                let idx = env
                    .catalog
                    .index_of_key(m)
                    .or_else(|| resolver.resolve(m).model_idx)
                    .ok_or_else(|| {
                        usage(
                            format!("--tpm-per-unit: `{m}` is not a model the catalog knows"),
                            "`bedrock-lens pricing list` shows the keys",
                        )
                    })?;
                tpm_by_model.insert(idx, n);
            }
        }
    }
    let provisioned_asked = !a.scenario.is_empty()
        && scenarios
            .iter()
            .any(|s| matches!(s.kind, Kind::Provisioned(_)));
    Ok(Setup {
        plan: Plan {
            keys,
            scenarios,
            eligibility,
            ttl: a.cache_write_ttl,
            period,
        },
        tpm_by_model,
        tpm_all,
        percentile: a.size_percentile,
        provisioned_asked,
    })
}

pub struct Run {
    pub result: WhatIf,
    pub stats: IngestStats,
    pub diags: Diagnostics,
}

/// Minutes the period covers: the bounds asked for, else whole days from the first to the last
/// record.
fn period_minutes(p: &Period, sink: &WhatIfSink) -> u64 {
    let start = p.start.or_else(|| {
        sink.agg
            .first_day()
            .map(|d| d.and_time(NaiveTime::MIN).and_utc())
    });
    let end = p.end.or_else(|| {
        sink.agg
            .last_day()
            .map(|d| (d + Days::new(1)).and_time(NaiveTime::MIN).and_utc())
    });
    match (start, end) {
        (Some(s), Some(e)) if e > s => (e - s).num_minutes().max(1) as u64,
        _ => 0,
    }
}

/// One pass over the sources, then every scenario.
pub fn run(
    env: &Env,
    sources: &[Source],
    s: &Setup,
    mut stats: IngestStats,
    mut diags: Diagnostics,
) -> anyhow::Result<Run> {
    let resolver = Resolver::new(&env.catalog, &env.map);
    let opts = IngestOptions {
        progress: progress_bar(env, sources),
        ..Default::default()
    };
    let mut sink = ingest::ingest(
        sources,
        || WhatIfSink::new(&resolver, &s.plan),
        &opts,
        &mut stats,
        &mut diags,
    );
    if let Some(bar) = &opts.progress {
        bar.finish_and_clear();
    }
    if s.provisioned_asked {
        let missing: Vec<String> = missing_tpm(env, s, &sink);
        if !missing.is_empty() {
            return Err(usage(
                format!(
                    "provisioned throughput needs the tokens per minute one model unit serves for {} (AWS does not publish it)",
                    missing.join(", ")
                ),
                &format!(
                    "pass --tpm-per-unit MODEL=N for each, e.g. --tpm-per-unit {}=25000 (ask your AWS account team for the figure)",
                    missing[0]
                ),
            ));
        }
    }
    let settings = Settings {
        tpm_by_model: s.tpm_by_model.clone(),
        tpm_all: s.tpm_all,
        percentile: s.percentile,
        period_minutes: period_minutes(&s.plan.period, &sink),
    };
    let head = (
        period_out(&s.plan.period, &sink.agg),
        report::input_of(&stats, &sink.agg),
        PricingOut {
            catalog_as_of: sink
                .agg
                .prices_as_of
                .or_else(|| env.catalog.oldest_as_of())
                .map(|d| d.to_string()),
            cache_write_ttl: s.plan.ttl,
            overrides: env.overrides.clone(),
        },
        report::unpriced_of(&sink.agg),
    );
    let result = whatif::build(&mut sink, &s.plan, &env.catalog, &settings, head);
    Ok(Run {
        result,
        stats,
        diags,
    })
}

/// Models with traffic and a provisioned price but no tokens-per-minute figure.
fn missing_tpm(env: &Env, s: &Setup, sink: &WhatIfSink) -> Vec<String> {
    let mut out: Vec<String> = sink
        .bins
        .iter()
        .filter(|((_, region), b)| {
            let m = env.catalog.model(b.model);
            let priced = m
                .price(region, crate::pricing::Scope::Regional)
                .is_some_and(|r| {
                    r.provisioned_1_month_hour
                        .or(r.provisioned_no_commit_hour)
                        .or(r.provisioned_6_month_hour)
                        .is_some()
                });
            priced
                && m.tpm_per_unit.is_none()
                && s.tpm_all.is_none()
                && !s.tpm_by_model.contains_key(&b.model)
        })
        .map(|(_, b)| env.catalog.model(b.model).key.clone())
        .collect();
    out.sort();
    out.dedup();
    out
}

pub fn cmd(env: &Env, a: &WhatifArgs) -> anyhow::Result<Outcome> {
    let s = setup(env, a)?;
    let mut stats = IngestStats::default();
    let mut diags = Diagnostics::default();
    let sources = super::input_sources(&a.input, &mut stats, &mut diags)?;
    let r = run(env, &sources, &s, stats, diags)?;
    if r.result.baseline.counts.invocations == 0 {
        // Nothing to compare, and a table of $0.00 would read as free: say so instead.
        warn_diagnostics(&r.stats, &r.diags);
        if r.result.unpriced.is_empty() {
            eprintln!(
                "warning: nothing to compare: no invocation in the period ({} record(s) read, {} outside the period)",
                group_thousands(r.stats.records),
                group_thousands(r.result.input.outside_period)
            );
            return Ok(if a.strict {
                Outcome::Partial
            } else {
                Outcome::Ok
            });
        }
        warn_unpriced_list(&r.result.unpriced);
        eprintln!("error: nothing to compare: no invocation in the period could be priced");
        return Ok(Outcome::Partial);
    }
    let text = render::whatif::render(&r.result, a.format)?;
    match &a.output {
        Some(p) => write_atomic(p, text.as_bytes())?,
        None => emit(&text)?,
    }
    warn_diagnostics(&r.stats, &r.diags);
    warn_unpriced_list(&r.result.unpriced);
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
    Ok(input_outcome(&r.stats, a.strict))
}
