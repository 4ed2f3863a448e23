//! Workload descriptions as people write them (a TOML or JSON plan file of `[[workload]]`
//! tables, or the same fields as flags) and their validation into a [`Workload`]: traffic,
//! its peak, token distributions, caching, constraints and candidate models.

use chrono::NaiveDate;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::tokens::{dist, num_text};
pub use super::tokens::{Dec, TokensSpec};
use super::{Cache, Candidate, Latency, Reuse, TokenDist, Workload, MONTH_MINUTES};
use crate::money::round_dp;
use crate::pricing::{CacheTtl, Catalog, Resolver, Scope};

/// One workload as described (every field optional until validated).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct WorkloadSpec {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Candidate models: catalog keys, model ids, profile ids, or `provider:NAME`.
    #[serde(default)]
    pub models: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub regions: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requests_per_day: Option<Dec>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requests_per_month: Option<Dec>,
    /// Average requests per minute.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requests_per_minute: Option<Dec>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub peak_requests_per_minute: Option<Dec>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub peak_to_average: Option<Dec>,
    /// 24 relative weights, hour 0 to 23 (UTC).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hourly_shape: Option<Vec<Dec>>,
    /// 7 relative weights, Monday to Sunday.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub weekly_shape: Option<Vec<Dec>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input_tokens: Option<TokensSpec>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output_tokens: Option<TokensSpec>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cache_prefix_share: Option<Dec>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cache_hit_rate: Option<Dec>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cache_reuse_seconds: Option<Dec>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cache_prefixes: Option<u64>,
    /// The TTL the workload already caches at (`5m`, `1h`); its cost as described includes it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cached_now: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub streaming: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub growth_per_month: Option<Dec>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_latency: Option<Latency>,
}

/// A plan file: `[[workload]]` tables (TOML) or `{"workload": [...]}` (JSON).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PlanFile {
    #[serde(rename = "workload", default)]
    pub workloads: Vec<WorkloadSpec>,
}

/// A description that cannot be planned: what is wrong (naming the field) and what to do.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub message: String,
    pub hint: String,
}

pub(super) fn problem(message: impl Into<String>, hint: impl Into<String>) -> Problem {
    Problem {
        message: message.into(),
        hint: hint.into(),
    }
}

/// Reads a plan file, TOML or JSON by its first character.
pub fn parse_file(text: &str) -> Result<PlanFile, String> {
    if text.trim_start().starts_with('{') {
        let de = &mut serde_json::Deserializer::from_str(text);
        serde_path_to_error::deserialize(de).map_err(|e| {
            format!(
                "line {}: {}: {}",
                e.inner().line(),
                e.path(),
                json_reason(e.inner())
            )
        })
    } else {
        toml::from_str(text).map_err(|e| tokens_hint(crate::pricing::catalog::toml_error(&e, text)))
    }
}

/// serde's words for a token count of no known form, in the plan file's words.
fn tokens_hint(message: String) -> String {
    message.replace(
        "data did not match any variant of untagged enum TokensSpec",
        "tokens are a number, { p50 = N, p90 = N } or { histogram = [[TOKENS, WEIGHT], ...] }",
    )
}

/// A JSON error's reason without the input it quotes.
fn json_reason(e: &serde_json::Error) -> String {
    let s = e.to_string();
    let s = s.split(" at line ").next().unwrap_or(&s);
    crate::io::clean(s)
}

/// A share between 0 and 1 (`0.6` or `"60%"`).
fn share(d: Option<Dec>, field: &str) -> Result<Option<Decimal>, Problem> {
    match d {
        Some(Dec(v)) if v < Decimal::ZERO || v > Decimal::ONE => Err(problem(
            format!("{field}: {v} is not a share between 0 and 1"),
            "write 0.6 or \"60%\"",
        )),
        other => Ok(other.map(|d| d.0)),
    }
}

