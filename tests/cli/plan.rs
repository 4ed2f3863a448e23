//! `plan`, priced by hand: a described workload in every mode (rates from the built-in catalog,
//! worked out beside each assertion), caching and long context, provisioned units and break-even
//! from a stated peak, a plan file of three workloads (TOML and JSON alike); the Markdown.

use serde_json::Value;

use super::run;

pub const DAY: &str = "2026-11-28";

pub fn plan(args: &[&str]) -> Value {
    let mut a = vec!["plan", "--format", "json", "--price-date", DAY];
    a.extend(args);
    let o = run(&a);
    assert_eq!(o.code, 0, "{}", o.all());
    o.json()
}

/// The workload's row with this label (and model id, when given).
pub fn row<'a>(w: &'a Value, label: &str) -> &'a Value {
    w["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["label"] == label)
        .unwrap_or_else(|| panic!("no row `{label}`"))
}

pub fn usd(r: &Value) -> Vec<String> {
    r["monthly_usd"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.to_string())
        .collect()
}

#[test]
fn one_workload_in_every_mode_is_priced_by_hand() {
    // Nova 2 Lite in us-east-2, 1,000,000 requests of 2,000 tokens in and 500 out a month:
    // 2,000M input and 500M output tokens; growth 10% a month: x1.771561 in 6 months.
    let nova = [
        "--requests-per-month",
        "1000000",
        "--input-tokens",
        "2000",
        "--output-tokens",
        "500",
        "--model",
        "amazon.nova-2-lite",
        "--region",
        "us-east-2",
    ];
    let mut a = nova.to_vec();
    a.extend(["--growth", "10%", "--max-latency", "batch"]);
    let p = plan(&a);
    assert_eq!(p["schema"], "bedrock-lens/plan/v1");
    assert_eq!(p["month_hours"], 730);
    let w = &p["workloads"][0];
    // In-region: 2,000 x 0.33 + 500 x 2.75 = 660 + 1,375 = $2,035.00; in 6 months 1,771,561
    // requests x $0.002035 = $3,605.126635; in 12 months 3,138,428 x $0.002035 = $6,386.70098.
    let on_demand = row(w, "on-demand in-region");
    assert_eq!(usd(on_demand), ["2035.0", "3605.126635", "6386.70098"]);
    assert_eq!(on_demand["as_described"], true);
    // The geo profile has no row of its own there: in-region prices.
    assert_eq!(usd(row(w, "on-demand geo profile"))[0], "2035.0");
    // Global: 2,000 x 0.30 + 500 x 2.50 = $1,850.00 (-9.1%).
    let global = row(w, "on-demand global profile");
    assert_eq!(usd(global)[0], "1850.0");
    assert_eq!(global["vs_on_demand_pct"], -9.1);
    // Batch: 2,000 x 0.1595 + 500 x 1.342 = 319 + 671 = $990.00.
    assert_eq!(usd(row(w, "batch in-region"))[0], "990.0");
    // Flex: 2,000 x 0.165 + 500 x 1.375 = $1,017.50; priority: 2,000 x 0.5775 + 500 x 4.8125 =
    // $3,561.25 (+75%).
    assert_eq!(usd(row(w, "flex in-region"))[0], "1017.5");
    let priority = row(w, "priority in-region");
    assert_eq!(usd(priority)[0], "3561.25");
    assert_eq!(priority["vs_on_demand_pct"], 75.0);
    // No prefix stated: caching is not measurable, said so.
    let c = row(w, "caching 5m in-region");
    assert_eq!(c["status"], "not_measurable");
    assert!(c["monthly_usd"].as_array().unwrap().is_empty());
    // Results within 24 hours are fine: batch on the global profile is the cheapest:
    // 2,000 x 0.15 + 500 x 1.25 = $925.00.
    let cheapest = &w["rows"][w["cheapest"].as_u64().unwrap() as usize];
    assert_eq!(cheapest["label"], "batch global profile");
    assert_eq!(usd(cheapest)[0], "925.0");
    assert_eq!(
        (
            &p["totals"]["as_described_usd"][0],
            &p["totals"]["cheapest_usd"][0]
        ),
        (&serde_json::json!(2035.0), &serde_json::json!(925.0))
    );
    // An interactive caller rules out batch and flex: the global profile is then the cheapest.
    let p = plan(&nova);
    let w = &p["workloads"][0];
    assert_eq!(
        w["rows"][w["cheapest"].as_u64().unwrap() as usize]["label"],
        "on-demand global profile"
    );
    assert_eq!(
        row(w, "batch in-region")["excluded_because"],
        "interactive latency: batch answers within 24 hours"
    );
    assert_eq!(row(w, "flex in-region")["meets_constraints"], false);
}

