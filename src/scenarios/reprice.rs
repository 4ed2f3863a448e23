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
mod tests {
    //! Hand-computed dollars; rates from the built-in catalog (USD per 1M tokens), worked out in
    //! the comment above each assertion.
    use super::*;
    use crate::pricing::{ProfileMap, Resolver};
    use crate::scenarios::spec::{cache_rate, parse_swap};

    fn t(input: u64, output: u64, cache_read: u64) -> Tokens {
        Tokens {
            input,
            output,
            cache_read,
            cache_write: 0,
        }
    }

    fn day() -> chrono::NaiveDate {
        chrono::NaiveDate::from_ymd_opt(2026, 10, 15).unwrap()
    }

    /// (dollars as text, unchanged reason) of one request under `tr`.
    fn run(
        id: &str,
        region: &str,
        tokens: Tokens,
        tr: &Transform,
        eligible: bool,
    ) -> (String, Option<String>) {
        let cat = Catalog::embedded().unwrap();
        let resolver = Resolver::new(&cat, &ProfileMap::default());
        let res = resolver.resolve(id);
        let base = crate::pricing::price_request(
            &cat,
            &res,
            region,
            day(),
            &tokens,
            CacheTtl::FiveMinutes,
        )
        .unwrap()
        .total();
        let q = Request {
            res: &res,
            region,
            day: day(),
            tokens,
            baseline: base,
            batch_eligible: eligible,
            bucket: false,
        };
        let r = reprice(&cat, tr, &q, CacheTtl::FiveMinutes);
        (r.cost.to_decimal().to_string(), r.unchanged)
    }

    fn tier(tier: Tier) -> Transform {
        Transform {
            tier,
            ..Default::default()
        }
    }

    const HAIKU_US: &str = "us.anthropic.claude-haiku-4-5-20251001-v1:0";
    const HAIKU_GLOBAL: &str = "global.anthropic.claude-haiku-4-5-20251001-v1:0";

    #[test]
    fn batch_rates_for_eligible_requests_only() {
        // Haiku 4.5 us.: 1M in x $0.55 + 1M out x $2.75 = $3.30 (on demand $1.10 + $5.50 = $6.60)
        let b = tier(Tier::Batch);
        assert_eq!(
            run(HAIKU_US, "us-east-1", t(1_000_000, 1_000_000, 0), &b, true).0,
            "3.3"
        );
        assert_eq!(
            run(HAIKU_US, "us-east-1", t(1_000_000, 1_000_000, 0), &b, false).0,
            "6.6"
        );
        // Cache reads keep their on-demand rate: 1M x $0.55 + 1M read x $0.11 = $0.66
        assert_eq!(
            run(HAIKU_US, "us-east-1", t(1_000_000, 0, 1_000_000), &b, true).0,
            "0.66"
        );
        // No batch rate: Mistral Large 2407 keeps its cost (1M x $3) and says why
        let (usd, why) = run(
            "mistral.mistral-large-2407-v1:0",
            "us-west-2",
            t(1_000_000, 0, 0),
            &b,
            true,
        );
        assert_eq!(usd, "3");
        assert_eq!(
            why.unwrap(),
            "no batch price for mistral.mistral-large-2407 in the catalog"
        );
        // Long context (Sonnet 4, 250K input): no long-context batch rate -> unchanged
        let (_, why) = run(
            "us.anthropic.claude-sonnet-4-20250514-v1:0",
            "us-east-1",
            t(250_000, 0, 0),
            &b,
            true,
        );
        assert!(why.unwrap().starts_with("long-context request"));
    }

    #[test]
    fn flex_and_priority_only_where_the_catalog_lists_them() {
        // gpt-oss-120b us-east-1 has catalog flex rates: 1M x $0.075 + 1M x $0.30 = $0.375
        let (usd, why) = run(
            "openai.gpt-oss-120b-1:0",
            "us-east-1",
            t(1_000_000, 1_000_000, 0),
            &tier(Tier::Flex),
            true,
        );
        assert_eq!((usd.as_str(), why), ("0.375", None));
        // Haiku 4.5 has no flex or priority rate: not offered, so the request keeps its
        // on-demand $1.10 + $5.50 = $6.60 and says why (no rate derived from a ratio)
        for (tr, name) in [(Tier::Flex, "flex"), (Tier::Priority, "priority")] {
            let (usd, why) = run(
                HAIKU_US,
                "us-east-1",
                t(1_000_000, 1_000_000, 0),
                &tier(tr),
                true,
            );
            assert_eq!(usd, "6.6");
            assert_eq!(
                why.unwrap(),
                format!("{name} is not offered for anthropic.claude-haiku-4-5: the catalog lists no {name} rate")
            );
        }
        // AWS lists no flex SKU for Nova Lite: not offered, the request keeps its cost
        // (1M x $0.06 + 1K read x $0.015 = $0.060015)
        let (usd, why) = run(
            "amazon.nova-lite-v1:0",
            "us-east-1",
            t(1_000_000, 0, 1_000),
            &tier(Tier::Flex),
            true,
        );
        assert_eq!(usd, "0.060015");
        assert_eq!(
            why.as_deref(),
            Some("flex is not offered for amazon.nova-lite: the catalog lists no flex rate")
        );
        // Nova 2 Lite in-region flex: 1M x $0.165 + 1K read x $0.04125 = $0.16504125
        let (usd, why) = run(
            "amazon.nova-2-lite-v1:0",
            "us-east-1",
            t(1_000_000, 0, 1_000),
            &tier(Tier::Flex),
            true,
        );
        assert_eq!((usd.as_str(), why), ("0.16504125", None));
    }

