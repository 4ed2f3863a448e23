//! Planning a workload that has no logs yet: a described workload (traffic, tokens, caching,
//! constraints) priced per candidate model, region and inference mode with the same catalog and
//! tier rules as `whatif`. `describe` reads descriptions, `derive` builds them from logs; this
//! file holds the typed workload and the engine that prices it.

mod capacity;
pub mod derive;
pub mod describe;
mod row;
mod tokens;

pub use row::{BreakEven, Cost, Mode, PriceSource, ProvisionedSizing, Row, Status, TermName};

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use serde::Serialize;

use crate::money::{percent, round_dp, Num, Pico, Usd6};
use crate::pricing::cost::price_tokens;
use crate::pricing::{CacheTtl, Catalog, PriceRow, Scope};
use crate::usage::Tokens;

use super::caching::min_prefix_tokens;
use super::provisioned::HOURS_PER_MONTH;
use super::reprice::tier_rates;
use super::spec::Tier;

/// Months ahead the plan prices, besides now.
pub const HORIZONS: [u32; 3] = [0, 6, 12];

/// Minutes in the 730-hour month the plan prices (AWS's own monthly convention).
pub const MONTH_MINUTES: u64 = HOURS_PER_MONTH * 60;

/// How long a caller can wait for an answer: what rules modes out.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, serde::Deserialize, clap::ValueEnum,
)]
#[serde(rename_all = "snake_case")]
pub enum Latency {
    /// A person or a synchronous service waits: no batch, no flex.
    #[default]
    Interactive,
    /// Seconds to minutes are fine (flex), but not batch's hours.
    Relaxed,
    /// Results within 24 hours are fine (batch).
    Batch,
}

impl Latency {
    pub fn as_str(self) -> &'static str {
        match self {
            Latency::Interactive => "interactive",
            Latency::Relaxed => "relaxed",
            Latency::Batch => "batch",
        }
    }
}

/// Tokens per request: equal-or-weighted buckets of a per-request count.
#[derive(Debug, Clone, PartialEq)]
pub struct TokenDist {
    /// (relative weight, tokens per request), weights > 0.
    pub buckets: Vec<(Decimal, Decimal)>,
    /// How the buckets were made, in words (for the assumptions).
    pub how: String,
    /// An estimate from body sizes rather than a count.
    pub estimated: bool,
}

impl TokenDist {
    pub fn mean(tokens: Decimal, how: String) -> TokenDist {
        TokenDist {
            buckets: vec![(Decimal::ONE, tokens)],
            how,
            estimated: false,
        }
    }

    /// The weighted mean tokens per request.
    pub fn average(&self) -> Decimal {
        let w: Decimal = self.buckets.iter().map(|b| b.0).sum();
        let t: Decimal = self.buckets.iter().map(|b| b.0 * b.1).sum();
        if w.is_zero() {
            Decimal::ZERO
        } else {
            t / w
        }
    }
}

/// How often a cached prefix is read back.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Reuse {
    /// A hit rate stated outright (0..=1).
    HitRate(Decimal),
    /// Each prefix is reused every so many seconds on average.
    EverySeconds(Decimal),
    /// So many distinct prefixes share the traffic evenly.
    Prefixes(u64),
}

/// Prompt caching as described: the cacheable share of each prompt and how it is reused.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cache {
    pub prefix_share: Decimal,
    pub reuse: Reuse,
}

/// A model to price the workload on: the id as given, its catalog model and price scope.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub id: String,
    pub model: usize,
    pub scope: Scope,
}

/// A workload, validated: everything the engine needs.
#[derive(Debug, Clone)]
pub struct Workload {
    pub name: String,
    pub requests_per_month: u64,
    /// Requests per minute in the busiest minute, when stated or derivable.
    pub peak_rpm: Option<Decimal>,
    pub input: TokenDist,
    /// Input counted per model from sample prompts (CountTokens), where counted.
    pub input_by_model: BTreeMap<usize, TokenDist>,
    pub output: TokenDist,
    pub cache: Option<Cache>,
    /// The workload already caches, at this TTL: its "as described" cost includes caching.
    pub cached_now: Option<CacheTtl>,
    pub streaming: bool,
    pub regions: Vec<String>,
    pub candidates: Vec<Candidate>,
    /// Traffic growth per month (0.05 = 5%).
    pub growth: Decimal,
    pub latency: Latency,
    /// What the description left to assumption, in words.
    pub assumptions: Vec<String>,
}

