//! `whatif`'s flags resolved once: group keys, scenarios (names, file, swaps, cache rates),
//! batch eligibility, tokens per minute per model unit, the size percentile.

use std::collections::HashMap;

use super::{parse_keys, parse_period, Env};
use crate::cli::WhatifArgs;
use crate::error::UsageError;
use crate::pricing::{Catalog, Resolver};
use crate::scenarios::sink::{Plan, WhatIfSink};
use crate::scenarios::spec::{self, Eligibility, Kind, Params, Scenario, Tier, Transform};
use crate::usage::GroupKey;

/// Flags resolved once: the pass plan and the end-of-run settings.
pub struct Setup {
    pub plan: Plan,
    pub tpm_by_model: HashMap<usize, u64>,
    pub tpm_all: Option<u64>,
    pub percentile: u32,
    /// Provisioned asked for by name: a missing tokens-per-minute figure is then an error.
    pub provisioned_asked: bool,
    /// `--keep-duplicates`: count a request id as often as it is read.
    pub keep_duplicates: bool,
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
        .map(|h| {
            spec::cache_rate(
                h,
                a.cache_prefix_share.as_deref().unwrap_or("100%"),
                a.cache_write_ttl,
            )
        })
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
    if names.is_empty() {
        // The defaults, then what the flags given imply (--swap: swap; --cache-hit-rate:
        // cache-rate), then a scenarios file's own.
        names = spec::DEFAULT.iter().map(|s| s.to_string()).collect();
        if !params.swaps.is_empty() {
            names.push("swap".into());
        }
        if params.cache_rate.is_some() {
            names.push("cache-rate".into());
        }
        names.extend(file.iter().map(|f| f.name.clone()));
    }
    let scenarios = spec::expand(&names, &params, &file, &resolver, a.cache_write_ttl)
        .map_err(|e| usage(e, &hint_names))?;
    unused_flags(a, &scenarios)?;
    let eligibility = Eligibility::parse(&a.batch_only, a.batch_heuristic)
        .map_err(|e| usage(e, "keys as for --by: identity, identity_arn, operation, model, model_id, region, account, meta:<key>"))?;
    let (tpm_by_model, tpm_all) = parse_tpm(&a.tpm_per_unit, &env.catalog, &resolver)?;
    let provisioned_asked = !a.scenario.is_empty()
        && scenarios
            .iter()
            .any(|s| matches!(s.kind, Kind::Provisioned(_)));
    Ok(Setup {
        plan: Plan {
            keys,
            scenarios,
            eligibility,
            ttl: a.logged_cache_write_ttl,
            period,
        },
        tpm_by_model,
        tpm_all,
        percentile: a.size_percentile.unwrap_or(100),
        provisioned_asked,
        keep_duplicates: a.input.keep_duplicates,
    })
}

