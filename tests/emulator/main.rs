//! `collect` against the local AWS emulator (moto server; scripts/emulator.sh starts it and sets
//! BEDROCK_LENS_EMULATOR). Data is seeded through the emulator's own API, the real binary runs
//! with --endpoint-url, and the API calls it made are counted from the emulator's request
//! recorder. Without the emulator the test is skipped, except under CI=true, where it fails.
//!
//! One test runs the scenarios in order: the recorder is server-wide, so they must not overlap.

mod athena;
mod count_tokens;
mod discover;
mod faults;

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Output};

use aws_sdk_cloudwatch::primitives::DateTime as SmithyTime;
use base64::Engine;
use chrono::{DateTime, Duration, Timelike, Utc};
use serde_json::{json, Value};

fn endpoint() -> Option<String> {
    match std::env::var("BEDROCK_LENS_EMULATOR") {
        Ok(e) => Some(e),
        Err(_) if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!(
                "CI=true and no emulator: run the suite through scripts/test.sh, which starts it"
            )
        }
        Err(_) => {
            eprintln!("skipped: no BEDROCK_LENS_EMULATOR (scripts/test.sh starts the emulator)");
            None
        }
    }
}

/// A plain HTTP/1.0 request to the emulator's control API (no chunked replies).
fn http(ep: &str, method: &str, path: &str, body: &str) -> String {
    let addr = ep.trim_start_matches("http://").trim_end_matches('/');
    let mut s = std::net::TcpStream::connect(addr).expect("emulator reachable");
    write!(
        s,
        "{method} {path} HTTP/1.0\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    let (head, body) = out.split_once("\r\n\r\n").unwrap_or((&out, ""));
    assert!(
        head.split(' ').nth(1).is_some_and(|c| c.starts_with('2')),
        "{method} {path}: {head}"
    );
    body.to_string()
}

/// The operation of one recorded request.
fn operation(entry: &Value) -> String {
    let headers = &entry["headers"];
    for (k, v) in headers.as_object().unwrap() {
        if k.eq_ignore_ascii_case("x-amz-target") {
            return v.as_str().unwrap().rsplit('.').next().unwrap().to_string();
        }
    }
    let body = entry["body"].as_str().unwrap_or("");
    let body = if entry["body_encoded"].as_bool() == Some(true) {
        String::from_utf8_lossy(
            &base64::engine::general_purpose::STANDARD
                .decode(body)
                .unwrap_or_default(),
        )
        .into_owned()
    } else {
        body.to_string()
    };
    if let Some(a) = body.split('&').find_map(|kv| kv.strip_prefix("Action=")) {
        return a.to_string();
    }
    // S3, path style: GET /bucket?list-type=2 lists, GET /bucket/key reads.
    let url = entry["url"].as_str().unwrap();
    let path = url
        .split("://")
        .nth(1)
        .map_or(url, |r| &r[r.find('/').unwrap_or(r.len())..]);
    let (path, query) = path.split_once('?').unwrap_or((path, ""));
    let method = entry["method"].as_str().unwrap();
    let segments = path.trim_matches('/').split('/').count();
    match (method, segments, query.contains("list-type=2")) {
        ("GET", 1, true) => "ListObjectsV2".into(),
        ("GET", n, false) if n > 1 => "GetObject".into(),
        _ => format!("{method} {path}"),
    }
}

/// Runs `f` with the recorder on and returns the calls per operation.
fn recorded(ep: &str, f: impl FnOnce()) -> BTreeMap<String, u64> {
    http(ep, "POST", "/moto-api/recorder/reset-recording", "");
    http(ep, "POST", "/moto-api/recorder/start-recording", "");
    f();
    http(ep, "POST", "/moto-api/recorder/stop-recording", "");
    let log = http(ep, "GET", "/moto-api/recorder/download-recording", "");
    let mut ops = BTreeMap::new();
    for line in log.lines().filter(|l| !l.trim().is_empty()) {
        let v: Value = serde_json::from_str(line).unwrap();
        *ops.entry(operation(&v)).or_default() += 1;
    }
    ops
}

fn ops(pairs: &[(&str, u64)]) -> BTreeMap<String, u64> {
    pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
}

fn bin(ep: &str, args: &[&str]) -> Output {
    let out = Command::new(env!("CARGO_BIN_EXE_bedrock-lens"))
        .args(args)
        .args(["--endpoint-url", ep])
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", "/nonexistent")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_REGION")
        .env_remove("AWS_DEFAULT_REGION")
        .env_remove("AWS_ENDPOINT_URL")
        .output()
        .unwrap();
    out
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn offline(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_bedrock-lens"))
        .args(args)
        .output()
        .unwrap()
}

fn manifest(dir: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("manifest.json")).unwrap()).unwrap()
}

async fn sdk_config(ep: &str, region: &str) -> aws_config::SdkConfig {
    // Credentials given here, not through the environment: other tests run in parallel threads.
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new(region.to_string()))
        .endpoint_url(ep)
        .credentials_provider(aws_sdk_s3::config::Credentials::new(
            "test", "test", None, None, "test",
        ))
        .load()
        .await
}