#[test]
fn caching_long_context_and_cache_reuse_are_priced_by_hand() {
    // Claude Sonnet 4.5 in us-east-1 (in-region rates 3.30 / 16.50, cache read 0.33, write 4.125
    // at 5m and 6.60 at 1h): 100,000 requests of 10,000 tokens in and 1,000 out, half of each
    // prompt a cacheable prefix read from cache 90% of the time. Input 1,000M: 500M uncached,
    // 450M read, 50M written; output 100M.
    let p = plan(&[
        "--requests-per-month",
        "100000",
        "--input-tokens",
        "10000",
        "--output-tokens",
        "1000",
        "--cache-prefix-share",
        "50%",
        "--cache-hit-rate",
        "0.9",
        "--model",
        "anthropic.claude-sonnet-4-5",
    ]);
    let w = &p["workloads"][0];
    // On demand: 1,000 x 3.30 + 100 x 16.50 = $4,950.00.
    assert_eq!(usd(row(w, "on-demand in-region"))[0], "4950.0");
    // 5m: 500 x 3.30 + 450 x 0.33 + 50 x 4.125 + 100 x 16.50 = 1,650 + 148.50 + 206.25 + 1,650.
    assert_eq!(usd(row(w, "caching 5m in-region"))[0], "3654.75");
    // 1h: the writes at 6.60: 1,650 + 148.50 + 330 + 1,650.
    assert_eq!(usd(row(w, "caching 1h in-region"))[0], "3778.5");
    // Batch: 1,000 x 1.65 + 100 x 8.25.
    assert_eq!(usd(row(w, "batch in-region"))[0], "2475.0");

    // Over the 200K long-context threshold: 1,000 requests of 250,000 in and 1,000 out at the
    // long-context rates 6.60 / 24.75: 250 x 6.60 + 1 x 24.75 = $1,674.75; there is no
    // long-context batch rate, so batch is not offered (never priced at standard rates).
    let p = plan(&[
        "--requests-per-month",
        "1000",
        "--input-tokens",
        "250000",
        "--output-tokens",
        "1000",
        "--model",
        "anthropic.claude-sonnet-4-5",
        "--max-latency",
        "batch",
    ]);
    let w = &p["workloads"][0];
    assert_eq!(usd(row(w, "on-demand in-region"))[0], "1674.75");
    let b = row(w, "batch in-region");
    assert_eq!(b["status"], "not_offered");
    assert_eq!(
        b["note"],
        "long-context request: the catalog has no long-context batch rate"
    );

    // Reuse every 300 s: at 5m, 1 - e^-1 = 63.21% of the prefix is read; at 1h, 1 - e^-12 rounds
    // to 100%. Haiku 4.5's minimum cacheable prefix is 4,096 tokens: 60% of 3,000 is too short.
    let p = plan(&[
        "--requests-per-month",
        "100000",
        "--input-tokens",
        "10000",
        "--output-tokens",
        "1000",
        "--cache-prefix-share",
        "50%",
        "--cache-reuse-seconds",
        "300",
        "--model",
        "anthropic.claude-sonnet-4-5",
    ]);
    let w = &p["workloads"][0];
    assert_eq!(
        row(w, "caching 5m in-region")["note"],
        "50% of input cacheable, 63.21% read from cache (each prefix reused every 300 s)"
    );
    assert_eq!(
        row(w, "caching 1h in-region")["note"],
        "50% of input cacheable, 100% read from cache (each prefix reused every 300 s)"
    );
    let p = plan(&[
        "--requests-per-day",
        "1000",
        "--input-tokens",
        "3000",
        "--output-tokens",
        "100",
        "--cache-prefix-share",
        "60%",
        "--model",
        "anthropic.claude-haiku-4-5",
    ]);
    let c = row(&p["workloads"][0], "caching 5m in-region");
    assert_eq!(c["status"], "not_offered");
    assert_eq!(
        c["note"],
        "the cacheable prefix (~1800 tokens) is below anthropic.claude-haiku-4-5's minimum of 4096 tokens"
    );
}

