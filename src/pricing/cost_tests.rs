//! Tests of the per-request cost engine on the built-in catalog, in hand-computed dollars: every
//! expected value below is worked out in the comment above it.

use super::*;
use crate::pricing::{ProfileMap, Resolver};

fn cost(id: &str, region: &str, t: Tokens, ttl: CacheTtl) -> Result<CostBreakdown, String> {
    cost_on("2026-10-15", id, region, t, ttl)
}

fn cost_on(
    day: &str,
    id: &str,
    region: &str,
    t: Tokens,
    ttl: CacheTtl,
) -> Result<CostBreakdown, String> {
    let c = Catalog::embedded().unwrap();
    let r = Resolver::new(&c, &ProfileMap::default()).resolve(id);
    let day = chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d").unwrap();
    price_request(&c, &r, region, day, &t, ttl)
}

fn usd(p: Pico) -> String {
    p.to_decimal().to_string()
}

const fn tok(input: u64, output: u64, cache_read: u64, cache_write: u64) -> Tokens {
    Tokens {
        input,
        output,
        cache_read,
        cache_write,
    }
}

#[test]
fn input_and_output() {
    // Claude 3.5 Haiku us-east-1: 1,000 in x $0.80/M = $0.0008; 500 out x $4/M = $0.002
    let c = cost(
        "anthropic.claude-3-5-haiku-20241022-v1:0",
        "us-east-1",
        tok(1000, 500, 0, 0),
        CacheTtl::FiveMinutes,
    )
    .unwrap();
    assert_eq!(
        (usd(c.input), usd(c.output)),
        ("0.0008".into(), "0.002".into())
    );
    assert_eq!(usd(c.total()), "0.0028");
    // Nova Micro: 3 in x $0.035/M = $0.000000105; 7 out x $0.14/M = $0.00000098
    let c = cost(
        "amazon.nova-micro-v1:0",
        "us-east-1",
        tok(3, 7, 0, 0),
        CacheTtl::FiveMinutes,
    )
    .unwrap();
    assert_eq!(usd(c.total()), "0.000001085");
    // EU price differs: Nova Micro eu-central-1 1M in x $0.046 = $0.046
    let c = cost(
        "amazon.nova-micro-v1:0",
        "eu-central-1",
        tok(1_000_000, 0, 0, 0),
        CacheTtl::FiveMinutes,
    )
    .unwrap();
    assert_eq!(usd(c.total()), "0.046");
}

#[test]
fn cache_write_5m_vs_1h_and_read() {
    // Sonnet 4 us-east-1: 10,000 written at 5m x $3.75/M = $0.0375; 1h x $6/M = $0.06;
    // 40,000 read x $0.30/M = $0.012; 100 in x $3/M = $0.0003; 200 out x $15/M = $0.003
    let t = tok(100, 200, 40_000, 10_000);
    let c5 = cost(
        "anthropic.claude-sonnet-4-20250514-v1:0",
        "us-east-1",
        t,
        CacheTtl::FiveMinutes,
    )
    .unwrap();
    assert_eq!(usd(c5.cache_write), "0.0375");
    assert_eq!(usd(c5.cache_read), "0.012");
    assert_eq!(usd(c5.total()), "0.0528");
    // Sonnet 4 offers no 1-hour TTL (AWS lists no such SKU): unpriced, never guessed
    let e = cost(
        "anthropic.claude-sonnet-4-20250514-v1:0",
        "us-east-1",
        t,
        CacheTtl::OneHour,
    )
    .unwrap_err();
    assert_eq!(e, "anthropic.claude-sonnet-4 has no cache write (1h) rate");
    // Sonnet 4.5 on a global profile (same 3 / 15 / 0.30 rates): 1h x $6/M = $0.06
    let c1 = cost(
        "global.anthropic.claude-sonnet-4-5-20250929-v1:0",
        "us-east-1",
        t,
        CacheTtl::OneHour,
    )
    .unwrap();
    assert_eq!(usd(c1.cache_write), "0.06");
    assert_eq!(usd(c1.total()), "0.0753");
    // Claude 3.5 Haiku has no 1-hour rate: unpriced, not guessed
    let e = cost(
        "anthropic.claude-3-5-haiku-20241022-v1:0",
        "us-east-1",
        tok(1, 1, 0, 5),
        CacheTtl::OneHour,
    )
    .unwrap_err();
    assert!(e.contains("cache write (1h)"), "{e}");
}

