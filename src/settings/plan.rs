//! `plan`'s flags resolved once: where the descriptions come from (flags, a plan file, logs),
//! the one workload the flags describe, the price day and the provisioned-throughput figures.

use std::collections::HashMap;
use std::path::PathBuf;

use chrono::NaiveDate;

use crate::cli::PlanArgs;
use crate::error::UsageError;
use crate::pricing::Resolver;
use crate::scenarios::plan::describe::{self, Dec, PlanFile, Problem, TokensSpec, WorkloadSpec};
use crate::scenarios::plan::Workload;

/// Where the workloads come from.
#[derive(Debug, Clone)]
pub enum Origin {
    Flags,
    File(PathBuf),
    Logs,
}

/// What every plan run needs besides the descriptions.
pub struct Setup {
    pub origin: Origin,
    pub day: NaiveDate,
    pub tpm: HashMap<usize, u64>,
    pub tpm_all: Option<u64>,
}

fn usage(message: String, hint: &str) -> anyhow::Error {
    UsageError::new(message, hint).into()
}

pub fn setup(a: &PlanArgs, resolver: &Resolver) -> anyhow::Result<Setup> {
    let logs = !a.from_logs.is_empty() || a.snapshot.is_some();
    let origin = match (&a.file, logs, a.describes()) {
        (Some(_), _, true) | (None, true, true) => {
            return Err(usage(
                "a workload is described by flags and also given by --file/--from-logs/--snapshot".into(),
                "describe it one way: edit the plan file (`--format toml` prints one) or use the flags alone",
            ))
        }
        (Some(f), _, false) => Origin::File(f.clone()),
        (None, true, false) => Origin::Logs,
        (None, false, true) => Origin::Flags,
        (None, false, false) => {
            return Err(usage(
                "no workload to plan".into(),
                "describe one (--requests-per-day N --input-tokens N --output-tokens N --model ID), give --file PLAN.toml, or derive them with --from-logs DIR",
            ))
        }
    };
    if a.sample.is_some() && a.input_tokens.is_some() {
        return Err(usage(
            "--sample and --input-tokens both say the input tokens".into(),
            "keep --sample (its prompts are counted per model) or --input-tokens, not both",
        ));
    }
    if a.sample.is_some() && !matches!(origin, Origin::Flags) {
        return Err(usage(
            "--sample counts the prompts of the one workload described by flags".into(),
            "describe that workload with flags (--requests-per-day ... --model ...) next to --sample",
        ));
    }
    if !matches!(origin, Origin::Logs) && (!a.by.is_empty() || a.start.is_some() || a.end.is_some())
    {
        return Err(usage(
            "--by, --start and --end choose what --from-logs/--snapshot derive".into(),
            "add --from-logs DIR (or --snapshot DIR), or drop them",
        ));
    }
    let day = match &a.price_date {
        None => chrono::Utc::now().date_naive(),
        Some(d) => NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d").map_err(|_| {
            usage(
                format!("--price-date `{}` is not a date", crate::io::clean(d)),
                "YYYY-MM-DD, e.g. --price-date 2026-12-01",
            )
        })?,
    };
    let (tpm, tpm_all) = super::whatif::parse_tpm(&a.tpm_per_unit, resolver.catalog(), resolver)?;
    Ok(Setup {
        origin,
        day,
        tpm,
        tpm_all,
    })
}

fn flag_dec(flag: &str, v: &Option<String>) -> anyhow::Result<Option<Dec>> {
    v.as_deref()
        .map(|s| {
            Dec::parse(s).map_err(|e| {
                usage(
                    format!("{flag}: {e}"),
                    "a number such as 2000000, 2_000_000 or 0.6 (shares and rates also as 60%)",
                )
            })
        })
        .transpose()
}

fn flag_tokens(flag: &str, v: &Option<String>) -> anyhow::Result<Option<TokensSpec>> {
    v.as_deref()
        .map(|s| {
            TokensSpec::parse(s).map_err(|e| {
                usage(
                    format!("{flag}: {e}"),
                    "a mean (3000), quantiles (p50=2500,p90=6000) or a histogram (hist=1000:40,3000:60)",
                )
            })
        })
        .transpose()
}

