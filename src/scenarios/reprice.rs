//! Per-request repricing: one request's tokens under a transform (tier, cross-region profile,
//! model swap, assumed cache hit rate). A step that cannot apply (no such rate in the catalog)
//! leaves the request at its baseline cost and says why: a scenario total always covers the same
//! requests as the baseline, so totals compare like for like.

use crate::money::{Pico, PricePerMillion};
use crate::pricing::cost::price_tokens;
use crate::pricing::{CacheTtl, Catalog, PriceRow, Resolution, Scope, TokenRates, Tokens};

use super::spec::{tier_ratio, CacheRate, Profile, Tier, Transform};

/// The outcome of repricing one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repriced {
    pub cost: Pico,
    /// Why the request kept its baseline cost, when it did.
    pub unchanged: Option<String>,
    /// Some rate came from a documented ratio rather than the catalog.
    pub by_ratio: bool,
}

/// What the baseline of a request was: enough to price it again differently.
pub struct Request<'a> {
    pub res: &'a Resolution,
    pub region: &'a str,
    pub tokens: Tokens,
    pub baseline: Pico,
    pub batch_eligible: bool,
}

pub fn reprice(cat: &Catalog, t: &Transform, q: &Request, ttl: CacheTtl) -> Repriced {
    let model = q.res.model_idx.expect("only priced requests are repriced");
    let kept = variant(cat, t, q, model, ttl);
    let result = match t.swaps.iter().find(|s| s.from_idx == model) {
        None => kept,
        Some(s) => kept.and_then(|(k, kr)| {
            let (m, mr) = variant(cat, t, q, s.to_idx, ttl)?;
            // (1 - share) of the requests stay, share move: exact to a pico-dollar.
            let cost = (k.0 * (10_000 - s.share_bp) + m.0 * s.share_bp + 5_000) / 10_000;
            Ok((Pico(cost), kr || mr))
        }),
    };
    match result {
        Ok((cost, by_ratio)) => Repriced {
            cost,
            unchanged: None,
            by_ratio,
        },
        Err(why) => Repriced {
            cost: q.baseline,
            unchanged: Some(why),
            by_ratio: false,
        },
    }
}

/// The request priced on `model` under the transform's profile, tier and cache assumption.
fn variant(
    cat: &Catalog,
    t: &Transform,
    q: &Request,
    model: usize,
    ttl: CacheTtl,
) -> Result<(Pico, bool), String> {
    let m = cat.model(model);
    let scope = match (t.profile, q.res.scope) {
        (Some(Profile::Global), _) => Scope::Global,
        (Some(Profile::Geo), Scope::Global) => Scope::Geo,
        (_, s) => s,
    };
    let row = m.price(q.region, scope).ok_or_else(|| {
        format!(
            "no {} price for {} in {}",
            scope.as_str(),
            m.key,
            if q.region.is_empty() {
                "(no region)"
            } else {
                q.region
            }
        )
    })?;
    let (tokens, ttl) = match &t.cache {
        Some(c) => (with_cache(q.tokens, c, row)?, c.ttl),
        None => (q.tokens, ttl),
    };
    let long = m
        .long_context_threshold
        .is_some_and(|th| tokens.total_input() > th);
    let (rates, by_ratio) = tier_rates(row, t.tier, long, q.batch_eligible, &m.key, &tokens)?;
    let c = price_tokens(
        &rates,
        &tokens,
        ttl,
        if long { "long-context " } else { "" },
        &m.key,
    )?;
    Ok((c.total(), by_ratio))
}

/// Moves the cacheable share of a request's uncached input into cache reads and writes.
fn with_cache(t: Tokens, c: &CacheRate, row: &PriceRow) -> Result<Tokens, String> {
    let r = &row.standard;
    let write = match c.ttl {
        CacheTtl::FiveMinutes => r.cache_write_5m,
        CacheTtl::OneHour => r.cache_write_1h,
    };
    if r.cache_read.is_none() || write.is_none() {
        return Err("model has no prompt-caching rates in the catalog".into());
    }
    let cacheable = t.input * c.prefix_bp / 10_000;
    let reads = cacheable * c.hit_bp / 10_000;
    Ok(Tokens {
        input: t.input - cacheable,
        cache_read: t.cache_read + reads,
        cache_write: t.cache_write + (cacheable - reads),
        output: t.output,
    })
}

fn scaled(p: Option<PricePerMillion>, (num, den): (i64, i64)) -> Option<PricePerMillion> {
    p.map(|p| PricePerMillion(p.0 * num / den))
}

/// The rates of a tier: the catalog's, else (flex, priority) the documented ratio of standard.
/// Batch never falls back to a ratio: not every model runs as batch.
fn tier_rates(
    row: &PriceRow,
    tier: Tier,
    long: bool,
    eligible: bool,
    key: &str,
    t: &Tokens,
) -> Result<(TokenRates, bool), String> {
    let base = if long {
        &row.long_context
    } else {
        &row.standard
    };
    match tier {
        Tier::Standard => Ok((base.clone(), false)),
        Tier::Batch if !eligible => Ok((base.clone(), false)),
        Tier::Batch => {
            if long {
                return Err(
                    "long-context request: the catalog has no long-context batch rate".into(),
                );
            }
            let b = &row.batch;
            if b.input.is_none() || (b.output.is_none() && base.output.is_some()) {
                return Err(format!("no batch price for {key} in the catalog"));
            }
            // Cache tokens keep their on-demand cache rates unless the catalog has batch ones.
            Ok((
                TokenRates {
                    input: b.input,
                    output: b.output.or(base.output),
                    cache_read: b.cache_read.or(base.cache_read),
                    cache_write_5m: b.cache_write_5m.or(base.cache_write_5m),
                    cache_write_1h: b.cache_write_1h.or(base.cache_write_1h),
                },
                false,
            ))
        }
        Tier::Flex | Tier::Priority => {
            let ratio = tier_ratio(tier).expect("flex and priority have ratios");
            let cat = if tier == Tier::Flex {
                &row.flex
            } else {
                &row.priority
            };
            // The catalog's tier rates are standard-context rates; long requests use the ratio.
            // A ratio counts as used only where the request has tokens of that kind.
            let pick =
                |catalog: Option<PricePerMillion>, std: Option<PricePerMillion>, n: u64| match (
                    long, catalog,
                ) {
                    (false, Some(p)) => (Some(p), false),
                    _ => (scaled(std, ratio), std.is_some() && n > 0),
                };
            let parts = [
                pick(cat.input, base.input, t.input),
                pick(cat.output, base.output, t.output),
                pick(cat.cache_read, base.cache_read, t.cache_read),
                pick(cat.cache_write_5m, base.cache_write_5m, t.cache_write),
                pick(cat.cache_write_1h, base.cache_write_1h, t.cache_write),
            ];
            let by_ratio = parts.iter().any(|p| p.1);
            Ok((
                TokenRates {
                    input: parts[0].0,
                    output: parts[1].0,
                    cache_read: parts[2].0,
                    cache_write_5m: parts[3].0,
                    cache_write_1h: parts[4].0,
                },
                by_ratio,
            ))
        }
    }
}
