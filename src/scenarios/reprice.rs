//! Per-request repricing: one request's tokens under a transform (tier, cross-region profile,
//! model swap, assumed cache hit rate). A step that cannot apply (no such rate in the catalog)
//! leaves the request at its baseline cost and says why: a scenario total always covers the same
//! requests as the baseline, so totals compare like for like.

use crate::money::{Num, Pico, PricePerMillion};
use crate::pricing::cost::price_tokens;
use crate::pricing::{CacheTtl, Catalog, PriceRow, Resolution, Scope, TokenRates};
use crate::usage::Tokens;

use super::details::{RatesPerMillion, RatesUsed};
use super::spec::{CacheRate, Profile, Tier, Transform};

/// The outcome of repricing one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repriced {
    pub cost: Pico,
    /// Why a step did not apply to the request, when one did not. The request kept its
    /// baseline cost when `cost` equals it; otherwise the other steps applied.
    pub unchanged: Option<String>,
}

/// What the baseline of a request was: enough to price it again differently.
pub struct Request<'a> {
    pub res: &'a Resolution,
    pub region: &'a str,
    /// The day (UTC) it ran: it is priced again at the rows in force then.
    pub day: chrono::NaiveDate,
    pub tokens: Tokens,
    pub baseline: Pico,
    pub batch_eligible: bool,
    /// Tokens summed over many calls (CloudWatch metrics): never long-context.
    pub bucket: bool,
}

pub fn reprice(cat: &Catalog, t: &Transform, q: &Request, ttl: CacheTtl) -> Repriced {
    let model = q.res.model_idx.expect("only priced requests are repriced");
    let kept = variant(cat, t, q, model, ttl);
    let result = match t.swaps.iter().find(|s| s.from_idx == model) {
        None => kept,
        Some(s) => kept.and_then(|(k, knote)| {
            let (m, mnote) = variant(cat, t, q, s.to_idx, ttl)?;
            // (1 - share) of the requests stay, share move: exact to a pico-dollar.
            let cost = (k.0 * (10_000 - s.share_bp) + m.0 * s.share_bp + 5_000) / 10_000;
            Ok((Pico(cost), knote.or(mnote)))
        }),
    };
    match result {
        Ok((cost, note)) => Repriced {
            cost,
            unchanged: note,
        },
        Err(why) => Repriced {
            cost: q.baseline,
            unchanged: Some(why),
        },
    }
}

/// The request priced on `model` under the transform's profile, tier and cache assumption.
/// Each step applies on its own: one that cannot (no such rate) is skipped and named in the
/// note, and the others still apply (`batch+global` on a model without a global row is batch
/// on its own profile). `Err` only when the model has no price at all for the request.
fn variant(
    cat: &Catalog,
    t: &Transform,
    q: &Request,
    model: usize,
    ttl: CacheTtl,
) -> Result<(Pico, Option<String>), String> {
    let m = cat.model(model);
    let mut note: Option<String> = None;
    let mut skip = |why: String| {
        note.get_or_insert(why);
    };
    let region = if q.region.is_empty() {
        "(no region)"
    } else {
        q.region
    };
    let target = match (t.profile, q.res.scope) {
        (Some(Profile::Global), _) => Scope::Global,
        (Some(Profile::Geo), Scope::Global) => Scope::Geo,
        (_, s) => s,
    };
    let row = match m.price_at(q.region, target, q.day) {
        Some(r) => r,
        None => {
            let own = m
                .price_at(q.region, q.res.scope, q.day)
                .or_else(|| m.price_at(q.region, Scope::Regional, q.day));
            match own {
                Some(r) if target != q.res.scope || model != q.res.model_idx.unwrap_or(model) => {
                    skip(format!(
                        "no {} price for {} in {region}",
                        target.as_str(),
                        m.key
                    ));
                    r
                }
                _ => {
                    return Err(format!(
                        "no {} price for {} in {region}",
                        target.as_str(),
                        m.key
                    ))
                }
            }
        }
    };
    let (tokens, ttl) = match &t.cache {
        Some(c) => match with_cache(q.tokens, c, row) {
            Ok(tokens) => (tokens, c.ttl),
            Err(why) => {
                skip(why);
                (q.tokens, ttl)
            }
        },
        None => (q.tokens, ttl),
    };
    let long = !q.bucket
        && m.long_context_threshold
            .is_some_and(|th| tokens.total_input() > th);
    let rates = match tier_rates(row, t.tier, long, q.batch_eligible, &m.key, &tokens) {
        Ok(r) => r,
        Err(why) => {
            skip(why);
            if long {
                row.long_context.clone()
            } else {
                row.standard.clone()
            }
        }
    };
    let c = price_tokens(
        &rates,
        &tokens,
        ttl,
        if long { "long-context " } else { "" },
        &m.key,
    )?;
    Ok((c.total(), note))
}