/// What the engine needs besides the workload.
pub struct Options<'a> {
    pub catalog: &'a Catalog,
    /// The day whose prices apply.
    pub day: NaiveDate,
    /// Tokens per minute per provisioned unit, by catalog model (overrides the catalog).
    pub tpm: &'a std::collections::HashMap<usize, u64>,
    /// `--tpm-per-unit N` for every model.
    pub tpm_all: Option<u64>,
}

/// The traffic of one horizon, per input bucket.
#[derive(Debug, Clone)]
struct Volume {
    requests: u64,
    /// Per-request input tokens (cached or not): decides long-context.
    per_request_input: Decimal,
    input: u64,
    output: u64,
}

/// The traffic factor after `months` of growth.
pub fn growth_factor(growth: Decimal, months: u32) -> Decimal {
    (0..months).fold(Decimal::ONE, |f, _| f * (Decimal::ONE + growth))
}

fn whole(d: Decimal) -> u64 {
    round_dp(d, 0).to_u64().unwrap_or(u64::MAX)
}

/// Splits `total` requests over the weights, largest remainder first, so they add up exactly.
fn split(total: u64, weights: &[Decimal]) -> Vec<u64> {
    let sum: Decimal = weights.iter().sum();
    if sum.is_zero() {
        return vec![0; weights.len()];
    }
    let exact: Vec<Decimal> = weights
        .iter()
        .map(|w| Decimal::from(total) * w / sum)
        .collect();
    let mut out: Vec<u64> = exact
        .iter()
        .map(|e| e.floor().to_u64().unwrap_or(0))
        .collect();
    let mut left = total.saturating_sub(out.iter().sum());
    let mut order: Vec<usize> = (0..weights.len()).collect();
    order.sort_by(|&a, &b| (exact[b] - exact[b].floor()).cmp(&(exact[a] - exact[a].floor())));
    for i in order {
        if left == 0 {
            break;
        }
        out[i] += 1;
        left -= 1;
    }
    out
}

fn volumes(requests: u64, input: &TokenDist, output: &TokenDist) -> Vec<Volume> {
    let weights: Vec<Decimal> = input.buckets.iter().map(|b| b.0).collect();
    let out_mean = output.average();
    split(requests, &weights)
        .into_iter()
        .zip(&input.buckets)
        .map(|(n, (_, tokens))| Volume {
            requests: n,
            per_request_input: *tokens,
            input: whole(Decimal::from(n) * tokens),
            output: whole(Decimal::from(n) * out_mean),
        })
        .collect()
}

/// The hit rate of a cached prefix at `ttl` for `requests_per_month`: stated, or from the
/// reuse interval with Poisson arrivals (a read when the previous use of the prefix came
/// within the TTL, which each read renews): 1 - e^(-TTL / interval), to basis points.
pub fn hit_rate(reuse: Reuse, ttl: CacheTtl, requests_per_month: u64) -> Decimal {
    let ttl_s = match ttl {
        CacheTtl::FiveMinutes => 300.0,
        CacheTtl::OneHour => 3600.0,
    };
    let interval = match reuse {
        Reuse::HitRate(h) => return h,
        Reuse::EverySeconds(s) => s.to_f64().unwrap_or(f64::INFINITY),
        Reuse::Prefixes(n) => {
            if requests_per_month == 0 {
                return Decimal::ZERO;
            }
            (MONTH_MINUTES * 60) as f64 * n as f64 / requests_per_month as f64
        }
    };
    let h = if interval <= 0.0 {
        1.0
    } else {
        1.0 - (-ttl_s / interval).exp()
    };
    Decimal::new((h * 10_000.0).round() as i64, 4)
}

