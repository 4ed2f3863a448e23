//! `whatif` over tests/fixtures/whatif/logs.jsonl (see make.py there for what it holds). Every
//! dollar below is worked out by hand from the catalog rates (USD per 1M tokens) in the comment
//! above it.
//!
//! Baseline, 2026-10-01:
//!   Haiku 4.5 global. ($1.00 in, $5.00 out): 8 x (8,000 x $1 + 100 x $5) = 8 x $0.0085 = $0.068,
//!     + 2 x (1,000 x $1 + 100 x $5) = $0.003, + the conversation's 8,000 + 12,000 + 16,000 in
//!     and 3 x 100 out = $0.036 + $0.0015 -> $0.1085 (13 calls, 102,000 input tokens)
//!   Claude 3.7 Sonnet us. ($3 in, $15 out, $0.30 read, $3.75 write): per request 500 in $0.0015
//!     + 200 out $0.003; 3 writes of 2,000 ($0.0075) and 1 read of 2,000 ($0.0006)
//!     -> 3 x $0.012 + $0.0051 = $0.0411
//!   Llama 3.1 70B ($0.72 in and out): 6 x 10,000 tokens = 60,000 x $0.72 -> $0.0432
//!   total $0.1928

use super::{assert_private, run, Out};

const LOGS: &str = "tests/fixtures/whatif/logs.jsonl";

fn whatif(extra: &[&str]) -> Out {
    let mut args = vec![
        "whatif",
        "--logs",
        LOGS,
        "--start",
        "2026-10-01",
        "--end",
        "2026-10-01",
    ];
    args.extend_from_slice(extra);
    let o = run(&args);
    assert_private(&o);
    o
}

fn json(extra: &[&str]) -> serde_json::Value {
    let mut args = extra.to_vec();
    args.extend(["--format", "json"]);
    let o = whatif(&args);
    assert_eq!(o.code, 0, "{}", o.stderr);
    o.json()
}

fn scenario<'a>(v: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    v["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == name)
        .unwrap_or_else(|| panic!("no scenario {name}"))
}

/// (model, total_usd as text) of a scenario's rows.
fn rows(s: &serde_json::Value) -> Vec<(String, String)> {
    s["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["model"].as_str().unwrap().to_string(),
                r["total_usd"].to_usd(),
            )
        })
        .collect()
}

fn row<'a>(s: &'a serde_json::Value, model: &str) -> &'a serde_json::Value {
    s["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["model"] == model)
        .unwrap()
}

const LLAMA: &str = "meta.llama3-1-70b";
const SONNET: &str = "anthropic.claude-3-7-sonnet";
const HAIKU: &str = "anthropic.claude-haiku-4-5";

trait ToUsd {
    fn to_usd(&self) -> String;
}

impl ToUsd for serde_json::Value {
    /// A money number as its shortest decimal text (`0.1233`, `1016.64`).
    fn to_usd(&self) -> String {
        rust_decimal::Decimal::from_i128_with_scale(micros(self), 6)
            .normalize()
            .to_string()
    }
}

/// Micro-dollars of a JSON money number.
fn micros(v: &serde_json::Value) -> i128 {
    let d: rust_decimal::Decimal = v.to_string().parse().unwrap();
    (d * rust_decimal::Decimal::from(1_000_000))
        .try_into()
        .unwrap()
}