#[test]
fn long_context_switches_every_rate_above_200k_total_input() {
    // Sonnet 4: 150,000 in + 40,000 read + 10,001 write = 200,001 > 200K -> long rates:
    // 150,000 x $6 = $0.90; 40,000 x $0.60 = $0.024; 10,001 x $7.50 = $0.0750075; 1,000 out x $22.50 = $0.0225
    let c = cost(
        "anthropic.claude-sonnet-4-20250514-v1:0",
        "us-west-2",
        tok(150_000, 1000, 40_000, 10_001),
        CacheTtl::FiveMinutes,
    )
    .unwrap();
    assert!(c.long_context);
    assert_eq!(usd(c.total()), "1.0215075");
    // exactly 200,000 stays standard: 150,000 x $3 + 40,000 x $0.30 + 10,000 x $3.75 + 1,000 x $15
    // = 0.45 + 0.012 + 0.0375 + 0.015 = $0.5145
    let c = cost(
        "anthropic.claude-sonnet-4-20250514-v1:0",
        "us-west-2",
        tok(150_000, 1000, 40_000, 10_000),
        CacheTtl::FiveMinutes,
    )
    .unwrap();
    assert!(!c.long_context);
    assert_eq!(usd(c.total()), "0.5145");
}

#[test]
fn geo_versus_global_profiles() {
    // Haiku 4.5, 1M in + 1M out: global $1 + $5 = $6; us. geo (regional rates) $1.10 + $5.50 = $6.60
    let t = tok(1_000_000, 1_000_000, 0, 0);
    let g = cost(
        "global.anthropic.claude-haiku-4-5-20251001-v1:0",
        "us-east-1",
        t,
        CacheTtl::FiveMinutes,
    )
    .unwrap();
    let us = cost(
        "us.anthropic.claude-haiku-4-5-20251001-v1:0",
        "us-east-1",
        t,
        CacheTtl::FiveMinutes,
    )
    .unwrap();
    let eu = cost(
        "eu.anthropic.claude-haiku-4-5-20251001-v1:0",
        "eu-central-1",
        t,
        CacheTtl::FiveMinutes,
    )
    .unwrap();
    assert_eq!(
        (usd(g.total()), usd(us.total()), usd(eu.total())),
        ("6".into(), "6.6".into(), "6.6".into())
    );
    // Sonnet 4.5 long context on global: 300,000 in x $6 = $1.80; 2,000 out x $22.50 = $0.045
    let c = cost(
        "global.anthropic.claude-sonnet-4-5-20250929-v1:0",
        "us-east-1",
        tok(300_000, 2000, 0, 0),
        CacheTtl::FiveMinutes,
    )
    .unwrap();
    assert_eq!(usd(c.total()), "1.845");
    // ... and on a us. profile: 300,000 x $6.60 = $1.98; 2,000 x $24.75 = $0.0495
    let c = cost(
        "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
        "us-east-1",
        tok(300_000, 2000, 0, 0),
        CacheTtl::FiveMinutes,
    )
    .unwrap();
    assert_eq!(usd(c.total()), "2.0295");
}

#[test]
fn missing_region_or_rate_is_a_reason_not_zero() {
    let e = cost(
        "anthropic.claude-3-opus-20240229-v1:0",
        "eu-west-1",
        tok(1, 1, 0, 0),
        CacheTtl::FiveMinutes,
    )
    .unwrap_err();
    assert!(
        e.contains("no regional price for anthropic.claude-3-opus in eu-west-1"),
        "{e}"
    );
    // Llama has no cache rates: cache tokens make it unpriced
    let e = cost(
        "meta.llama3-1-70b-instruct-v1:0",
        "us-east-1",
        tok(1, 1, 5, 0),
        CacheTtl::FiveMinutes,
    )
    .unwrap_err();
    assert!(e.contains("no cache read rate"), "{e}");
    // Titan embeddings: no output tokens, no output rate needed. 1,234 x $0.02/M = $0.00002468
    let c = cost(
        "amazon.titan-embed-text-v2:0",
        "us-east-1",
        tok(1234, 0, 0, 0),
        CacheTtl::FiveMinutes,
    )
    .unwrap();
    assert_eq!(usd(c.total()), "0.00002468");
    assert!(cost(
        "us.anthropic.claude-opus-5-20261015-v1:0",
        "us-east-1",
        tok(1, 1, 0, 0),
        CacheTtl::FiveMinutes
    )
    .is_err());
}