fn nonneg(d: Option<Dec>, field: &str) -> Result<Option<Decimal>, Problem> {
    match d {
        Some(Dec(v)) if v < Decimal::ZERO => Err(problem(
            format!("{field}: {v} is negative"),
            "traffic is 0 or more",
        )),
        other => Ok(other.map(|d| d.0)),
    }
}

/// Requests per month (730 hours) from whichever traffic field is given.
fn traffic(s: &WorkloadSpec, notes: &mut Vec<String>) -> Result<u64, Problem> {
    let per_day = nonneg(s.requests_per_day, "requests_per_day")?;
    let per_month = nonneg(s.requests_per_month, "requests_per_month")?;
    let per_minute = nonneg(s.requests_per_minute, "requests_per_minute")?;
    let given = [per_day, per_month, per_minute].iter().flatten().count();
    if given > 1 {
        return Err(problem(
            "traffic is given more than once (requests_per_day, requests_per_month, requests_per_minute)",
            "give one of them",
        ));
    }
    let month = Decimal::from(MONTH_MINUTES);
    let n = match (per_day, per_month, per_minute) {
        (Some(d), _, _) => {
            notes.push(format!(
                "{} requests a day make {} a month of 730 hours (AWS's monthly convention)",
                num_text(d),
                num_text(round_dp(d * month / Decimal::from(1440), 0))
            ));
            d * month / Decimal::from(1440)
        }
        (_, Some(m), _) => m,
        (_, _, Some(r)) => {
            notes.push(format!(
                "{} requests a minute on average make {} a month of 730 hours",
                num_text(r),
                num_text(round_dp(r * month, 0))
            ));
            r * month
        }
        _ => match (s.peak_requests_per_minute, s.peak_to_average) {
            // Traffic stated at its peak: the average is the peak over the peak-to-average.
            (Some(p), Some(r)) if p.0 > Decimal::ZERO && r.0 >= Decimal::ONE => {
                let avg = p.0 / r.0;
                notes.push(format!(
                    "a peak of {} requests a minute at {} times the average: {} a minute on average, {} a month of 730 hours",
                    num_text(p.0),
                    num_text(r.0),
                    num_text(round_dp(avg, 2)),
                    num_text(round_dp(avg * month, 0))
                ));
                avg * month
            }
            _ => {
                return Err(problem(
                    "no traffic: the workload states no requests per day, month or minute",
                    "add --requests-per-day N (or requests_per_day = N in the plan file); a peak alone does not say the average: give --peak-rpm with --peak-to-average",
                ))
            }
        },
    };
    // A trillion requests a month is beyond any Bedrock quota: a slip (a unit, a digit).
    if n > Decimal::from(1_000_000_000_000u64) {
        return Err(problem(
            format!(
                "the traffic comes to {} requests a month, more than a trillion",
                num_text(round_dp(n, 0))
            ),
            "check the number and its unit (per day, per month or per minute)",
        ));
    }
    if round_dp(n, 0).is_zero() {
        return Err(problem(
            "the traffic comes to 0 requests a month",
            "plan a workload with traffic: at least one request a month",
        ));
    }
    Ok(round_dp(n, 0).to_u64().unwrap_or(u64::MAX))
}

/// max / mean of a shape's weights.
fn peak_ratio(w: &[Dec], field: &str, len: usize) -> Result<Decimal, Problem> {
    if w.len() != len || w.iter().any(|d| d.0 < Decimal::ZERO) || w.iter().all(|d| d.0.is_zero()) {
        return Err(problem(
            format!(
                "{field}: needs {len} weights of 0 or more, not all 0 (has {})",
                w.len()
            ),
            if len == 24 {
                "one weight per UTC hour, 0 to 23, e.g. the share of the day's requests in each hour"
            } else {
                "one weight per day, Monday to Sunday"
            },
        ));
    }
    let max = w.iter().map(|d| d.0).max().unwrap_or_default();
    let mean = w.iter().map(|d| d.0).sum::<Decimal>() / Decimal::from(len);
    Ok(max / mean)
}