/// The one workload the flags describe.
pub fn spec_from_flags(a: &PlanArgs) -> anyhow::Result<WorkloadSpec> {
    Ok(WorkloadSpec {
        name: a.name.clone(),
        models: a.models.clone(),
        regions: a.regions.clone(),
        requests_per_day: flag_dec("--requests-per-day", &a.requests_per_day)?,
        requests_per_month: flag_dec("--requests-per-month", &a.requests_per_month)?,
        requests_per_minute: flag_dec("--requests-per-minute", &a.requests_per_minute)?,
        peak_requests_per_minute: flag_dec("--peak-rpm", &a.peak_rpm)?,
        peak_to_average: flag_dec("--peak-to-average", &a.peak_to_average)?,
        hourly_shape: None,
        weekly_shape: None,
        input_tokens: flag_tokens("--input-tokens", &a.input_tokens)?,
        output_tokens: flag_tokens("--output-tokens", &a.output_tokens)?,
        cache_prefix_share: flag_dec("--cache-prefix-share", &a.cache_prefix_share)?,
        cache_hit_rate: flag_dec("--cache-hit-rate", &a.cache_hit_rate)?,
        cache_reuse_seconds: flag_dec("--cache-reuse-seconds", &a.cache_reuse_seconds)?,
        cache_prefixes: a.cache_prefixes,
        cached_now: a.cached_now.map(|t| {
            match t {
                crate::pricing::CacheTtl::FiveMinutes => "5m",
                crate::pricing::CacheTtl::OneHour => "1h",
            }
            .to_string()
        }),
        streaming: a.streaming.then_some(true),
        growth_per_month: flag_dec("--growth", &a.growth)?,
        max_latency: a.max_latency,
    })
}

/// `--scale`: every workload's traffic (and a stated peak) times the factor.
pub fn scale(specs: &mut [WorkloadSpec], factor: Option<&str>) -> anyhow::Result<()> {
    let Some(f) = factor else {
        return Ok(());
    };
    let k = Dec::parse(f)
        .ok()
        .map(|d| d.0)
        .filter(|k| *k > rust_decimal::Decimal::ZERO && *k <= rust_decimal::Decimal::from(1000))
        .ok_or_else(|| {
            usage(
                format!(
                    "--scale `{}`: not a factor above 0 and up to 1000",
                    crate::io::clean(f)
                ),
                "e.g. --scale 3 (three times the traffic) or --scale 0.5",
            )
        })?;
    for s in specs {
        for d in [
            &mut s.requests_per_day,
            &mut s.requests_per_month,
            &mut s.requests_per_minute,
            &mut s.peak_requests_per_minute,
        ]
        .into_iter()
        .flatten()
        {
            d.0 = (d.0 * k).normalize();
        }
    }
    Ok(())
}

/// The workloads of a plan file.
pub fn specs_from_file(path: &std::path::Path) -> anyhow::Result<Vec<WorkloadSpec>> {
    let shown = crate::io::clean(&path.display().to_string());
    let text = std::fs::read_to_string(path).map_err(|e| {
        usage(
            format!("--file {shown}: cannot read: {}", crate::io::io_reason(&e)),
            "give a TOML or JSON plan file (`bedrock-lens plan ... --format toml` prints one)",
        )
    })?;
    let file: PlanFile = describe::parse_file(&text).map_err(|e| {
        let e = e.replace("not valid TOML", "not a valid plan file");
        usage(
            format!("--file {shown}: {e}"),
            "a plan file holds [[workload]] tables; `bedrock-lens plan --help` lists the fields",
        )
    })?;
    if file.workloads.is_empty() {
        return Err(usage(
            format!("--file {shown}: holds no [[workload]]"),
            "add one: [[workload]] with models, requests_per_day, input_tokens, output_tokens",
        ));
    }
    Ok(file.workloads)
}

/// A description's message in the words of the flags: `cache_prefix_share: ...` ->
/// `--cache-prefix-share: ...`.
fn flag_named(message: &str) -> String {
    const FLAGS: &[(&str, &str)] = &[
        ("peak_requests_per_minute", "--peak-rpm"),
        ("growth_per_month", "--growth"),
        ("models", "--model"),
        ("regions", "--region"),
        ("cached_now", "--cached-now"),
    ];
    let Some((field, rest)) = message.split_once(": ") else {
        return message.to_string();
    };
    if field.contains(' ') {
        return message.to_string();
    }
    let flag = FLAGS
        .iter()
        .find(|(f, _)| *f == field)
        .map(|(_, fl)| fl.to_string())
        .unwrap_or_else(|| format!("--{}", field.replace('_', "-")));
    format!("{flag}: {rest}")
}

/// Validates each description; the first that cannot be planned is a usage error naming it.
pub fn workloads(
    specs: &[WorkloadSpec],
    origin: &Origin,
    resolver: &Resolver,
    day: NaiveDate,
    sampled: bool,
) -> anyhow::Result<Vec<Workload>> {
    let mut out = vec![];
    for (i, s) in specs.iter().enumerate() {
        let w = describe::workload(s, i, resolver, day, sampled).map_err(
            |Problem { message, hint }| {
                let name = s
                    .name
                    .as_deref()
                    .map(|n| format!(" `{}`", crate::io::clean(n)))
                    .unwrap_or_default();
                let place = match origin {
                    Origin::Flags => return usage(flag_named(&message), &hint),
                    Origin::File(p) => format!(
                        "{}: workload {}{name}: ",
                        crate::io::clean(&p.display().to_string()),
                        i + 1
                    ),
                    Origin::Logs => format!("derived workload {}{name}: ", i + 1),
                };
                usage(format!("{place}{message}"), &hint)
            },
        )?;
        out.push(w);
    }
    Ok(out)
}