#[test]
fn provisioned_units_and_break_even_come_from_the_stated_peak() {
    // Llama 3.1 70B in us-west-2: 43,800,000 requests a month (1,000 a minute on average), peak
    // 3x: 3,000 a minute of 1,200 tokens = 3,600,000 tokens a minute; 1,000,000 per unit: 4
    // units. On demand 52,560M tokens x 0.72 = $37,843.20.
    let args = [
        "--requests-per-month",
        "43800000",
        "--peak-to-average",
        "3",
        "--input-tokens",
        "1000",
        "--output-tokens",
        "200",
        "--model",
        "meta.llama3-1-70b",
        "--region",
        "us-west-2",
        "--tpm-per-unit",
        "meta.llama3-1-70b=1000000",
    ];
    // A plan file made from this run says to pass --tpm-per-unit again.
    let mut a = vec!["plan"];
    a.extend(args);
    a.extend(["--format", "toml"]);
    let toml = run(&a).stdout;
    assert!(
        toml.contains("# priced with --tpm-per-unit meta.llama3-1-70b=1000000: pass it again"),
        "{toml}"
    );
    let p = plan(&args);
    let w = &p["workloads"][0];
    assert_eq!(usd(row(w, "on-demand in-region"))[0], "37843.2");
    // 6-month term: 4 x 13.08 x 730 = $38,193.60 (a unit $9,548.40 a month). Units needed:
    // ceil(3.6 k) at k times today's traffic; a unit's month over on demand's, U / OD =
    // 9,548.40 / 37,843.20 = 0.252314, times 3.6 = 0.908331: provisioned stays cheaper from
    // n = ceil(1 / (1 - 0.908331)) = 11 units on, and from 10 x 0.252314 = 2.52x today
    // (2,523.1 requests a minute) in the 10-unit step before.
    let six = row(w, "provisioned, 6-month commitment");
    assert_eq!(usd(six)[0], "38193.6");
    let s = &six["provisioned"];
    assert_eq!(
        (s["units"].as_u64(), s["peak_tpm"].as_u64()),
        (Some(4), Some(3_600_000))
    );
    assert_eq!(s["unit_month_usd"], 9548.4);
    assert_eq!(s["break_even"]["status"], "at");
    assert_eq!(s["break_even"]["requests_per_minute"], 2523.1);
    assert_eq!(s["break_even"]["times_today"], 2.52);
    // 1-month term: 4 x 21.18 x 730 = $61,845.60; one unit used fully at this peak serves
    // 1/3.6 of today's traffic, $10,512.00 of on demand, less than its $15,461.40: never.
    let one = row(w, "provisioned, 1-month commitment");
    assert_eq!(usd(one)[0], "61845.6");
    assert_eq!(
        one["provisioned"]["break_even"]["reason"],
        "one unit used fully at this peak serves $10,512.00 a month on demand, no more than its $15,461.40 a month"
    );
    assert_eq!(usd(row(w, "provisioned, no commitment"))[0], "70080.0");
    // Without the tokens-per-minute figure the rows say what is missing.
    let p = plan(&args[..args.len() - 2]);
    let r = row(&p["workloads"][0], "provisioned, 6-month commitment");
    assert_eq!(r["status"], "not_measurable");
    assert!(r["note"]
        .as_str()
        .unwrap()
        .contains("--tpm-per-unit meta.llama3-1-70b=N"));
    // Without a peak, likewise.
    let p = plan(&[
        "--requests-per-month",
        "43800000",
        "--input-tokens",
        "1000",
        "--output-tokens",
        "200",
        "--model",
        "meta.llama3-1-70b",
        "--region",
        "us-west-2",
        "--tpm-per-unit",
        "1000000",
    ]);
    let r = row(&p["workloads"][0], "provisioned, 1-month commitment");
    assert_eq!(r["status"], "not_measurable");
}