fn peak(
    s: &WorkloadSpec,
    requests: u64,
    notes: &mut Vec<String>,
) -> Result<Option<Decimal>, Problem> {
    let avg = Decimal::from(requests) / Decimal::from(MONTH_MINUTES);
    if let Some(p) = nonneg(s.peak_requests_per_minute, "peak_requests_per_minute")? {
        let averaged = s.requests_per_day.is_some()
            || s.requests_per_month.is_some()
            || s.requests_per_minute.is_some();
        let shaped = s.hourly_shape.is_some() || s.weekly_shape.is_some();
        if shaped || (averaged && s.peak_to_average.is_some()) {
            return Err(problem(
                "peak_requests_per_minute: given with peak_to_average or a shape",
                "state the peak one way: the busiest minute's requests, or its ratio to the average",
            ));
        }
        if p > Decimal::from(requests) {
            return Err(problem(
                format!(
                    "peak_requests_per_minute: {} is more than the whole month's {} requests",
                    num_text(p),
                    num_text(Decimal::from(requests))
                ),
                "the peak is the busiest minute's requests",
            ));
        }
        if p < avg {
            return Err(problem(
                format!(
                    "peak_requests_per_minute: {} is below the average ({})",
                    num_text(p),
                    num_text(round_dp(avg, 2))
                ),
                "the peak is the busiest minute's requests: at least the average",
            ));
        }
        return Ok(Some(p));
    }
    let mut ratio = Decimal::ONE;
    let mut how = vec![];
    if let Some(r) = s.peak_to_average {
        if r.0 < Decimal::ONE {
            return Err(problem(
                format!("peak_to_average: {} is below 1", r.0),
                "the busiest minute carries at least the average: 1 or more (e.g. 3)",
            ));
        }
        ratio *= r.0;
        how.push(format!("peak-to-average {}", num_text(r.0)));
    }
    if let Some(h) = &s.hourly_shape {
        let r = peak_ratio(h, "hourly_shape", 24)?;
        ratio *= r;
        how.push(format!(
            "busiest hour {}x the hourly mean",
            num_text(round_dp(r, 2))
        ));
    }
    if let Some(wk) = &s.weekly_shape {
        let r = peak_ratio(wk, "weekly_shape", 7)?;
        ratio *= r;
        how.push(format!(
            "busiest day {}x the daily mean",
            num_text(round_dp(r, 2))
        ));
    }
    if how.is_empty() {
        notes.push("no peak stated: provisioned throughput cannot be sized".into());
        return Ok(None);
    }
    if ratio > Decimal::from(MONTH_MINUTES) {
        return Err(problem(
            format!(
                "peak_to_average: the busiest minute at {} times the average would carry more than the whole month",
                num_text(round_dp(ratio, 2))
            ),
            "the ratio of the busiest minute's requests to the average minute's, e.g. 3",
        ));
    }
    let p = avg * ratio;
    notes.push(format!(
        "peak {} requests a minute ({}), flat within the busiest minute",
        num_text(round_dp(p, 1)),
        how.join(", ")
    ));
    Ok(Some(p))
}