/// The per-1M-token rates a transform prices `model` at in `region` (standard context, a
/// batch-eligible request): the "prices used" of a scenario, with their source.
pub fn rates_used(
    cat: &Catalog,
    t: &Transform,
    model: usize,
    region: &str,
    scope: Scope,
) -> RatesUsed {
    let m = cat.model(model);
    let target = match (t.profile, scope) {
        (Some(Profile::Global), _) => Scope::Global,
        (Some(Profile::Geo), Scope::Global) => Scope::Geo,
        (_, s) => s,
    };
    let Some((row, used)) = m
        .price(region, target)
        .map(|r| (r, target))
        .or_else(|| m.price(region, scope).map(|r| (r, scope)))
    else {
        return RatesUsed::NoPrice {
            model: m.key.clone(),
            region: region.to_string(),
            price: None,
        };
    };
    let ones = Tokens {
        input: 1,
        ..Tokens::default()
    };
    let Ok(rates) = tier_rates(row, t.tier, false, true, &m.key, &ones) else {
        return RatesUsed::NoPrice {
            model: m.key.clone(),
            region: region.to_string(),
            price: None,
        };
    };
    let rate = |p: Option<PricePerMillion>| p.map(|p| Num(p.to_decimal()));
    RatesUsed::Priced {
        model: m.key.clone(),
        region: region.to_string(),
        scope: used.as_str(),
        usd_per_1m_tokens: RatesPerMillion {
            input: rate(rates.input),
            output: rate(rates.output),
            cache_read: rate(rates.cache_read),
            cache_write_5m: rate(rates.cache_write_5m),
            cache_write_1h: rate(rates.cache_write_1h),
        },
        source: row.source.clone(),
        as_of: row.as_of.to_string(),
    }
}

/// Moves the cacheable share of a request's uncached input into cache reads and writes.
fn with_cache(t: Tokens, c: &CacheRate, row: &PriceRow) -> Result<Tokens, String> {
    let r = &row.standard;
    let write = match c.ttl {
        CacheTtl::FiveMinutes => r.cache_write_5m,
        CacheTtl::OneHour => r.cache_write_1h,
    };
    if r.cache_read.is_none() {
        return Err("model has no prompt-caching rates in the catalog".into());
    }
    if write.is_none() {
        return Err(format!(
            "model has no {} cache-write rate in the catalog",
            match c.ttl {
                CacheTtl::FiveMinutes => "5-minute",
                CacheTtl::OneHour => "1-hour",
            }
        ));
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

/// The rates of a tier, as the catalog lists them for the model: a tier without a rate is not
/// offered for it, and no rate is derived from a ratio.
pub(crate) fn tier_rates(
    row: &PriceRow,
    tier: Tier,
    long: bool,
    eligible: bool,
    key: &str,
    t: &Tokens,
) -> Result<TokenRates, String> {
    let base = if long {
        &row.long_context
    } else {
        &row.standard
    };
    match tier {
        Tier::Standard => Ok(base.clone()),
        Tier::Batch if !eligible => Ok(base.clone()),
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
            Ok(TokenRates {
                input: b.input,
                output: b.output.or(base.output),
                cache_read: b.cache_read.or(base.cache_read),
                cache_write_5m: b.cache_write_5m.or(base.cache_write_5m),
                cache_write_1h: b.cache_write_1h.or(base.cache_write_1h),
            })
        }
        Tier::Flex | Tier::Priority => {
            let (name, cat) = match tier {
                Tier::Flex => ("flex", &row.flex),
                _ => ("priority", &row.priority),
            };
            if long {
                return Err(format!(
                    "long-context request: the catalog has no long-context {name} rate"
                ));
            }
            // A tier AWS does not list for a model is not offered for it: no rate is assumed.
            // Every kind of token the request has needs the tier's own rate.
            let ttl_write = cat.cache_write_5m.or(cat.cache_write_1h);
            let missing = [
                ("input", cat.input, t.input),
                ("output", cat.output, t.output),
                ("cache-read", cat.cache_read, t.cache_read),
                ("cache-write", ttl_write, t.cache_write),
            ]
            .into_iter()
            .find(|(_, rate, n)| rate.is_none() && (*n > 0 || cat.input.is_none()));
            if let Some((kind, _, _)) = missing {
                return Err(if cat.input.is_none() {
                    format!("{name} is not offered for {key}: the catalog lists no {name} rate")
                } else {
                    format!("the catalog has no {name} {kind} rate for {key}")
                });
            }
            Ok(cat.clone())
        }
    }
}

#[cfg(test)]
#[path = "reprice_tests.rs"]
mod tests;
