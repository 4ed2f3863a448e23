//! `report --source metrics`: a snapshot's CloudWatch token metrics priced, with hand-computed
//! dollars, the groupings metrics can answer, and what they cannot tell.

use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;

use bedrock_lens::collect::cloudwatch_metrics::Point;
use bedrock_lens::snapshot::{self, Manifest, Window};
use chrono::{DateTime, TimeZone, Utc};
use serde_json::json;

use super::run_in;

fn t(day: u32, hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 10, day, hour, 0, 0).unwrap()
}

/// A snapshot holding only metrics: `points` (region, model id, metric, time, value) at `period`.
fn metrics_snapshot(
    dir: &Path,
    period: u32,
    points: &[(&str, &str, &'static str, DateTime<Utc>, f64)],
) {
    std::fs::create_dir_all(dir).unwrap();
    let pts: Vec<Point> = points
        .iter()
        .map(|(r, m, metric, ts, v)| Point {
            region: Arc::from(*r),
            model_id: Arc::from(*m),
            metric,
            stat: "Sum",
            timestamp: *ts,
            value: *v,
        })
        .collect();
    let asked: HashSet<_> = pts
        .iter()
        .map(|p| {
            (
                p.region.to_string(),
                p.model_id.to_string(),
                p.metric,
                p.stat,
            )
        })
        .collect();
    let w = Window {
        start: t(1, 0),
        end: t(31, 0),
    };
    let mut dg = bedrock_lens::usage::Diagnostics::default();
    snapshot::metrics::save(
        &dir.join(snapshot::METRICS),
        pts,
        Some("111122223333"),
        period,
        &w,
        &asked,
        &mut dg,
    )
    .unwrap();
    let mut m = Manifest::new();
    m.sources.insert("metrics".into(), Default::default());
    m.save(dir).unwrap();
}

#[test]
fn metrics_are_priced_per_model_and_region_with_their_limits() {
    let tmp = tempfile::tempdir().unwrap();
    let snap = tmp.path().join("snap");
    metrics_snapshot(
        &snap,
        3600,
        &[
            // Nova Micro in us-east-1, two hours: 2,000 in, 500 out, 5 calls.
            (
                "us-east-1",
                "amazon.nova-micro-v1:0",
                "Invocations",
                t(5, 10),
                3.0,
            ),
            (
                "us-east-1",
                "amazon.nova-micro-v1:0",
                "Invocations",
                t(5, 11),
                2.0,
            ),
            (
                "us-east-1",
                "amazon.nova-micro-v1:0",
                "InputTokenCount",
                t(5, 10),
                1200.0,
            ),
            (
                "us-east-1",
                "amazon.nova-micro-v1:0",
                "InputTokenCount",
                t(5, 11),
                800.0,
            ),
            (
                "us-east-1",
                "amazon.nova-micro-v1:0",
                "OutputTokenCount",
                t(5, 10),
                300.0,
            ),
            (
                "us-east-1",
                "amazon.nova-micro-v1:0",
                "OutputTokenCount",
                t(5, 11),
                200.0,
            ),
            // Sonnet 4.5 on a us. profile (regional 3.30 / 16.50 / read 0.33 / write 4.125), both
            // cache-metric spellings present for the same tokens: counted once.
            (
                "us-east-1",
                "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
                "Invocations",
                t(6, 9),
                10.0,
            ),
            (
                "us-east-1",
                "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
                "InputTokenCount",
                t(6, 9),
                100_000.0,
            ),
            (
                "us-east-1",
                "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
                "OutputTokenCount",
                t(6, 9),
                10_000.0,
            ),
            (
                "us-east-1",
                "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
                "CacheReadInputTokens",
                t(6, 9),
                50_000.0,
            ),
            (
                "us-east-1",
                "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
                "CacheReadInputTokenCount",
                t(6, 9),
                50_000.0,
            ),
            (
                "us-east-1",
                "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
                "CacheWriteInputTokenCount",
                t(6, 9),
                20_000.0,
            ),
            // Haiku 4.5 on a global. profile from eu-west-1 (1.00 / 5.00): 1M in, 100K out.
            (
                "eu-west-1",
                "global.anthropic.claude-haiku-4-5-20251001-v1:0",
                "Invocations",
                t(6, 9),
                40.0,
            ),
            (
                "eu-west-1",
                "global.anthropic.claude-haiku-4-5-20251001-v1:0",
                "InputTokenCount",
                t(6, 9),
                1_000_000.0,
            ),
            (
                "eu-west-1",
                "global.anthropic.claude-haiku-4-5-20251001-v1:0",
                "OutputTokenCount",
                t(6, 9),
                100_000.0,
            ),
        ],
    );
    let o = run_in(
        tmp.path(),
        &[
            "report",
            "--snapshot",
            "snap",
            "--source",
            "metrics",
            "--by",
            "model,region",
            "--format",
            "json",
        ],
    );
    assert_eq!(o.code, 0, "{}", o.all());
    let v = o.json();
    assert_eq!(v["source"], "metrics");
    // Nova Micro: 2,000 x 0.035 + 500 x 0.14 per 1M = 0.00007 + 0.00007 = $0.00014.
    // Sonnet 4.5 (us.): 100K x 3.3 = 0.33; 10K x 16.5 = 0.165; 50K read x 0.33 = 0.0165;
    //   20K written x 4.125 = 0.0825 -> $0.594.
    // Haiku 4.5 (global. from eu-west-1): 1M x 1.00 + 100K x 5.00 = $1.50.
    let rows: Vec<(String, String, u64, f64)> = v["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["model"].as_str().unwrap().to_string(),
                r["region"].as_str().unwrap().to_string(),
                r["invocations"].as_u64().unwrap(),
                r["cost_usd"].as_f64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            (
                "anthropic.claude-haiku-4-5".to_string(),
                "eu-west-1".to_string(),
                40,
                1.5
            ),
            (
                "anthropic.claude-sonnet-4-5".to_string(),
                "us-east-1".to_string(),
                10,
                0.594
            ),
            (
                "amazon.nova-micro".to_string(),
                "us-east-1".to_string(),
                5,
                0.00014
            ),
        ]
    );
    assert_eq!(v["totals"]["cost_usd"], json!(2.09414));
    assert_eq!(v["totals"]["cache_read_tokens"], json!(50_000));
    // Sonnet 4.5 has long-context rates, but its one hour holds 100K + 50K read + 20K written =
    // 170K prompt tokens, under its 200K threshold: no request of it can have been over, so no
    // bound is said.
    let limits: Vec<&str> = v["limits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap())
        .collect();
    assert!(
        !limits.iter().any(|l| l.contains("long-context")),
        "{limits:?}"
    );
    assert_eq!(v.get("long_context_bound_usd"), None);
    assert!(limits[1].starts_with("batch inference jobs are not in runtime metrics"));
    // The table says where the figures come from, and the Markdown carries the limits.
    let md = run_in(
        tmp.path(),
        &["report", "--snapshot", "snap", "--format", "markdown"],
    );
    assert_eq!(md.code, 0, "{}", md.all());
    assert!(
        md.stdout
            .contains("by model, from CloudWatch metrics; cost at catalog prices as of 2026-09-29"),
        "{}",
        md.stdout
    );
    assert!(
        md.stdout
            .contains("- batch inference jobs are not in runtime metrics"),
        "{}",
        md.stdout
    );
    // by hour: Nova Micro's two hours apart
    let h = run_in(
        tmp.path(),
        &[
            "report",
            "--snapshot",
            "snap",
            "--by",
            "hour,model",
            "--format",
            "json",
        ],
    )
    .json();
    let hours: Vec<(&str, &str, u64)> = h["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["hour"].as_str().unwrap(),
                r["model"].as_str().unwrap(),
                r["input_tokens"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        &hours[..2],
        [
            ("2026-10-05T10:00Z", "amazon.nova-micro", 1200),
            ("2026-10-05T11:00Z", "amazon.nova-micro", 800)
        ]
    );
    // auto (the default) on a snapshot without invocation logs reads its metrics: the same total
    let auto = run_in(
        tmp.path(),
        &["report", "--snapshot", "snap", "--format", "json"],
    )
    .json();
    assert_eq!(auto["source"], "metrics");
    assert_eq!(auto["totals"]["cost_usd"], json!(2.09414));
    // by day and profile
    let d = run_in(
        tmp.path(),
        &[
            "report",
            "--snapshot",
            "snap",
            "--by",
            "day,profile",
            "--format",
            "json",
        ],
    )
    .json();
    let days: Vec<(&str, &str, f64)> = d["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["day"].as_str().unwrap(),
                r["profile"].as_str().unwrap(),
                r["cost_usd"].as_f64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        days,
        [
            ("2026-10-05", "in_region", 0.00014),
            ("2026-10-06", "geo", 0.594),
            ("2026-10-06", "global", 1.5)
        ]
    );
}

#[test]
fn what_metrics_cannot_answer_is_a_usage_error() {
    let tmp = tempfile::tempdir().unwrap();
    let snap = tmp.path().join("snap");
    metrics_snapshot(
        &snap,
        3600,
        &[(
            "us-east-1",
            "amazon.nova-micro-v1:0",
            "InputTokenCount",
            t(5, 10),
            10.0,
        )],
    );
    for key in ["identity", "operation", "meta:team"] {
        let o = run_in(
            tmp.path(),
            &[
                "report",
                "--snapshot",
                "snap",
                "--source",
                "metrics",
                "--by",
                key,
            ],
        );
        assert_eq!(o.code, 2, "{key}: {}", o.all());
        assert!(
            o.stderr
                .contains("CloudWatch metrics carry no caller, operation or request metadata"),
            "{}",
            o.stderr
        );
        assert!(o.stderr.contains("hint: with --source metrics group by model, model_id, profile, region, account, hour, day, month"), "{}", o.stderr);
    }
    // --source metrics on logs, and on a snapshot without metrics
    let o = run_in(
        tmp.path(),
        &["report", "--logs", "snap", "--source", "metrics"],
    );
    assert_eq!(o.code, 2, "{}", o.all());
    let empty = tmp.path().join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    Manifest::new().save(&empty).unwrap();
    let o = run_in(
        tmp.path(),
        &["report", "--snapshot", "empty", "--source", "metrics"],
    );
    assert_eq!(o.code, 2, "{}", o.all());
    assert!(
        o.stderr
            .contains("holds no CloudWatch metrics (metrics.parquet)"),
        "{}",
        o.stderr
    );
}

#[test]
fn a_series_collected_hourly_and_daily_is_counted_once_and_odd_values_are_said() {
    let tmp = tempfile::tempdir().unwrap();
    let snap = tmp.path().join("snap");
    metrics_snapshot(
        &snap,
        3600,
        &[
            (
                "us-east-1",
                "amazon.nova-micro-v1:0",
                "InputTokenCount",
                t(5, 10),
                1_000_000.0,
            ),
            (
                "us-east-1",
                "amazon.nova-micro-v1:0",
                "OutputTokenCount",
                t(5, 10),
                2.5,
            ),
        ],
    );
    // The same day again at a daily period: left out, said. The next day, which no hourly
    // point reaches, is counted from its daily point.
    let daily = |day: u32, value: f64| Point {
        region: Arc::from("us-east-1"),
        model_id: Arc::from("amazon.nova-micro-v1:0"),
        metric: "InputTokenCount",
        stat: "Sum",
        timestamp: t(day, 0),
        value,
    };
    let pts = vec![daily(5, 1_000_000.0), daily(6, 500_000.0)];
    let asked: HashSet<_> = [(
        "us-east-1".to_string(),
        "amazon.nova-micro-v1:0".to_string(),
        "InputTokenCount",
        "Sum",
    )]
    .into();
    let mut dg = bedrock_lens::usage::Diagnostics::default();
    snapshot::metrics::save(
        &snap.join(snapshot::METRICS),
        pts,
        Some("111122223333"),
        86400,
        &Window {
            start: t(5, 0),
            end: t(7, 0),
        },
        &asked,
        &mut dg,
    )
    .unwrap();
    let o = run_in(
        tmp.path(),
        &["report", "--snapshot", "snap", "--format", "json"],
    );
    assert_eq!(o.code, 0, "{}", o.all());
    let v = o.json();
    // Day 5: 1M x $0.035 = $0.035, once; day 6: 500K = $0.0175. The 2.5-token output is not
    // a count: skipped, named.
    assert_eq!(v["totals"]["input_tokens"], json!(1_500_000));
    assert_eq!(v["totals"]["cost_usd"], json!(0.0525));
    assert_eq!(v["input"]["skipped_lines"], json!(1));
    assert!(
        o.stderr
            .contains("OutputTokenCount is not a whole, non-negative count: 2.5"),
        "{}",
        o.stderr
    );
    assert!(
        v["limits"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l.as_str().unwrap().starts_with(
                "1 datapoint(s) of series also collected at a finer period were left out"
            )),
        "{}",
        v["limits"]
    );
}

/// A snapshot holding only a bill: (day, service, usage type, cost, quantity).
fn bill_snapshot(dir: &Path, rows: &[(&str, &str, &str, &str, &str)]) {
    use bedrock_lens::collect::cost_explorer::{usage_type, CostRow};
    std::fs::create_dir_all(dir).unwrap();
    let day = |d: &str| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap();
    let rows: Vec<CostRow> = rows
        .iter()
        .map(|(d, service, ut, cost, q)| CostRow {
            day: day(d),
            service: service.to_string(),
            usage_type: ut.to_string(),
            linked_account: Some("111122223333".into()),
            cost: cost.parse().unwrap(),
            cost_unit: "USD".into(),
            quantity: q.parse().unwrap(),
            quantity_unit: "N/A".into(),
            parsed: usage_type::parse(ut),
        })
        .collect();
    let services: Vec<String> = rows.iter().map(|r| r.service.clone()).collect();
    let mut dg = bedrock_lens::usage::Diagnostics::default();
    snapshot::costs::save(
        &dir.join(snapshot::COSTS),
        &rows,
        Some("999988887777"),
        day("2026-10-01"),
        day("2026-11-01"),
        &services,
        &mut dg,
    )
    .unwrap();
    let mut m = Manifest::load_or_new(dir).unwrap();
    m.sources.insert("costs".into(), Default::default());
    m.save(dir).unwrap();
}

#[test]
fn the_bill_as_a_report_with_exact_amounts_and_unmapped_usage_listed() {
    let tmp = tempfile::tempdir().unwrap();
    let snap = tmp.path().join("snap");
    bill_snapshot(
        &snap,
        &[
            (
                "2026-10-05",
                "Amazon Bedrock",
                "USE1-NovaMicro-input-tokens",
                "0.0700000000",
                "2000000",
            ),
            (
                "2026-10-06",
                "Amazon Bedrock",
                "USE1-NovaMicro-input-tokens",
                "0.0350000001",
                "1000000",
            ),
            (
                "2026-10-05",
                "Claude Sonnet 4.6 (Amazon Bedrock Edition)",
                "USE1-MP:USE1_InputTokenCount-Units",
                "3.3",
                "1000000",
            ),
            (
                "2026-10-05",
                "Claude Sonnet 4.6 (Amazon Bedrock Edition)",
                "USE1-MP:USE1_OutputTokenCount_Global-Units",
                "1.5",
                "100000",
            ),
            (
                "2026-10-06",
                "Amazon Bedrock",
                "USE1-ProvisionedThroughput-ModelUnits",
                "20",
                "1",
            ),
            (
                "2026-10-06",
                "Amazon Bedrock",
                "USE1-Mystery9-input-tokens",
                "0.5",
                "10",
            ),
        ],
    );
    let o = run_in(
        tmp.path(),
        &[
            "report",
            "--snapshot",
            "snap",
            "--source",
            "bill",
            "--by",
            "model",
            "--format",
            "json",
        ],
    );
    assert_eq!(o.code, 0, "{}", o.all());
    let v = o.json();
    assert_eq!(v["schema"], "bedrock-lens/bill/v1");
    // 0.07 + 0.0350000001 + 3.3 + 1.5 + 20 + 0.5, exactly as billed
    assert_eq!(v["total_usd"], json!(25.4050000001));
    let rows: Vec<(serde_json::Value, serde_json::Value)> = v["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["model"].clone(), r["billed_usd"].clone()))
        .collect();
    assert_eq!(
        rows,
        [
            (json!("(provisioned throughput)"), json!(20)),
            (json!("anthropic.claude-sonnet-4-6"), json!(4.8)),
            (json!("(unmapped) USE1-Mystery9-input-tokens"), json!(0.5)),
            (json!("amazon.nova-micro"), json!(0.1050000001)),
        ]
    );
    assert_eq!(
        v["by_category"],
        json!({"model tokens": 5.4050000001, "provisioned throughput": 20})
    );
    assert_eq!(
        v["unmapped"],
        json!([
            {"service": "Amazon Bedrock", "usage_type": "USE1-Mystery9-input-tokens", "billed_usd": 0.5,
             "reason": "model tokens of a model the catalog does not know by its billing name"},
            {"service": "Amazon Bedrock", "usage_type": "USE1-ProvisionedThroughput-ModelUnits", "billed_usd": 20,
             "reason": "not a model token usage type (its own category)"}
        ])
    );
    // By day and token kind, in cents that add up: 25.41
    let t = run_in(
        tmp.path(),
        &[
            "report",
            "--snapshot",
            "snap",
            "--source",
            "bill",
            "--by",
            "day,token_kind,mode",
        ],
    );
    assert_eq!(t.code, 0, "{}", t.all());
    assert!(t.stdout.contains("TOTAL"), "{}", t.stdout);
    assert!(t.stdout.contains("$25.41"), "{}", t.stdout);
    assert!(t.stdout.contains("global_cross_region"), "{}", t.stdout);
    // A key the bill has no answer for
    let e = run_in(
        tmp.path(),
        &[
            "report",
            "--snapshot",
            "snap",
            "--source",
            "bill",
            "--by",
            "identity",
        ],
    );
    assert_eq!(e.code, 2, "{}", e.all());
    assert!(e.stderr.contains("hint: with --source bill group by model, region, day, month, account, service, usage_type, token_kind, mode, category"), "{}", e.stderr);
    // Two Marketplace models the catalog does not know share a usage type: kept apart by
    // their service.
    bill_snapshot(
        &tmp.path().join("mp2"),
        &[
            (
                "2026-10-05",
                "Foo Model X (Amazon Bedrock Edition)",
                "USE1-MP:USE1_InputTokenCount-Units",
                "10",
                "1",
            ),
            (
                "2026-10-05",
                "Bar Model Y (Amazon Bedrock Edition)",
                "USE1-MP:USE1_InputTokenCount-Units",
                "5",
                "1",
            ),
        ],
    );
    let v = run_in(
        tmp.path(),
        &[
            "report",
            "--snapshot",
            "mp2",
            "--source",
            "bill",
            "--format",
            "json",
        ],
    )
    .json();
    let models: Vec<&str> = v["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["model"].as_str().unwrap())
        .collect();
    assert_eq!(
        models,
        [
            "(unmapped) Foo Model X (Amazon Bedrock Edition) / USE1-MP:USE1_InputTokenCount-Units",
            "(unmapped) Bar Model Y (Amazon Bedrock Edition) / USE1-MP:USE1_InputTokenCount-Units"
        ]
    );
}

#[test]
fn reconcile_finds_a_planted_gap_and_flags_nothing_else() {
    let tmp = tempfile::tempdir().unwrap();
    let snap = tmp.path().join("snap");
    metrics_snapshot(
        &snap,
        3600,
        &[
            // Nova Micro: 2,000 in + 500 out = $0.00014
            (
                "us-east-1",
                "amazon.nova-micro-v1:0",
                "InputTokenCount",
                t(5, 10),
                2000.0,
            ),
            (
                "us-east-1",
                "amazon.nova-micro-v1:0",
                "OutputTokenCount",
                t(5, 10),
                500.0,
            ),
            // Sonnet 4.5 us.: 100K in x 3.30 + 10K out x 16.50 = $0.495
            (
                "us-east-1",
                "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
                "InputTokenCount",
                t(6, 9),
                100_000.0,
            ),
            (
                "us-east-1",
                "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
                "OutputTokenCount",
                t(6, 9),
                10_000.0,
            ),
            // Haiku 4.5 global. from eu-west-1: 10M in x 1.00 + 1M out x 5.00 = $15.00
            (
                "eu-west-1",
                "global.anthropic.claude-haiku-4-5-20251001-v1:0",
                "InputTokenCount",
                t(6, 9),
                10_000_000.0,
            ),
            (
                "eu-west-1",
                "global.anthropic.claude-haiku-4-5-20251001-v1:0",
                "OutputTokenCount",
                t(6, 9),
                1_000_000.0,
            ),
        ],
    );
    bill_snapshot(
        &snap,
        &[
            (
                "2026-10-05",
                "Amazon Bedrock",
                "USE1-NovaMicro-input-tokens",
                "0.00007",
                "2000",
            ),
            (
                "2026-10-05",
                "Amazon Bedrock",
                "USE1-NovaMicro-output-tokens",
                "0.00007",
                "500",
            ),
            (
                "2026-10-06",
                "Claude Sonnet 4.5 (Amazon Bedrock Edition)",
                "USE1-MP:USE1_InputTokenCount-Units",
                "0.33",
                "0.1",
            ),
            (
                "2026-10-06",
                "Claude Sonnet 4.5 (Amazon Bedrock Edition)",
                "USE1-MP:USE1_OutputTokenCount-Units",
                "0.17",
                "0.01",
            ),
            // Planted: $16.13 billed against $15.00 computed, a $1.13 gap = 7.0% of the bill.
            (
                "2026-10-06",
                "Claude Haiku 4.5 (Amazon Bedrock Edition)",
                "EU-MP:EU_InputTokenCount_Global-Units",
                "10.00",
                "10",
            ),
            (
                "2026-10-06",
                "Claude Haiku 4.5 (Amazon Bedrock Edition)",
                "EU-MP:EU_OutputTokenCount_Global-Units",
                "6.13",
                "1",
            ),
            (
                "2026-10-06",
                "Amazon Bedrock",
                "USE1-ProvisionedThroughput-ModelUnits",
                "20",
                "1",
            ),
        ],
    );
    let o = run_in(
        tmp.path(),
        &["reconcile", "--snapshot", "snap", "--format", "json"],
    );
    assert_eq!(o.code, 0, "{}", o.all());
    let v = o.json();
    assert_eq!(v["schema"], "bedrock-lens/reconcile/v1");
    assert_eq!(v["computed_from"], "metrics");
    let rows: Vec<(
        String,
        String,
        serde_json::Value,
        serde_json::Value,
        serde_json::Value,
        bool,
    )> = v["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["region"].as_str().unwrap().to_string(),
                r["model"].as_str().unwrap().to_string(),
                r["computed_usd"].clone(),
                r["billed_usd"].clone(),
                r["gap_pct"].clone(),
                r["flagged"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            (
                "-".into(),
                "(provisioned throughput)".into(),
                json!(null),
                json!(20),
                json!(100),
                true
            ),
            (
                "eu-west-1".into(),
                "anthropic.claude-haiku-4-5".into(),
                json!(15),
                json!(16.13),
                json!(7),
                true
            ),
            (
                "us-east-1".into(),
                "amazon.nova-micro".into(),
                json!(0.00014),
                json!(0.00014),
                json!(0),
                false
            ),
            (
                "us-east-1".into(),
                "anthropic.claude-sonnet-4-5".into(),
                json!(0.495),
                json!(0.5),
                json!(1),
                false
            ),
        ]
    );
    assert_eq!(v["flagged"], 2);
    assert!(v["rows"][1]["cause"]
        .as_str()
        .unwrap()
        .starts_with("billed more than computed"));
    assert!(v["rows"][0]["cause"]
        .as_str()
        .unwrap()
        .starts_with("billed, not computed from usage"));
    assert_eq!(v["gap_usd"], json!(21.135));
    // --strict: flagged gaps exit 1; a higher threshold flags only the $20 charge
    let o = run_in(tmp.path(), &["reconcile", "--snapshot", "snap", "--strict"]);
    assert_eq!(o.code, 1, "{}", o.all());
    assert!(o.stdout.contains("FLAG"), "{}", o.stdout);
    let v = run_in(
        tmp.path(),
        &[
            "reconcile",
            "--snapshot",
            "snap",
            "--threshold",
            "8%",
            "--format",
            "json",
        ],
    )
    .json();
    assert_eq!(v["flagged"], 1);
    // CSV: one header, one line per row, the cause last
    let c = run_in(
        tmp.path(),
        &["reconcile", "--snapshot", "snap", "--format", "csv"],
    );
    assert_eq!(c.code, 0, "{}", c.all());
    let mut lines = c.stdout.lines();
    assert_eq!(
        lines.next(),
        Some("account,region,model,day,computed_usd,billed_usd,gap_usd,gap_pct,flagged,cause")
    );
    assert_eq!(
        lines.next(),
        Some("111122223333,,(provisioned throughput),2026-10-06,,20,20,100,true,\"billed, not computed from usage (a charge that is not model tokens)\"")
    );
    // Month granularity sums the days
    let v = run_in(
        tmp.path(),
        &[
            "reconcile",
            "--snapshot",
            "snap",
            "--by",
            "month",
            "--format",
            "json",
        ],
    )
    .json();
    assert_eq!(v["rows"][1]["month"], "2026-10");
    // Split by token kind, as the bill splits it: Haiku's input matches ($10.00 = 10M x 1.00),
    // the planted $1.13 is all in its output ($6.13 billed against $5.00 computed, 18.4%).
    let v = run_in(
        tmp.path(),
        &[
            "reconcile",
            "--snapshot",
            "snap",
            "--by-token-kind",
            "--format",
            "json",
        ],
    )
    .json();
    let haiku: Vec<(String, serde_json::Value, serde_json::Value, bool)> = v["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["model"] == "anthropic.claude-haiku-4-5")
        .map(|r| {
            (
                r["token_kind"].as_str().unwrap().to_string(),
                r["computed_usd"].clone(),
                r["gap_pct"].clone(),
                r["flagged"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        haiku,
        [
            ("input".to_string(), json!(10), json!(0), false),
            ("output".to_string(), json!(5), json!(18.4), true),
        ]
    );
    // --discount models an EDP on the computed side: Haiku's $15.00 computed becomes $13.50
    let v = run_in(
        tmp.path(),
        &[
            "reconcile",
            "--snapshot",
            "snap",
            "--discount",
            "10%",
            "--format",
            "json",
        ],
    )
    .json();
    assert_eq!(v["discount_pct"], json!(10));
    assert_eq!(v["rows"][1]["computed_usd"], json!(13.5));
    assert_eq!(v["rows"][1]["gap_usd"], json!(2.63));
    let e = run_in(
        tmp.path(),
        &["reconcile", "--snapshot", "snap", "--discount", "100%"],
    );
    assert_eq!(e.code, 2, "{}", e.all());
    // A snapshot without a bill is a usage error
    let o = run_in(tmp.path(), &["reconcile", "--snapshot", "nope"]);
    assert_eq!(o.code, 2, "{}", o.all());

    // A discount file: a model's own entry, then its service's (as the bill names it), then
    // the default. Haiku 4.5 $15.00 - 10% = $13.50 (model); Nova Micro $0.00014 - 12% =
    // $0.0001232 (service Amazon Bedrock); Sonnet 4.5 $0.495 - 2% = $0.4851 (default: its
    // Marketplace service has no entry). $13.9852232 computed.
    std::fs::write(
        tmp.path().join("discounts.toml"),
        "default = \"2%\"\n[services]\n\"Amazon Bedrock\" = \"12%\"\n[models]\n\"anthropic.claude-haiku-4-5\" = \"10%\"\n",
    )
    .unwrap();
    let o = run_in(
        tmp.path(),
        &[
            "reconcile",
            "--snapshot",
            "snap",
            "--discount-file",
            "discounts.toml",
            "--format",
            "json",
        ],
    );
    assert_eq!(o.code, 0, "{}", o.all());
    let v = o.json();
    assert_eq!(v["computed_usd"], json!(13.9852232));
    assert_eq!(v["discount_pct"], json!(null));
    assert_eq!(
        v["discounts"],
        json!({
            "amazon.nova-micro": {"pct": 12, "from": "service Amazon Bedrock"},
            "anthropic.claude-haiku-4-5": {"pct": 10, "from": "model"},
            "anthropic.claude-sonnet-4-5": {"pct": 2, "from": "default"}
        })
    );
    let t = run_in(
        tmp.path(),
        &[
            "reconcile",
            "--snapshot",
            "snap",
            "--discount-file",
            "discounts.toml",
        ],
    );
    assert!(
        t.stdout.contains("Discounts taken off the computed side: amazon.nova-micro 12% (service Amazon Bedrock), anthropic.claude-haiku-4-5 10% (model), anthropic.claude-sonnet-4-5 2% (default)"),
        "{}",
        t.stdout
    );
    // A service the bill does not have discounts nothing, and is said.
    let with_file = |name: &str, text: &str| {
        std::fs::write(tmp.path().join(name), text).unwrap();
        run_in(
            tmp.path(),
            &["reconcile", "--snapshot", "snap", "--discount-file", name],
        )
    };
    let w = with_file("svc.toml", "[services]\n\"Amazon Bedrok\" = 10\n");
    assert_eq!(w.code, 0, "{}", w.all());
    assert!(
        w.stderr.contains("warning: --discount-file: services.\"Amazon Bedrok\" bills nothing in this snapshot, so it discounts nothing (the bill's services: Amazon Bedrock, "),
        "{}",
        w.stderr
    );
    // Both ways at once, or a model the catalog does not know: usage errors.
    let e = run_in(
        tmp.path(),
        &[
            "reconcile",
            "--snapshot",
            "snap",
            "--discount",
            "5%",
            "--discount-file",
            "discounts.toml",
        ],
    );
    assert_eq!(e.code, 2, "{}", e.all());
    let e = with_file(
        "typo.toml",
        "[models]\n\"anthropic.claude-haiku-45\" = \"10%\"\n",
    );
    assert_eq!(e.code, 2, "{}", e.all());
    assert!(
        e.stderr.contains(
            "--discount-file typo.toml: models.\"anthropic.claude-haiku-45\": not a catalog model"
        ),
        "{}",
        e.stderr
    );

    // Credits, refunds, discounts and tax apart: the snapshot's record types give billed
    // gross, what changes it, and billed net. Usage $20.00014 (net 12% less: $17.6001232) +
    // $16.13 + $0.50 = $36.63014 gross; a $5 credit, a $1.13 refund and $1.20 tax = -$4.93;
    // $31.70014 after them; net $17.6001232 + $16.13 + $0.50 - $5 - $1.13 + $1.20 = $29.3001232.
    record_types_snapshot(
        &snap,
        &[
            (
                "2026-10-05",
                "Amazon Bedrock",
                "Usage",
                "20.00014",
                "17.6001232",
            ),
            (
                "2026-10-06",
                "Claude Haiku 4.5 (Amazon Bedrock Edition)",
                "Usage",
                "16.13",
                "16.13",
            ),
            (
                "2026-10-06",
                "Claude Sonnet 4.5 (Amazon Bedrock Edition)",
                "Usage",
                "0.50",
                "0.50",
            ),
            ("2026-10-07", "Amazon Bedrock", "Credit", "-5.00", "-5.00"),
            (
                "2026-10-07",
                "Claude Haiku 4.5 (Amazon Bedrock Edition)",
                "Refund",
                "-1.13",
                "-1.13",
            ),
            (
                "2026-10-31",
                "Claude Haiku 4.5 (Amazon Bedrock Edition)",
                "Tax",
                "1.20",
                "1.20",
            ),
        ],
    );
    for args in [
        &[
            "report",
            "--snapshot",
            "snap",
            "--source",
            "bill",
            "--format",
            "json",
        ][..],
        &["reconcile", "--snapshot", "snap", "--format", "json"][..],
    ] {
        let o = run_in(tmp.path(), args);
        assert_eq!(o.code, 0, "{}", o.all());
        let a = &o.json()["adjustments"];
        assert_eq!(a["gross_usd"], json!(36.63014), "{args:?}");
        assert_eq!(a["adjustments_usd"], json!(-4.93), "{args:?}");
        assert_eq!(a["after_adjustments_usd"], json!(31.70014), "{args:?}");
        assert_eq!(a["net_usd"], json!(29.3001232), "{args:?}");
        assert_eq!(
            a["rows"][0],
            json!({"service": "Amazon Bedrock", "record_type": "Credit", "kind": "credit",
                   "unblended_usd": -5, "net_unblended_usd": -5})
        );
    }
    let t = run_in(
        tmp.path(),
        &["report", "--snapshot", "snap", "--source", "bill"],
    );
    assert!(
        t.stdout.contains(
            "Credits, refunds, discounts and tax (Cost Explorer record types):\n  Amazon Bedrock / Credit: -$5.00 (net -$5.00)\n  Claude Haiku 4.5 (Amazon Bedrock Edition) / Refund: -$1.13 (net -$1.13)\n  Claude Haiku 4.5 (Amazon Bedrock Edition) / Tax: $1.20 (net $1.20)\n  billed gross (usage) $36.63 + adjustments -$4.93 = $31.70; billed net (NetUnblendedCost, after discounts AWS nets in) $29.30\n"
        ),
        "{}",
        t.stdout
    );
    assert!(
        t.stdout
            .contains("amounts are usage charges (record type Usage, UnblendedCost)"),
        "{}",
        t.stdout
    );
    // A discount the bill lists as its own record type, and --discount as well: counted twice,
    // said.
    record_types_snapshot(
        &snap,
        &[(
            "2026-10-08",
            "Amazon Bedrock",
            "Enterprise Discount Program Discount",
            "-1.00",
            "-1.00",
        )],
    );
    let w = run_in(
        tmp.path(),
        &["reconcile", "--snapshot", "snap", "--discount", "5%"],
    );
    assert!(
        w.stderr.contains("warning: the bill lists discounts as their own record types (Enterprise Discount Program Discount), so its usage rows are at list price"),
        "{}",
        w.stderr
    );
}

/// Record types of a snapshot's bill: (day, service, record type, unblended, net unblended).
fn record_types_snapshot(dir: &Path, rows: &[(&str, &str, &str, &str, &str)]) {
    use bedrock_lens::collect::cost_explorer::RecordTypeRow;
    let day = |d: &str| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap();
    let rows: Vec<RecordTypeRow> = rows
        .iter()
        .map(|(d, service, rt, ub, nb)| RecordTypeRow {
            day: day(d),
            service: service.to_string(),
            linked_account: None,
            record_type: rt.to_string(),
            unblended: ub.parse().unwrap(),
            net_unblended: nb.parse().unwrap(),
        })
        .collect();
    let services: Vec<String> = rows.iter().map(|r| r.service.clone()).collect();
    snapshot::record_types::save(
        &dir.join(snapshot::RECORD_TYPES),
        &rows,
        Some("999988887777"),
        (day("2026-10-01"), day("2026-11-01")),
        &services,
    )
    .unwrap();
}

#[test]
fn the_demo_snapshot_reconciles_with_its_planted_gaps_and_logging_gap() {
    let tmp = tempfile::tempdir().unwrap();
    let o = run_in(tmp.path(), &["demo", "--snapshot", "snap", "-q"]);
    assert_eq!(o.code, 0, "{}", o.all());
    // The snapshot holds September and October; each month has its planted surcharge.
    let both = run_in(
        tmp.path(),
        &["reconcile", "--snapshot", "snap", "--format", "json"],
    )
    .json();
    let days: Vec<&str> = both["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["flagged"] == true)
        .map(|r| r["day"].as_str().unwrap())
        .collect();
    assert_eq!(days, ["2026-10-15", "2026-09-17", "2026-10-07"]);
    let v = run_in(
        tmp.path(),
        &[
            "reconcile",
            "--snapshot",
            "snap",
            "--start",
            "2026-10",
            "--format",
            "json",
        ],
    )
    .json();
    // auto: the logs, and the metrics of the hours without any logs
    assert_eq!(v["computed_from"], "logs+metrics");
    let flagged: Vec<(String, String, serde_json::Value)> = v["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["flagged"] == true)
        .map(|r| {
            (
                r["model"].as_str().unwrap().to_string(),
                r["day"].as_str().unwrap().to_string(),
                r["gap_pct"].clone(),
            )
        })
        .collect();
    // Exactly what was planted: the provisioned-throughput charge and the 20% surcharge.
    assert_eq!(
        flagged,
        [
            (
                "(provisioned throughput)".to_string(),
                "2026-10-15".to_string(),
                json!(100)
            ),
            (
                "anthropic.claude-sonnet-4".to_string(),
                "2026-10-07".to_string(),
                json!(20)
            ),
        ]
    );
    // A fifth of us-west-2's logs are missing: coverage about 80% there, 100% elsewhere.
    // Successful calls too: CloudWatch's Invocations against the logs' calls without an error.
    for c in v["logging_coverage"].as_array().unwrap() {
        for field in ["coverage_pct", "calls_coverage_pct"] {
            let pct = c[field].as_f64().unwrap();
            if c["region"] == "us-west-2" {
                assert!((75.0..=90.0).contains(&pct), "{c}");
            } else {
                assert_eq!(pct, 100.0, "{c}");
            }
        }
    }
    // Coverage under 99% (100% - the 1% threshold) is flagged: the four us-west-2 pairs.
    assert_eq!(v["coverage_flagged"], json!(4));
    // The unpriced model's row has no measurable gap: null, never $0.
    let opus = v["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["model"] == "us.anthropic.claude-opus-5-20261015-v1:0")
        .unwrap();
    assert_eq!(
        (&opus["computed_usd"], &opus["gap_usd"]),
        (&json!(null), &json!(null))
    );
    // The header splits the bill: model tokens and charges never computed from usage.
    let t = run_in(
        tmp.path(),
        &[
            "reconcile",
            "--snapshot",
            "snap",
            "--by",
            "month",
            "--start",
            "2026-10",
        ],
    );
    assert!(
        t.stdout.starts_with("Computed (logs+metrics) against billed (Cost Explorer), per month: computed $87.25, billed $137.51 ($89.51 model tokens + $48.00 other charges, billed and never computed from usage), gap $50.26; 2 flagged"),
        "{}",
        t.stdout
    );
    assert!(t.stdout.contains("4 region and model pair(s) flagged: less than 99% of their metric tokens or calls are in the logs"), "{}", t.stdout);
    // --strict: flags (gaps or coverage) exit 1; a period with nothing in it exits 1 too.
    let strict = run_in(tmp.path(), &["reconcile", "--snapshot", "snap", "--strict"]);
    assert_eq!(strict.code, 1, "{}", strict.all());
    let empty = run_in(
        tmp.path(),
        &[
            "reconcile",
            "--snapshot",
            "snap",
            "--start",
            "2027-01",
            "--end",
            "2027-01",
        ],
    );
    assert_eq!(empty.code, 1, "{}", empty.all());
    assert!(
        empty.stderr.contains("nothing in scope"),
        "{}",
        empty.stderr
    );
    // Half a day of usage against a whole billed day would read as a gap: whole days only.
    let part = run_in(
        tmp.path(),
        &[
            "reconcile",
            "--snapshot",
            "snap",
            "--end",
            "2026-10-07T12:00:00Z",
        ],
    );
    assert_eq!(part.code, 2, "{}", part.all());
    assert!(
        part.stderr
            .contains("the bill is per day, so this takes whole days"),
        "{}",
        part.stderr
    );
    let lite = v["logging_coverage"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["region"] == "us-west-2" && c["model"] == "amazon.nova-lite")
        .unwrap();
    // 1,381 successful calls in the month; 1,105 of them in the logs (every fifth dropped).
    assert_eq!(
        (
            &lite["metric_calls"],
            &lite["log_calls"],
            &lite["calls_coverage_pct"]
        ),
        (&json!(1381), &json!(1105), &json!(80))
    );
    // The metrics hold every call's tokens: the whole month's 27,014,902 input tokens.
    let m = run_in(
        tmp.path(),
        &[
            "report",
            "--snapshot",
            "snap",
            "--source",
            "metrics",
            "--start",
            "2026-10",
            "--format",
            "json",
        ],
    )
    .json();
    assert_eq!(m["totals"]["input_tokens"], json!(27_014_902));
    // The bill holds every priced call plus the $48 charge.
    let b = run_in(
        tmp.path(),
        &[
            "report",
            "--snapshot",
            "snap",
            "--source",
            "bill",
            "--start",
            "2026-10",
            "--by",
            "category",
            "--format",
            "json",
        ],
    )
    .json();
    assert_eq!(b["by_category"]["provisioned throughput"], json!(48));
}

#[test]
fn whatif_from_metrics_reprices_model_level_scenarios() {
    let tmp = tempfile::tempdir().unwrap();
    let snap = tmp.path().join("snap");
    metrics_snapshot(
        &snap,
        3600,
        &[
            (
                "us-east-1",
                "amazon.nova-micro-v1:0",
                "Invocations",
                t(5, 10),
                5.0,
            ),
            (
                "us-east-1",
                "amazon.nova-micro-v1:0",
                "InputTokenCount",
                t(5, 10),
                2000.0,
            ),
            (
                "us-east-1",
                "amazon.nova-micro-v1:0",
                "OutputTokenCount",
                t(5, 10),
                500.0,
            ),
            (
                "eu-west-1",
                "global.anthropic.claude-haiku-4-5-20251001-v1:0",
                "Invocations",
                t(6, 9),
                40.0,
            ),
            (
                "eu-west-1",
                "global.anthropic.claude-haiku-4-5-20251001-v1:0",
                "InputTokenCount",
                t(6, 9),
                1_000_000.0,
            ),
            (
                "eu-west-1",
                "global.anthropic.claude-haiku-4-5-20251001-v1:0",
                "OutputTokenCount",
                t(6, 9),
                100_000.0,
            ),
        ],
    );
    let o = run_in(
        tmp.path(),
        &[
            "whatif",
            "--snapshot",
            "snap",
            "-s",
            "batch",
            "--format",
            "json",
        ],
    );
    assert_eq!(o.code, 0, "{}", o.all());
    let v = o.json();
    assert_eq!(v["source"], "metrics");
    // Baseline: Nova Micro $0.00014 + Haiku 4.5 global (1M x 1.00 + 100K x 5.00) $1.50.
    assert_eq!(v["baseline"]["total_usd"], json!(1.50014));
    // Batch: Nova Micro 2,000 x 0.0175 + 500 x 0.07 per 1M = $0.00007; Haiku 4.5 global batch
    // 1M x 0.50 + 100K x 2.50 = $0.75. A 1M-token sum is not a long-context request.
    assert_eq!(v["scenarios"][0]["total_usd"], json!(0.75007));
    // Hourly buckets: provisioned sizing cannot see a peak inside the hour, and says so.
    assert!(
        v["limits"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l.as_str().unwrap().starts_with(
                "provisioned throughput is sized from 60-minute metric buckets spread evenly"
            )),
        "{}",
        v["limits"]
    );
    // The caching scenarios need request bodies
    let e = run_in(
        tmp.path(),
        &["whatif", "--snapshot", "snap", "-s", "caching"],
    );
    assert_eq!(e.code, 2, "{}", e.all());
    assert!(
        e.stderr.contains("CloudWatch metrics have none"),
        "{}",
        e.stderr
    );
    // The default scenarios run without them
    let d = run_in(
        tmp.path(),
        &["whatif", "--snapshot", "snap", "--format", "json"],
    )
    .json();
    let names: Vec<&str> = d["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert!(!names.iter().any(|n| n.starts_with("caching")), "{names:?}");
    assert!(
        names.contains(&"batch") && names.contains(&"flex"),
        "{names:?}"
    );
}

#[test]
fn metrics_of_a_day_the_catalog_has_no_price_for_are_unpriced_with_the_reason() {
    let tmp = tempfile::tempdir().unwrap();
    let snap = tmp.path().join("snap");
    // GPT-5.6 Terra's rows start on 2026-07-30: its metrics of 2026-07-20 have no price.
    let day = Utc.with_ymd_and_hms(2026, 7, 20, 10, 0, 0).unwrap();
    metrics_snapshot(
        &snap,
        3600,
        &[
            ("us-east-1", "openai.gpt-5.6-terra", "Invocations", day, 3.0),
            (
                "us-east-1",
                "openai.gpt-5.6-terra",
                "InputTokenCount",
                day,
                1000.0,
            ),
        ],
    );
    let o = run_in(
        tmp.path(),
        &["report", "--snapshot", "snap", "--format", "json"],
    );
    assert_eq!(o.code, 0, "{}", o.all());
    let v = o.json();
    assert_eq!(v["totals"]["cost_usd"], json!(null));
    assert_eq!(v["totals"]["unpriced_invocations"], json!(3));
    let reason = v["unpriced"][0]["reasons"][0].as_str().unwrap();
    assert!(
        reason.contains("on 2026-07-20 (the catalog's rows there apply from 2026-07-30)"),
        "{reason}"
    );
}

#[test]
fn the_long_context_bound_counts_only_hours_whose_prompt_tokens_are_over_the_threshold() {
    let tmp = tempfile::tempdir().unwrap();
    let snap = tmp.path().join("snap");
    let id = "us.anthropic.claude-sonnet-4-5-20250929-v1:0";
    metrics_snapshot(
        &snap,
        3600,
        &[
            // 09:00: 250K in (over 200K), 10K out, 10 calls.
            ("us-east-1", id, "Invocations", t(6, 9), 10.0),
            ("us-east-1", id, "InputTokenCount", t(6, 9), 250_000.0),
            ("us-east-1", id, "OutputTokenCount", t(6, 9), 10_000.0),
            // 10:00: 150K in, under: none of its requests can have been over.
            ("us-east-1", id, "Invocations", t(6, 10), 10.0),
            ("us-east-1", id, "InputTokenCount", t(6, 10), 150_000.0),
        ],
    );
    let o = run_in(
        tmp.path(),
        &["report", "--snapshot", "snap", "--format", "json"],
    );
    assert_eq!(o.code, 0, "{}", o.all());
    let v = o.json();
    // Standard (us. regional 3.30 / 16.50): 400K x 3.3 + 10K x 16.5 = 1.32 + 0.165 = $1.485.
    assert_eq!(v["totals"]["cost_usd"], json!(1.485));
    // 09:00 at long-context rates (6.60 / 24.75): 1.65 + 0.2475 = 1.8975 against 0.825 +
    // 0.165 = 0.99 standard: $0.9075 more at most; 10:00 adds nothing.
    assert_eq!(
        v["long_context_bound_usd"],
        json!({"anthropic.claude-sonnet-4-5": 0.9075})
    );
    let limit = v["limits"][1].as_str().unwrap();
    assert!(
        limit.starts_with("long-context requests cannot be told from metrics: anthropic.claude-sonnet-4-5 priced at standard rates; at most $0.91 more"),
        "{limit}"
    );
}

/// A costs.parquet as an older version wrote it: no `account` column (and no record types).
fn old_costs_file(dir: &Path, cost: &str) {
    use polars::prelude::*;
    std::fs::create_dir_all(dir).unwrap();
    let col = |name: &str, v: &str| Column::new(name.into(), vec![Some(v.to_string())]);
    let mut df = DataFrame::new(
        1,
        vec![
            col("day", "2026-10-05"),
            col("service", "Amazon Bedrock"),
            col("usage_type", "USE1-NovaMicro-input-tokens"),
            Column::new("linked_account".into(), vec![None::<String>]),
            col("cost", cost),
            col("cost_unit", "USD"),
            col("quantity", "2000000"),
            col("quantity_unit", "N/A"),
        ],
    )
    .unwrap();
    snapshot::write_parquet(&dir.join(snapshot::COSTS), &mut df).unwrap();
    let mut m = Manifest::new();
    m.sources.insert("costs".into(), Default::default());
    m.save(dir).unwrap();
}

#[test]
fn an_older_bill_is_read_with_what_it_lacks_said_and_an_unreadable_amount_is_never_zero() {
    let tmp = tempfile::tempdir().unwrap();
    // An older snapshot: read, exact, and the missing record types said.
    old_costs_file(&tmp.path().join("old"), "0.0700000000");
    let o = run_in(
        tmp.path(),
        &[
            "report",
            "--snapshot",
            "old",
            "--source",
            "bill",
            "--format",
            "json",
        ],
    );
    assert_eq!(o.code, 0, "{}", o.all());
    let v = o.json();
    assert_eq!(v["total_usd"], json!(0.07));
    assert_eq!(v["rows"][0]["model"], "amazon.nova-micro");
    assert_eq!(v["adjustments"], json!(null));
    let text = run_in(
        tmp.path(),
        &["report", "--snapshot", "old", "--source", "bill"],
    );
    assert!(
        text.stdout.contains("credits, refunds and discounts are not in this snapshot (collected by an older version: run `collect costs` again to have them apart)"),
        "{}",
        text.stdout
    );
    // A period the bill has nothing in: said in the bill's own terms, exit 1.
    let e = run_in(
        tmp.path(),
        &[
            "report",
            "--snapshot",
            "old",
            "--source",
            "bill",
            "--start",
            "2027-01",
        ],
    );
    assert_eq!(e.code, 1, "{}", e.all());
    assert!(
        e.stderr
            .contains("error: no bill rows in scope: 1 read, 1 outside the period"),
        "{}",
        e.stderr
    );
    // A directory that is not a snapshot: a usage error saying so.
    let e = run_in(
        tmp.path(),
        &["report", "--snapshot", ".", "--source", "bill"],
    );
    assert_eq!(e.code, 2, "{}", e.all());
    assert!(
        e.stderr
            .contains("no manifest.json here, so not a snapshot"),
        "{}",
        e.stderr
    );
    // An amount that cannot be read stops the bill (exit 1, file and row named), never $0.
    let bad = tmp.path().join("bad");
    metrics_snapshot(
        &bad,
        3600,
        &[(
            "us-east-1",
            "amazon.nova-micro-v1:0",
            "InputTokenCount",
            t(5, 10),
            10.0,
        )],
    );
    old_costs_file(&bad, "n/a");
    for args in [
        &["report", "--snapshot", "bad", "--source", "bill"][..],
        &["reconcile", "--snapshot", "bad"][..],
    ] {
        let o = run_in(tmp.path(), args);
        assert_ne!(o.code, 0, "{args:?}: {}", o.all());
        assert!(o.stdout.is_empty(), "{args:?}: {}", o.stdout);
        assert!(
            o.stderr.contains("costs.parquet: row 1: unreadable amount"),
            "{args:?}: {}",
            o.stderr
        );
    }
}

#[test]
fn sync_takes_billing_names_from_usage_types_so_the_bill_maps_to_the_model() {
    let tmp = tempfile::tempdir().unwrap();
    // The offer's Nova Lite usage types renamed to a billing name no model name matches.
    let text = std::fs::read_to_string(
        super::root().join("tests/fixtures/pricelist/AmazonBedrock-us-east-1.json"),
    )
    .unwrap();
    assert!(text.contains("\"USE1-NovaLite-input-tokens\""));
    std::fs::write(
        tmp.path().join("ab.json"),
        text.replace("USE1-NovaLite-", "USE1-NovaLiteV1-"),
    )
    .unwrap();
    let o = run_in(
        tmp.path(),
        &[
            "pricing", "sync", "--from", "ab.json", "--out", "prices", "--format", "json",
        ],
    );
    assert_eq!(o.code, 0, "{}", o.all());
    assert_eq!(
        o.json()["billing_names_added"],
        json!([{"model": "amazon.nova-lite", "billing_name": "NovaLiteV1"}])
    );
    // What the one offer prices nothing of is not written: the directory checks clean.
    assert!(
        o.stderr
            .contains("deepseek.toml not written: the offers read price none of its models"),
        "{}",
        o.stderr
    );
    let check = run_in(tmp.path(), &["pricing", "check", "prices"]);
    assert_eq!(check.code, 0, "{}", check.all());
    let written = std::fs::read_to_string(tmp.path().join("prices/amazon.toml")).unwrap();
    assert!(
        written.contains("billing_names = [\"NovaLiteV1\"]"),
        "{written}"
    );
    let t = run_in(tmp.path(), &["pricing", "sync", "--from", "ab.json"]);
    assert!(
        t.stdout.contains("Billing names from the usage types, so the bill maps to these models: NovaLiteV1 (amazon.nova-lite)"),
        "{}",
        t.stdout
    );
    // A bill in that name: unmapped with the built-in catalog, Nova Lite with the synced one.
    let snap = tmp.path().join("snap");
    bill_snapshot(
        &snap,
        &[(
            "2026-10-05",
            "Amazon Bedrock",
            "USE1-NovaLiteV1-input-tokens",
            "0.06",
            "1000000",
        )],
    );
    let model = |extra: &[&str]| {
        let mut args = vec![
            "report",
            "--snapshot",
            "snap",
            "--source",
            "bill",
            "--format",
            "json",
        ];
        args.extend(extra);
        let o = run_in(tmp.path(), &args);
        assert_eq!(o.code, 0, "{}", o.all());
        o.json()["rows"][0]["model"].clone()
    };
    assert_eq!(model(&[]), json!("(unmapped) USE1-NovaLiteV1-input-tokens"));
    assert_eq!(model(&["--pricing", "prices"]), json!("amazon.nova-lite"));
}
