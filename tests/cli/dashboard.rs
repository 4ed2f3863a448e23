//! `dashboard`: golden bodies for several workloads (insta, and the checked-in examples in
//! dashboards/), every generated body valid, the validation suite through `--check`, usage
//! errors. The PutDashboard/GetDashboard round trip is in tests/emulator.

use std::process::Command;

use serde_json::{json, Value};

use super::{root, Out};

/// 2026-11-18T... UTC: the generation date shown in the header.
const EPOCH: &str = "1795000000";

fn dash(args: &[&str]) -> Out {
    let o = Command::new(env!("CARGO_BIN_EXE_bedrock-lens"))
        .arg("dashboard")
        .args(args)
        .current_dir(root())
        .env("SOURCE_DATE_EPOCH", EPOCH)
        .output()
        .unwrap();
    Out {
        code: o.status.code().unwrap_or(-1),
        stdout: String::from_utf8(o.stdout).unwrap(),
        stderr: String::from_utf8(o.stderr).unwrap(),
    }
}

/// The example workloads: (file in dashboards/examples, arguments).
const EXAMPLES: &[(&str, &[&str])] = &[
    (
        "nova-micro.json",
        &["--model", "amazon.nova-micro-v1:0", "--region", "us-east-1"],
    ),
    (
        "support-bot.json",
        &[
            "--model",
            "anthropic.claude-sonnet-4-5-20250929-v1:0,anthropic.claude-haiku-4-5-20251001-v1:0",
            "--region",
            "us-east-1",
            "--name",
            "support-bot",
            "--budget",
            "2000",
            "--log-group",
            "/bedrock/invocations",
        ],
    ),
    (
        "multi-region-with-unpriced.json",
        &[
            "--model",
            "us.amazon.nova-pro-v1:0,us.anthropic.claude-opus-5-20261015-v1:0",
            "--region",
            "us-east-1,us-west-2",
            "--name",
            "genai-prod",
        ],
    ),
    (
        "genai-prod.template.json",
        &[
            "--model",
            "global.anthropic.claude-sonnet-4-5-20250929-v1:0",
            "--region",
            "eu-west-1",
            "--name",
            "genai-prod",
            "--budget",
            "500",
            "--alarms",
            "--format",
            "cloudformation",
        ],
    ),
];

#[test]
fn golden_bodies_for_several_workloads() {
    for (file, args) in EXAMPLES {
        let o = dash(args);
        assert_eq!(o.code, 0, "{file}: {}", o.all());
        insta::assert_snapshot!(format!("dashboard_{file}"), o.stdout);
        // dashboards/examples/ holds the same files, checked in: regenerate them with
        // `UPDATE_EXAMPLES=1 cargo test --test cli dashboard`.
        let path = root().join("dashboards/examples").join(file);
        if std::env::var("UPDATE_EXAMPLES").is_ok() {
            std::fs::write(&path, &o.stdout).unwrap();
        }
        let checked_in = std::fs::read_to_string(&path).unwrap_or_default();
        assert_eq!(checked_in, o.stdout, "{} is out of date", path.display());
    }
}

#[test]
fn every_generated_body_passes_the_check() {
    let tmp = tempfile::tempdir().unwrap();
    for (file, args) in EXAMPLES.iter().filter(|(f, _)| !f.contains("template")) {
        let p = tmp.path().join(file);
        let mut a = args.to_vec();
        a.extend(["--out", p.to_str().unwrap()]);
        assert_eq!(dash(&a).code, 0);
        let c = dash(&["--check", p.to_str().unwrap()]);
        assert_eq!(c.code, 0, "{file}: {}", c.all());
        assert!(c.stderr.contains("valid dashboard body"));
    }
}