/// `--tpm-per-unit` values: per catalog model, and one for every model.
pub fn parse_tpm(
    values: &[String],
    catalog: &Catalog,
    resolver: &crate::pricing::Resolver,
) -> anyhow::Result<(HashMap<usize, u64>, Option<u64>)> {
    let mut tpm_by_model = HashMap::new();
    let mut tpm_all = None;
    let tpm_hint =
        "--tpm-per-unit N (every model) or MODEL=N, N a whole number of tokens per minute";
    for t in values {
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
                let idx = catalog
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
    Ok((tpm_by_model, tpm_all))
}

/// After the pass: provisioned throughput asked for by name needs a tokens-per-minute figure
/// for every model with traffic and a provisioned price (a usage error naming them).
/// Provisioned throughput asked for by name: an error when no workload with a provisioned price
/// can be sized (no tokens-per-minute figure for any); otherwise the models that cannot, which
/// keep their on-demand cost in the scenario and are worth a warning.
pub fn check_tpm(catalog: &Catalog, s: &Setup, sink: &WhatIfSink) -> anyhow::Result<Vec<String>> {
    if !s.provisioned_asked {
        return Ok(vec![]);
    }
    let (missing, sizeable) = tpm_coverage(catalog, s, sink);
    if missing.is_empty() || sizeable > 0 {
        return Ok(missing);
    }
    Err(UsageError::new(
        format!(
            "provisioned throughput needs the tokens per minute one model unit serves for {} (AWS does not publish it)",
            missing.join(", ")
        ),
        format!(
            "pass --tpm-per-unit MODEL=N for each, e.g. --tpm-per-unit {}=25000 (ask your AWS account team for the figure)",
            missing[0]
        ),
    )
    .into())
}

/// Of the models with traffic and a provisioned price: those without a tokens-per-minute
/// figure (sorted), and how many have one.
fn tpm_coverage(catalog: &Catalog, s: &Setup, sink: &WhatIfSink) -> (Vec<String>, usize) {
    let mut missing = vec![];
    let mut sizeable = std::collections::BTreeSet::new();
    for ((_, region), b) in &sink.bins {
        let m = catalog.model(b.model);
        let priced = m
            .price(region, crate::pricing::Scope::Regional)
            .is_some_and(|r| {
                r.provisioned_1_month_hour
                    .or(r.provisioned_no_commit_hour)
                    .or(r.provisioned_6_month_hour)
                    .is_some()
            });
        if !priced {
            continue;
        }
        if m.tpm_per_unit.is_some() || s.tpm_all.is_some() || s.tpm_by_model.contains_key(&b.model)
        {
            sizeable.insert(b.model);
        } else {
            missing.push(m.key.clone());
        }
    }
    missing.sort();
    missing.dedup();
    (missing, sizeable.len())
}

/// A flag that only a scenario uses, given without any scenario asked for using it: said, not
/// ignored.
fn unused_flags(a: &WhatifArgs, scenarios: &[Scenario]) -> anyhow::Result<()> {
    let uses = |f: &dyn Fn(&Transform) -> bool| {
        scenarios
            .iter()
            .any(|s| matches!(&s.kind, Kind::Request(t) if f(t)))
    };
    if !a.swap.is_empty() && !uses(&|t| !t.swaps.is_empty()) {
        return Err(usage(
            "--swap is given but no scenario asked for swaps models".into(),
            "add the swap scenario: -s swap (or swap+batch, ...), or drop --swap",
        ));
    }
    if a.cache_hit_rate.is_some() && !uses(&|t| t.cache.is_some()) {
        return Err(usage(
            "--cache-hit-rate is given but no scenario asked for assumes a hit rate".into(),
            "add the cache-rate scenario: -s cache-rate, or drop --cache-hit-rate",
        ));
    }
    if a.cache_prefix_share.is_some() && !uses(&|t| t.cache.is_some()) {
        return Err(usage(
            "--cache-prefix-share is given but no scenario asked for assumes a hit rate".into(),
            "add the cache-rate scenario: -s cache-rate --cache-hit-rate RATE, or drop --cache-prefix-share",
        ));
    }
    if (!a.batch_only.is_empty() || a.batch_heuristic) && !uses(&|t| t.tier == Tier::Batch) {
        return Err(usage(
            "--batch-only / --batch-heuristic narrow batch eligibility, but no scenario asked for runs as batch".into(),
            "add a batch scenario: -s batch (or batch+global, ...), or drop the flag",
        ));
    }
    let sizes = scenarios
        .iter()
        .any(|s| matches!(s.kind, Kind::Provisioned(_) | Kind::Reserved));
    if (!a.tpm_per_unit.is_empty() || a.size_percentile.is_some()) && !sizes {
        return Err(usage(
            "--tpm-per-unit / --size-percentile size capacity, but no scenario asked for provisions any".into(),
            "add -s provisioned (or provisioned-1m, reserved, ...), or drop the flag",
        ));
    }
    Ok(())
}