/// Each scenario's total is the sum of its rows, and its delta the total minus the baseline.
fn assert_adds_up(v: &serde_json::Value) {
    let base = micros(&v["baseline"]["total_usd"]);
    let base_rows: i128 = v["baseline"]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| micros(&r["total_usd"]))
        .sum();
    assert_eq!(base, base_rows);
    for s in v["scenarios"].as_array().unwrap() {
        if !s["not_computed"].is_null() {
            // No result: no number that could read as one.
            assert!(s["total_usd"].is_null() && s["delta_usd"].is_null(), "{s}");
            assert_eq!(s["rows"].as_array().map(Vec::len), Some(0), "{s}");
            continue;
        }
        let total = micros(&s["total_usd"]);
        let sum: i128 = s["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| micros(&r["total_usd"]))
            .sum();
        let deltas: i128 = s["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| micros(&r["delta_usd"]))
            .sum();
        assert_eq!(total, sum, "{} rows add up", s["name"]);
        assert_eq!(micros(&s["delta_usd"]), total - base, "{} delta", s["name"]);
        assert_eq!(deltas, total - base, "{} row deltas add up", s["name"]);
    }
}

#[test]
fn every_default_scenario_is_hand_computed() {
    let v = json(&["--tpm-per-unit", "meta.llama3-1-70b=20000"]);
    assert_eq!(v["schema"], "bedrock-lens/whatif/v1");
    assert_eq!(v["baseline"]["total_usd"].to_usd(), "0.1928");
    assert_adds_up(&v);

    // batch (all eligible by default): Haiku global batch $0.50/$2.50: 102,000 in x $0.50 +
    // 1,300 out x $2.50 = $0.051 + $0.00325 = $0.05425; Sonnet batch $1.50/$7.50 with cache
    // tokens at their on-demand rates: 3 x (0.00075 + 0.0015 + 0.0075) + (0.00075 + 0.0015 +
    // 0.0006) = $0.0321; Llama $0.36: 60,000 x $0.36 = $0.0216. Total $0.10795.
    let b = scenario(&v, "batch");
    assert_eq!(
        rows(b),
        [
            (HAIKU.into(), "0.05425".into()),
            (LLAMA.into(), "0.0216".into()),
            (SONNET.into(), "0.0321".into())
        ]
    );
    assert_eq!(b["total_usd"].to_usd(), "0.10795");
    assert_eq!(b["delta_usd"].to_usd(), "-0.08485");
    assert_eq!(b["assumptions"]["eligible_share_pct"], 100);
    assert!(b["assumptions"]["batch_eligibility"]
        .as_str()
        .unwrap()
        .starts_with("every request counts as batch-eligible"));

    // flex and priority: the catalog lists neither tier for these three models, so neither is
    // offered: no result (never a rate derived from a ratio), and why
    for name in ["flex", "priority"] {
        let f = scenario(&v, name);
        assert_eq!(f["total_usd"], serde_json::Value::Null);
        assert_eq!(f["not_computed"]["status"], "not_applicable");
        assert_eq!(
            f["not_computed"]["reason"],
            format!(
                "{name} is not offered for anthropic.claude-haiku-4-5: the catalog lists no {name} rate; and 2 more reason(s) (all in --format json)"
            )
        );
        assert_eq!(
            f["assumptions"]["unchanged_invocations"][format!(
                "{name} is not offered for meta.llama3-1-70b: the catalog lists no {name} rate"
            )],
            6
        );
    }

    // global: Haiku already global; Sonnet 3.7 and Llama have no global row -> unchanged
    let g = scenario(&v, "global");
    assert_eq!(g["total_usd"].to_usd(), "0.1928");
    assert_eq!(
        g["assumptions"]["unchanged_invocations"]
            ["no global price for anthropic.claude-3-7-sonnet in us-east-1"],
        4
    );

    // provisioned, 1 day = 1,440 minutes = 24 h; Llama peak minute 30,000 tokens at 20,000
    // TPM per unit -> 2 units. 1-month term: 2 x $21.18 x 24 = $1,016.64; the others keep
    // their on-demand cost (no provisioned price): $1,016.64 + $0.0411 + $0.1085 = $1,016.7896
    let p = scenario(&v, "provisioned-1m");
    assert_eq!(p["total_usd"].to_usd(), "1016.7896");
    let d = &row(p, LLAMA)["details"];
    assert_eq!(
        (
            d["units"].as_u64(),
            d["peak_tpm"].as_u64(),
            d["overflow_tokens"].as_u64()
        ),
        (Some(2), Some(30_000), Some(0))
    );
    // utilisation 60,000 / (40,000 x 1,440) = 0.104% -> 0.1; break-even 0.1042% x $1,016.64 /
    // $0.0432 = 2,451.4%
    assert_eq!(d["utilisation_pct"].to_string(), "0.1");
    assert_eq!(d["break_even_utilisation_pct"].to_string(), "2451.4");
    // no commitment 2 x $24 x 24 = $1,152; 6 months 2 x $13.08 x 24 = $627.84
    assert_eq!(
        row(scenario(&v, "provisioned-no-commit"), LLAMA)["total_usd"].to_usd(),
        "1152"
    );
    assert_eq!(
        row(scenario(&v, "provisioned-6m"), LLAMA)["total_usd"].to_usd(),
        "627.84"
    );

    // caching, 5m ($1.25 write, $0.10 read vs $1 input): prefix P1 (6,000 tokens = 75% of
    // 8,000) at minutes 0 2 4 30 32 100: write read read write read write -> 3 x 6,000 x $0.25
    // - 3 x 6,000 x $0.90 = $0.0045 - $0.0162 = -$0.0117. P2 (0 and 40 min) would only write:
    // left uncached. P3's 750-token prefix is under Haiku 4.5's 4,096-token minimum.
    // The conversation: turn 1 writes its 6,000-token prefix (+$0.0015); turn 2 reads those
    // 6,000 (its previous-turn prefix) and writes 4,000 (-$0.0054 + $0.001); turn 3 reads turn
    // 2's 10,000 and writes 4,000 (-$0.009 + $0.001): -$0.0109.
    // Haiku: $0.1085 - $0.0117 - $0.0109 = $0.0859. Reads 3 x 6,000 + 6,000 + 10,000 = 34,000
    // tokens; writes 3 x 6,000 + 6,000 + 4,000 + 4,000 = 32,000.
    let c5 = scenario(&v, "caching-5m");
    assert_eq!(row(c5, HAIKU)["total_usd"].to_usd(), "0.0859");
    let d = &row(c5, HAIKU)["details"];
    assert_eq!(
        (d["cache_reads"].as_u64(), d["cache_writes"].as_u64()),
        (Some(5), Some(6))
    );
    // the cache rates applied
    assert_eq!(d["prices"][0]["usd_per_1m_tokens"]["cache_write_5m"], 1.25);
    assert_eq!(
        (
            c5["assumptions"]["repeated_prefixes"].as_u64(),
            c5["assumptions"]["unprofitable_prefixes"].as_u64(),
            c5["assumptions"]["cache_read_tokens"].as_u64(),
            c5["assumptions"]["cache_write_tokens"].as_u64()
        ),
        (Some(2), Some(1), Some(34_000), Some(32_000))
    );
    // 1h ($2 write): P1 write, 4 reads, write (68 min gap): 2 x 6,000 x $1 - 4 x 6,000 x $0.90
    // = $0.012 - $0.0216 = -$0.0096. P2 write + read = $0.006 - $0.0054 > 0: left uncached.
    // The conversation: $0.006 + (-$0.0054 + $0.004) + (-$0.009 + $0.004) = -$0.0004.
    let c1 = scenario(&v, "caching-1h");
    assert_eq!(row(c1, HAIKU)["total_usd"].to_usd(), "0.0985");
    assert_eq!(c1["delta_usd"].to_usd(), "-0.01");

    // Caching already in use (Sonnet): 2,000 read x ($3 - $0.30) = $0.0054 saved; 3 writes x
    // 2,000 x ($3.75 - $3) = $0.0045 premium; net $0.0009. At 5m the writes at 14:20 (next use
    // 14:50 writes again) and 14:50 (last) were never read: 4,000 tokens, $0.003 premium.
    let c = &v["caching_in_use"];
    assert_eq!(
        (
            c["read_savings_usd"].to_usd(),
            c["write_premium_usd"].to_usd(),
            c["realised_savings_usd"].to_usd()
        ),
        ("0.0054".into(), "0.0045".into(), "0.0009".into())
    );
    let u = &c["unread_writes"];
    assert_eq!(
        (
            u["writes"].as_u64(),
            u["unread_writes"].as_u64(),
            u["unread_tokens"].as_u64()
        ),
        (Some(3), Some(2), Some(4000))
    );
    assert_eq!(u["premium_usd"].to_usd(), "0.003");

    // Recommendations: batch is cheapest for each
    let recs = v["recommendations"].as_array().unwrap();
    assert!(recs.iter().all(|r| r["scenario"] == "batch"), "{recs:?}");
    let sonnet = recs.iter().find(|r| r["model"] == SONNET).unwrap();
    assert_eq!(sonnet["savings_usd"].to_usd(), "0.009");
    assert_eq!(sonnet["savings_pct"].to_string(), "21.9");
    // Haiku's batch saving comes with a warning: its requests stream to a waiting caller
    let haiku = recs.iter().find(|r| r["model"] == HAIKU).unwrap();
    assert!(
        haiku["reason"]
            .as_str()
            .unwrap()
            .contains("13 of them stream to a waiting caller"),
        "{haiku}"
    );
}

#[test]
fn batch_eligibility_is_narrowed_by_flags() {
    // Only the etl role: Llama at batch rates, the rest as they ran:
    // $0.1085 + $0.0411 + $0.0216 = $0.1712; 6 of 23 requests eligible = 26.1%
    let v = json(&[
        "--scenario",
        "batch",
        "--batch-only",
        "identity=arn:aws:sts::111122223333:assumed-role/etl",
    ]);
    let b = scenario(&v, "batch");
    assert_eq!(b["total_usd"].to_usd(), "0.1712");
    assert_eq!(b["assumptions"]["eligible_share_pct"], 26.1);
    // Non-streaming only: Haiku (ConverseStream) stays: $0.1085 + $0.0321 + $0.0216 = $0.1622;
    // 10 of 23 eligible = 43.5%
    let v = json(&["--scenario", "batch,caching", "--batch-heuristic"]);
    let b = scenario(&v, "batch");
    assert_eq!(b["total_usd"].to_usd(), "0.1622");
    assert_eq!(b["assumptions"]["eligible_share_pct"], 43.5);
    // ... so Haiku's cheapest mode is caching its repeated prompt at 5m
    let haiku = v["recommendations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["model"] == HAIKU)
        .unwrap();
    assert_eq!(haiku["scenario"], "caching-5m");
    assert_eq!(haiku["savings_usd"].to_usd(), "0.0226");
    assert!(haiku["reason"]
        .as_str()
        .unwrap()
        .contains("5 reads, 6 writes"));
    // meta: keys work too
    let v = json(&["--scenario", "batch", "--batch-only", "meta:team=contracts"]);
    // $0.1085 + $0.0321 + $0.0432
    assert_eq!(scenario(&v, "batch")["total_usd"].to_usd(), "0.1838");
}

#[test]
fn provisioned_overflow_and_percentile() {
    // p50 of the 4 busy minutes (10,000 10,000 10,000 30,000) is 10,000 -> 1 unit of 20,000 TPM;
    // the 30,000 minute overflows by 10,000 tokens: 10,000/60,000 of $0.0432 = $0.0072 on demand.
    // 1 x $21.18 x 24 h = $508.32 + $0.0072 = $508.3272
    let v = json(&[
        "--scenario",
        "provisioned-1m",
        "--tpm-per-unit",
        "20000",
        "--size-percentile",
        "50",
    ]);
    let r = row(scenario(&v, "provisioned-1m"), LLAMA);
    assert_eq!(r["total_usd"].to_usd(), "508.3272");
    let d = &r["details"];
    assert_eq!(
        (
            d["units"].as_u64(),
            d["sized_tpm"].as_u64(),
            d["overflow_tokens"].as_u64()
        ),
        (Some(1), Some(10_000), Some(10_000))
    );
    assert_eq!(d["overflow_usd"].to_usd(), "0.0072");
    // served 50,000 of 20,000 x 1,440 = 0.17% -> 0.2
    assert_eq!(d["utilisation_pct"].to_string(), "0.2");
    // Asked for by name without a tokens-per-minute figure: a usage error naming the model
    let o = whatif(&["--scenario", "provisioned"]);
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert!(o.stderr.contains("meta.llama3-1-70b"), "{}", o.stderr);
    assert!(
        o.stderr.contains("hint: pass --tpm-per-unit MODEL=N"),
        "{}",
        o.stderr
    );
    assert!(o.stdout.is_empty());
}

/// Provisioned throughput for the models that can be sized; the others keep their cost, with a
/// warning naming them (was: the whole run refused when any one lacked a figure).
#[test]
fn provisioned_sizes_what_it_can_and_says_what_it_cannot() {
    // Haiku 4.5 given a provisioned price (and its on-demand global rates) in an override
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("pt.toml");
    std::fs::write(
        &f,
        r#"[[model]]
key = "anthropic.claude-haiku-4-5"
source = "a quote"
as_of = "2026-11-15"
[[model.price]]
regions = ["us-east-1"]
input = "1.10"
output = "5.50"
provisioned_1_month_hour = "30"
"#,
    )
    .unwrap();
    let o = whatif(&[
        "--pricing",
        f.to_str().unwrap(),
        "--scenario",
        "provisioned-1m",
        "--tpm-per-unit",
        "meta.llama3-1-70b=20000",
        "--format",
        "json",
    ]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(
        o.stderr.contains("warning: provisioned throughput sized only where the tokens per minute of a model unit are known; left at their on-demand cost: anthropic.claude-haiku-4-5\n  hint: pass --tpm-per-unit MODEL=N"),
        "{}",
        o.stderr
    );
    let v = o.json();
    let p = scenario(&v, "provisioned-1m");
    // Llama sized as before: 2 units x $21.18 x 24 h = $1,016.64
    assert_eq!(row(p, LLAMA)["total_usd"].to_usd(), "1016.64");
    assert!(p["assumptions"]["unchanged_invocations"]
        .as_object()
        .unwrap()
        .keys()
        .any(|k| k.contains("pass --tpm-per-unit anthropic.claude-haiku-4-5=N")));
}

#[test]
fn reserved_tier_where_the_catalog_has_a_price() {
    // No built-in reserved prices: not measurable (no result, not the baseline), with the reasons
    let v = json(&["--scenario", "reserved"]);
    let r = scenario(&v, "reserved");
    assert_eq!(r["total_usd"], serde_json::Value::Null);
    assert_eq!(r["not_computed"]["status"], "not_measurable");
    assert_eq!(
        r["assumptions"]["unchanged_invocations"]
            .as_object()
            .unwrap()
            .len(),
        3
    );
    // A negotiated quote for Haiku 4.5 global in us-east-1: $20 per 1K input TPM-month, $100
    // per 1K output. Peaks 16,000 in / 100 out per minute -> the minimums, 100K and 10K:
    // (100 x $20 + 10 x $100) x 1,440 min / (730 h x 60) = $3,000 x 0.0328767 = $98.630137
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("reserved.toml");
    std::fs::write(&f, RESERVED_QUOTE).unwrap();
    let o = run(&[
        "--pricing",
        f.to_str().unwrap(),
        "whatif",
        "--logs",
        LOGS,
        "--start",
        "2026-10-01",
        "--end",
        "2026-10-01",
        "--scenario",
        "reserved",
        "--format",
        "json",
    ]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let v = o.json();
    let r = scenario(&v, "reserved");
    let h = row(r, HAIKU);
    assert_eq!(h["total_usd"].to_usd(), "98.630137");
    assert_eq!(
        (
            h["details"]["input_tpm"].as_u64(),
            h["details"]["output_tpm"].as_u64()
        ),
        (Some(100_000), Some(10_000))
    );
    assert_eq!(r["total_usd"].to_usd(), "98.714437");
}

const RESERVED_QUOTE: &str = r#"[[model]]
key = "anthropic.claude-haiku-4-5"
name = "Claude Haiku 4.5"
provider = "Anthropic"
ids = ["anthropic.claude-haiku-4-5-20251001-v1:0"]
source = "negotiated reserved-tier quote (test)"
as_of = "2026-11-01"
[[model.price]]
regions = ["us-east-1"]
scope = "global"
input = "1.00"
output = "5.00"
cache_write_5m = "1.25"
cache_write_1h = "2.00"
cache_read = "0.10"
batch_input = "0.50"
batch_output = "2.50"
reserved_input_1k_tpm_month = "20"
reserved_output_1k_tpm_month = "100"
"#;

#[test]
fn swap_composition_cache_rate_and_scenarios_file() {
    // swap 50% of Sonnet 3.7 (us. -> Haiku 4.5 geo/regional $1.10 in, $5.50 out, $0.11 read,
    // $1.375 write): writes 0.00055 + 0.0011 + 0.00275 = $0.0044, read 0.00055 + 0.0011 +
    // 0.00022 = $0.00187 -> $0.01507 on Haiku; half moved: ($0.0411 + $0.01507) / 2 = $0.028085.
    // batch+global: Haiku global batch $0.05425; Sonnet and Llama have no global row, so it is
    // batch on their own profile ($0.0321, $0.0216), and the skipped step is named: $0.10795.
    let v = json(&[
        "--scenario",
        "swap,batch+global,cache-rate",
        "--swap",
        "us.anthropic.claude-3-7-sonnet-20250219-v1:0=anthropic.claude-haiku-4-5@50%",
        "--cache-hit-rate",
        "50%",
        "--cache-prefix-share",
        "0.5",
    ]);
    assert_adds_up(&v);
    let s = scenario(&v, "swap");
    assert_eq!(row(s, SONNET)["total_usd"].to_usd(), "0.028085");
    // $0.1085 + $0.028085 + $0.0432
    assert_eq!(s["total_usd"].to_usd(), "0.179785");
    assert_eq!(s["assumptions"]["swaps"][0]["share_pct"], 50);
    let bg = scenario(&v, "batch+global");
    assert_eq!(bg["total_usd"].to_usd(), "0.10795");
    assert_eq!(
        bg["assumptions"]["partly_applied_invocations"]
            ["no global price for meta.llama3-1-70b in us-west-2"],
        6
    );
    // cache-rate, half of the uncached input cacheable, half of that read:
    // Haiku: each request's input I -> I/2 in + I/4 read + I/4 written (5m): I x ($0.50 +
    // $0.025 + $0.3125) = $0.8375 per 1M: 102,000 x $0.8375 = $0.085425, + 1,300 out x $5 =
    // $0.0065 -> $0.091925.
    // Sonnet 500 in -> 250 in + 125 read + 125 write: 0.00075 + 0.0000375 + 0.00046875 =
    // $0.00125625 instead of $0.0015: 4 x -$0.00024375 -> $0.040125. Llama: no cache rates.
    let c = scenario(&v, "cache-rate");
    assert_eq!(row(c, HAIKU)["total_usd"].to_usd(), "0.091925");
    assert_eq!(row(c, SONNET)["total_usd"].to_usd(), "0.040125");
    // $0.091925 + $0.040125 + $0.0432
    assert_eq!(c["total_usd"].to_usd(), "0.17525");
    // Neither a swap nor an assumed hit rate is ever a recommendation
    assert!(v["recommendations"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["scenario"] != "swap" && r["scenario"] != "cache-rate"));

    // A scenarios file: all Sonnet traffic to Haiku, everything on batch.
    // Sonnet on Haiku batch ($0.55/$2.75, cache at on-demand $1.375/$0.11): writes 0.000275 +
    // 0.00055 + 0.00275 = $0.003575, read 0.000275 + 0.00055 + 0.00022 = $0.001045 -> $0.01177;
    // + Haiku batch $0.05425 + Llama batch $0.0216 = $0.08762
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("s.toml");
    std::fs::write(
        &f,
        "[[scenario]]\nname = \"haiku-batch\"\ntier = \"batch\"\n[[scenario.swap]]\nfrom = \"anthropic.claude-3-7-sonnet\"\nto = \"anthropic.claude-haiku-4-5\"\n",
    )
    .unwrap();
    let v = json(&[
        "--scenarios-file",
        f.to_str().unwrap(),
        "--scenario",
        "haiku-batch",
    ]);
    assert_eq!(scenario(&v, "haiku-batch")["total_usd"].to_usd(), "0.08762");
}

#[test]
fn usage_errors_explain_themselves() {
    let cases: &[(&[&str], &str)] = &[
        (&["--by", "identity"], "--by must include model or model_id"),
        (&["--scenario", "cheap"], "unknown scenario `cheap`"),
        (&["--scenario", "batch+flex"], "sets the tier twice"),
        (
            &["--scenario", "provisioned+batch"],
            "cannot be combined with +",
        ),
        (&["--scenario", "swap"], "needs --swap"),
        (&["--scenario", "cache-rate"], "needs --cache-hit-rate"),
        (
            &["--swap", "anthropic.claude-haiku-4-5"],
            "is not FROM=TO[@PERCENT]",
        ),
        (
            &["--swap", "nope=anthropic.claude-haiku-4-5"],
            "`nope` is not a model the catalog knows",
        ),
        (
            &["--scenario", "cache-rate", "--cache-hit-rate", "150%"],
            "outside 0-100%",
        ),
        (
            &["--tpm-per-unit", "lots"],
            "not a whole number of tokens per minute",
        ),
        (
            &["--tpm-per-unit", "18446744073709551615"],
            "from 1 to 100,000,000",
        ),
        (&["--batch-only", "etl"], "is not KEY=VALUE"),
        (&["--scenario", "batch,batch"], "asked for twice"),
        (&["--scenario", ""], "--scenario is empty"),
        (&["--by", "model,day"], "whatif compares the whole period"),
        (
            &[
                "--swap",
                "anthropic.claude-3-7-sonnet=anthropic.claude-haiku-4-5@0.5",
            ],
            "write @0.5% if you mean 0.5%",
        ),
        (
            &[
                "--swap",
                "anthropic.claude-3-7-sonnet=anthropic.claude-haiku-4-5@50",
                "--swap",
                "anthropic.claude-3-7-sonnet=amazon.nova-micro@50",
            ],
            "moves anthropic.claude-3-7-sonnet twice",
        ),
        (
            &["--scenario", "provisioned"],
            "needs the tokens per minute one model unit serves",
        ),
    ];
    for (args, want) in cases {
        let o = whatif(args);
        assert_eq!(o.code, 2, "{args:?}: {}", o.stderr);
        assert!(o.stderr.contains(want), "{args:?}: {}", o.stderr);
        assert!(o.stderr.contains("hint:"), "{args:?}: {}", o.stderr);
        assert!(o.stdout.is_empty());
    }
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("bad.toml");
    std::fs::write(&f, "[[scenario]]\nname = \"x\"\ntier = \"cheap\"\n").unwrap();
    let o = whatif(&["--scenarios-file", f.to_str().unwrap()]);
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert!(o.stderr.contains("bad.toml"), "{}", o.stderr);
}

#[test]
fn only_unpriced_usage_is_never_shown_as_free() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("unknown.jsonl");
    let line = std::fs::read_to_string(super::root().join(LOGS)).unwrap();
    let line = line.lines().next().unwrap().replace(
        "meta.llama3-1-70b-instruct-v1:0",
        "us.anthropic.claude-opus-5-20261015-v1:0",
    );
    std::fs::write(&f, line).unwrap();
    let o = run(&["whatif", "--logs", f.to_str().unwrap()]);
    assert_private(&o);
    assert_eq!(o.code, 1, "{}", o.stderr);
    // Said, never a $0.00 baseline.
    assert!(o.stdout.contains("Nothing to compare"), "{}", o.stdout);
    assert!(!o.stdout.contains("$0"), "{}", o.stdout);
    assert!(
        o.stderr.contains("no price for 1 model id(s)"),
        "{}",
        o.stderr
    );
    assert!(o.stderr.contains("nothing to compare"), "{}", o.stderr);
}

#[test]
fn nothing_in_the_period_prints_no_table() {
    let o = whatif_at("2027-01-01", &["-s", "batch"]);
    assert_eq!(o.code, 1, "{}", o.stderr);
    assert_eq!(
        o.stdout,
        "What if: 2027-01-01 to 2027-01-01, 0 priced invocations by model\n\n\
         Nothing to compare: no priced invocation in scope (23 record(s) read, 23 outside the period).\n"
    );
    assert!(
        o.stderr
            .contains("error: no invocation records in scope: 23 read, 23 outside the period"),
        "{}",
        o.stderr
    );
    // JSON is still a document, like report's.
    let o = whatif_at("2027-01-01", &["-s", "batch", "--format", "json"]);
    assert_eq!(o.code, 1, "{}", o.stderr);
    let v = o.json();
    assert_eq!(v["schema"], "bedrock-lens/whatif/v1");
    assert_eq!(v["baseline"]["invocations"], 0);
    assert_eq!(v["input"]["outside_period"], 23);
}

fn whatif_at(day: &str, extra: &[&str]) -> Out {
    let mut args = vec!["whatif", "--logs", LOGS, "--start", day, "--end", day];
    args.extend_from_slice(extra);
    run(&args)
}

#[test]
fn a_zero_tokens_per_unit_price_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("t.toml");
    std::fs::write(&f, "[[model]]\nkey = \"meta.llama3-1-70b\"\ntpm_per_unit = 0\nsource = \"t\"\nas_of = \"2026-11-01\"\n").unwrap();
    let o = run(&[
        "--pricing",
        f.to_str().unwrap(),
        "whatif",
        "--logs",
        LOGS,
        "-s",
        "provisioned",
    ]);
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert!(o.stderr.contains("must be positive"), "{}", o.stderr);
}

#[test]
fn unread_writes_say_how_many_could_be_checked() {
    // The fixture with every request body removed (as when bodies go to S3): the realised
    // savings still come from the token counts, but no logged write can be matched to a prompt.
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("nobody.jsonl");
    let text: String = std::fs::read_to_string(super::root().join(LOGS))
        .unwrap()
        .lines()
        .map(|l| {
            let mut v: serde_json::Value = serde_json::from_str(l).unwrap();
            v["input"].as_object_mut().unwrap().remove("inputBodyJson");
            format!("{v}\n")
        })
        .collect();
    std::fs::write(&f, text).unwrap();
    let o = run(&[
        "whatif",
        "--logs",
        f.to_str().unwrap(),
        "-s",
        "batch",
        "--format",
        "json",
    ]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let c = &o.json()["caching_in_use"];
    assert_eq!(c["realised_savings_usd"].to_usd(), "0.0009");
    let u = &c["unread_writes"];
    assert_eq!(
        (u["logged_write_requests"].as_u64(), u["writes"].as_u64()),
        (Some(3), Some(0))
    );
    let o = run(&["whatif", "--logs", f.to_str().unwrap(), "-s", "batch"]);
    assert!(
        o.stdout
            .contains("only 0 of the 3 logged writes could be checked"),
        "{}",
        o.stdout
    );
}

#[test]
fn file_order_and_splitting_change_nothing() {
    // The same records reversed, and split one per file (several workers, merged): the same
    // result, to the micro-dollar, in every scenario.
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(super::root().join(LOGS)).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    lines.reverse();
    std::fs::write(dir.path().join("rev.jsonl"), lines.join("\n")).unwrap();
    let split = dir.path().join("split");
    std::fs::create_dir(&split).unwrap();
    for (i, l) in lines.iter().enumerate() {
        std::fs::write(split.join(format!("{i:02}.jsonl")), l).unwrap();
    }
    let args = [
        "--start",
        "2026-10-01",
        "--end",
        "2026-10-01",
        "--tpm-per-unit",
        "20000",
        "--format",
        "json",
    ];
    let result = |path: &std::path::Path| {
        let mut a = vec!["whatif", "--logs", path.to_str().unwrap()];
        a.extend(args);
        let mut v = run(&a).json();
        v.as_object_mut().unwrap().remove("input");
        v
    };
    let original = result(&super::root().join(LOGS));
    assert_eq!(result(&dir.path().join("rev.jsonl")), original);
    assert_eq!(result(&split), original);
}

#[test]
fn whatif_snapshots() {
    let o = whatif(&["--tpm-per-unit", "meta.llama3-1-70b=20000"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    insta::assert_snapshot!("whatif_table", o.all());
    let o = whatif(&[
        "--tpm-per-unit",
        "meta.llama3-1-70b=20000",
        "--format",
        "json",
    ]);
    insta::assert_snapshot!("whatif_json", o.stdout);
    let o = whatif(&["--scenario", "batch,caching-5m", "--format", "markdown"]);
    insta::assert_snapshot!("whatif_markdown", o.stdout);
    let o = whatif(&["--scenario", "batch,global", "--format", "csv"]);
    insta::assert_snapshot!("whatif_csv", o.stdout);
}

#[test]
fn demo_whatif_adds_up_and_matches_report() {
    let v: serde_json::Value =
        serde_json::from_str(&run(&["demo", "--format", "json"]).stdout).unwrap();
    let w = &v["whatif"];
    assert_adds_up(w);
    assert_eq!(
        w["baseline"]["total_usd"],
        v["by_model"]["totals"]["cost_usd"]
    );
}

/// A scenario's cache TTL never reprices what the logs already cost: only
/// --logged-cache-write-ttl does (as report's --cache-write-ttl).
#[test]
fn a_scenario_ttl_never_reprices_the_baseline() {
    let base = json(&[]);
    let v = json(&[
        "-s",
        "cache-rate",
        "--cache-hit-rate",
        "70%",
        "--cache-write-ttl",
        "1h",
    ]);
    assert_eq!(v["baseline"], base["baseline"]);
    assert_eq!(v["baseline"]["total_usd"].to_usd(), "0.1928");
    assert_eq!(v["pricing"]["cache_write_ttl"], "5m");
    assert!(v["unpriced"].as_array().unwrap().is_empty());
    assert_eq!(
        scenario(&v, "cache-rate")["assumptions"]["cache"]["ttl"],
        "1h"
    );
    // Pricing the logged writes at 1h is asked for on its own, and matches report: Sonnet 3.7
    // has no 1-hour write rate, so its 3 writing calls are unpriced.
    let v = json(&["--logged-cache-write-ttl", "1h"]);
    assert_eq!(v["baseline"]["invocations"], 20);
    assert_eq!(v["baseline"]["total_usd"].to_usd(), "0.1568");
    let r = run(&[
        "report",
        "--logs",
        LOGS,
        "--start",
        "2026-10-01",
        "--end",
        "2026-10-01",
        "--cache-write-ttl",
        "1h",
        "--format",
        "json",
    ])
    .json();
    assert_eq!(r["totals"]["cost_usd"].to_usd(), "0.1568");
}

/// --swap and --cache-hit-rate are never silently ignored: without --scenario they add the
/// scenario that uses them; with scenarios that do not use them they are a usage error.
#[test]
fn scenario_flags_are_never_ignored() {
    let swap = "anthropic.claude-haiku-4-5=amazon.nova-micro@50";
    let names = |v: &serde_json::Value| -> Vec<String> {
        v["scenarios"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["name"].as_str().unwrap().to_string())
            .collect()
    };
    let v = json(&["--swap", swap, "--tpm-per-unit", "20000"]);
    assert!(names(&v).contains(&"swap".to_string()), "{:?}", names(&v));
    let v = json(&["--cache-hit-rate", "70%", "--tpm-per-unit", "20000"]);
    assert!(
        names(&v).contains(&"cache-rate".to_string()),
        "{:?}",
        names(&v)
    );
    for (flag, value, hint) in [
        ("--swap", swap, "hint: add the swap scenario: -s swap"),
        (
            "--cache-hit-rate",
            "70%",
            "hint: add the cache-rate scenario",
        ),
    ] {
        let o = whatif(&["-s", "batch", flag, value]);
        assert_eq!(o.code, 2, "{flag}: {}", o.stderr);
        assert!(o.stderr.contains(hint), "{flag}: {}", o.stderr);
        assert!(o.stdout.is_empty());
    }
    // Flags of the other scenarios, given without any scenario that uses them
    for (scenario, flags, hint) in [
        (
            "batch",
            vec!["--cache-prefix-share", "50%"],
            "hint: add the cache-rate scenario",
        ),
        (
            "batch",
            vec!["--tpm-per-unit", "amazon.nova-pro=1000"],
            "hint: add -s provisioned",
        ),
        (
            "batch",
            vec!["--size-percentile", "90"],
            "hint: add -s provisioned",
        ),
        (
            "flex",
            vec!["--batch-heuristic"],
            "hint: add a batch scenario",
        ),
        (
            "global",
            vec!["--batch-only", "meta:team=etl"],
            "hint: add a batch scenario",
        ),
    ] {
        let mut args = vec!["-s", scenario];
        args.extend(&flags);
        let o = whatif(&args);
        assert_eq!(o.code, 2, "{flags:?}: {}", o.stderr);
        assert!(o.stderr.contains(hint), "{flags:?}: {}", o.stderr);
    }
}

#[test]
fn scenarios_that_compute_nothing_say_why_instead_of_a_number() {
    // The fixture without its prompt and response bodies (as logged with text delivery off)
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("no-bodies.jsonl");
    let text: String = std::fs::read_to_string(LOGS)
        .unwrap()
        .lines()
        .map(|l| {
            let mut v: serde_json::Value = serde_json::from_str(l).unwrap();
            v["input"].as_object_mut().unwrap().remove("inputBodyJson");
            v["output"]
                .as_object_mut()
                .unwrap()
                .remove("outputBodyJson");
            format!("{v}\n")
        })
        .collect();
    std::fs::write(&logs, text).unwrap();
    let args = |format: &'static str| {
        vec![
            "whatif".to_string(),
            "--logs".into(),
            logs.to_str().unwrap().into(),
            "--start".into(),
            "2026-10-01".into(),
            "--end".into(),
            "2026-10-01".into(),
            "-s".into(),
            "caching-5m,reserved,flex".into(),
            "--format".into(),
            format.into(),
        ]
    };
    let json_args = args("json");
    let o = run(&json_args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(o.code, 0, "{}", o.stderr);
    let v = o.json();
    // Measured caching: no body, so nothing to measure (not "0 cached, $0")
    let c = scenario(&v, "caching-5m");
    assert_eq!(c["total_usd"], serde_json::Value::Null);
    assert_eq!(c["not_computed"]["status"], "not_measurable");
    assert!(c["not_computed"]["reason"]
        .as_str()
        .unwrap()
        .starts_with("no priced request in scope has a prompt body"));
    assert_eq!(c["assumptions"]["requests_with_prompt_body"], 0);
    // Reserved without a reserved price for any model: not measurable; flex: not offered
    assert_eq!(
        scenario(&v, "reserved")["not_computed"]["status"],
        "not_measurable"
    );
    assert_eq!(
        scenario(&v, "flex")["not_computed"]["status"],
        "not_applicable"
    );
    // Nothing to recommend from them
    assert!(v["recommendations"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["scenario"].is_null()));
    // In the table: the label and the reason, never $ figures or 0.0%
    let table_args = args("table");
    let o = run(&table_args.iter().map(String::as_str).collect::<Vec<_>>());
    let line = |name: &str| {
        o.stdout
            .lines()
            .find(|l| l.starts_with(&format!("│ {name} ")))
            .unwrap_or_else(|| panic!("{name} in {}", o.stdout))
            .to_string()
    };
    assert!(
        line("caching-5m").contains("│ not measurable │"),
        "{}",
        o.stdout
    );
    assert!(
        line("reserved").contains("│ not measurable │"),
        "{}",
        o.stdout
    );
    assert!(line("flex").contains("│            n/a │"), "{}", o.stdout);
    assert!(!line("flex").contains('%'), "{}", o.stdout);
    // In CSV: empty cells
    let csv_args = args("csv");
    let o = run(&csv_args.iter().map(String::as_str).collect::<Vec<_>>());
    let flex = o.stdout.lines().find(|l| l.contains(",flex,")).unwrap();
    assert!(flex.ends_with(",flex,13,0.108500,,,"), "{flex}");
}