fn cache(
    s: &WorkloadSpec,
    requests: u64,
    notes: &mut Vec<String>,
) -> Result<Option<Cache>, Problem> {
    let prefix = share(s.cache_prefix_share, "cache_prefix_share")?;
    let hit = share(s.cache_hit_rate, "cache_hit_rate")?;
    let every = nonneg(s.cache_reuse_seconds, "cache_reuse_seconds")?;
    let Some(prefix) = prefix else {
        if hit.is_some() || every.is_some() || s.cache_prefixes.is_some() || s.cached_now.is_some()
        {
            return Err(problem(
                "caching is described without cache_prefix_share",
                "say which share of each prompt is a cacheable prefix, e.g. --cache-prefix-share 60%",
            ));
        }
        return Ok(None);
    };
    let reuse = match (hit, every, s.cache_prefixes) {
        (Some(h), None, None) => {
            notes.push(format!(
                "{}% of the cacheable prefix is read from cache (stated)",
                num_text(round_dp(h * Decimal::from(100), 2))
            ));
            Reuse::HitRate(h)
        }
        (None, Some(e), None) => {
            notes.push(format!(
                "each prefix is reused every {} s on average; a read when the previous use came within the TTL (Poisson arrivals): hit rate 1 - e^(-TTL/interval)",
                num_text(e)
            ));
            Reuse::EverySeconds(e)
        }
        (None, None, Some(0)) => {
            return Err(problem(
                "cache_prefixes: 0 prefixes cannot be reused",
                "the number of distinct cacheable prefixes sharing the traffic: 1 or more",
            ))
        }
        (None, None, n) => {
            let n = n.unwrap_or(1);
            notes.push(format!(
                "{} the average traffic evenly; a read when the previous use came within the TTL (Poisson arrivals){}",
                if n == 1 { "one cacheable prefix takes".to_string() } else { format!("{n} distinct prefixes share") },
                if s.cache_prefixes.is_none() { " (one prefix assumed: state --cache-prefixes / cache_prefixes, or a hit rate)" } else { "" }
            ));
            Reuse::Prefixes(n)
        }
        _ => {
            return Err(problem(
                "more than one of cache_hit_rate, cache_reuse_seconds, cache_prefixes is given",
                "give one way the prefix is reused",
            ))
        }
    };
    let _ = requests;
    Ok(Some(Cache {
        prefix_share: prefix,
        reuse,
    }))
}

/// Validates a description into a workload. `sampled`: input tokens come from sample prompts.
pub fn workload(
    s: &WorkloadSpec,
    index: usize,
    resolver: &Resolver,
    day: NaiveDate,
    sampled: bool,
) -> Result<Workload, Problem> {
    let mut notes = vec![];
    let name = s
        .name
        .clone()
        .unwrap_or_else(|| format!("workload {}", index + 1));
    let requests = traffic(s, &mut notes)?;
    let peak_rpm = peak(s, requests, &mut notes)?;
    let input = match (&s.input_tokens, sampled) {
        (Some(t), false) => dist(t, "input_tokens")?,
        (_, true) => TokenDist::mean(Decimal::ZERO, String::new()),
        (None, false) => {
            return Err(problem(
                "no input tokens: the workload states no input tokens per request",
                "add --input-tokens N (a mean, p50=N,p90=N or hist=TOKENS:WEIGHT,...), or --sample FILE of request bodies to count",
            ))
        }
    };
    let output = match &s.output_tokens {
        Some(t) => dist(t, "output_tokens")?,
        None => {
            return Err(problem(
                "no output tokens: the workload states no output tokens per request",
                "add --output-tokens N (CountTokens counts prompts only; the answer's length is yours to state)",
            ))
        }
    };
    // A quadrillion tokens a month is beyond any account's quota: a slip in a unit or a digit
    // (and the bound keeps 12 months of the largest growth within exact integer arithmetic).
    let monthly = Decimal::from(requests) * (input.average() + output.average());
    if monthly > Decimal::from(1_000_000_000_000_000u64) {
        return Err(problem(
            format!(
                "the traffic comes to {} requests a month of {} tokens each, more than a quadrillion tokens",
                num_text(Decimal::from(requests)),
                num_text(round_dp(input.average() + output.average(), 0))
            ),
            "check the traffic and the tokens per request",
        ));
    }
    let cache = cache(s, requests, &mut notes)?;
    let cached_now = match s.cached_now.as_deref() {
        None => None,
        Some("5m") => Some(CacheTtl::FiveMinutes),
        Some("1h") => Some(CacheTtl::OneHour),
        Some(o) => {
            return Err(problem(
                format!("cached_now: `{}` is not a TTL", crate::io::clean(o)),
                "5m or 1h",
            ))
        }
    };
    let growth = s.growth_per_month.map(|d| d.0).unwrap_or_default();
    if growth <= Decimal::NEGATIVE_ONE || growth >= Decimal::ONE {
        return Err(problem(
            format!(
                "growth_per_month: {} is {}% a month",
                growth.normalize(),
                (growth * Decimal::from(100)).normalize()
            ),
            "a monthly change above -100% and below +100%, written 10% or 0.1 (10 would be 1000%)",
        ));
    }
    let mut regions = s.regions.clone();
    if regions.is_empty() {
        regions.push("us-east-1".into());
        notes.push("no region stated: us-east-1".into());
    }
    let known = resolver.catalog().regions();
    for r in &regions {
        if !crate::pricing::valid_region(r) || !known.contains(r.as_str()) {
            return Err(problem(
                format!(
                    "regions: `{}` is not a region the catalog prices any model in",
                    crate::io::clean(r)
                ),
                format!(
                    "the catalog's regions: {}",
                    known.iter().copied().collect::<Vec<_>>().join(", ")
                ),
            ));
        }
    }
    let candidates = candidates(&s.models, resolver, &regions, day)?;
    Ok(Workload {
        name,
        requests_per_month: requests,
        peak_rpm,
        input,
        input_by_model: Default::default(),
        output,
        cache,
        cached_now,
        streaming: s.streaming.unwrap_or(false),
        regions,
        candidates,
        growth,
        latency: s.max_latency.unwrap_or_default(),
        assumptions: notes,
    })
}