/// Prices the volumes on `row`: per bucket, standard or long-context rates by its per-request
/// input, the cache split applied to its input.
fn price_volumes(
    cat: &Catalog,
    model: usize,
    row: &PriceRow,
    tier: Tier,
    cache: Option<(Decimal, Decimal, CacheTtl)>,
    vols: &[Volume],
) -> Result<Cost, String> {
    let m = cat.model(model);
    let mut kinds = [Pico(0); 4];
    for v in vols.iter().filter(|v| v.requests > 0) {
        let (tokens, ttl) = match cache {
            None => (
                Tokens {
                    input: v.input,
                    output: v.output,
                    ..Tokens::default()
                },
                CacheTtl::FiveMinutes,
            ),
            Some((share, hit, ttl)) => {
                let cacheable = whole(Decimal::from(v.input) * share).min(v.input);
                let reads = whole(Decimal::from(cacheable) * hit).min(cacheable);
                (
                    Tokens {
                        input: v.input - cacheable,
                        output: v.output,
                        cache_read: reads,
                        cache_write: cacheable - reads,
                    },
                    ttl,
                )
            }
        };
        let long = m
            .long_context_threshold
            .is_some_and(|th| v.per_request_input > Decimal::from(th));
        let rates = tier_rates(row, tier, long, true, &m.key, &tokens)?;
        let label = if long { "long-context " } else { "" };
        let c = price_tokens(&rates, &tokens, ttl, label, &m.key)?;
        for (k, p) in kinds
            .iter_mut()
            .zip([c.input, c.output, c.cache_read, c.cache_write])
        {
            *k += p;
        }
    }
    Ok(Cost {
        exact: kinds.iter().copied().sum(),
        shown: Usd6(kinds.iter().map(|k| k.to_usd6().0).sum()),
    })
}

/// Every row of one candidate in one region.
pub fn rows(o: &Options, w: &Workload, c: &Candidate, region: &str) -> Vec<Row> {
    let cat = o.catalog;
    let m = cat.model(c.model);
    let input = w.input_by_model.get(&c.model).unwrap_or(&w.input);
    let factors: Vec<Decimal> = HORIZONS
        .iter()
        .map(|&h| growth_factor(w.growth, h))
        .collect();
    let requests: Vec<u64> = factors
        .iter()
        .map(|f| whole(Decimal::from(w.requests_per_month) * f))
        .collect();
    let vols: Vec<Vec<Volume>> = requests
        .iter()
        .map(|&n| volumes(n, input, &w.output))
        .collect();
    let base = |mode: Mode| Row::blank(&m.key, &c.id, region, mode);
    let mut out = vec![];
    // Token-priced modes: (mode, scope, tier, cache).
    let mut modes: Vec<(Mode, Scope, Tier, Option<CacheTtl>)> = vec![];
    for scope in [Scope::Regional, Scope::Geo, Scope::Global] {
        modes.push((Mode::OnDemand { scope }, scope, Tier::Standard, None));
    }
    // Tiers and caching at the scope as named, and on the global profile where it is priced.
    let mut scopes = vec![c.scope];
    if c.scope != Scope::Global && m.price_at(region, Scope::Global, o.day).is_some() {
        scopes.push(Scope::Global);
    }
    for scope in scopes {
        for (mode, tier) in [
            (Mode::Batch { scope }, Tier::Batch),
            (Mode::Flex { scope }, Tier::Flex),
            (Mode::Priority { scope }, Tier::Priority),
        ] {
            modes.push((mode, scope, tier, None));
        }
        for ttl in [CacheTtl::FiveMinutes, CacheTtl::OneHour] {
            modes.push((
                Mode::Caching { ttl, scope },
                scope,
                Tier::Standard,
                Some(ttl),
            ));
        }
    }
    for (mode, scope, tier, ttl) in modes {
        let mut r = base(mode);
        let row = match scope {
            // A geo profile without its own row is priced as in-region (the catalog's rule).
            Scope::Geo => m.price_at(region, Scope::Geo, o.day),
            s => m.price_at(region, s, o.day),
        };
        let Some(row) = row else {
            r.status = Status::NotOffered;
            r.catalog_gap = true;
            r.note = Some(format!(
                "no {} price for {} in {region}",
                scope.as_str(),
                m.key
            ));
            out.push(r);
            continue;
        };
        if scope == Scope::Geo && row.scope == Scope::Regional {
            r.note = Some("no geo price of its own: priced as in-region".into());
        }
        let cache = match (ttl, mode) {
            (Some(ttl), _) => match caching_terms(w, input, m, ttl) {
                Ok(terms) => Some(terms),
                Err((status, why)) => {
                    r.status = status;
                    r.note = Some(why);
                    out.push(r);
                    continue;
                }
            },
            _ => None,
        };
        let mut costs = vec![];
        for (i, v) in vols.iter().enumerate() {
            let cache =
                cache.map(|(share, reuse, ttl)| (share, hit_rate(reuse, ttl, requests[i]), ttl));
            match price_volumes(cat, c.model, row, tier, cache, v) {
                Ok(p) => costs.push(p),
                Err(why) => {
                    r.status = Status::NotOffered;
                    // Long context is the workload's doing; the rest is a rate the catalog lacks.
                    r.catalog_gap = !why.starts_with("long-context")
                        && (why.contains("catalog") || why.contains(" has no "));
                    r.note = Some(why);
                    break;
                }
            }
        }
        if r.status == Status::Priced {
            if let Some((_, reuse, ttl)) = cache {
                let h = hit_rate(reuse, ttl, requests[0]);
                let how = match reuse {
                    Reuse::HitRate(_) => String::new(),
                    Reuse::EverySeconds(e) => {
                        format!(" (each prefix reused every {} s)", e.normalize())
                    }
                    Reuse::Prefixes(1) => " (one shared prefix, Poisson reuse)".to_string(),
                    Reuse::Prefixes(n) => format!(" ({n} shared prefixes, Poisson reuse)"),
                };
                r.note = Some(format!(
                    "{}% of input cacheable, {}% read from cache{how}",
                    Num(round_dp(cache.unwrap().0 * Decimal::from(100), 2).normalize()),
                    Num(round_dp(h * Decimal::from(100), 2).normalize())
                ));
            }
            r.monthly_usd = costs.iter().map(|c| c.shown).collect();
            r.costs = costs;
            r.prices = Some(PriceSource {
                source: row.source.clone(),
                as_of: row.as_of.to_string(),
                scope: row.scope,
            });
        }
        r.as_described = match (w.cached_now, mode) {
            (None, Mode::OnDemand { scope }) => scope == c.scope,
            (Some(t), Mode::Caching { ttl, scope }) => t == ttl && scope == c.scope,
            _ => false,
        };
        out.push(r);
    }
    out.extend(capacity::provisioned_rows(
        o, w, c, region, &vols, &requests, &factors,
    ));
    constraints(w, &mut out);
    let reference = out
        .iter()
        .find(|r| r.mode == Mode::OnDemand { scope: c.scope })
        .and_then(|r| r.now());
    for r in &mut out {
        if let (Some(now), Some(base)) = (r.now(), reference) {
            r.vs_on_demand_pct = percent(now.0 - base.0, base.0);
        }
    }
    out
}

