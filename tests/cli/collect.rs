//! `collect` argument checks (all before any AWS call), `iam-policy`, and `report --snapshot`
//! offline. The collectors' AWS round trips are in tests/emulator.

use serde_json::json;

use super::{assert_private, run};

/// Nothing listens here: a call would fail with exit 1, so exit 2 proves none was made.
const NOWHERE: &str = "http://127.0.0.1:9";

fn collect(args: &[&str]) -> super::Out {
    let mut all = vec!["collect"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--endpoint-url", NOWHERE, "--region", "us-east-1"]);
    run(&all)
}

#[test]
fn bad_arguments_are_explained_before_any_call() {
    let month_ago = (chrono::Utc::now() - chrono::Duration::days(30))
        .format("%Y-%m-%d")
        .to_string();
    let cases: Vec<(Vec<&str>, &str, &str)> = vec![
        (
            vec!["metrics", "--period", "90"],
            "error: --period 90s: CloudWatch periods are multiples of 60 seconds",
            "hint: CloudWatch keeps 1-minute data 15 days",
        ),
        (
            vec!["metrics", "--period", "1m", "--start", &month_ago],
            "data older than 15 days is kept at 5-minute resolution",
            "hint:",
        ),
        (
            vec!["metrics", "--period", "1w"],
            "error: --period `1w`: unknown unit `w`",
            "hint: use 1m, 5m, 1h, 1d",
        ),
        (
            vec!["metrics", "--start", "2026-11-10", "--end", "2026-11-01"],
            "error: the period is empty: --start 2026-11-10T00:00:00Z is not before 2026-11-02T00:00:00Z",
            "hint: --end is the last day to include",
        ),
        (
            vec!["metrics", "--start", "yesterday"],
            "error: --start `yesterday` is not a date",
            "hint: use YYYY-MM-DD",
        ),
        (
            vec!["logs"],
            "error: collect logs needs --log-group NAME, --s3 s3://bucket/prefix or --athena s3://bucket/prefix",
            "hint: give the CloudWatch Logs group or S3 location",
        ),
        (
            vec!["logs", "--s3", "https://bucket/p"],
            "error: --s3 https://bucket/p: not an s3://bucket/prefix location",
            "hint: e.g. --s3 s3://my-log-bucket/bedrock",
        ),
        (
            vec!["logs", "--s3", "s3://b/p", "--server-side"],
            "error: --server-side aggregates CloudWatch Logs groups only, not S3",
            "hint:",
        ),
        (
            vec!["logs", "--athena", "s3://b/x'; DROP"],
            "error: --athena s3://b/x'; DROP: not an s3://bucket/prefix location",
            "hint: the location Bedrock delivers to",
        ),
        (
            vec!["logs", "--athena", "s3://b/p", "--by", "model,team"],
            "error: --by: `team` is not a key the query groups by",
            "hint: e.g. --by identity_arn,operation,meta:team",
        ),
        (
            vec!["logs", "--athena", "s3://b/p", "--athena-table", "Logs"],
            "error: --athena-table Logs: not DATABASE.TABLE",
            "hint: lower-case letters, digits and _",
        ),
        (
            vec!["logs", "--athena", "s3://b/p", "--athena-output", "/tmp/x"],
            "error: --athena-output /tmp/x: not an s3://bucket/prefix location",
            "hint: where Athena may write query results",
        ),
        (
            vec!["logs", "--athena", "s3://b/p", "--account", "12"],
            "error: --account",
            "hint:",
        ),
        (
            vec!["logs", "--athena", "s3://b/p", "--max-scan-usd=-1"],
            "error: --max-scan-usd: a negative amount",
            "hint: the most the query may cost",
        ),
        (
            vec!["logs", "--athena", "s3://b/p", "--s3", "s3://b/p"],
            "error: the argument '--athena <S3_URL>' cannot be used with '--s3 <S3_URL>'",
            "",
        ),
        (
            vec!["logs", "--s3", "s3://b/p", "--by", "operation"],
            "error: --by and --athena-create go with --athena",
            "hint: add --athena s3://bucket/prefix",
        ),
        (
            vec!["metrics", "--account", "111122223333"],
            "error: --account names the accounts to assume --role-arn in",
            "hint: add --role-arn",
        ),
        (
            vec!["metrics", "--role-arn", "arn:aws:iam::{account}:role/R"],
            "error: --role-arn: no account to assume it in",
            "hint: add --account ID (repeatable) or --organization",
        ),
        (
            vec!["metrics", "--role-arn", "arn:aws:iam::111122223333:role/R", "--organization"],
            "has no {account} for the accounts to go in",
            "hint: e.g. --role-arn",
        ),
        (
            vec!["logs", "--athena", "s3://b/p", "--role-arn", "arn:aws:iam::{account}:role/R", "--account", "111122223333,444455556666"],
            "error: --athena reads one bucket with one set of credentials",
            "hint: for many accounts, point --athena at the central log-archive bucket",
        ),
        (
            vec!["metrics", "--region", "US East"],
            "error: --region `US East` is not a region name",
            "hint: e.g. --region us-east-1,eu-west-1",
        ),
        (
            vec!["metrics", "--out", "Cargo.toml"],
            "error: --out Cargo.toml: exists and is not a directory",
            "hint: give a directory for the snapshot",
        ),
    ];
    for (args, message, hint) in cases {
        let o = collect(&args);
        assert_eq!(o.code, 2, "{args:?}: {}", o.all());
        assert!(o.stderr.contains(message), "{args:?}: {}", o.stderr);
        assert!(o.stderr.contains(hint), "{args:?}: {}", o.stderr);
        assert!(o.stdout.is_empty(), "{args:?}: {}", o.stdout);
    }
}

#[test]
fn no_credentials_at_all_is_one_error_with_a_hint() {
    let tmp = tempfile::tempdir().unwrap();
    let empty = tmp.path().join("empty");
    std::fs::write(&empty, "").unwrap();
    let snap = tmp.path().join("snap");
    let out = ["--out", snap.to_str().unwrap()];
    for source in [
        vec!["metrics"],
        vec!["metrics", out[0], out[1]],
        vec![
            "logs",
            "--log-group",
            "/bedrock/invocations",
            out[0],
            out[1],
        ],
        vec!["costs", out[0], out[1]],
        vec!["profiles"],
    ] {
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_bedrock-lens"))
            .arg("collect")
            .args(&source)
            .args(["--region", "us-east-1", "--endpoint-url", NOWHERE])
            .env_clear()
            .env("HOME", tmp.path())
            .env("AWS_CONFIG_FILE", &empty)
            .env("AWS_SHARED_CREDENTIALS_FILE", &empty)
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{source:?}: {err}");
        assert_eq!(
            err,
            "error: no AWS credentials found (environment, --profile or AWS_PROFILE, ~/.aws/config \
             and ~/.aws/credentials, SSO, container or instance role): nothing was collected\n\
             hint: pass them with --profile NAME (after `aws sso login --profile NAME` for SSO), \
             AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY\n",
            "{source:?}"
        );
        assert!(o.stdout.is_empty(), "{source:?}");
        assert!(!snap.exists(), "{source:?}: nothing is written");
    }
}

#[test]
fn collect_help_teaches() {
    let o = run(&["collect", "logs", "--help"]);
    assert_eq!(o.code, 0);
    for s in [
        "--log-group",
        "--s3",
        "--server-side",
        "--endpoint-url",
        "--profile",
        "--out",
        "bedrock-lens report --snapshot snap/",
        "iam-policy",
    ] {
        assert!(o.stdout.contains(s), "{s}: {}", o.stdout);
    }
}

#[test]
fn iam_policy_is_least_privilege_per_source() {
    let o = run(&["iam-policy", "--collect", "metrics,costs"]);
    assert_eq!(o.code, 0, "{}", o.all());
    assert_eq!(
        o.json(),
        json!({
            "Statement": [
                {"Action": ["cloudwatch:ListMetrics", "cloudwatch:GetMetricData"], "Effect": "Allow",
                 "Resource": ["*"], "Sid": "ReadBedrockMetrics"},
                {"Action": ["ce:GetCostAndUsage", "ce:GetDimensionValues"], "Effect": "Allow",
                 "Resource": ["*"], "Sid": "ReadBedrockCost"}
            ],
            "Version": "2012-10-17"
        })
    );
    insta::assert_snapshot!(
        "iam_policy_logs_s3_dashboard",
        run(&[
            "iam-policy",
            "--collect",
            "logs",
            "--log-group",
            "/bedrock/invocations",
            "--s3",
            "s3://my-logs/bedrock",
            "--put-dashboard",
            "--dashboard-name",
            "genai-prod"
        ])
        .all()
    );
    let bad = run(&["iam-policy", "--collect", "metrics,bills"]);
    assert_eq!(bad.code, 2);
    assert!(bad
        .stderr
        .contains("error: --collect: unknown source `bills`"));
    assert!(bad
        .stderr
        .contains("hint: --collect takes metrics, logs, costs and profiles"));
}

/// A snapshot made offline: `--export-usage` writes the same usage table `collect logs` does.
pub fn offline_snapshot(dir: &std::path::Path, logs: &str) {
    let table = dir.join("invocations.parquet");
    let o = run(&[
        "report",
        "--logs",
        logs,
        "--export-usage",
        table.to_str().unwrap(),
    ]);
    assert_eq!(o.code, 0, "{}", o.all());
    std::fs::write(
        dir.join("manifest.json"),
        json!({"schema": "bedrock-lens/snapshot/v1", "tool_version": "test",
               "updated_at": "2026-11-01T00:00:00Z",
               "sources": {"invocations": {"file": "invocations.parquet", "rows": 0, "windows": [],
                   "regions": [], "accounts": [], "collected_at": null, "api_calls": {},
                   "api_cost_usd": "0"}}})
        .to_string(),
    )
    .unwrap();
}

#[test]
fn report_and_whatif_from_a_snapshot_match_the_logs() {
    let tmp = tempfile::tempdir().unwrap();
    offline_snapshot(tmp.path(), "tests/fixtures/whatif/logs.jsonl");
    let snap = tmp.path().to_str().unwrap();
    for by in [
        "model",
        "identity,operation",
        "meta:team,region,day",
        "account,profile",
    ] {
        let from_logs = run(&[
            "report",
            "--logs",
            "tests/fixtures/whatif/logs.jsonl",
            "--by",
            by,
            "--format",
            "json",
        ]);
        let from_snap = run(&["report", "--snapshot", snap, "--by", by, "--format", "json"]);
        assert_eq!(from_snap.code, 0, "{}", from_snap.all());
        assert_private(&from_snap);
        let (mut a, mut b) = (from_logs.json(), from_snap.json());
        // Only where the records were read from differs.
        for v in [&mut a, &mut b] {
            v["input"]["files"] = json!(null);
            v["input"]["bytes"] = json!(null);
        }
        assert_eq!(a, b, "--by {by}");
    }
    // whatif without bodies: the same baseline and batch figures ($0.1928 -> $0.10795).
    let w = run(&[
        "whatif",
        "--snapshot",
        snap,
        "-s",
        "batch",
        "--format",
        "json",
    ]);
    assert_eq!(w.code, 0, "{}", w.all());
    let v = w.json();
    assert_eq!(v["baseline"]["total_usd"], json!(0.1928));
    assert_eq!(v["scenarios"][0]["total_usd"], json!(0.10795));
}

/// Rewrites a snapshot's usage table, each row as `edit` makes it (given its request id).
fn edit_rows(dir: &std::path::Path, edit: impl Fn(&str, &mut EditRow)) {
    use polars::prelude::*;
    let path = dir.join("invocations.parquet");
    let mut df = ParquetReader::new(std::fs::File::open(&path).unwrap())
        .finish()
        .unwrap();
    let col = |n: &str| df.column(n).unwrap().clone();
    let ids: Vec<String> = col("request_id")
        .str()
        .unwrap()
        .iter()
        .map(|v| v.unwrap().to_string())
        .collect();
    let ts = col("timestamp");
    let ts = ts.datetime().unwrap().physical().iter();
    let models = col("model_id");
    let inputs = col("input_tokens");
    let rows: Vec<EditRow> = ts
        .zip(models.str().unwrap().iter())
        .zip(inputs.u64().unwrap().iter())
        .zip(&ids)
        .map(|(((timestamp, model_id), input_tokens), id)| {
            let mut row = EditRow {
                timestamp,
                model_id: model_id.map(str::to_string),
                input_tokens,
            };
            edit(id, &mut row);
            row
        })
        .collect();
    let timestamp = Series::new(
        "timestamp".into(),
        rows.iter().map(|r| r.timestamp).collect::<Vec<_>>(),
    )
    .cast(&DataType::Datetime(
        TimeUnit::Milliseconds,
        Some(TimeZone::UTC),
    ))
    .unwrap();
    df.with_column(timestamp.into_column()).unwrap();
    let model_id: Vec<Option<String>> = rows.iter().map(|r| r.model_id.clone()).collect();
    df.with_column(Column::new("model_id".into(), model_id))
        .unwrap();
    let input: Vec<Option<u64>> = rows.iter().map(|r| r.input_tokens).collect();
    df.with_column(Column::new("input_tokens".into(), input))
        .unwrap();
    ParquetWriter::new(std::fs::File::create(&path).unwrap())
        .finish(&mut df)
        .unwrap();
}

/// The values of a usage-table row a test changes.
struct EditRow {
    timestamp: Option<i64>,
    model_id: Option<String>,
    input_tokens: Option<u64>,
}

#[test]
fn snapshot_rows_that_break_a_border_rule_are_said_and_left_out() {
    let tmp = tempfile::tempdir().unwrap();
    offline_snapshot(tmp.path(), "tests/fixtures/whatif/logs.jsonl");
    // Rows in the order of the logs: w-023 first, w-001 last.
    edit_rows(tmp.path(), |id, row| match id {
        "w-023" => row.timestamp = None,
        "w-017" => row.model_id = None,
        "w-014" => row.timestamp = Some(0),
        // Two of these would overflow any sum.
        "w-013" | "w-012" => row.input_tokens = Some(u64::MAX),
        _ => {}
    });
    let snap = tmp.path().to_str().unwrap();
    let o = run(&["report", "--snapshot", snap, "--format", "json"]);
    assert_eq!(o.code, 0, "{}", o.all());
    let table = tmp.path().join("invocations.parquet");
    let at = |row: u32| format!("  {}: row {row}: ", table.display());
    for line in [
        "warning: 5 problem(s) in the input: 5 line(s) or row(s) skipped, 0 file(s) not fully read"
            .to_string(),
        format!("{}timestamp is missing", at(1)),
        format!("{}model_id is missing", at(7)),
        format!("{}timestamp is outside the years 2000-2100", at(10)),
        format!(
            "{}input_tokens is implausibly large (over 100,000,000 tokens in one request)",
            at(11)
        ),
        format!(
            "{}input_tokens is implausibly large (over 100,000,000 tokens in one request)",
            at(12)
        ),
        "  hint: `collect` writes no such rows, so the file was changed after it wrote it"
            .to_string(),
    ] {
        assert!(o.stderr.contains(&line), "{line}\n{}", o.stderr);
    }
    // The other 18 rows: 23 less llama 5,000/5,000 (w-023), two sonnet 500/200 + 2,000 cache
    // writes (w-017, w-014) and two haiku 16,000 and 12,000/100 (w-013, w-012). Cost: $0.1928 -
    // $0.0072 - 2 x $0.012 - $0.0165 - $0.0125 = $0.1326.
    let v = o.json();
    assert_eq!(v["input"]["records"], 18);
    assert_eq!(v["input"]["skipped_lines"], 5);
    let t = &v["totals"];
    assert_eq!(t["invocations"], 18);
    assert_eq!(
        t["input_tokens"],
        134_000 - 5_000 - 2 * 500 - 16_000 - 12_000
    );
    assert_eq!(t["output_tokens"], 32_100 - 5_000 - 2 * 200 - 2 * 100);
    assert_eq!(t["cache_write_tokens"], 6_000 - 2 * 2_000);
    assert_eq!(t["cost_usd"], json!(0.1326));
    // The dashboard reads the same rows under the same rules.
    let d = run(&["dashboard", "--snapshot", snap]);
    assert_eq!(d.code, 0, "{}", d.all());
    assert!(
        d.stderr.contains(&format!("{}model_id is missing", at(7))),
        "{}",
        d.stderr
    );
}

#[test]
fn snapshot_errors_are_usage_errors() {
    let o = run(&["report", "--snapshot", "tests/fixtures"]);
    assert_eq!(o.code, 2);
    assert!(
        o.stderr
            .contains("no manifest.json here, so not a snapshot"),
        "{}",
        o.stderr
    );
    assert!(o
        .stderr
        .contains("hint: give the directory `bedrock-lens collect ... --out DIR` wrote"));

    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("manifest.json"),
        json!({"schema": "bedrock-lens/snapshot/v1", "tool_version": "test",
               "updated_at": "2026-11-01T00:00:00Z",
               "sources": {"metrics": {"file": "metrics.parquet", "rows": 0, "windows": [],
                   "regions": [], "accounts": [], "collected_at": null, "api_calls": {},
                   "api_cost_usd": "0"}}})
        .to_string(),
    )
    .unwrap();
    let o = run(&["report", "--snapshot", tmp.path().to_str().unwrap()]);
    assert_eq!(o.code, 2);
    assert!(
        o.stderr
            .contains("holds no invocation records (sources: metrics)"),
        "{}",
        o.stderr
    );
    assert!(o
        .stderr
        .contains("hint: collect them first: `bedrock-lens collect logs"));

    let both = run(&["report", "--snapshot", "x", "--logs", "y"]);
    assert_eq!(both.code, 2);
    assert!(
        both.stderr.contains("cannot be used with"),
        "{}",
        both.stderr
    );
}

#[test]
fn ctrl_c_leaves_the_snapshot_as_it_was() {
    // An endpoint that accepts connections and never answers: the collection hangs until Ctrl-C.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let hold = std::thread::spawn(move || {
        let mut open = vec![];
        for s in listener.incoming().take(4) {
            open.push(s);
        }
        std::thread::sleep(std::time::Duration::from_secs(30));
    });
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("snap");
    let endpoint = format!("http://127.0.0.1:{port}");
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_bedrock-lens"))
        .args([
            "collect",
            "logs",
            "--log-group",
            "g",
            "--region",
            "us-east-1",
        ])
        .args(["--endpoint-url", &endpoint, "--out", out.to_str().unwrap()])
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let killed = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let o = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains(
            "interrupted (Ctrl-C): nothing was written; the snapshot holds what it held before"
        ),
        "{err}"
    );
    // Nothing was written (no manifest, no part files; the directory may not even exist).
    let left: Vec<_> = std::fs::read_dir(&out)
        .map(|d| d.collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "{left:?}");
    drop(hold);
}