#[test]
fn layout_facts_of_a_generated_body() {
    let o = dash(EXAMPLES[1].1);
    let b: Value = serde_json::from_str(&o.stdout).unwrap();
    let widgets = b["widgets"].as_array().unwrap();
    // Header, totals, per model (2 x (title + 6)), 2 log tables.
    assert_eq!(widgets.len(), 1 + 3 + 2 * 7 + 2);
    // Every widget has a title or is text; every metric widget has its region.
    for w in widgets {
        match w["type"].as_str().unwrap() {
            "text" => assert!(w["properties"]["markdown"].is_string()),
            _ => {
                assert!(w["properties"]["title"]
                    .as_str()
                    .is_some_and(|t| t.len() > 10));
                assert_eq!(w["properties"]["region"], "us-east-1");
            }
        }
    }
    // Models in id order: Haiku 4.5 (0), then Sonnet 4.5 (1). In-region (not global.) list prices
    // per 1M tokens in us-east-1: Sonnet 4.5 $3.30 in, $16.50 out, $0.33 cache read, $4.125
    // cache write (5 min); Haiku 4.5 $1.10, $5.50, $0.11, $1.375.
    let text = o.stdout;
    assert!(text.contains(
        "(FILL(in1,0)*3.3+FILL(out1,0)*16.5+MAX([FILL(cra1,0),FILL(crb1,0)])*0.33+MAX([FILL(cwa1,0),FILL(cwb1,0)])*4.125)/1000000"
    ), "{text}");
    assert!(text.contains(
        "(FILL(in0,0)*1.1+FILL(out0,0)*5.5+MAX([FILL(cra0,0),FILL(crb0,0)])*0.11+MAX([FILL(cwa0,0),FILL(cwb0,0)])*1.375)/1000000"
    ));
    // The account-wide cost adds both models' estimates.
    assert!(text.contains(r#""expression": "SUM([c0,c1])""#));
    assert!(text.contains("monthly budget $2000"));
    // The log tables show sizes and ids, never the bodies.
    assert!(!text.contains("inputBodyJson") && !text.contains("outputBodyJson"));
    assert!(text.contains("SOURCE '/bedrock/invocations'"));
}

#[test]
fn unpriced_models_get_no_cost_widget_and_a_warning() {
    let o = dash(EXAMPLES[2].1);
    assert_eq!(o.code, 0);
    assert!(o.stderr.contains(
        "warning: no price for `us.anthropic.claude-opus-5-20261015-v1:0` in us-east-1: its cost widgets are left out (not $0)"
    ), "{}", o.stderr);
    assert!(o
        .stdout
        .contains("**Not priced** (not in the catalog; no cost shown rather than $0)"));
    assert!(o
        .stdout
        .contains("No cost estimate for `us.anthropic.claude-opus-5-20261015-v1:0`"));
}

#[test]
fn alarms_as_put_metric_alarm_json() {
    let o = dash(&[
        "--model",
        "amazon.nova-micro-v1:0",
        "--region",
        "us-east-1",
        "--name",
        "w",
        "--budget",
        "$1,500",
        "--alarms",
        "--format",
        "alarms",
    ]);
    assert_eq!(o.code, 0, "{}", o.all());
    let v: Value = serde_json::from_str(&o.stdout).unwrap();
    let names: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["AlarmName"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "w-us-east-1-throttle-rate",
            "w-us-east-1-error-rate",
            "w-us-east-1-cost-burn-rate"
        ]
    );
    let burn = &v[2];
    assert_eq!(burn["Threshold"], json!(1500));
    let exprs: Vec<&str> = burn["Metrics"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m["Expression"].as_str())
        .collect();
    // Nova Micro in us-east-1: $0.035 in, $0.14 out, $0.00875 cache read, $0 cache write (AWS
    // publishes a $0 cache-write SKU for Nova) per
    // 1M; the hourly estimate x 730 hours against the $1,500 budget.
    assert_eq!(
        exprs.last(),
        Some(&"(FILL(in0,0)*0.035+FILL(out0,0)*0.14+MAX([FILL(cra0,0),FILL(crb0,0)])*0.00875+MAX([FILL(cwa0,0),FILL(cwb0,0)])*0)*730/1000000")
    );
    assert_eq!(burn["Metrics"].as_array().unwrap().len(), 7);
    assert_eq!(
        v[0]["Metrics"][2]["Expression"],
        "IF(FILL(inv,0)+FILL(thr,0) > 0, 100*FILL(thr,0)/(FILL(inv,0)+FILL(thr,0)), 0)"
    );
    // Only the final expression is returned (an alarm watches one series).
    let returned = burn["Metrics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["ReturnData"] == json!(true))
        .count();
    assert_eq!(returned, 1);
}

#[test]
fn check_reports_each_problem_with_widget_and_field() {
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("bad.json");
    std::fs::write(
        &p,
        json!({"widgets": [
            {"type": "metric", "x": 20, "y": 0, "width": 6, "height": 6,
             "properties": {"title": "Cost", "region": "us-east-1",
               "metrics": [[{"id": "total", "expression": "c0*2"}]]}},
            {"type": "log", "x": 0, "y": 0, "width": 6, "height": 6,
             "properties": {"title": "Logs", "query": "fields @timestamp"}}
        ]})
        .to_string(),
    )
    .unwrap();
    let o = dash(&["--check", p.to_str().unwrap()]);
    assert_eq!(o.code, 1);
    let err = o.stderr.replace(p.to_str().unwrap(), "bad.json");
    insta::assert_snapshot!("dashboard_check_invalid", err);
}

#[test]
fn usage_errors() {
    for (args, message) in [
        (vec![], "error: no models: nothing to build a dashboard for"),
        (
            vec!["--model", "m"],
            "error: no region: --model ID and --discover need --region",
        ),
        (
            vec!["--model", "m", "--region", "us-east-1", "--name", "my dash"],
            "error: --name `my dash`: dashboard name contains ` `",
        ),
        (
            vec!["--model", "m", "--region", "us-east-1", "--budget", "0"],
            "error: --budget `0` is not a positive amount",
        ),
        (
            vec![
                "--model",
                "m",
                "--region",
                "us-east-1",
                "--format",
                "alarms",
            ],
            "error: --format alarms needs --alarms",
        ),
        (
            vec!["--check", "nope.json"],
            "error: --check nope.json: no such file or directory",
        ),
    ] {
        let o = dash(&args);
        assert_eq!(o.code, 2, "{args:?}: {}", o.all());
        assert!(o.stderr.contains(message), "{args:?}: {}", o.stderr);
        assert!(o.stderr.contains("hint:"), "{args:?}: {}", o.stderr);
    }
    let o = dash(&["--model", "m", "--region", "us-east-1", "--put"]);
    assert_eq!(o.code, 2);
    assert!(o.stderr.contains("--name"), "{}", o.stderr);
}

#[test]
fn models_and_regions_from_a_snapshot() {
    let tmp = tempfile::tempdir().unwrap();
    super::collect::offline_snapshot(tmp.path(), "tests/fixtures/whatif/logs.jsonl");
    let o = dash(&["--snapshot", tmp.path().to_str().unwrap()]);
    assert_eq!(o.code, 0, "{}", o.all());
    let b: Value = serde_json::from_str(&o.stdout).unwrap();
    let header = b["widgets"][0]["properties"]["markdown"].as_str().unwrap();
    // The fixture's (model id, region) pairs, each once.
    let mut pairs = model_sections(&b);
    pairs.sort();
    let n = pairs.len();
    pairs.dedup();
    assert_eq!(pairs.len(), n);
    assert!(n >= 2, "{pairs:?}");
    assert!(header.contains("Regions: "), "{header}");
    let c = dash(&["--snapshot", "tests/fixtures"]);
    assert_eq!(c.code, 2);
    assert!(c.stderr.contains("not a snapshot"), "{}", c.stderr);
}

#[test]
fn alarms_stay_within_ten_metrics_and_templates_within_one_region() {
    // Two models: the burn-rate alarm counts input and output only (2 x 2 + 1 metrics), said.
    let o = dash(&[
        "--model",
        "amazon.nova-micro-v1:0,amazon.nova-lite-v1:0",
        "--region",
        "us-east-1",
        "--budget",
        "100",
        "--alarms",
        "--format",
        "alarms",
    ]);
    assert_eq!(o.code, 0, "{}", o.all());
    assert!(o.stderr.contains(
        "warning: the cost burn-rate alarm in us-east-1 counts input and output tokens only (2 models; an alarm takes at most 10 metrics)"
    ), "{}", o.stderr);
    let v: Value = serde_json::from_str(&o.stdout).unwrap();
    for a in v.as_array().unwrap() {
        assert!(a["Metrics"].as_array().unwrap().len() <= 10, "{a}");
    }
    assert_eq!(v[2]["Metrics"].as_array().unwrap().len(), 5);
    // Five models: no burn-rate alarm (11 metrics), said.
    let o = dash(&[
        "--model",
        "amazon.nova-micro-v1:0,amazon.nova-lite-v1:0,amazon.nova-pro-v1:0,meta.llama3-3-70b-instruct-v1:0,anthropic.claude-3-5-haiku-20241022-v1:0",
        "--region",
        "us-east-1",
        "--budget",
        "100",
        "--alarms",
        "--format",
        "alarms",
    ]);
    assert_eq!(o.code, 0, "{}", o.all());
    assert!(
        o.stderr
            .contains("no cost burn-rate alarm in us-east-1: 5 priced models need 11 metrics"),
        "{}",
        o.stderr
    );
    let o = dash(&[
        "--model",
        "amazon.nova-micro-v1:0",
        "--region",
        "us-east-1,us-west-2",
        "--alarms",
        "--format",
        "cloudformation",
    ]);
    assert_eq!(o.code, 2);
    assert!(
        o.stderr
            .contains("--alarms with --format cloudformation covers one region; 2 were given"),
        "{}",
        o.stderr
    );
    let o = dash(&[
        "--model",
        "amazon.nova-micro-v1:0",
        "--region",
        "us-east-1",
        "--log-group",
        "x' | fields @message #",
    ]);
    assert_eq!(o.code, 2);
    assert!(
        o.stderr
            .contains("--log-group: log group name contains `\\'`"),
        "{}",
        o.stderr
    );
}

/// --alarms is never dropped silently: with the body format or --put it is a usage error.
#[test]
fn alarms_are_printed_or_refused() {
    let base = [
        "dashboard",
        "--model",
        "amazon.nova-micro-v1:0",
        "--region",
        "us-east-1",
        "--alarms",
    ];
    for extra in [
        vec![],
        vec!["--format", "body"],
        vec!["--put", "--name", "x"],
    ] {
        let mut args = base.to_vec();
        args.extend(extra.iter().copied());
        let o = super::run(&args);
        assert_eq!(o.code, 2, "{args:?}: {}", o.stderr);
        assert!(o.stderr.contains("hint: "), "{}", o.stderr);
        assert!(o.stdout.is_empty());
    }
    let mut args = base.to_vec();
    args.extend(["--format", "alarms"]);
    let o = super::run(&args);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert_eq!(o.json().as_array().unwrap().len(), 2);
}

/// Text given on the command line cannot land in the body as something else.
#[test]
fn regions_are_checked_and_model_ids_quoted_safely() {
    let o = super::run(&[
        "dashboard",
        "--model",
        "amazon.nova-micro-v1:0",
        "--region",
        "US East 1\"}",
    ]);
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert!(o.stderr.contains("is not a region name"), "{}", o.stderr);
    assert!(o.stdout.is_empty());
    let o = super::run(&["dashboard", "--model", "a`b", "--region", "us-east-1"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let header = o.json()["widgets"][0]["properties"]["markdown"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(header.contains("Models: `` a`b ``."), "{header}");
    // A missing or non-UTF-8 --check file is said in words.
    let o = super::run(&["dashboard", "--check", "no/such/body.json"]);
    assert_eq!(o.code, 2);
    assert!(
        o.stderr
            .contains("--check no/such/body.json: no such file or directory"),
        "{}",
        o.stderr
    );
}

/// The (model id, region) of each model section, in body order.
fn model_sections(body: &Value) -> Vec<(String, String)> {
    body["widgets"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|w| w["properties"]["markdown"].as_str())
        .filter_map(|m| m.strip_prefix("## `"))
        .map(|m| {
            let (id, region) = m.split_once("` in ").unwrap();
            (id.to_string(), region.to_string())
        })
        .collect()
}

/// `--model ID@REGION` pins a model to its region; a geo profile is never shown in a region of
/// another geography (a warning names the pair left out).
#[test]
fn model_at_region_and_geo_profiles_in_their_geography() {
    const HAIKU: &str = "anthropic.claude-3-haiku-20240307-v1:0";
    const EU_SONNET: &str = "eu.anthropic.claude-3-7-sonnet-20250219-v1:0";
    let pair = |m: &str, r: &str| (m.to_string(), r.to_string());
    let o = dash(&[
        "--model",
        &format!("{HAIKU}@us-east-1,{EU_SONNET}@eu-west-1"),
    ]);
    assert_eq!(o.code, 0, "{}", o.all());
    let b = o.json();
    assert_eq!(
        model_sections(&b),
        [pair(HAIKU, "us-east-1"), pair(EU_SONNET, "eu-west-1")]
    );
    let header = b["widgets"][0]["properties"]["markdown"].as_str().unwrap();
    assert!(
        header.contains("Regions: us-east-1, eu-west-1."),
        "{header}"
    );
    assert_eq!(o.stderr, "");

    // Every model in every --region, except the eu. profile in us-east-1.
    let o = dash(&[
        "--model",
        &format!("{HAIKU},{EU_SONNET}"),
        "--region",
        "us-east-1,eu-west-1",
    ]);
    assert_eq!(o.code, 0, "{}", o.all());
    assert_eq!(
        model_sections(&o.json()),
        [
            pair(HAIKU, "eu-west-1"),
            pair(HAIKU, "us-east-1"),
            pair(EU_SONNET, "eu-west-1")
        ]
    );
    assert_eq!(
        o.stderr,
        format!(
            "warning: `{EU_SONNET}` in us-east-1 left out: `eu.` profiles are called from their own geography only\n\
             hint: give each model its region with --model ID@REGION\n"
        )
    );

    // Nothing left: a usage error after the warning.
    let o = dash(&["--model", &format!("{EU_SONNET}@us-east-1")]);
    assert_eq!(o.code, 2, "{}", o.all());
    assert!(
        o.stderr
            .contains(&format!("warning: `{EU_SONNET}` in us-east-1 left out")),
        "{}",
        o.stderr
    );
    assert!(o.stderr.contains("error: no models"), "{}", o.stderr);

    // A pinned region is checked like --region.
    let o = dash(&["--model", &format!("{HAIKU}@US East")]);
    assert_eq!(o.code, 2, "{}", o.all());
    assert!(
        o.stderr.contains(&format!(
            "error: --model `{HAIKU}@US East`: `US East` is not a region name"
        )),
        "{}",
        o.stderr
    );
    assert!(o.stderr.contains("hint: "), "{}", o.stderr);
    assert!(o.stdout.is_empty());
    let o = dash(&["--model", "@us-east-1"]);
    assert_eq!(o.code, 2, "{}", o.all());
    assert!(
        o.stderr
            .contains("error: --model `@us-east-1`: no model id before `@`"),
        "{}",
        o.stderr
    );
}