/// The caching terms for a mode: (prefix share, reuse, TTL), or why there are none.
fn caching_terms(
    w: &Workload,
    input: &TokenDist,
    m: &crate::pricing::catalog::Model,
    ttl: CacheTtl,
) -> Result<(Decimal, Reuse, CacheTtl), (Status, String)> {
    let Some(c) = w.cache else {
        return Err((
            Status::NotMeasurable,
            "no cacheable prefix stated (cache_prefix_share)".into(),
        ));
    };
    let prefix = input.average() * c.prefix_share;
    let min = min_prefix_tokens(&m.key);
    if prefix < Decimal::from(min) && w.cached_now.is_none() {
        return Err((
            Status::NotOffered,
            format!(
                "the cacheable prefix (~{} tokens) is below {}'s minimum of {min} tokens",
                whole(prefix),
                m.key
            ),
        ));
    }
    Ok((c.prefix_share, c.reuse, ttl))
}

/// Marks the rows the workload's constraints rule out.
fn constraints(w: &Workload, rows: &mut [Row]) {
    for r in rows.iter_mut() {
        let why = match r.mode {
            Mode::Batch { .. } if w.streaming => Some("streaming: batch returns no stream"),
            Mode::Batch { .. } if w.latency != Latency::Batch => Some(match w.latency {
                Latency::Interactive => "interactive latency: batch answers within 24 hours",
                _ => "relaxed latency: batch answers within 24 hours",
            }),
            Mode::Flex { .. } if w.latency == Latency::Interactive => {
                Some("interactive latency: flex trades latency for price")
            }
            _ => None,
        };
        if r.status != Status::Priced {
            r.meets_constraints = false;
        }
        if let Some(why) = why {
            r.meets_constraints = false;
            r.excluded_because = Some(why.into());
        }
    }
}
