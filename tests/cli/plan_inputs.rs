//! `plan`'s other inputs and its failure paths: a plan derived from the demo's logs that prices
//! back to the demo's own total (and scales), sample prompts estimated offline, a description that
//! cannot be priced, bad input as usage errors with a hint, and the CountTokens IAM statement.

use super::plan::{plan, row, usd, DAY};
use super::{run, run_in};

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
    let sampled = [
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
    ];
    let mut a = sampled.to_vec();
    a.extend(["--format", "json", "--price-date", DAY]);
    let o = run_in(tmp.path(), &a);
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
    let t = run_in(tmp.path(), &sampled);
    assert!(
        t.stdout.contains("ESTIMATED from the samples' size"),
        "{}",
        t.stdout
    );
    // As a plan file, the estimated tokens are kept (a histogram of the samples) and price the
    // same; CSV labels them too.
    let mut a = sampled.to_vec();
    a.extend(["--format", "toml", "-o", "sampled.toml"]);
    assert_eq!(run_in(tmp.path(), &a).code, 0);
    let again = run_in(
        tmp.path(),
        &[
            "plan",
            "--file",
            "sampled.toml",
            "--format",
            "json",
            "--price-date",
            DAY,
        ],
    );
    assert_eq!(again.code, 0, "{}", again.all());
    assert_eq!(
        usd(row(&again.json()["workloads"][0], "on-demand in-region"))[0],
        "5.25"
    );
    let mut a = sampled.to_vec();
    a.extend(["--format", "csv"]);
    let csv = run_in(tmp.path(), &a).stdout;
    assert!(csv.lines().nth(1).unwrap().contains(",estimated,"), "{csv}");
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
                "1000",
                "--input-tokens",
                "1000",
                "--output-tokens",
                "10",
                "--model",
                "meta.llama3-1-70b",
                "--region",
                "us-west-2",
                "--peak-rpm",
                "1e10",
                "--tpm-per-unit",
                "1",
            ],
            "--peak-rpm: 10,000,000,000 is more than the whole month's 30,417 requests",
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
                "50%",
                "--cache-prefixes",
                "0",
            ],
            "--cache-prefixes: 0 prefixes cannot be reused",
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
                "amazon.nova-mikro",
            ],
            "did you mean: amazon.nova-micro,",
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
            "--peak-rpm: given with peak_to_average",
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
            "the traffic comes to 152,083,333,333,333 requests a month, more than a trillion",
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
    super::assert_usage_errors(&["plan"], cases);
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

#[test]
fn traffic_can_be_stated_at_its_peak() {
    // 3,000 requests a minute at the peak, 3x the average: 1,000 a minute on average, 43,800,000
    // a month; Nova Micro at 1,000 tokens in: 43,800M x $0.035 per 1M = $1,533.00.
    let p = plan(&[
        "--peak-rpm",
        "3000",
        "--peak-to-average",
        "3",
        "--input-tokens",
        "1000",
        "--output-tokens",
        "0",
        "--model",
        "amazon.nova-micro",
    ]);
    let w = &p["workloads"][0];
    assert_eq!(w["description"]["requests_per_month"], 43_800_000);
    assert_eq!(w["description"]["peak_requests_per_minute"], 3000.0);
    assert_eq!(usd(row(w, "on-demand in-region"))[0], "1533.0");
}