/// The candidate models: each id resolved, `provider:NAME` expanded to the provider's models
/// priced in one of the regions and not ended by `day`.
fn candidates(
    ids: &[String],
    resolver: &Resolver,
    regions: &[String],
    day: NaiveDate,
) -> Result<Vec<Candidate>, Problem> {
    if ids.is_empty() {
        return Err(problem(
            "no candidate model",
            "add --model ID (repeatable: catalog keys, model ids, profile ids like us.anthropic..., or provider:NAME)",
        ));
    }
    let cat: &Catalog = resolver.catalog();
    let mut out: Vec<Candidate> = vec![];
    for id in ids {
        let id = id.trim();
        if let Some(p) = id.strip_prefix("provider:") {
            if p.contains('+') {
                return Err(problem(
                    format!("models: `{}`: the catalog does not carry model capabilities (tools, vision)", crate::io::clean(id)),
                    "name the provider alone (provider:anthropic) or the models",
                ));
            }
            let mut found = 0;
            for (i, m) in cat.models.iter().enumerate() {
                let priced = regions.iter().any(|r| {
                    m.price_at(r, Scope::Regional, day).is_some_and(|row| {
                        row.standard.input.is_some() && row.standard.output.is_some()
                    })
                });
                if m.provider.eq_ignore_ascii_case(p) && priced && !m.ended_by(day) {
                    found += 1;
                    if !out
                        .iter()
                        .any(|c| c.model == i && c.scope == Scope::Regional)
                    {
                        out.push(Candidate {
                            id: m.key.clone(),
                            model: i,
                            scope: Scope::Regional,
                        });
                    }
                }
            }
            if found == 0 {
                let mut providers: Vec<&str> =
                    cat.models.iter().map(|m| m.provider.as_str()).collect();
                providers.sort_unstable();
                providers.dedup();
                return Err(problem(
                    format!(
                        "models: no text model of provider `{}` is priced in {}",
                        crate::io::clean(p),
                        regions.join(", ")
                    ),
                    format!("providers in the catalog: {}", providers.join(", ")),
                ));
            }
            continue;
        }
        let res = resolver.resolve(id);
        let Some(model) = res.model_idx.filter(|_| res.unpriced_reason.is_none()) else {
            let close = cat.similar_keys(id);
            return Err(problem(
                format!(
                    "models: `{}` is not a model the catalog prices",
                    crate::io::clean(id)
                ),
                if close.is_empty() {
                    "`bedrock-lens pricing list` shows every model; give its key, model id or profile id".to_string()
                } else {
                    format!(
                        "did you mean: {}? (`bedrock-lens pricing list` shows every model)",
                        close.join(", ")
                    )
                },
            ));
        };
        if !out
            .iter()
            .any(|c| c.model == model && c.scope == res.scope && c.id == id)
        {
            out.push(Candidate {
                id: id.to_string(),
                model,
                scope: res.scope,
            });
        }
    }
    Ok(out)
}