#[test]
fn a_plan_file_of_three_workloads_prices_each_and_adds_them_up() {
    let args = ["--tpm-per-unit", "meta.llama3-1-70b=1000000"];
    let mut toml_args = vec!["--file", "tests/fixtures/plan/three.toml"];
    toml_args.extend(args);
    let p = plan(&toml_args);
    let names: Vec<&str> = p["workloads"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["support chat", "nightly summaries", "llama extraction"]
    );
    let w = &p["workloads"];
    // support chat: as described $4,950.00 (above); cheapest the global profile with caching:
    // 500 x 3 + 450 x 0.30 + 50 x 3.75 + 100 x 15 = $3,322.50 (the first candidate's row; the
    // global id's own caching row costs the same). Streaming rules out batch.
    let chat = &w[0];
    let best = &chat["rows"][chat["cheapest"].as_u64().unwrap() as usize];
    assert_eq!(
        (best["model_id"].as_str(), best["label"].as_str()),
        (
            Some("anthropic.claude-sonnet-4-5"),
            Some("caching 5m global profile")
        )
    );
    assert_eq!(usd(best)[0], "3322.5");
    // nightly summaries: 24,000 a day = 730,000 a month; histogram mean (3 x 1,000 + 5,000) / 4
    // = 2,000 in, 500 out: $0.002035 a request on demand = $1,485.55; batch on the global
    // profile 2,000 x 0.15 + 500 x 1.25 = $0.000925 a request = $675.25.
    let nightly = &w[1];
    assert_eq!(nightly["description"]["requests_per_month"], 730_000);
    assert_eq!(usd(row(nightly, "on-demand in-region"))[0], "1485.55");
    assert_eq!(
        usd(&nightly["rows"][nightly["cheapest"].as_u64().unwrap() as usize])[0],
        "675.25"
    );
    // llama extraction: cheapest on demand now, the 6-month term from month 6.
    let llama = &w[2];
    let at = |h: usize| {
        llama["rows"][llama["cheapest_by_horizon"][h].as_u64().unwrap() as usize]["label"].clone()
    };
    assert_eq!(at(0), "on-demand in-region");
    assert_eq!(at(1), "provisioned, 6-month commitment");
    // Totals are the workloads' sums: 4,950 + 1,485.55 + 37,843.20 as described; 3,322.50 +
    // 675.25 + 37,843.20 cheapest now; in 6 months the llama's 6-month term, $66,838.80 (7 units
    // for 1.771561 x 3.6M tokens a minute), where on demand would be $67,041.54.
    assert_eq!(p["totals"]["as_described_usd"][0], 44278.75);
    assert_eq!(p["totals"]["cheapest_usd"][0], 41840.95);
    assert_eq!(p["totals"]["cheapest_usd"][1], 3322.5 + 675.25 + 66838.8);
    // 43,800,000 x 1.771561 = 77,594,372 requests x 1,200 tokens x $0.72 per 1M = $67,041.537408.
    assert_eq!(usd(row(llama, "on-demand in-region"))[1], "67041.537408");
    assert_eq!(llama["cheapest_saves_usd"][1], 202.737408);
    // The JSON plan file says the same.
    let mut json_args = vec!["--file", "tests/fixtures/plan/three.json"];
    json_args.extend(args);
    let j = plan(&json_args);
    assert_eq!(j["workloads"], p["workloads"]);
    assert_eq!(j["totals"], p["totals"]);
}

#[test]
fn plan_markdown() {
    let o = run(&[
        "plan",
        "--file",
        "tests/fixtures/plan/three.toml",
        "--tpm-per-unit",
        "meta.llama3-1-70b=1000000",
        "--price-date",
        DAY,
        "--format",
        "markdown",
    ]);
    assert_eq!(o.code, 0, "{}", o.all());
    insta::assert_snapshot!(o.stdout);
}