/// The catalog corrections and additions, each priced by hand. Every rate quoted is the
/// catalog row's (USD per 1M tokens) with its source in pricing/.
#[test]
fn nova_2_lite_regional_vs_global() {
    // In-region (and us./eu. geo) 0.33 in / 2.75 out (AWS Price List us-east-1 region SKUs):
    // 1M x 0.33 + 100K x 2.75 = 0.33 + 0.275 = $0.605
    let t = tok(1_000_000, 100_000, 0, 0);
    let c = cost(
        "amazon.nova-2-lite-v1:0",
        "us-east-1",
        t,
        CacheTtl::FiveMinutes,
    )
    .unwrap();
    assert_eq!(usd(c.total()), "0.605");
    let c = cost(
        "us.amazon.nova-2-lite-v1:0",
        "us-east-1",
        t,
        CacheTtl::FiveMinutes,
    )
    .unwrap();
    assert_eq!(usd(c.total()), "0.605");
    // global. 0.30 / 2.50: 0.30 + 0.25 = $0.55
    let c = cost(
        "global.amazon.nova-2-lite-v1:0",
        "us-east-1",
        t,
        CacheTtl::FiveMinutes,
    )
    .unwrap();
    assert_eq!(usd(c.total()), "0.55");
}

#[test]
fn nova_cache_writes_cost_zero_not_the_input_rate() {
    // Nova Micro us-east-1: 1M in x 0.035 = $0.035; 400K cache written x $0 (AWS's $0 SKU);
    // 200K read x 0.00875 = $0.00175. Total $0.03675; the write is priced, at zero.
    let c = cost(
        "amazon.nova-micro-v1:0",
        "us-east-1",
        tok(1_000_000, 0, 200_000, 400_000),
        CacheTtl::FiveMinutes,
    )
    .unwrap();
    assert_eq!(usd(c.cache_write), "0");
    assert_eq!(usd(c.cache_read), "0.00175");
    assert_eq!(usd(c.total()), "0.03675");
}

#[test]
fn claude_4_6_with_its_suffixless_id() {
    // Sonnet 4.6 in-region us-east-1: 3.30 / 16.50 / read 0.33 / write 5m 4.125 / 1h 6.60.
    // 100K x 3.3 = 0.33; 10K x 16.5 = 0.165; 50K x 0.33 = 0.0165; 20K x 4.125 = 0.0825
    // -> $0.594 at 5m; at 1h the write is 20K x 6.6 = 0.132 -> $0.6435
    let t = tok(100_000, 10_000, 50_000, 20_000);
    for id in [
        "anthropic.claude-sonnet-4-6",
        "anthropic.claude-sonnet-4-6:0",
    ] {
        let c = cost(id, "us-east-1", t, CacheTtl::FiveMinutes).unwrap();
        assert_eq!(usd(c.total()), "0.594", "{id}");
    }
    let c = cost(
        "anthropic.claude-sonnet-4-6",
        "us-east-1",
        t,
        CacheTtl::OneHour,
    )
    .unwrap();
    assert_eq!(usd(c.total()), "0.6435");
    // global. 3 / 15 / 0.30 / 3.75: 0.3 + 0.15 + 0.015 + 0.075 = $0.54
    let c = cost(
        "global.anthropic.claude-sonnet-4-6",
        "eu-west-1",
        t,
        CacheTtl::FiveMinutes,
    )
    .unwrap();
    assert_eq!(usd(c.total()), "0.54");
}