    #[test]
    fn cross_region_profiles() {
        let global = Transform {
            profile: Some(Profile::Global),
            ..Default::default()
        };
        let geo = Transform {
            profile: Some(Profile::Geo),
            ..Default::default()
        };
        // Haiku 4.5 us. ($6.60 for 1M/1M) on global.: $1.00 + $5.00 = $6.00
        assert_eq!(
            run(
                HAIKU_US,
                "us-east-1",
                t(1_000_000, 1_000_000, 0),
                &global,
                true
            )
            .0,
            "6"
        );
        // and back: global. on geo rates = $6.60
        assert_eq!(
            run(
                HAIKU_GLOBAL,
                "us-east-1",
                t(1_000_000, 1_000_000, 0),
                &geo,
                true
            )
            .0,
            "6.6"
        );
        // Nova Micro has no global row: unchanged, with the reason
        let (usd, why) = run(
            "amazon.nova-micro-v1:0",
            "us-east-1",
            t(1_000_000, 0, 0),
            &global,
            true,
        );
        assert_eq!(usd, "0.035");
        assert_eq!(
            why.unwrap(),
            "no global price for amazon.nova-micro in us-east-1"
        );
        // Composed: batch + global = $0.50 + $2.50 = $3.00
        let both = Transform {
            tier: Tier::Batch,
            profile: Some(Profile::Global),
            ..Default::default()
        };
        assert_eq!(
            run(
                HAIKU_US,
                "us-east-1",
                t(1_000_000, 1_000_000, 0),
                &both,
                true
            )
            .0,
            "3"
        );
        // A step that cannot apply is skipped, the others still do: Nova Micro has no global
        // row, so batch+global is batch on its own profile: 1M in x $0.0175 = $0.0175
        let (usd, why) = run(
            "amazon.nova-micro-v1:0",
            "us-east-1",
            t(1_000_000, 0, 0),
            &both,
            true,
        );
        assert_eq!(usd, "0.0175");
        assert_eq!(
            why.unwrap(),
            "no global price for amazon.nova-micro in us-east-1"
        );
    }

    #[test]
    fn model_swap_moves_a_share() {
        let cat = Catalog::embedded().unwrap();
        let resolver = Resolver::new(&cat, &ProfileMap::default());
        let swap = Transform {
            swaps: vec![parse_swap(
                "anthropic.claude-sonnet-4-5=anthropic.claude-haiku-4-5@25",
                &resolver,
            )
            .unwrap()],
            ..Default::default()
        };
        // Sonnet 4.5 global 100K/100K = $0.30 + $1.50 = $1.80; Haiku 4.5 global = $0.60.
        // 75% x $1.80 + 25% x $0.60 = $1.35 + $0.15 = $1.50
        let sonnet = "global.anthropic.claude-sonnet-4-5-20250929-v1:0";
        assert_eq!(
            run(sonnet, "us-east-1", t(100_000, 100_000, 0), &swap, true).0,
            "1.5"
        );
        // Each model's own long-context rule: 1M input is long context on Sonnet 4.5 ($6 + $22.50
        // = $28.50) but not on Haiku 4.5 ($6): 75% x $28.50 + 25% x $6 = $21.375 + $1.50
        assert_eq!(
            run(sonnet, "us-east-1", t(1_000_000, 1_000_000, 0), &swap, true).0,
            "22.875"
        );
        // Other models are untouched
        assert_eq!(
            run(
                HAIKU_GLOBAL,
                "us-east-1",
                t(1_000_000, 1_000_000, 0),
                &swap,
                true
            )
            .0,
            "6"
        );
    }

    #[test]
    fn cache_at_a_hit_rate_both_ttls() {
        // Haiku 4.5 global, 1M uncached input; 50% cacheable prefix, 60% of it read:
        // 500,000 input x $1.00 + 300,000 read x $0.10 + 200,000 written.
        // 5m: $0.50 + $0.03 + 200,000 x $1.25 = $0.78 (baseline $1.00)
        let c5 = Transform {
            cache: Some(cache_rate("60%", "0.5", CacheTtl::FiveMinutes).unwrap()),
            ..Default::default()
        };
        assert_eq!(
            run(HAIKU_GLOBAL, "us-east-1", t(1_000_000, 0, 0), &c5, true).0,
            "0.78"
        );
        // 1h: writes at $2.00: $0.50 + $0.03 + $0.40 = $0.93
        let c1 = Transform {
            cache: Some(cache_rate("0.6", "50%", CacheTtl::OneHour).unwrap()),
            ..Default::default()
        };
        assert_eq!(
            run(HAIKU_GLOBAL, "us-east-1", t(1_000_000, 0, 0), &c1, true).0,
            "0.93"
        );
        // A 10% hit rate loses money at 1h: 500,000 x $1 + 50,000 x $0.10 + 450,000 x $2 = $1.405
        let low = Transform {
            cache: Some(cache_rate("10%", "50%", CacheTtl::OneHour).unwrap()),
            ..Default::default()
        };
        assert_eq!(
            run(HAIKU_GLOBAL, "us-east-1", t(1_000_000, 0, 0), &low, true).0,
            "1.405"
        );
        // Llama has no cache rates: unchanged
        let (_, why) = run(
            "meta.llama3-1-70b-instruct-v1:0",
            "us-east-1",
            t(1_000, 0, 0),
            &c5,
            true,
        );
        assert_eq!(
            why.unwrap(),
            "model has no prompt-caching rates in the catalog"
        );
    }
}
