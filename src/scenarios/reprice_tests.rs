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
    let base =
        crate::pricing::price_request(&cat, &res, region, day(), &tokens, CacheTtl::FiveMinutes)
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