#[test]
fn apac_jp_in_and_govcloud_profiles() {
    // apac. Sonnet 4.6 from Seoul, regional 3.30 / 16.50: 1M x 3.3 + 100K x 16.5 = $4.95
    let t = tok(1_000_000, 100_000, 0, 0);
    let c = cost(
        "apac.anthropic.claude-sonnet-4-6",
        "ap-northeast-2",
        t,
        CacheTtl::FiveMinutes,
    )
    .unwrap();
    assert_eq!(usd(c.total()), "4.95");
    // jp. Haiku 4.5 from Tokyo, regional 1.10 / 5.50: 1.1 + 0.55 = $1.65
    let c = cost(
        "jp.anthropic.claude-haiku-4-5-20251001-v1:0",
        "ap-northeast-1",
        t,
        CacheTtl::FiveMinutes,
    )
    .unwrap();
    assert_eq!(usd(c.total()), "1.65");
    // in. Sonnet 4.6 from Mumbai: the same regional $4.95
    let c = cost(
        "in.anthropic.claude-sonnet-4-6",
        "ap-south-1",
        t,
        CacheTtl::FiveMinutes,
    )
    .unwrap();
    assert_eq!(usd(c.total()), "4.95");
    // us-gov. Sonnet 4.5 from GovCloud (US-West), 3.60 / 18.00:
    // 100K x 3.6 + 10K x 18 = 0.36 + 0.18 = $0.54
    let gov = "us-gov.anthropic.claude-sonnet-4-5-20250929-v1:0";
    let small = tok(100_000, 10_000, 0, 0);
    let c = cost(gov, "us-gov-west-1", small, CacheTtl::FiveMinutes).unwrap();
    assert_eq!(usd(c.total()), "0.54");
    // ... but GovCloud publishes no long-context rate: 1M input (over 200K) is unpriced
    let e = cost(gov, "us-gov-west-1", t, CacheTtl::FiveMinutes).unwrap_err();
    assert_eq!(
        e,
        "anthropic.claude-sonnet-4-5 has no long-context input rate"
    );
}

#[test]
fn a_dated_price_change_prices_each_request_by_its_day() {
    // GPT-5.6 Sol in-region: 5.50 / 33.00 until 2026-08-21, then 4.40 / 22.00.
    // 100K in + 10K out (under the 272K long-context bound): before 0.55 + 0.33 = $0.88;
    // from the 21st 0.44 + 0.22 = $0.66.
    let t = tok(100_000, 10_000, 0, 0);
    let before = cost_on(
        "2026-08-20",
        "openai.gpt-5.6-sol",
        "us-east-1",
        t,
        CacheTtl::FiveMinutes,
    )
    .unwrap();
    let after = cost_on(
        "2026-08-21",
        "openai.gpt-5.6-sol",
        "us-east-1",
        t,
        CacheTtl::FiveMinutes,
    )
    .unwrap();
    assert_eq!(usd(before.total()), "0.88");
    assert_eq!(usd(after.total()), "0.66");
    let d = |s: &str| Some(chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap());
    assert_eq!(before.version, Some((None, d("2026-08-21"))));
    assert_eq!(after.version, Some((d("2026-08-21"), None)));
}

#[test]
fn a_rate_aws_does_not_publish_is_unpriced_with_its_reason() {
    // Opus 4.1 has no 1-hour cache TTL: a 1h write is unpriced, never 2x input
    let e = cost(
        "anthropic.claude-opus-4-1-20250805-v1:0",
        "us-east-1",
        tok(10, 10, 0, 1_000),
        CacheTtl::OneHour,
    )
    .unwrap_err();
    assert_eq!(e, "anthropic.claude-opus-4-1 has no cache write (1h) rate");
    // GPT-5.6 Terra's rows start on 2026-07-30: a request before that has no price
    let e = cost_on(
        "2026-07-20",
        "openai.gpt-5.6-terra",
        "us-east-1",
        tok(10, 10, 0, 0),
        CacheTtl::FiveMinutes,
    )
    .unwrap_err();
    assert!(
        e.contains("on 2026-07-20 (the catalog's rows there apply from 2026-07-30)"),
        "{e}"
    );
}