/// One invocation record (Nova Micro in us-east-1: $0.035 / $0.14 per 1M tokens).
fn record(id: &str, t: DateTime<Utc>, input: u64, output: u64) -> String {
    json!({
        "schemaType": "ModelInvocationLog", "schemaVersion": "1.0",
        "timestamp": t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "accountId": "111122223333", "region": "us-east-1", "requestId": id,
        "operation": "Converse", "modelId": "amazon.nova-micro-v1:0",
        "identity": {"arn": "arn:aws:sts::111122223333:assumed-role/app/s"},
        "input": {"inputContentType": "application/json",
                  "inputBodyJson": {"messages": [{"role": "user", "content": [{"text": "SECRET prompt"}]}]},
                  "inputTokenCount": input},
        "output": {"outputContentType": "application/json",
                   "outputBodyJson": {"output": {"message": {"content": [{"text": "SECRET answer"}]}}},
                   "outputTokenCount": output}
    })
    .to_string()
}

/// A new log group (in us-east-1) holding one event at `at` whose message is `message`.
async fn one_event_group(ep: &str, group: &str, at: DateTime<Utc>, message: String) {
    let logs = aws_sdk_cloudwatchlogs::Client::new(&sdk_config(ep, "us-east-1").await);
    logs.create_log_group()
        .log_group_name(group)
        .send()
        .await
        .unwrap();
    logs.create_log_stream()
        .log_group_name(group)
        .log_stream_name("s")
        .send()
        .await
        .unwrap();
    logs.put_log_events()
        .log_group_name(group)
        .log_stream_name("s")
        .log_events(
            aws_sdk_cloudwatchlogs::types::InputLogEvent::builder()
                .timestamp(at.timestamp_millis())
                .message(message)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
}

fn report_totals(snapshot: &Path) -> Value {
    let o = offline(&[
        "report",
        "--snapshot",
        snapshot.to_str().unwrap(),
        "--source",
        "logs",
        "--format",
        "json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    v["totals"].clone()
}

#[test]
fn collectors_against_the_emulator() {
    let Some(ep) = endpoint() else { return };
    let rt = tokio::runtime::Runtime::new().unwrap();
    http(&ep, "POST", "/moto-api/reset", "");
    let now = Utc::now();
    let t0 = (now - Duration::hours(30))
        .with_minute(0)
        .unwrap()
        .with_second(0)
        .unwrap()
        .with_nanosecond(0)
        .unwrap();
    let start = (now - Duration::days(2)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let end = now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let tmp = tempfile::tempdir().unwrap();
    let snap = tmp.path().join("snap");
    let snap_s = snap.to_str().unwrap().to_string();

    let collect_metrics = |out: &str| {
        bin(
            &ep,
            &[
                "collect",
                "metrics",
                "--region",
                "us-east-1",
                "--start",
                &start,
                "--end",
                &end,
                "--out",
                out,
            ],
        )
    };

    // ---- metrics: two models, token sums per hour; ListMetrics + GetMetricData once each.
    rt.block_on(async {
        let cw = aws_sdk_cloudwatch::Client::new(&sdk_config(&ep, "us-east-1").await);
        for (model, metric, values) in [
            ("amazon.nova-micro-v1:0", "InputTokenCount", [1200.0, 800.0]),
            ("amazon.nova-micro-v1:0", "OutputTokenCount", [300.0, 200.0]),
            ("amazon.nova-micro-v1:0", "Invocations", [3.0, 2.0]),
            (
                "anthropic.claude-3-haiku-20240307-v1:0",
                "InputTokenCount",
                [5000.0, 0.0],
            ),
            // A geo and a global profile id, and cache-token metrics.
            (
                "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
                "InputTokenCount",
                [100_000.0, 0.0],
            ),
            (
                "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
                "CacheReadInputTokenCount",
                [50_000.0, 0.0],
            ),
            (
                "global.anthropic.claude-haiku-4-5-20251001-v1:0",
                "InputTokenCount",
                [1_000_000.0, 0.0],
            ),
        ] {
            for (h, v) in values.iter().enumerate() {
                cw.put_metric_data()
                    .namespace("AWS/Bedrock")
                    .metric_data(
                        aws_sdk_cloudwatch::types::MetricDatum::builder()
                            .metric_name(metric)
                            .dimensions(
                                aws_sdk_cloudwatch::types::Dimension::builder()
                                    .name("ModelId")
                                    .value(model)
                                    .build(),
                            )
                            .timestamp(SmithyTime::from_secs(
                                (t0 + Duration::hours(h as i64)).timestamp() + 60,
                            ))
                            .value(*v)
                            .build(),
                    )
                    .send()
                    .await
                    .unwrap();
            }
        }
    });
    let mut out = None;
    let calls = recorded(&ep, || out = Some(collect_metrics(&snap_s)));
    let o = out.unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    // GetCallerIdentity names the account the metrics belong to (moto's is 123456789012).
    assert_eq!(
        calls,
        ops(&[
            ("GetCallerIdentity", 1),
            ("GetMetricData", 1),
            ("ListMetrics", 1)
        ])
    );
    let text = stdout(&o);
    assert!(
        text.contains("│ us-east-1 │ amazon.nova-micro-v1:0                          │           5 │        2,000 │           500 │"),
        "{text}"
    );
    assert!(
        text.contains(
            "anthropic.claude-3-haiku-20240307-v1:0          │           0 │        5,000 │"
        ),
        "{text}"
    );
    // 7 series found, each asked for its Sum (plus nothing else for these metric names).
    assert!(
        stderr(&o).contains("metrics requested: 7 "),
        "{}",
        stderr(&o)
    );
    let m = manifest(&snap);
    assert_eq!(m["schema"], "bedrock-lens/snapshot/v1");
    assert_eq!(
        m["sources"]["metrics"]["api_calls"],
        json!({"GetCallerIdentity": 1, "GetMetricData": 1, "ListMetrics": 1})
    );
    assert_eq!(m["sources"]["metrics"]["accounts"], json!(["123456789012"]));
    assert_eq!(m["sources"]["metrics"]["rows"], json!(14));
    assert_eq!(m["sources"]["metrics"]["api_cost_usd"], "0.00007");
    // Priced from the metrics (the snapshot has no invocation logs yet, so `auto` reads them):
    // Nova Micro 2,000 in x $0.035 + 500 out x $0.14 per 1M = $0.00014; Claude 3 Haiku 5,000 in
    // x $0.25 per 1M = $0.00125; $0.00139 in all.
    let o = offline(&[
        "report",
        "--snapshot",
        &snap_s,
        "--by",
        "model",
        "--format",
        "json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["source"], "metrics");
    // Plus Sonnet 4.5 on a us. profile (regional): 100K in x $3.30 + 50K cache read x $0.33 =
    // $0.3465; Haiku 4.5 on a global. profile: 1M in x $1.00 = $1.00. $1.34789 in all.
    assert_eq!(v["totals"]["input_tokens"], json!(1_107_000));
    assert_eq!(v["totals"]["cache_read_tokens"], json!(50_000));
    assert_eq!(v["totals"]["output_tokens"], json!(500));
    assert_eq!(v["totals"]["invocations"], json!(5));
    assert_eq!(v["totals"]["cost_usd"], json!(1.34789));
    // The same window again replaces its points: still 8 rows.
    let o = collect_metrics(&snap_s);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(manifest(&snap)["sources"]["metrics"]["rows"], json!(14));

    // ---- CloudWatch Logs: 12,000 events over two streams; FilterLogEvents pages through them.
    let n_events = 12_000u64;
    rt.block_on(async {
        let logs = aws_sdk_cloudwatchlogs::Client::new(&sdk_config(&ep, "us-east-1").await);
        logs.create_log_group()
            .log_group_name("/bedrock/invocations")
            .send()
            .await
            .unwrap();
        for stream in ["a", "b"] {
            logs.create_log_stream()
                .log_group_name("/bedrock/invocations")
                .log_stream_name(stream)
                .send()
                .await
                .unwrap();
        }
        let events: Vec<_> = (0..n_events)
            .map(|i| {
                let t = t0 + Duration::seconds(i as i64);
                aws_sdk_cloudwatchlogs::types::InputLogEvent::builder()
                    .timestamp(t.timestamp_millis())
                    .message(record(&format!("req-{i}"), t, 100 + i % 7, 20 + i % 3))
                    .build()
                    .unwrap()
            })
            .collect();
        for (k, chunk) in events.chunks(2_000).enumerate() {
            logs.put_log_events()
                .log_group_name("/bedrock/invocations")
                .log_stream_name(if k % 2 == 0 { "a" } else { "b" })
                .set_log_events(Some(chunk.to_vec()))
                .send()
                .await
                .unwrap();
        }
    });
    let collect_logs = |regions: &str| {
        bin(
            &ep,
            &[
                "collect",
                "logs",
                "--log-group",
                "/bedrock/invocations",
                "--region",
                regions,
                "--start",
                &start,
                "--end",
                &end,
                "--out",
                &snap_s,
            ],
        )
    };
    let mut out = None;
    let calls = recorded(&ep, || out = Some(collect_logs("us-east-1")));
    let o = out.unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    // 12,000 events, 10,000 per page: two pages.
    assert_eq!(
        calls,
        ops(&[("FilterLogEvents", 2), ("GetCallerIdentity", 1)])
    );
    assert!(!stdout(&o).contains("SECRET") && !stderr(&o).contains("SECRET"));
    // Input: 12,000 x 100 + sum(i % 7) = 1,200,000 + 1,714 x 21 + (0 + 1) = 1,235,995.
    // Output: 12,000 x 20 + 4,000 x (0 + 1 + 2) = 252,000.
    // Cost: 1,235,995 x $0.035/1M + 252,000 x $0.14/1M = $0.043259825 + $0.03528 = $0.078539825.
    let totals = report_totals(&snap);
    assert_eq!(totals["invocations"], json!(12_000));
    assert_eq!(totals["input_tokens"], json!(1_235_995));
    assert_eq!(totals["output_tokens"], json!(252_000));
    // Rounded to a micro-dollar: $0.078540.
    assert_eq!(totals["cost_usd"].to_string(), "0.07854");
    let m = manifest(&snap);
    let inv = &m["sources"]["invocations"];
    assert_eq!(inv["rows"], json!(12_000));
    assert_eq!(
        inv["api_calls"],
        json!({"FilterLogEvents": 2, "GetCallerIdentity": 1})
    );
    assert_eq!(inv["accounts"], json!(["111122223333"]));
    // The metrics collected before are still in the snapshot.
    assert_eq!(m["sources"]["metrics"]["rows"], json!(14));

    // Re-collecting the same window replaces its rows; a region that fails (no such group in
    // us-west-2) is reported, the other completes and is saved, exit 1.
    let o = collect_logs("us-east-1,us-west-2");
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("1 part(s) of the collection failed"), "{err}");
    assert!(
        err.contains("logs in us-west-2: logs:FilterLogEvents failed: ResourceNotFoundException"),
        "{err}"
    );
    assert_eq!(report_totals(&snap)["invocations"], json!(12_000));
    // `auto` (the default) adds the metrics of the accounts, regions and hours the logs do not
    // cover: here the emulator's own account (123456789012) metrics, its logs being another
    // account's (111122223333). Each row names its source.
    let o = offline(&[
        "report",
        "--snapshot",
        &snap_s,
        "--by",
        "account,model",
        "--format",
        "json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["source"], "auto");
    assert_eq!(v["group_by"], json!(["source", "account", "model"]));
    let by_source: Vec<(String, String, u64)> = v["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["source"].as_str().unwrap().to_string(),
                r["account"].as_str().unwrap().to_string(),
                r["input_tokens"].as_u64().unwrap(),
            )
        })
        .collect();
    assert!(
        by_source.contains(&("metrics".into(), "123456789012".into(), 2_000)),
        "{by_source:?}"
    );
    assert!(
        by_source.contains(&("metrics".into(), "123456789012".into(), 5_000)),
        "{by_source:?}"
    );
    assert!(
        by_source
            .iter()
            .any(|(s, a, _)| s == "logs" && a == "111122223333"),
        "{by_source:?}"
    );
    assert_eq!(
        manifest(&snap)["sources"]["invocations"]["rows"],
        json!(12_000)
    );

    // Another log group into the same snapshot adds its requests and keeps the first group's.
    rt.block_on(one_event_group(
        &ep,
        "/bedrock/other",
        t0,
        record("other-1", t0, 1_000, 1_000),
    ));
    let o = bin(
        &ep,
        &[
            "collect",
            "logs",
            "--log-group",
            "/bedrock/other",
            "--region",
            "us-east-1",
            "--start",
            &start,
            "--end",
            &end,
            "--out",
            &snap_s,
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let totals = report_totals(&snap);
    assert_eq!(totals["invocations"], json!(12_001));
    assert_eq!(totals["input_tokens"], json!(1_236_995));
    assert_eq!(
        manifest(&snap)["sources"]["invocations"]["rows"],
        json!(12_001)
    );

    // A log group that fails (it does not exist) is not recorded as collected, nor is the
    // window: only what completed is (a re-run fills the rest).
    let part = tempfile::tempdir().unwrap();
    let part_s = part.path().to_str().unwrap();
    let o = bin(
        &ep,
        &[
            "collect",
            "logs",
            "--log-group",
            "/bedrock/other",
            "--log-group",
            "/bedrock/missing",
            "--region",
            "us-east-1",
            "--start",
            &start,
            "--end",
            &end,
            "--out",
            part_s,
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let inv = &manifest(part.path())["sources"]["invocations"];
    assert_eq!(inv["details"]["log_groups"], json!(["/bedrock/other"]));
    assert_eq!(inv["windows"], json!([]));
    assert_eq!(inv["rows"], json!(1));

    // One clock decides the window for CloudWatch Logs: the event time FilterLogEvents selects
    // by. A record whose own timestamp is a second before the window, in an event inside it, is
    // collected (before, the record's timestamp dropped it here while the previous window's
    // FilterLogEvents never returned it).
    let start_t = now - Duration::days(2);
    let event_time = start_t + Duration::seconds(60);
    let edge_record = record("edge-1", start_t - Duration::seconds(1), 7, 7);
    rt.block_on(one_event_group(
        &ep,
        "/bedrock/edge",
        event_time,
        edge_record,
    ));
    // The rows `collect logs` keeps from one group over the window.
    let rows_collected = |group: &str| {
        let out = tempfile::tempdir().unwrap();
        let o = bin(
            &ep,
            &[
                "collect",
                "logs",
                "--log-group",
                group,
                "--region",
                "us-east-1",
                "--start",
                &start,
                "--end",
                &end,
                "--out",
                out.path().to_str().unwrap(),
            ],
        );
        assert!(o.status.success(), "{}", stderr(&o));
        manifest(out.path())["sources"]["invocations"]["rows"].clone()
    };
    assert_eq!(rows_collected("/bedrock/edge"), json!(1));
    // The end edge likewise: an event a minute before the window ends, whose record says a
    // second after it, belongs to this window (the next one's FilterLogEvents will not see it).
    rt.block_on(one_event_group(
        &ep,
        "/bedrock/edge-end",
        now - Duration::seconds(60),
        record("edge-2", now + Duration::seconds(1), 7, 7),
    ));
    assert_eq!(rows_collected("/bedrock/edge-end"), json!(1));

    // --server-side: moto answers StartQuery/GetQueryResults with raw events (it ignores
    // `stats`), so only the calls are meaningful here; the aggregation and its splitting are
    // tested with aws-smithy-mocks (faults.rs).
    let mut out = None;
    let calls = recorded(&ep, || {
        out = Some(bin(
            &ep,
            &[
                "collect",
                "logs",
                "--server-side",
                "--log-group",
                "/bedrock/other",
                "--region",
                "us-east-1",
                "--start",
                &start,
                "--end",
                &end,
            ],
        ))
    });
    let o = out.unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(calls.get("StartQuery"), Some(&1), "{calls:?}");
    assert!(
        calls.get("GetQueryResults").is_some_and(|n| *n >= 1),
        "{calls:?}"
    );

    // ---- S3: delivery layout, gzip; one object re-delivered (same request ids), one not a log.
    let prefix = "bedrock/AWSLogs/111122223333/BedrockModelInvocationLogs/us-east-1";
    let hour = t0.format("%Y/%m/%d/%H").to_string();
    rt.block_on(async {
        let conf = sdk_config(&ep, "us-east-1").await;
        let s3 = aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(&conf)
                .force_path_style(true)
                .build(),
        );
        s3.create_bucket().bucket("logs").send().await.unwrap();
        let gz = |lines: &[String]| {
            let mut e = flate2::write::GzEncoder::new(vec![], flate2::Compression::default());
            for l in lines {
                e.write_all(l.as_bytes()).unwrap();
                e.write_all(b"\n").unwrap();
            }
            e.finish().unwrap()
        };
        let a: Vec<String> = (0..3)
            .map(|i| record(&format!("s3-a{i}"), t0, 1000, 100))
            .collect();
        let b: Vec<String> = (0..2)
            .map(|i| record(&format!("s3-b{i}"), t0, 2000, 300))
            .collect();
        for (key, body) in [
            (format!("{prefix}/{hour}/part-a.json.gz"), gz(&a)),
            (format!("{prefix}/{hour}/part-b.json.gz"), gz(&b)),
            (format!("{prefix}/{hour}/part-a-again.json.gz"), gz(&a)),
            (
                "bedrock/amazon-bedrock-logs-permission-check".to_string(),
                b"ok".to_vec(),
            ),
        ] {
            s3.put_object()
                .bucket("logs")
                .key(key)
                .body(body.into())
                .send()
                .await
                .unwrap();
        }
    });
    let snap2 = tmp.path().join("snap-s3");
    let mut out = None;
    let calls = recorded(&ep, || {
        out = Some(bin(
            &ep,
            &[
                "collect",
                "logs",
                "--s3",
                "s3://logs/bedrock",
                "--region",
                "us-east-1",
                "--start",
                &start,
                "--end",
                &end,
                "--out",
                snap2.to_str().unwrap(),
            ],
        ))
    });
    let o = out.unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        calls,
        ops(&[
            ("GetCallerIdentity", 1),
            ("GetObject", 3),
            ("ListObjectsV2", 1)
        ])
    );
    assert!(
        stderr(&o).contains("3 duplicate(s) dropped"),
        "{}",
        stderr(&o)
    );
    // 3 x (1,000 in, 100 out) + 2 x (2,000 in, 300 out) = 7,000 in, 900 out:
    // 7,000 x $0.035/1M + 900 x $0.14/1M = $0.000245 + $0.000126 = $0.000371.
    let totals = report_totals(&snap2);
    assert_eq!(totals["invocations"], json!(5));
    assert_eq!(totals["input_tokens"], json!(7_000));
    assert_eq!(totals["output_tokens"], json!(900));
    assert_eq!(totals["cost_usd"].to_string(), "0.000371");

    // ---- Cost Explorer: two pages (NextPageToken), first-party and Marketplace services.
    let day = (now - Duration::days(1)).format("%Y-%m-%d").to_string();
    let next = now.format("%Y-%m-%d").to_string();
    let group = |svc: &str, ut: &str, cost: &str, q: &str| {
        json!({"Keys": [svc, ut], "Metrics": {
            "UnblendedCost": {"Amount": cost, "Unit": "USD"},
            "UsageQuantity": {"Amount": q, "Unit": "N/A"}}})
    };
    let page1 = json!({"ResultsByTime": [{"TimePeriod": {"Start": day, "End": next}, "Estimated": false,
        "Groups": [group("Amazon Bedrock", "USE1-NovaMicro-input-tokens", "0.0432598250", "1235.995"),
                   group("Amazon Bedrock", "USE1-NovaMicro-output-tokens", "0.03528", "252")]}],
        "NextPageToken": "page-2", "DimensionValueAttributes": [], "GroupDefinitions": []});
    let page2 = json!({"ResultsByTime": [{"TimePeriod": {"Start": day, "End": next}, "Estimated": false,
        "Groups": [group("Claude 3 Haiku (Amazon Bedrock Edition)", "USE1-MP:USE1_InputTokenCount-Units", "1.25", "5000000"),
                   group("Amazon Bedrock", "USE1-SomethingNew-Hours", "0.10", "1")]}],
        "DimensionValueAttributes": [], "GroupDefinitions": []});
    // The record types of the same services: usage, and a credit.
    let record_type = |svc: &str, rt: &str, ub: &str, nb: &str| {
        json!({"Keys": [svc, rt], "Metrics": {
            "UnblendedCost": {"Amount": ub, "Unit": "USD"},
            "NetUnblendedCost": {"Amount": nb, "Unit": "USD"}}})
    };
    let types = json!({"ResultsByTime": [{"TimePeriod": {"Start": day, "End": next}, "Estimated": false,
        "Groups": [record_type("Amazon Bedrock", "Usage", "0.178539825", "0.178539825"),
                   record_type("Amazon Bedrock", "Credit", "-0.10", "-0.10"),
                   record_type("Claude 3 Haiku (Amazon Bedrock Edition)", "Usage", "1.25", "1.125")]}],
        "DimensionValueAttributes": [], "GroupDefinitions": []});
    http(
        &ep,
        "POST",
        "/moto-api/static/ce/cost-and-usage-results",
        &json!({"account_id": "123456789012", "results": [page1, page2, types]}).to_string(),
    );
    let mut out = None;
    let calls = recorded(&ep, || {
        out = Some(bin(
            &ep,
            &[
                "collect",
                "costs",
                "--start",
                &start,
                "--end",
                &end,
                "--service",
                "Amazon Bedrock",
                "--service",
                "Claude 3 Haiku (Amazon Bedrock Edition)",
                "--out",
                &snap_s,
            ],
        ))
    });
    let o = out.unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    // Two pages of usage charges, one of record types.
    assert_eq!(
        calls,
        ops(&[("GetCallerIdentity", 1), ("GetCostAndUsage", 3)])
    );
    let text = stdout(&o);
    // Exact, as Cost Explorer sent it: $0.0432598250 + $0.03528 + $1.25 + $0.10 = $1.428539825.
    assert!(text.contains("│ Total "), "{text}");
    assert!(text.contains("$1.428539825 │"), "{text}");
    assert!(text.contains("│ USE1-NovaMicro-input-tokens        │ us-east-1 │ NovaMicro │ input      │ standard │ 1,235.995 │ $0.043259825 │"), "{text}");
    assert!(text.contains("│ USE1-SomethingNew-Hours            │           │           │ (unparsed) │          │         1 │        $0.10 │"), "{text}");
    assert!(text.contains("│ USE1-MP:USE1_InputTokenCount-Units │ us-east-1 │           │ input      │ standard │ 5,000,000 │        $1.25 │"), "{text}");
    assert!(text.contains("(unparsed)"), "{text}");
    assert!(
        stderr(&o).contains("USE1-SomethingNew-Hours"),
        "{}",
        stderr(&o)
    );
    let m = manifest(&snap);
    assert_eq!(m["sources"]["costs"]["rows"], json!(4));
    assert_eq!(
        m["sources"]["costs"]["api_calls"],
        json!({"GetCallerIdentity": 1, "GetCostAndUsage": 3})
    );
    assert_eq!(m["sources"]["costs"]["api_cost_usd"], "0.03");
    assert_eq!(
        m["sources"]["costs"]["details"]["record_type_rows"],
        json!(3)
    );
    assert!(
        text.contains("  billed gross (usage) $1.43 + adjustments -$0.10 = $1.33; billed net (NetUnblendedCost, after discounts AWS nets in) $1.20\n"),
        "{text}"
    );
    assert_eq!(
        m["sources"]["costs"]["details"]["unparsed_usage_types"],
        json!(["USE1-SomethingNew-Hours"])
    );

    // ---- reconcile on what was collected: computed from the logs (the snapshot has them),
    // against the bill; logging coverage compares log tokens with metric tokens per model.
    let o = offline(&[
        "reconcile",
        "--snapshot",
        &snap_s,
        "--source",
        "logs",
        "--format",
        "json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["computed_from"], "logs");
    // Billed, exactly: $0.0432598250 + $0.03528 + $1.25 + $0.10 = $1.428539825.
    assert_eq!(v["billed_usd"], json!(1.428539825));
    // Gross, the credit and net apart: net $0.178539825 - $0.10 + $1.125 = $1.203539825.
    assert_eq!(v["adjustments"]["gross_usd"], json!(1.428539825));
    assert_eq!(v["adjustments"]["adjustments_usd"], json!(-0.1));
    assert_eq!(v["adjustments"]["net_usd"], json!(1.203539825));
    // Computed: the same figure `report` gives for the snapshot's logs (reconcile keeps the
    // exact amount; the report rounds it to the micro-dollar).
    let exact: rust_decimal::Decimal = v["computed_usd"].to_string().parse().unwrap();
    assert_eq!(
        exact.round_dp(6).to_string(),
        report_totals(&snap)["cost_usd"].to_string()
    );
    // Metrics hold 2,500 Nova Micro tokens and 5,000 Claude 3 Haiku tokens; the logs hold every
    // token `report` counts (all Nova Micro) and none of Claude 3 Haiku.
    let t = report_totals(&snap);
    let log_tokens = t["input_tokens"].as_u64().unwrap() + t["output_tokens"].as_u64().unwrap();
    let cov: Vec<(String, u64, u64)> = v["logging_coverage"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["model"].as_str().unwrap().to_string(),
                c["metric_tokens"].as_u64().unwrap(),
                c["log_tokens"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        cov,
        [
            ("amazon.nova-micro".to_string(), 2_500, log_tokens),
            ("anthropic.claude-3-haiku".to_string(), 5_000, 0),
            ("anthropic.claude-haiku-4-5".to_string(), 1_000_000, 0),
            ("anthropic.claude-sonnet-4-5".to_string(), 150_000, 0)
        ]
    );
    assert!(
        v["rows"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["model"] == "(other)" && r["flagged"] == false),
        "{v}"
    );

    // Record types answered empty in the collections below.
    let no_record_types =
        json!({"ResultsByTime": [], "DimensionValueAttributes": [], "GroupDefinitions": []});

    // Costs of one service again: its rows are replaced, the Marketplace service's stay.
    let page = json!({"ResultsByTime": [{"TimePeriod": {"Start": day, "End": next}, "Estimated": false,
        "Groups": [group("Amazon Bedrock", "USE1-NovaMicro-input-tokens", "0.05", "1428.571")]}],
        "DimensionValueAttributes": [], "GroupDefinitions": []});
    http(
        &ep,
        "POST",
        "/moto-api/static/ce/cost-and-usage-results",
        &json!({"account_id": "123456789012", "results": [page, no_record_types.clone()]})
            .to_string(),
    );
    let o = bin(
        &ep,
        &[
            "collect",
            "costs",
            "--start",
            &start,
            "--end",
            &end,
            "--service",
            "Amazon Bedrock",
            "--out",
            &snap_s,
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    // 1 new "Amazon Bedrock" row + the Claude 3 Haiku (Marketplace) row kept.
    assert_eq!(manifest(&snap)["sources"]["costs"]["rows"], json!(2));

    // ---- collect all: every source of the period into one new snapshot, one summary. Its
    // Cost Explorer requests are those of the collection above: moto answers a request body
    // it has seen with the same result, so nothing is queued for them.
    let all_dir = tmp.path().join("all");
    let o = bin(
        &ep,
        &[
            "collect",
            "all",
            "--sources",
            "metrics,logs,costs",
            "--log-group",
            "/bedrock/invocations",
            "--service",
            "Amazon Bedrock",
            "--region",
            "us-east-1",
            // A model ListMetrics does not find (idle for two weeks) is asked for by name.
            "--model-id",
            "amazon.titan-embed-text-v2:0",
            "--start",
            &start,
            "--end",
            &end,
            "--out",
            all_dir.to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let e = stderr(&o);
    let requested: u64 = e
        .split("metrics requested: ")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap();
    assert!(
        requested > 7,
        "the named model's metrics are asked for too: {e}"
    );
    assert!(
        e.contains("collect all:\n  metrics   ok\n  logs      ok\n  costs     ok\n"),
        "{e}"
    );
    let m = manifest(&all_dir);
    assert_eq!(m["sources"]["metrics"]["rows"], json!(14));
    assert_eq!(m["sources"]["costs"]["rows"], json!(1));
    assert!(m["sources"]["invocations"]["rows"].as_u64().unwrap() >= 12_000);
    // ... and a source that fails is said while the others are saved: logs from a group that
    // does not exist.
    let o = bin(
        &ep,
        &[
            "collect",
            "all",
            "--sources",
            "metrics,logs",
            "--log-group",
            "/no/such/group",
            "--region",
            "us-east-1",
            "--start",
            &start,
            "--end",
            &end,
            "--out",
            all_dir.to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let e = stderr(&o);
    assert!(e.contains("  metrics   ok\n"), "{e}");
    assert!(e.contains("  logs      failed"), "{e}");

    // ---- The round trip of the issue: the seeded metrics priced, a bill that matches them
    // except one model-day carrying a planted 7% gap, and a usage type nobody knows.
    let rec_dir = tmp.path().join("snap-rec");
    let rec_s = rec_dir.to_str().unwrap().to_string();
    let o = collect_metrics(&rec_s);
    assert!(o.status.success(), "{}", stderr(&o));
    // The bill, per day as the metrics fall (hour 0 and hour 1 may be two UTC days):
    // Nova Micro per hour 1,200/300 then 800/200 tokens at $0.035/$0.14 per 1M; Claude 3 Haiku
    // 5,000 x $0.25 = $0.00125; Sonnet 4.5 (us.) 100K x $3.30 + 50K read x $0.33 = $0.33 +
    // $0.0165; Haiku 4.5 (global.) computed $1.00, billed $1.0752688172: a gap of
    // $0.0752688172 = 7.0% of the bill.
    let d0 = t0.format("%Y-%m-%d").to_string();
    let d1 = (t0 + Duration::hours(1)).format("%Y-%m-%d").to_string();
    let mut by_day: BTreeMap<String, BTreeMap<(String, String), rust_decimal::Decimal>> =
        BTreeMap::new();
    let dec = |s: &str| s.parse::<rust_decimal::Decimal>().unwrap();
    for (d, svc, ut, usd) in [
        (
            &d0,
            "Amazon Bedrock",
            "USE1-NovaMicro-input-tokens",
            "0.000042",
        ),
        (
            &d0,
            "Amazon Bedrock",
            "USE1-NovaMicro-output-tokens",
            "0.000042",
        ),
        (
            &d1,
            "Amazon Bedrock",
            "USE1-NovaMicro-input-tokens",
            "0.000028",
        ),
        (
            &d1,
            "Amazon Bedrock",
            "USE1-NovaMicro-output-tokens",
            "0.000028",
        ),
        (
            &d0,
            "Claude 3 Haiku (Amazon Bedrock Edition)",
            "USE1-MP:USE1_InputTokenCount-Units",
            "0.00125",
        ),
        (
            &d0,
            "Claude Sonnet 4.5 (Amazon Bedrock Edition)",
            "USE1-MP:USE1_InputTokenCount-Units",
            "0.33",
        ),
        (
            &d0,
            "Claude Sonnet 4.5 (Amazon Bedrock Edition)",
            "USE1-MP:USE1_CacheReadInputTokenCount-Units",
            "0.0165",
        ),
        (
            &d0,
            "Claude Haiku 4.5 (Amazon Bedrock Edition)",
            "USE1-MP:USE1_InputTokenCount-Units_Global",
            "1.0752688172",
        ),
        (&d0, "Amazon Bedrock", "USE1-SomethingNew-Hours", "0.01"),
    ] {
        *by_day
            .entry(d.clone())
            .or_default()
            .entry((svc.to_string(), ut.to_string()))
            .or_default() += dec(usd);
    }
    let results: Vec<Value> = by_day
        .iter()
        .map(|(d, groups)| {
            let end = (chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap()
                + Duration::days(1))
            .to_string();
            json!({"TimePeriod": {"Start": d, "End": end}, "Estimated": false,
                "Groups": groups.iter().map(|((svc, ut), usd)| group(svc, ut, &usd.to_string(), "1")).collect::<Vec<_>>()})
        })
        .collect();
    let bill_page =
        json!({"ResultsByTime": results, "DimensionValueAttributes": [], "GroupDefinitions": []});
    http(
        &ep,
        "POST",
        "/moto-api/static/ce/cost-and-usage-results",
        &json!({"account_id": "123456789012", "results": [bill_page, no_record_types.clone()]})
            .to_string(),
    );
    let services = [
        "Amazon Bedrock",
        "Claude 3 Haiku (Amazon Bedrock Edition)",
        "Claude Sonnet 4.5 (Amazon Bedrock Edition)",
        "Claude Haiku 4.5 (Amazon Bedrock Edition)",
    ];
    let mut args = vec![
        "collect", "costs", "--start", &start, "--end", &end, "--out", &rec_s,
    ];
    for svc in services {
        args.extend(["--service", svc]);
    }
    let o = bin(&ep, &args);
    assert!(o.status.success(), "{}", stderr(&o));
    // The usage type nobody knows is listed when collected and in the bill report.
    assert!(
        stderr(&o).contains("USE1-SomethingNew-Hours"),
        "{}",
        stderr(&o)
    );
    let b = offline(&[
        "report",
        "--snapshot",
        &rec_s,
        "--source",
        "bill",
        "--format",
        "json",
    ]);
    let b: Value = serde_json::from_str(&stdout(&b)).unwrap();
    assert_eq!(
        b["unmapped"],
        json!([{"service": "Amazon Bedrock", "usage_type": "USE1-SomethingNew-Hours",
                "billed_usd": 0.01, "reason": "not a model token usage type (its own category)"}])
    );
    // Gaps of 5 cents and more flag (the default $1 would hide every gap of this small bill).
    let o = offline(&[
        "reconcile",
        "--snapshot",
        &rec_s,
        "--source",
        "metrics",
        "--min-gap-usd",
        "0.05",
        "--format",
        "json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let rows = v["rows"].as_array().unwrap();
    let flagged: Vec<&Value> = rows.iter().filter(|r| r["flagged"] == true).collect();
    assert_eq!(flagged.len(), 1, "{v}");
    assert_eq!(flagged[0]["model"], "anthropic.claude-haiku-4-5");
    assert_eq!(flagged[0]["day"], json!(d0));
    assert_eq!(flagged[0]["computed_usd"], json!(1));
    assert_eq!(flagged[0]["billed_usd"], json!(1.0752688172));
    assert_eq!(flagged[0]["gap_usd"], json!(0.0752688172));
    assert_eq!(flagged[0]["gap_pct"], json!(7));
    // Every other model-day matches to the digit; the unknown usage type is its own row.
    for r in rows.iter().filter(|r| r["flagged"] == false) {
        if r["model"] == "(other)" {
            assert_eq!(r["billed_usd"], json!(0.01), "{r}");
        } else {
            assert_eq!(r["gap_usd"], json!(0), "{r}");
        }
    }
    assert_eq!(rows.len(), 5 + usize::from(d0 != d1), "{v}");

    // ---- Dashboard: PutDashboard, then GetDashboard returns the body that was generated.
    let args = [
        "dashboard",
        "--model",
        "amazon.nova-micro-v1:0,anthropic.claude-haiku-4-5-20251001-v1:0",
        "--region",
        "us-east-1",
        "--name",
        "bedrock-lens-test",
        "--budget",
        "100",
    ];
    let generated = offline(&args);
    assert!(generated.status.success(), "{}", stderr(&generated));
    let mut out = None;
    let calls = recorded(&ep, || {
        let mut a = args.to_vec();
        a.push("--put");
        out = Some(bin(&ep, &a))
    });
    let o = out.unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(calls, ops(&[("PutDashboard", 1)]));
    assert!(
        stderr(&o).contains("deployed dashboard `bedrock-lens-test`"),
        "{}",
        stderr(&o)
    );
    let stored = rt.block_on(async {
        let cw = aws_sdk_cloudwatch::Client::new(&sdk_config(&ep, "us-east-1").await);
        cw.get_dashboard()
            .dashboard_name("bedrock-lens-test")
            .send()
            .await
            .unwrap()
            .dashboard_body()
            .unwrap()
            .to_string()
    });
    let stored: Value = serde_json::from_str(&stored).unwrap();
    let generated: Value = serde_json::from_slice(&generated.stdout).unwrap();
    assert_eq!(stored, generated);
    assert_eq!(stored["widgets"].as_array().unwrap().len(), 18);

    // ---- discover: accounts through an assumed role, regions, one failing target.
    discover::scenario(&ep, &rt);
}
