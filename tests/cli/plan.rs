//! `plan`: hand-computed dollars for a described workload in every mode (rates from the built-in
//! catalog, worked out beside each assertion), provisioned units and break-even from a stated
//! peak, a plan file of three workloads (TOML and JSON alike), a plan derived from the demo's logs
//! that prices back to the demo's own total, sample prompts estimated offline, and bad input.

use serde_json::Value;

use super::{run, run_in};

const DAY: &str = "2026-11-28";

fn plan(args: &[&str]) -> Value {
    let mut a = vec!["plan", "--format", "json", "--price-date", DAY];
    a.extend(args);
    let o = run(&a);
    assert_eq!(o.code, 0, "{}", o.all());
    o.json()
}

/// The workload's row with this label (and model id, when given).
fn row<'a>(w: &'a Value, label: &str) -> &'a Value {
    w["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["label"] == label)
        .unwrap_or_else(|| panic!("no row `{label}`"))
}

fn usd(r: &Value) -> Vec<String> {
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
    let p = plan(&[
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
        "--growth",
        "10%",
        "--max-latency",
        "batch",
    ]);
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
    let p = plan(&[
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
    ]);
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
fn a_plan_derived_from_the_demo_logs_prices_back_to_the_demo_total() {
    let tmp = tempfile::tempdir().unwrap();
    let o = run_in(tmp.path(), &["demo", "--snapshot", "snap", "-q"]);
    assert_eq!(o.code, 0, "{}", o.all());
    let month = ["--start", "2026-10", "--end", "2026-10"];
    let mut a = vec![
        "report",
        "--snapshot",
        "snap",
        "--source",
        "logs",
        "--format",
        "json",
    ];
    a.extend(month);
    let report = run_in(tmp.path(), &a).json();
    let total = &report["totals"]["cost_usd"];
    // Derived: one workload per model id as called and region (long-context requests apart);
    // October is a calendar month, so each workload's requests are its count.
    let mut a = vec![
        "plan",
        "--snapshot",
        "snap",
        "--format",
        "json",
        "--price-date",
        DAY,
    ];
    a.extend(month);
    let o = run_in(tmp.path(), &a);
    // The Opus 5 calls have no price: said and left out (as `report` does, exit 0).
    assert_eq!(o.code, 0, "{}", o.all());
    assert!(o
        .stderr
        .contains("us.anthropic.claude-opus-5-20261015-v1:0"));
    let p = o.json();
    assert_eq!(&p["totals"]["as_described_usd"][0], total);
    assert_eq!(p["workloads"].as_array().unwrap().len(), 13);
    let calls: u64 = p["workloads"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["description"]["requests_per_month"].as_u64().unwrap())
        .sum();
    assert_eq!(
        calls,
        report["totals"]["invocations"].as_u64().unwrap() - 75
    );
    // The description as a plan file, priced again unchanged: the same total.
    let mut a = vec![
        "plan",
        "--snapshot",
        "snap",
        "--format",
        "toml",
        "-o",
        "current.toml",
    ];
    a.extend(month);
    assert_eq!(run_in(tmp.path(), &a).code, 0);
    let text = std::fs::read_to_string(tmp.path().join("current.toml")).unwrap();
    assert!(
        text.contains("# left out: us.anthropic.claude-opus-5-20261015-v1:0: `anthropic.claude-opus-5-20261015-v1:0` is not in the price catalog (add it with --pricing) (75 invocations)"),
        "{text}"
    );
    assert!(text.contains("cached_now = \"5m\""), "{text}");
    let again = run_in(
        tmp.path(),
        &[
            "plan",
            "--file",
            "current.toml",
            "--format",
            "json",
            "--price-date",
            DAY,
        ],
    );
    assert_eq!(again.code, 0, "{}", again.all());
    assert_eq!(&again.json()["totals"]["as_described_usd"][0], total);
    // Edited (traffic x3): three times the cost, but for the rounding of each row's token kinds
    // to the micro-dollar.
    let tripled: String = text
        .lines()
        .map(|l| match l.strip_prefix("requests_per_month = ") {
            Some(n) => format!("requests_per_month = {}\n", 3 * n.parse::<u64>().unwrap()),
            None => format!("{l}\n"),
        })
        .collect();
    std::fs::write(tmp.path().join("tripled.toml"), tripled).unwrap();
    let t = run_in(
        tmp.path(),
        &[
            "plan",
            "--file",
            "tripled.toml",
            "--format",
            "json",
            "--price-date",
            DAY,
        ],
    );
    assert_eq!(t.code, 0, "{}", t.all());
    let t = t.json()["totals"]["as_described_usd"][0].as_f64().unwrap();
    let three = 3.0 * total.as_f64().unwrap();
    assert!((t - three).abs() < 0.0001, "{t} vs 3 x {three}");
}

#[test]
fn sample_prompts_offline_are_estimated_and_labelled() {
    let tmp = tempfile::tempdir().unwrap();
    // 400 and 800 bytes of prompt text: ~100 and ~200 tokens at 4 bytes a token.
    let a = "a".repeat(400);
    let b = "b".repeat(800);
    std::fs::write(
        tmp.path().join("s.jsonl"),
        format!(
            "{{\"messages\":[{{\"role\":\"user\",\"content\":[{{\"text\":\"{a}\"}}]}}]}}\n{{\"messages\":[{{\"role\":\"user\",\"content\":[{{\"text\":\"{b}\"}}]}}]}}\n"
        ),
    )
    .unwrap();
    let o = run_in(
        tmp.path(),
        &[
            "plan",
            "--sample",
            "s.jsonl",
            "--offline",
            "--requests-per-month",
            "1000000",
            "--output-tokens",
            "0",
            "--model",
            "amazon.nova-micro",
            "--format",
            "json",
            "--price-date",
            DAY,
        ],
    );
    assert_eq!(o.code, 0, "{}", o.all());
    let p = o.json();
    let d = &p["workloads"][0]["description"];
    assert_eq!(d["input_token_source"], "estimated");
    assert_eq!(d["input_tokens_mean"], 150.0);
    assert!(d["input_tokens"].as_str().unwrap().contains("ESTIMATED"));
    // 1,000,000 requests x 150 tokens x $0.035 per 1M = $5.25.
    assert_eq!(
        usd(row(&p["workloads"][0], "on-demand in-region"))[0],
        "5.25"
    );
    // The prompts are nowhere in the output.
    assert!(!o.stdout.contains("aaaa") && !o.stderr.contains("aaaa"));
    let t = run_in(
        tmp.path(),
        &[
            "plan",
            "--sample",
            "s.jsonl",
            "--offline",
            "--requests-per-month",
            "1000000",
            "--output-tokens",
            "0",
            "--model",
            "amazon.nova-micro",
        ],
    );
    assert!(
        t.stdout.contains("ESTIMATED from the samples' size"),
        "{}",
        t.stdout
    );
}

#[test]
fn bad_descriptions_are_usage_errors_with_a_hint() {
    let cases: &[(&[&str], &str)] = &[
        (
            &[
                "--requests-per-day",
                "-5",
                "--input-tokens",
                "100",
                "--output-tokens",
                "10",
                "--model",
                "amazon.nova-micro",
            ],
            "--requests-per-day: -5 is negative",
        ),
        (
            &[
                "--requests-per-day",
                "5",
                "--input-tokens",
                "100",
                "--output-tokens",
                "10",
                "--model",
                "acme.unknown-model",
            ],
            "`acme.unknown-model` is not a model the catalog prices",
        ),
        (
            &[
                "--requests-per-day",
                "5",
                "--output-tokens",
                "10",
                "--model",
                "amazon.nova-micro",
            ],
            "no input tokens",
        ),
        (
            &[
                "--requests-per-day",
                "5",
                "--input-tokens",
                "100",
                "--model",
                "amazon.nova-micro",
            ],
            "no output tokens",
        ),
        (
            &[
                "--input-tokens",
                "100",
                "--output-tokens",
                "10",
                "--model",
                "amazon.nova-micro",
            ],
            "no traffic",
        ),
        (&[], "no workload to plan"),
        (
            &[
                "--requests-per-day",
                "5",
                "--input-tokens",
                "100",
                "--output-tokens",
                "10",
                "--model",
                "amazon.nova-micro",
                "--region",
                "us-esat-1",
            ],
            "--region: `us-esat-1` is not a region the catalog prices any model in",
        ),
        (
            &[
                "--requests-per-day",
                "5",
                "--input-tokens",
                "100",
                "--output-tokens",
                "10",
                "--model",
                "claude-haiku-4.5",
            ],
            "did you mean: anthropic.claude-haiku-4-5?",
        ),
        (
            &[
                "--requests-per-day",
                "5",
                "--input-tokens",
                "100",
                "--output-tokens",
                "10",
                "--model",
                "amazon.nova-micro",
                "--growth",
                "10",
            ],
            "--growth: 10 is 1000% a month",
        ),
        (
            &[
                "--requests-per-day",
                "5",
                "--input-tokens",
                "100",
                "--output-tokens",
                "10",
                "--model",
                "amazon.nova-micro",
                "--peak-rpm",
                "9",
                "--peak-to-average",
                "3",
            ],
            "peak_requests_per_minute is given with peak_to_average",
        ),
        (
            &[
                "--sample",
                "x.jsonl",
                "--requests-per-day",
                "5",
                "--input-tokens",
                "100",
                "--output-tokens",
                "10",
                "--model",
                "amazon.nova-micro",
            ],
            "--sample and --input-tokens both say the input tokens",
        ),
        (
            &[
                "--requests-per-day",
                "5e12",
                "--input-tokens",
                "100",
                "--output-tokens",
                "10",
                "--model",
                "amazon.nova-micro",
            ],
            "is more than a trillion",
        ),
        (
            &[
                "--requests-per-day",
                "5",
                "--input-tokens",
                "p50=900,p90=100",
                "--output-tokens",
                "10",
                "--model",
                "amazon.nova-micro",
            ],
            "p90 (100) is below p50 (900)",
        ),
        (
            &[
                "--requests-per-day",
                "5",
                "--input-tokens",
                "100",
                "--output-tokens",
                "10",
                "--model",
                "amazon.nova-micro",
                "--cache-prefix-share",
                "150%",
            ],
            "--cache-prefix-share: 1.5 is not a share between 0 and 1",
        ),
        (
            &[
                "--file",
                "tests/fixtures/plan/three.toml",
                "--model",
                "amazon.nova-micro",
            ],
            "described by flags and also given by --file",
        ),
    ];
    for (args, message) in cases {
        let mut a = vec!["plan"];
        a.extend(*args);
        let o = run(&a);
        assert_eq!(o.code, 2, "{args:?}: {}", o.all());
        assert!(o.stderr.contains(message), "{args:?}: {}", o.stderr);
        assert!(o.stderr.contains("hint: "), "{args:?}: {}", o.stderr);
    }
    // A plan file's error names the file, the workload and the field.
    let tmp = tempfile::tempdir().unwrap();
    let f = tmp.path().join("p.toml");
    std::fs::write(&f, "[[workload]]\nname = \"x\"\nmodels = [\"amazon.nova-micro\"]\nrequests_per_day = 10\ninput_tokens = 10\noutput_tokens = 1\ncache_hit_rate = 0.5\n").unwrap();
    let o = run(&["plan", "--file", f.to_str().unwrap()]);
    assert_eq!(o.code, 2);
    assert!(
        o.stderr
            .contains("workload 1 `x`: caching is described without cache_prefix_share"),
        "{}",
        o.stderr
    );
    std::fs::write(&f, "[[workload]]\nrequests_per_dya = 10\n").unwrap();
    let o = run(&["plan", "--file", f.to_str().unwrap()]);
    assert_eq!(o.code, 2);
    assert!(o.stderr.contains("requests_per_dya"), "{}", o.stderr);
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

#[test]
fn iam_policy_allows_count_tokens_on_foundation_models() {
    let o = run(&["iam-policy", "--collect", "count-tokens"]);
    assert_eq!(o.code, 0, "{}", o.all());
    assert_eq!(
        o.json()["Statement"],
        serde_json::json!([{
            "Sid": "CountTokens",
            "Effect": "Allow",
            "Action": ["bedrock:CountTokens"],
            "Resource": ["arn:aws:bedrock:*::foundation-model/*"]
        }])
    );
    // The default policy (everything bedrock-lens reads) includes it.
    let all = run(&["iam-policy"]).stdout;
    assert!(all.contains("bedrock:CountTokens"), "{all}");
}

#[test]
fn a_description_that_cannot_be_priced_is_left_out_of_the_totals_not_counted_as_zero() {
    // Llama 3.1 70B has no price in eu-west-1 in the catalog: as described it is not priced;
    // the totals say so and the run exits 1. Nova Micro in us-east-1 is priced.
    let tmp = tempfile::tempdir().unwrap();
    let f = tmp.path().join("p.toml");
    std::fs::write(
        &f,
        "[[workload]]\nname = \"dublin llama\"\nmodels = [\"meta.llama3-1-70b\"]\nregions = [\"eu-west-1\"]\nrequests_per_month = 1000\ninput_tokens = 1000\noutput_tokens = 100\n\n[[workload]]\nname = \"micro\"\nmodels = [\"amazon.nova-micro\"]\nrequests_per_month = 1000000\ninput_tokens = 1000\noutput_tokens = 0\n",
    )
    .unwrap();
    let o = run(&[
        "plan",
        "--file",
        f.to_str().unwrap(),
        "--format",
        "json",
        "--price-date",
        DAY,
    ]);
    assert_eq!(o.code, 1, "{}", o.all());
    assert!(
        o.stderr.contains("cannot be priced as described"),
        "{}",
        o.stderr
    );
    let p = o.json();
    assert_eq!(
        p["totals"]["not_priced"],
        serde_json::json!(["dublin llama"])
    );
    // 1,000M tokens x $0.035 = $35.00: only the priced workload.
    assert_eq!(p["totals"]["as_described_usd"][0], 35.0);
    let o = run(&["plan", "--file", f.to_str().unwrap(), "--price-date", DAY]);
    assert!(
        o.stdout
            .contains("not priced as described, so left out of the totals: dublin llama"),
        "{}",
        o.stdout
    );
}

#[test]
fn scale_multiplies_traffic_and_the_derived_peak_follows() {
    // Nova Micro, 1,000,000 requests of 1,000 tokens: $35.00; --scale 3: $105.00.
    let base = [
        "--requests-per-month",
        "1000000",
        "--input-tokens",
        "1000",
        "--output-tokens",
        "0",
        "--model",
        "amazon.nova-micro",
    ];
    let mut a = base.to_vec();
    a.extend(["--scale", "3"]);
    let p = plan(&a);
    assert_eq!(
        p["workloads"][0]["description"]["requests_per_month"],
        3_000_000
    );
    assert_eq!(
        usd(row(&p["workloads"][0], "on-demand in-region"))[0],
        "105.0"
    );
    // Steady logs (one call a minute all October): the derived peak is a ratio to the average
    // (1), so the description is valid and follows a scaled traffic.
    let tmp = tempfile::tempdir().unwrap();
    let mut lines = String::new();
    let start = chrono::DateTime::parse_from_rfc3339("2026-10-01T00:00:00Z").unwrap();
    for i in 0..31 * 1440 {
        let t = (start + chrono::Duration::minutes(i))
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        lines.push_str(&format!(
            "{{\"schemaType\":\"ModelInvocationLog\",\"schemaVersion\":\"1.0\",\"timestamp\":\"{t}\",\"accountId\":\"1\",\"region\":\"us-east-1\",\"requestId\":\"r{i}\",\"operation\":\"Converse\",\"modelId\":\"amazon.nova-micro-v1:0\",\"identity\":{{\"arn\":\"arn:aws:iam::1:user/u\"}},\"input\":{{\"inputTokenCount\":1000}},\"output\":{{\"outputTokenCount\":0}}}}\n"
        ));
    }
    std::fs::write(tmp.path().join("steady.jsonl"), lines).unwrap();
    let o = run_in(
        tmp.path(),
        &[
            "plan",
            "--from-logs",
            "steady.jsonl",
            "--format",
            "json",
            "--price-date",
            DAY,
            "--scale",
            "2",
        ],
    );
    assert_eq!(o.code, 0, "{}", o.all());
    let d = &o.json()["workloads"][0]["description"];
    // 44,640 calls (31 days, a calendar month) x 2; peak 1 a minute = the average: x2 too.
    assert_eq!(d["requests_per_month"], 89_280);
    assert_eq!(d["peak_requests_per_minute"], 2.0);
}
