//! `report` over tests/fixtures: hand-computed dollars, all formats, bad input, usage errors.

use super::{assert_private, root, run, run_in};
use serde_json::json;

const LOGS: &str = "tests/fixtures/logs";

#[test]
fn json_totals_are_hand_computed() {
    let o = run(&["report", "--logs", LOGS, "--format", "json"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert_private(&o);
    let v = o.json();
    // Sonnet 4 (us. profile, regional rates): request 1: 1,000 x $3 + 500 x $15 + 20,000 x $0.30 +
    // 4,000 x $3.75 per 1M = 0.003 + 0.0075 + 0.006 + 0.015 = $0.0315. Request 2 has 190,000 +
    // 10,000 + 5,000 = 205,000 input tokens > 200K: long-context rates 190,000 x $6 + 2,000 x $22.50 +
    // 10,000 x $0.60 + 5,000 x $7.50 = 1.14 + 0.045 + 0.006 + 0.0375 = $1.2285. Sum $1.26.
    let sonnet = &v["rows"][0];
    assert_eq!(sonnet["model"], "anthropic.claude-sonnet-4");
    assert_eq!(sonnet["cost_usd"], json!(1.26));
    assert_eq!(
        sonnet["cost_breakdown"],
        json!({"input": 1.143, "output": 0.0525, "cache_read": 0.012, "cache_write": 0.0525})
    );
    assert_eq!(sonnet["long_context_invocations"], 1);
    // Haiku 4.5: global 10,000 x $1 + 2,000 x $5 = $0.02; us. 10,000 x $1.10 + 2,000 x $5.50 = $0.022
    assert_eq!(v["rows"][1]["cost_usd"], json!(0.042));
    // Nova Pro in eu-central-1 (via a foundation-model ARN): 2,000 x $1.05 + 1,000 x $4.20 = $0.0063
    assert_eq!(v["rows"][2]["model"], "amazon.nova-pro");
    assert_eq!(v["rows"][2]["cost_usd"], json!(0.0063));
    // Titan embeddings 1,234 x $0.02 = $0.00002468 -> $0.000025; Nova Micro: input 3 x $0.035 =
    // $0.000000105 -> 0, output 7 x $0.14 = $0.00000098 -> $0.000001 (components round separately)
    assert_eq!(v["rows"][3]["cost_usd"], json!(0.000025));
    assert_eq!(v["rows"][4]["cost_usd"], json!(0.000001));
    // The throttled call is counted, priced at nothing because it used no tokens.
    assert_eq!(v["rows"][5]["errors"], 1);
    assert_eq!(v["rows"][5]["cost_usd"], json!(0.0));
    // The unknown model: tokens reported, cost null, listed, excluded from the dollar total.
    assert_eq!(
        v["rows"][6]["model"],
        "us.anthropic.claude-opus-5-20261015-v1:0"
    );
    assert_eq!(v["rows"][6]["cost_usd"], json!(null));
    assert_eq!(
        v["unpriced"][0]["model_id"],
        "us.anthropic.claude-opus-5-20261015-v1:0"
    );
    assert_eq!(v["unpriced"][0]["input_tokens"], 500);
    let t = &v["totals"];
    assert_eq!(t["invocations"], 9);
    assert_eq!(t["input_tokens"], 214_737);
    assert_eq!(t["output_tokens"], 7_607);
    assert_eq!(t["cache_read_tokens"], 30_000);
    assert_eq!(t["cache_write_tokens"], 9_000);
    // 1.26 + 0.042 + 0.0063 + 0.000025 + 0.000001 + 0 = 1.308326: the sum of the rows
    assert_eq!(t["cost_usd"], json!(1.308326));
    let row_sum: f64 = v["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["cost_usd"].as_f64())
        .sum();
    assert!((row_sum - 1.308326).abs() < 1e-9);
    assert_eq!(v["input"]["files"], 3, "notes.txt is not a log file");
    assert_eq!(v["input"]["records"], 9);
    assert_eq!(v["input"]["error_records"], 1);
    assert!(
        o.stderr.contains("warning: no price for 1 model id(s)"),
        "{}",
        o.stderr
    );
}

#[test]
fn json_has_exactly_six_decimals() {
    let o = run(&["report", "--logs", LOGS, "--format", "json"]);
    assert!(o.stdout.contains("\"cost_usd\": 1.308326,"), "{}", o.stdout);
    assert!(o.stdout.contains("\"cost_usd\": 1.260000,"));
    assert!(o.stdout.contains("\"cost_usd\": null,"));
}

#[test]
fn snapshots_of_all_four_formats() {
    for format in ["table", "json", "csv", "markdown"] {
        let o = run(&[
            "report",
            "--logs",
            LOGS,
            "--by",
            "day,model",
            "--format",
            format,
        ]);
        assert_eq!(o.code, 0);
        assert_private(&o);
        insta::assert_snapshot!(format!("report_day_model_{format}"), o.all());
    }
}

#[test]
fn group_by_identity_metadata_operation_profile() {
    let o = run(&[
        "report",
        "--logs",
        LOGS,
        "--by",
        "meta:team,profile",
        "--format",
        "csv",
    ]);
    insta::assert_snapshot!("report_meta_team_profile_csv", o.stdout);
    let o = run(&[
        "report",
        "--logs",
        LOGS,
        "--by",
        "identity,operation",
        "--format",
        "table",
        "-q",
    ]);
    insta::assert_snapshot!("report_identity_operation_table", o.all());
}

#[test]
fn period_filter_keeps_whole_days() {
    let o = run(&[
        "report",
        "--logs",
        LOGS,
        "--start",
        "2026-10-02",
        "--end",
        "2026-10-02",
        "--format",
        "json",
    ]);
    let v = o.json();
    assert_eq!(
        v["period"],
        json!({"start": "2026-10-02", "end": "2026-10-02"})
    );
    assert_eq!(v["totals"]["invocations"], 4);
    assert_eq!(v["input"]["outside_period"], 5);
    // Titan $0.000025 + throttled $0 + Nova Pro $0.0063; Opus 5 unpriced
    assert_eq!(v["totals"]["cost_usd"], json!(0.006325));
    let month = run(&[
        "report", "--logs", LOGS, "--start", "2026-10", "--end", "2026-10", "--format", "json",
    ])
    .json();
    assert_eq!(month["totals"]["invocations"], 9);
    assert_eq!(
        month["period"],
        json!({"start": "2026-10-01", "end": "2026-10-31"})
    );
}

#[test]
fn cache_write_ttl_1h() {
    // Sonnet 4 offers no 1-hour cache TTL (AWS lists no such SKU): its two requests that write
    // the cache are unpriced at 1h, each with its reason, never priced at a guessed rate.
    let o = run(&[
        "report",
        "--logs",
        "tests/fixtures/logs/basic.jsonl",
        "--cache-write-ttl",
        "1h",
        "--format",
        "json",
    ]);
    let v = o.json();
    assert_eq!(
        v["unpriced"][0]["model_id"],
        "us.anthropic.claude-sonnet-4-20250514-v1:0"
    );
    assert_eq!(
        v["unpriced"][0]["reasons"],
        json!([
            "anthropic.claude-sonnet-4 has no cache write (1h) rate (1 invocations)",
            "anthropic.claude-sonnet-4 has no long-context cache write (1h) rate (1 invocations)"
        ])
    );
    assert_eq!(v["pricing"]["cache_write_ttl"], "1h");
}

#[test]
fn pricing_override_prices_an_unknown_model() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("opus5.toml");
    std::fs::write(
        &f,
        r#"[[model]]
key = "anthropic.claude-opus-5"
ids = ["anthropic.claude-opus-5-20261015-v1:0"]
source = "our private price sheet"
as_of = "2026-11-15"
[[model.price]]
regions = ["us-east-1"]
input = "4.00"
output = "20.00"
"#,
    )
    .unwrap();
    let o = run(&[
        "report",
        "--logs",
        LOGS,
        "--format",
        "json",
        "--pricing",
        f.to_str().unwrap(),
    ]);
    let v = o.json();
    assert_eq!(v["unpriced"], json!([]));
    // 500 x $4 + 100 x $20 per 1M = 0.002 + 0.002 = $0.004 on top of $1.308326
    assert_eq!(v["totals"]["cost_usd"], json!(1.312326));
    assert!(!o.stderr.contains("no price"));
    // The overrides are said wherever the costs are: JSON, every header, and the footer of a
    // saved Markdown or CSV result
    let file = f.to_str().unwrap();
    assert_eq!(
        v["pricing"]["overrides"],
        json!([{"file": file, "as_of": "2026-11-15"}])
    );
    let said = format!("with overrides from {file} (as of 2026-11-15)");
    for format in ["table", "markdown"] {
        let o = run(&[
            "report",
            "--logs",
            LOGS,
            "--format",
            format,
            "--pricing",
            file,
        ]);
        assert!(
            o.stdout.lines().next().unwrap().contains(&said),
            "{}",
            o.stdout
        );
    }
    let md = run(&[
        "report",
        "--logs",
        LOGS,
        "--format",
        "markdown",
        "--pricing",
        file,
    ])
    .stdout;
    assert!(
        md.ends_with(&format!(
            "\n**Caveats**\n\n- prices: catalog prices as of 2026-09-29, {said}\n"
        )),
        "{md}"
    );
    let csv = run(&[
        "report",
        "--logs",
        LOGS,
        "--format",
        "csv",
        "--pricing",
        file,
    ])
    .stdout;
    assert!(
        csv.ends_with(&format!(
            "\n# caveat: prices: catalog prices as of 2026-09-29, {said}\n"
        )),
        "{csv}"
    );
    let w = run(&["whatif", "--logs", LOGS, "-s", "batch", "--pricing", file]).stdout;
    assert!(
        w.contains(&format!(
            "\nCost at catalog prices as of 2026-09-29, {said}."
        )),
        "{w}"
    );
    // An override older than the catalog does not make the catalog look older
    std::fs::write(
        &f,
        std::fs::read_to_string(&f)
            .unwrap()
            .replace("2026-11-15", "2026-10-15"),
    )
    .unwrap();
    let o = run(&["report", "--logs", LOGS, "--pricing", file]);
    assert!(
        o.stdout.lines().next().unwrap().ends_with(&format!(
            "cost at catalog prices as of 2026-09-29, with overrides from {file} (as of 2026-10-15)"
        )),
        "{}",
        o.stdout
    );
}

/// Caveats a saved file must carry: unpriced usage, skipped lines and duplicates, in the
/// footer of Markdown and CSV (not only on stderr, which a saved file does not keep).
#[test]
fn markdown_and_csv_carry_their_caveats() {
    let recs = basic_records();
    let dir = tempfile::tempdir().unwrap();
    let mut unknown: serde_json::Value = serde_json::from_str(&recs[0]).unwrap();
    unknown["modelId"] = json!("us.anthropic.claude-opus-5-20261015-v1:0");
    unknown["requestId"] = json!("unknown-1");
    let lines = vec![
        recs[0].clone(),
        recs[0].clone(),
        "not json\n".to_string(),
        format!("{unknown}\n"),
    ];
    write_lines(dir.path(), "logs.jsonl", &lines);
    let expected = [
        "not priced, so left out of the cost: 1 invocation(s): us.anthropic.claude-opus-5-20261015-v1:0 (`anthropic.claude-opus-5-20261015-v1:0` is not in the price catalog (add it with --pricing) (1 invocations))",
        "1 unreadable line(s) skipped (each named on stderr)",
        "1 duplicate request(s) (a request id seen before) counted once",
    ];
    for command in ["report", "whatif"] {
        let md = run_in(
            dir.path(),
            &[
                command,
                "--logs",
                "logs.jsonl",
                "--format",
                "markdown",
                "-q",
            ],
        )
        .stdout;
        let items: Vec<String> = expected.iter().map(|e| format!("- {e}\n")).collect();
        // (whatif adds its scenarios' caveats after these)
        assert!(
            md.contains(&format!("\n**Caveats**\n\n{}", items.concat())),
            "{command}: {md}"
        );
        let csv = run_in(
            dir.path(),
            &[command, "--logs", "logs.jsonl", "--format", "csv", "-q"],
        )
        .stdout;
        let items: Vec<String> = expected
            .iter()
            .map(|e| format!("# caveat: {e}\n"))
            .collect();
        assert!(
            csv.contains(&format!("\n{}", items.concat())),
            "{command}: {csv}"
        );
    }
}

#[test]
fn application_profile_through_map_file() {
    let unmapped = run(&[
        "report",
        "--logs",
        "tests/fixtures/app-profile.jsonl",
        "--format",
        "json",
    ]);
    assert_eq!(unmapped.json()["totals"]["unpriced_invocations"], 1);
    assert!(
        unmapped.stderr.contains("--inference-profiles"),
        "{}",
        unmapped.stderr
    );
    let o = run(&[
        "report",
        "--logs",
        "tests/fixtures/app-profile.jsonl",
        "--format",
        "json",
        "--by",
        "model,profile",
        "--inference-profiles",
        "tests/fixtures/profiles.toml",
    ]);
    let v = o.json();
    // Sonnet 4 via us. profile: 1,000 x $3 + 500 x $15 = $0.0105
    assert_eq!(v["rows"][0]["model"], "anthropic.claude-sonnet-4");
    assert_eq!(v["rows"][0]["profile"], "application");
    assert_eq!(v["totals"]["cost_usd"], json!(0.0105));
}

#[test]
fn bad_input_is_reported_and_the_rest_still_counts() {
    let o = run(&["report", "--logs", "tests/fixtures/bad", "--format", "json"]);
    assert_eq!(o.code, 0);
    assert_private(&o);
    let v = o.json();
    // mixed.jsonl: lines 1 and 10 are valid (1,000 + 2,000 input); the truncated gzip yields its
    // first complete lines (100 + k input each) before the damage.
    let recovered = v["input"]["records"].as_u64().unwrap() - 2;
    assert!(
        recovered > 100,
        "some of the truncated gzip is kept: {recovered}"
    );
    let expected_input: u64 = 3000 + (0..recovered).map(|k| 100 + k).sum::<u64>();
    assert_eq!(v["totals"]["input_tokens"], expected_input);
    assert_eq!(v["input"]["skipped_lines"], 7);
    assert_eq!(v["input"]["file_errors"], 1);
    let e = &o.stderr;
    for msg in [
        "tests/fixtures/bad/mixed.jsonl:2: truncated JSON (record ends early) at column 80",
        "tests/fixtures/bad/mixed.jsonl:3: input.inputTokenCount is missing",
        "tests/fixtures/bad/mixed.jsonl:4: output.outputTokenCount is not a non-negative integer",
        "tests/fixtures/bad/mixed.jsonl:5: unknown schemaVersion `2.0` (this version reads 1.0)",
        "tests/fixtures/bad/mixed.jsonl:6: timestamp is not an RFC 3339 date-time (like 2026-10-01T09:00:00Z)",
        "tests/fixtures/bad/mixed.jsonl:7: invalid UTF-8 at byte 51 of the line",
        "tests/fixtures/bad/mixed.jsonl:8: `input` has the wrong JSON type at column 49",
        &format!("tests/fixtures/bad/truncated.json.gz: gzip stream is truncated after line {recovered}; what came before it is kept"),
    ] {
        assert!(e.contains(msg), "missing `{msg}` in:\n{e}");
    }
    let strict = run(&[
        "report",
        "--logs",
        "tests/fixtures/bad",
        "--strict",
        "--format",
        "csv",
    ]);
    assert_eq!(strict.code, 1);
    assert_eq!(
        strict.stdout,
        o_csv_of_bad(),
        "the report is still printed under --strict"
    );
    assert!(strict
        .stderr
        .contains("error: --strict: 8 line(s) or file(s) could not be used"));
}

fn o_csv_of_bad() -> String {
    run(&["report", "--logs", "tests/fixtures/bad", "--format", "csv"]).stdout
}

#[test]
fn only_the_first_problems_are_shown_in_full() {
    let dir = tempfile::tempdir().unwrap();
    let lines: String = (0..25).map(|i| format!("{{not json {i}\n")).collect();
    std::fs::write(dir.path().join("junk.jsonl"), lines).unwrap();
    let o = run_in(dir.path(), &["report", "--logs", "junk.jsonl", "-q"]);
    // Nothing usable: no record in scope, exit 1.
    assert_eq!(o.code, 1);
    assert_eq!(o.stderr.matches("junk.jsonl:").count(), 10);
    assert!(o.stderr.contains("... and 15 more"), "{}", o.stderr);
}

#[test]
fn no_record_in_scope_is_said_and_exits_1() {
    // An empty directory: JSON is still a document, the table says so (not a $0.00 month).
    let dir = tempfile::tempdir().unwrap();
    let o = run_in(dir.path(), &["report", "--logs", ".", "--format", "json"]);
    assert_eq!(o.code, 1);
    assert!(o.stderr.contains(".: no log files"), "{}", o.stderr);
    assert!(
        o.stderr
            .contains("error: no invocation records in scope: 0 read, 0 outside the period"),
        "{}",
        o.stderr
    );
    assert_eq!(o.json()["totals"]["invocations"], 0);
    let o = run_in(dir.path(), &["report", "--logs", "."]);
    assert_eq!(o.code, 1);
    assert_eq!(
        o.stdout,
        "Bedrock usage (no records in scope) (UTC), by model; cost at catalog prices as of 2026-09-29\n\
         No invocation records in scope: 0 read, 0 outside the period.\n"
    );
    // A period that matches nothing: the records read are counted as outside it.
    let o = run(&["report", "--logs", LOGS, "--start", "2027-01"]);
    assert_eq!(o.code, 1, "{}", o.stderr);
    assert!(!o.stdout.contains("$0.00"), "{}", o.stdout);
    assert!(
        o.stdout.starts_with("Bedrock usage from 2027-01-01 (UTC)"),
        "{}",
        o.stdout
    );
    assert!(
        o.stdout.contains("No invocation records in scope: "),
        "{}",
        o.stdout
    );
}

#[test]
fn usage_errors_exit_2_with_a_hint() {
    let cases: &[(&[&str], &str)] = &[
        (
            &["report", "--logs", LOGS, "--start", "2026-13-01"],
            "error: --start `2026-13-01` is not a date",
        ),
        (
            &["report", "--logs", LOGS, "--end", "last tuesday"],
            "error: --end `last tuesday` is not a date",
        ),
        (
            &[
                "report",
                "--logs",
                LOGS,
                "--start",
                "2026-10-05",
                "--end",
                "2026-10-01",
            ],
            "is not before --end",
        ),
        (
            &["report", "--logs", LOGS, "--by", "model,colour"],
            "error: unknown --by key `colour`",
        ),
        (
            &["report", "--logs", "no/such/dir"],
            "error: --logs no/such/dir: no such file or directory",
        ),
        (
            &["report", "--logs", LOGS, "--pricing", "missing.toml"],
            "error: --pricing missing.toml",
        ),
        (
            &["report", "--logs", LOGS, "--format", "xml"],
            "invalid value 'xml'",
        ),
        (&["report"], "--logs <PATH>"),
        // The day or month after the last date chrono represents: a usage error, not a panic.
        (
            &["report", "--logs", LOGS, "--end", "+262142-12-31"],
            "error: --end `+262142-12-31` is out of range",
        ),
        (
            &["whatif", "--logs", LOGS, "--end", "+262142-12"],
            "error: --end `+262142-12` is out of range",
        ),
        (
            &["collect", "costs", "--end", "+262142-12-31"],
            "error: --end `+262142-12-31` is out of range",
        ),
    ];
    for (args, msg) in cases {
        let o = run(args);
        assert_eq!(o.code, 2, "{args:?}: {}", o.stderr);
        assert!(
            o.stderr.contains(msg),
            "{args:?}: expected `{msg}` in\n{}",
            o.stderr
        );
        assert!(o.stdout.is_empty());
        // clap's own errors carry one too.
        assert!(
            o.stderr.contains("hint: "),
            "{args:?}: no hint in\n{}",
            o.stderr
        );
    }
}

#[test]
fn output_file_is_written_whole() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report.json");
    let o = run(&[
        "report",
        "--logs",
        LOGS,
        "--format",
        "json",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.code, 0);
    assert!(o.stdout.is_empty());
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(v["schema"], "bedrock-lens/report/v1");
    let leftovers: Vec<_> = std::fs::read_dir(out.parent().unwrap()).unwrap().collect();
    assert_eq!(leftovers.len(), 1, "no temporary files left behind");
    let _ = root();
}

/// The same two records as a CloudWatch Logs NDJSON export (one event per line, `message` holds
/// the record) and as a top-level JSON array of events: both read like the record itself.
#[test]
fn cloudwatch_event_forms() {
    let basic = std::fs::read_to_string(root().join("tests/fixtures/logs/basic.jsonl")).unwrap();
    let recs: Vec<&str> = basic.lines().take(2).collect();
    let dir = tempfile::tempdir().unwrap();
    let ndjson: String = recs
        .iter()
        .enumerate()
        .map(|(i, r)| format!("{}\n", json!({"timestamp": 1790931600000u64 + i as u64, "message": r, "eventId": i.to_string()})))
        .collect();
    std::fs::write(dir.path().join("events.jsonl"), ndjson).unwrap();
    let array = json!(recs
        .iter()
        .map(|r| json!({"timestamp": 1, "message": r}))
        .collect::<Vec<_>>());
    std::fs::write(
        dir.path().join("array.json"),
        serde_json::to_string_pretty(&array).unwrap(),
    )
    .unwrap();
    // gzip detected by content even without a .gz name, CRLF line ends and a BOM tolerated
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(
        &mut gz,
        format!("\u{feff}{}\r\n{}\r\n", recs[0], recs[1]).as_bytes(),
    )
    .unwrap();
    std::fs::write(dir.path().join("crlf-gzip.json"), gz.finish().unwrap()).unwrap();
    for f in ["events.jsonl", "array.json", "crlf-gzip.json"] {
        let o = run_in(dir.path(), &["report", "--logs", f, "--format", "json"]);
        assert_eq!(o.code, 0, "{f}: {}", o.stderr);
        let v = o.json();
        assert_eq!(v["input"]["skipped_lines"], 0, "{f}: {}", o.stderr);
        // requests 1 and 2 of the hand-computed Sonnet 4 example: $0.0315 + $1.2285
        assert_eq!(v["totals"]["cost_usd"], json!(1.26), "{f}");
        assert_eq!(v["totals"]["invocations"], 2, "{f}");
    }
}

#[test]
fn export_usage_table_csv_and_parquet() {
    let dir = tempfile::tempdir().unwrap();
    let csv_path = dir.path().join("usage.csv");
    let o = run(&[
        "report",
        "--logs",
        LOGS,
        "--format",
        "json",
        "--export-usage",
        csv_path.to_str().unwrap(),
    ]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(o.stderr.contains("wrote 9 usage row(s)"), "{}", o.stderr);
    let text = std::fs::read_to_string(&csv_path).unwrap();
    assert!(!text.contains("SECRET"));
    let mut rdr = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = rdr.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(header, bedrock_lens::usage::table::COLUMNS);
    let rows: Vec<csv::StringRecord> = rdr.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), 9);
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    // Exact per-request cost in pico-dollars: request 2 (long context) = $1.2285
    let r2 = rows
        .iter()
        .find(|r| &r[col("request_id")] == "req-0002")
        .unwrap();
    assert_eq!(&r2[col("cost_pico_usd")], "1228500000000");
    assert_eq!(&r2[col("long_context")], "true");
    assert_eq!(&r2[col("profile")], "geo");
    assert_eq!(&r2[col("request_metadata")], r#"{"team":"search"}"#);
    let total: i128 = rows
        .iter()
        .filter_map(|r| r[col("cost_pico_usd")].parse::<i128>().ok())
        .sum();
    // the exact sum: 1.26 + 0.042 + 0.0063 + 0.00002468 (Titan) + 0.000001085 (Nova Micro) = 1.308325765,
    // which the report rounds to 1.308326
    assert_eq!(total, 1_308_325_765_000);
    let opus = rows
        .iter()
        .find(|r| &r[col("request_id")] == "req-0008")
        .unwrap();
    assert_eq!(&opus[col("cost_pico_usd")], "");
    assert!(opus[col("unpriced_reason")].contains("not in the price catalog"));
    let pq = dir.path().join("usage.parquet");
    let o = run(&[
        "report",
        "--logs",
        LOGS,
        "-q",
        "--export-usage",
        pq.to_str().unwrap(),
    ]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    // read it back: same rows, same exact cost, UTC timestamps
    use polars::prelude::*;
    let df = ParquetReader::new(std::fs::File::open(&pq).unwrap())
        .finish()
        .unwrap();
    assert_eq!(df.height(), 9);
    let names: Vec<String> = df
        .get_column_names()
        .iter()
        .map(|n| n.to_string())
        .collect();
    assert_eq!(names, bedrock_lens::usage::table::COLUMNS);
    let cost = df.column("cost_pico_usd").unwrap().i64().unwrap();
    assert_eq!(cost.sum(), Some(1_308_325_765_000));
    assert_eq!(cost.null_count(), 1, "the unknown model has no cost");
    let ts = df.column("timestamp").unwrap();
    assert_eq!(
        ts.dtype(),
        &DataType::Datetime(TimeUnit::Milliseconds, Some(TimeZone::UTC))
    );
    let bad = run(&["report", "--logs", LOGS, "--export-usage", "usage.xlsx"]);
    assert_eq!(bad.code, 2);
    assert!(bad
        .stderr
        .contains("hint: name the file *.parquet or *.csv"));
}

fn write_lines(dir: &std::path::Path, name: &str, lines: &[String]) {
    std::fs::write(dir.join(name), lines.concat()).unwrap();
}

fn basic_records() -> Vec<String> {
    std::fs::read_to_string(root().join("tests/fixtures/logs/basic.jsonl"))
        .unwrap()
        .lines()
        .map(|l| format!("{l}\n"))
        .collect()
}

/// Export documents: several back to back, a BOM, `events` after other keys, and one bad event
/// in the middle: every good event still counts, the bad one is named.
#[test]
fn export_documents_keep_every_good_event() {
    let recs = basic_records();
    let ev = |r: &String| json!({"timestamp": 1, "message": r.trim_end()});
    let dir = tempfile::tempdir().unwrap();
    let page =
        |a: usize, b: usize| json!({"nextToken": "t", "events": [ev(&recs[a]), ev(&recs[b])]});
    let two_pages = format!(
        "\u{feff}{}\n{}",
        serde_json::to_string_pretty(&page(0, 1)).unwrap(),
        serde_json::to_string(&page(2, 3)).unwrap()
    );
    std::fs::write(dir.path().join("pages.json"), two_pages).unwrap();
    let bad_middle =
        json!([ev(&recs[0]), {"message": 42, "timestamp": "x"}, {"input": "SECRET"}, ev(&recs[1])]);
    std::fs::write(dir.path().join("bad-middle.json"), bad_middle.to_string()).unwrap();
    let o = run_in(
        dir.path(),
        &["report", "--logs", "pages.json", "--format", "json"],
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    let v = o.json();
    assert_eq!(v["totals"]["invocations"], 4, "both pages: {}", o.stderr);
    // basic.jsonl's first four requests: $1.26 (Sonnet 4) + $0.042 (Haiku 4.5)
    assert_eq!(v["totals"]["cost_usd"], json!(1.302));
    let o = run_in(
        dir.path(),
        &["report", "--logs", "bad-middle.json", "--format", "json"],
    );
    assert_private(&o);
    let v = o.json();
    assert_eq!(v["totals"]["invocations"], 2, "{}", o.stderr);
    assert_eq!(v["input"]["skipped_lines"], 2);
    assert!(
        o.stderr
            .contains("bad-middle.json: event #2: `message` has the wrong JSON type"),
        "{}",
        o.stderr
    );
    assert!(
        o.stderr
            .contains("bad-middle.json: event #3: `input` has the wrong JSON type"),
        "{}",
        o.stderr
    );
}

#[test]
fn a_file_named_twice_is_read_once() {
    let o = run(&[
        "report",
        "--logs",
        LOGS,
        "tests/fixtures/logs/basic.jsonl",
        "./tests/fixtures/logs/basic.jsonl",
        "--format",
        "json",
    ]);
    let v = o.json();
    assert_eq!(v["input"]["files"], 3);
    assert_eq!(v["totals"]["invocations"], 9);
}

#[test]
fn odd_values_are_kept_or_rejected_precisely() {
    let recs = basic_records();
    let dir = tempfile::tempdir().unwrap();
    let mut r: serde_json::Value = serde_json::from_str(&recs[3]).unwrap();
    r["requestMetadata"] = json!({"team": 7, "flag": true});
    let mut big = r.clone();
    big["input"]["inputTokenCount"] = json!(u64::MAX);
    let huge_body = format!("{{\"body\":\"{}\"}}\n", "x".repeat(33 << 20));
    write_lines(
        dir.path(),
        "odd.jsonl",
        &[
            format!("{r}\n"),
            format!("{big}\n"),
            huge_body,
            recs[2].clone(),
        ],
    );
    let o = run_in(
        dir.path(),
        &[
            "report",
            "--logs",
            "odd.jsonl",
            "--by",
            "meta:team",
            "--format",
            "json",
        ],
    );
    let v = o.json();
    assert_eq!(v["totals"]["invocations"], 2, "{}", o.stderr);
    assert_eq!(v["rows"][0]["meta:team"], "7");
    assert!(
        o.stderr
            .contains("odd.jsonl:2: input.inputTokenCount is implausibly large (over 100,000,000 tokens in one request)"),
        "{}",
        o.stderr
    );
    assert!(
        o.stderr.contains("odd.jsonl:3: line longer than 32 MiB"),
        "{}",
        o.stderr
    );
}

#[test]
fn cells_from_logs_cannot_break_tables_or_spreadsheets() {
    let recs = basic_records();
    let dir = tempfile::tempdir().unwrap();
    let mut lines = vec![];
    for (i, team) in ["a|b", "x\ny", "=SUM(A1)"].into_iter().enumerate() {
        let mut r: serde_json::Value = serde_json::from_str(&recs[2]).unwrap();
        r["requestMetadata"] = json!({"team": team});
        // Three requests (the same request id would count once).
        r["requestId"] = json!(format!("cells-{i}"));
        lines.push(format!("{r}\n"));
    }
    write_lines(dir.path(), "teams.jsonl", &lines);
    let md = run_in(
        dir.path(),
        &[
            "report",
            "--logs",
            "teams.jsonl",
            "--by",
            "meta:team",
            "--format",
            "markdown",
        ],
    )
    .stdout;
    assert!(md.contains("| a\\|b "), "{md}");
    assert!(md.contains("| x y "), "{md}");
    assert_eq!(
        md.lines().filter(|l| l.starts_with('|')).count(),
        2 + 3 + 1,
        "header, rule, 3 rows, total:\n{md}"
    );
    let csv = run_in(
        dir.path(),
        &[
            "report",
            "--logs",
            "teams.jsonl",
            "--by",
            "meta:team",
            "--format",
            "csv",
        ],
    )
    .stdout;
    assert!(csv.contains("'=SUM(A1),"), "{csv}");
}

#[test]
fn only_unpriced_usage_has_no_dollar_total() {
    let recs = basic_records();
    let dir = tempfile::tempdir().unwrap();
    let mut r: serde_json::Value = serde_json::from_str(&recs[0]).unwrap();
    r["modelId"] = json!("us.anthropic.claude-opus-5-20261015-v1:0");
    write_lines(dir.path(), "unknown.jsonl", &[format!("{r}\n")]);
    let o = run_in(
        dir.path(),
        &["report", "--logs", "unknown.jsonl", "--format", "json"],
    );
    assert_eq!(o.json()["totals"]["cost_usd"], json!(null));
    let t = run_in(dir.path(), &["report", "--logs", "unknown.jsonl", "-q"]).stdout;
    assert!(
        t.lines()
            .any(|l| l.contains("TOTAL") && l.contains("unpriced") && !l.contains('$')),
        "{t}"
    );
}

/// Rounding never makes a total disagree with its rows, and the grand total is the same
/// whatever the grouping.
#[test]
fn totals_add_up_in_every_format_and_grouping() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    assert_eq!(
        run(&["demo", "-q", "--out", logs.to_str().unwrap()]).code,
        0
    );
    let logs = logs.to_str().unwrap();
    let mut grand = None;
    for by in [
        "model",
        "day",
        "identity",
        "identity_arn",
        "day,model_id,identity_arn",
        "meta:team,operation",
    ] {
        let v = run(&["report", "--logs", logs, "--by", by, "--format", "json"]).json();
        let rows = v["rows"].as_array().unwrap();
        let micros = |x: &serde_json::Value| (x.as_f64().unwrap_or(0.0) * 1e6).round() as i64;
        let sum: i64 = rows.iter().map(|r| micros(&r["cost_usd"])).sum();
        assert_eq!(sum, micros(&v["totals"]["cost_usd"]), "--by {by}");
        for part in ["input", "output", "cache_read", "cache_write"] {
            let s: i64 = rows
                .iter()
                .map(|r| micros(&r["cost_breakdown"][part]))
                .sum();
            assert_eq!(
                s,
                micros(&v["totals"]["cost_breakdown"][part]),
                "--by {by} {part}"
            );
        }
        let total = micros(&v["totals"]["cost_usd"]);
        assert_eq!(
            *grand.get_or_insert(total),
            total,
            "--by {by} changes the total"
        );
        let table = run(&["report", "--logs", logs, "--by", by, "-q"]).stdout;
        let cents = |cell: &str| -> i64 {
            let d = cell
                .trim()
                .trim_end_matches(" + unpriced")
                .replace(['$', ','], "");
            if d == "<0.01" || d == "unpriced" {
                0
            } else {
                (d.parse::<f64>().unwrap() * 100.0).round() as i64
            }
        };
        let lines: Vec<&str> = table
            .lines()
            .filter(|l| l.starts_with('│'))
            .skip(1)
            .collect();
        let cost = |l: &str| cents(l.trim_end_matches('│').rsplit('│').next().unwrap());
        let (total_line, body) = lines.split_last().unwrap();
        assert!(total_line.contains("TOTAL"));
        assert_eq!(
            body.iter().map(|l| cost(l)).sum::<i64>(),
            cost(total_line),
            "table --by {by}:\n{table}"
        );
    }
}

/// A first record cut short is one bad line, not a reason to read the file as a document; a
/// pretty-printed record reads as one record; arrays on a line are not records.
#[test]
fn layout_is_decided_without_losing_lines() {
    let recs = basic_records();
    let dir = tempfile::tempdir().unwrap();
    let cut = format!("{}\n", &recs[0][..120]);
    write_lines(
        dir.path(),
        "cut-first.jsonl",
        &[cut, recs[1].clone(), recs[2].clone()],
    );
    let o = run_in(
        dir.path(),
        &["report", "--logs", "cut-first.jsonl", "--format", "json"],
    );
    let v = o.json();
    assert_eq!(v["totals"]["invocations"], 2, "{}", o.stderr);
    assert!(
        o.stderr.contains("cut-first.jsonl:1: truncated JSON"),
        "{}",
        o.stderr
    );
    let rec: serde_json::Value = serde_json::from_str(&recs[0]).unwrap();
    std::fs::write(
        dir.path().join("pretty.json"),
        serde_json::to_string_pretty(&rec).unwrap(),
    )
    .unwrap();
    let o = run_in(
        dir.path(),
        &["report", "--logs", "pretty.json", "--format", "json"],
    );
    assert_eq!(
        o.json()["totals"]["cost_usd"],
        json!(0.0315),
        "{}",
        o.stderr
    );
    let array = format!(
        "{}\n",
        json!(["ModelInvocationLog", "1.0", "2026-10-01T00:00:00Z"])
    );
    write_lines(dir.path(), "array.jsonl", &[recs[2].clone(), array]);
    let o = run_in(
        dir.path(),
        &["report", "--logs", "array.jsonl", "--format", "json"],
    );
    assert_eq!(o.json()["totals"]["invocations"], 1);
    assert!(
        o.stderr.contains("array.jsonl:2: not a JSON object"),
        "{}",
        o.stderr
    );
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(recs[2].encode_utf16().flat_map(|u| u.to_le_bytes()));
    std::fs::write(dir.path().join("utf16.json"), utf16).unwrap();
    let o = run_in(
        dir.path(),
        &["report", "--logs", "utf16.json", "--format", "json"],
    );
    assert_eq!(o.json()["totals"]["invocations"], 1, "{}", o.stderr);
}

#[test]
fn input_cannot_drive_the_terminal_or_a_spreadsheet() {
    let recs = basic_records();
    let dir = tempfile::tempdir().unwrap();
    let mut r: serde_json::Value = serde_json::from_str(&recs[2]).unwrap();
    r["modelId"] = json!("\u{1b}]0;pwned\u{7}\u{1b}[2J=evil.model-v1:0");
    r["operation"] = json!("=HYPERLINK(\"x\")");
    write_lines(dir.path(), "esc.jsonl", &[format!("{r}\n")]);
    let o = run_in(
        dir.path(),
        &["report", "--logs", "esc.jsonl", "--export-usage", "u.csv"],
    );
    assert!(
        !o.stderr.contains('\u{1b}') && !o.stdout.contains('\u{1b}'),
        "{}",
        o.stderr
    );
    assert!(
        o.stderr.contains("?]0;pwned??[2J=evil.model-v1:0"),
        "{}",
        o.stderr
    );
    let csv = std::fs::read_to_string(dir.path().join("u.csv")).unwrap();
    assert!(csv.contains("'=HYPERLINK"), "{csv}");
}

/// The same month read twice (e.g. the CloudWatch export and the S3 copy): each request id
/// counts once by default, the duplicates and their cost are said; --keep-duplicates opts out.
#[test]
fn duplicate_request_ids_count_once() {
    let dir = tempfile::tempdir().unwrap();
    for copy in ["a.jsonl", "b.jsonl"] {
        std::fs::copy(root().join(LOGS).join("basic.jsonl"), dir.path().join(copy)).unwrap();
    }
    let d = dir.path().to_str().unwrap();
    // basic.jsonl alone: 4 requests, $1.302 (json_totals_are_hand_computed).
    for cmd in ["report", "whatif"] {
        let o = run(&[cmd, "--logs", d, "--format", "json"]);
        assert_eq!(o.code, 0, "{cmd}: {}", o.stderr);
        let v = o.json();
        let (calls, cost) = match cmd {
            "report" => (&v["totals"]["invocations"], &v["totals"]["cost_usd"]),
            _ => (&v["baseline"]["invocations"], &v["baseline"]["total_usd"]),
        };
        assert_eq!(
            (calls.as_u64(), cost.to_string()),
            (Some(4), "1.302".into())
        );
        assert_eq!(v["input"]["records"], 8);
        assert_eq!(v["input"]["duplicates_dropped"], 4);
        assert!(
            o.stderr.contains("warning: 4 duplicate request(s) dropped (a request id read more than once: overlapping inputs?); counted once, they leave out $1.30"),
            "{cmd}: {}",
            o.stderr
        );
        assert!(o
            .stderr
            .contains("hint: --keep-duplicates counts every copy"));
    }
    let o = run(&[
        "report",
        "--logs",
        d,
        "--format",
        "json",
        "--keep-duplicates",
    ]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let v = o.json();
    assert_eq!(v["totals"]["invocations"], 8);
    assert_eq!(v["totals"]["cost_usd"].to_string(), "2.604");
    assert_eq!(v["input"]["duplicates_dropped"], 0);
    assert!(!o.stderr.contains("duplicate"), "{}", o.stderr);
}

/// Log extensions match in any case; what a directory holds besides logs is said, by kind.
#[test]
fn other_files_in_a_directory_are_said() {
    let dir = tempfile::tempdir().unwrap();
    let basic = root().join(LOGS).join("basic.jsonl");
    std::fs::copy(&basic, dir.path().join("UPPER.JSONL")).unwrap();
    std::fs::copy(&basic, dir.path().join(".hidden.jsonl")).unwrap();
    std::fs::write(dir.path().join("app.log"), "x").unwrap();
    std::fs::write(dir.path().join("README"), "x").unwrap();
    let o = run_in(dir.path(), &["report", "--logs", ".", "--format", "json"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert_eq!(o.json()["totals"]["invocations"], 4);
    assert!(
        o.stderr.contains("note: 3 other file(s) left alone in the --logs directories (1 .log, 1 hidden, 1 no extension): only regular files named like logs are read"),
        "{}",
        o.stderr
    );
    // A note: -q drops it
    let o = run_in(dir.path(), &["report", "--logs", ".", "-q"]);
    assert!(!o.stderr.contains("note:"), "{}", o.stderr);
}

/// A command or subcommand left out is a usage error with its hint line, as every other one.
#[test]
fn a_missing_command_is_a_usage_error_with_a_hint() {
    for args in [vec![], vec!["pricing"], vec!["collect"]] {
        let o = run(&args);
        assert_eq!(o.code, 2, "{args:?}");
        assert!(
            o.stderr.trim_end().ends_with("hint: name a command (above); `bedrock-lens demo` shows what the tool does on a sample month"),
            "{args:?}: {}",
            o.stderr
        );
    }
}

/// Identical usage rounds alike: two identities with the same $0.005 each show $0.01 each
/// (the largest-remainder tie used to give one $0.01 and the other <$0.01).
#[test]
fn equal_amounts_round_alike() {
    let recs = basic_records();
    let dir = tempfile::tempdir().unwrap();
    let lines: Vec<String> = ["a", "b"]
        .iter()
        .map(|who| {
            let mut r: serde_json::Value = serde_json::from_str(&recs[0]).unwrap();
            // Haiku 4.5 global: 5,000 input tokens x $1 per 1M = $0.005
            r["modelId"] = json!("global.anthropic.claude-haiku-4-5-20251001-v1:0");
            r["region"] = json!("us-east-1");
            r["requestId"] = json!(format!("tie-{who}"));
            r["identity"]["arn"] = json!(format!("arn:aws:sts::111122223333:assumed-role/{who}"));
            r["input"]["inputTokenCount"] = json!(5000);
            r["output"]["outputTokenCount"] = json!(0);
            for k in ["cacheReadInputTokenCount", "cacheWriteInputTokenCount"] {
                r["input"].as_object_mut().unwrap().remove(k);
            }
            format!("{r}\n")
        })
        .collect();
    write_lines(dir.path(), "tie.jsonl", &lines);
    let o = run_in(
        dir.path(),
        &["report", "--logs", "tie.jsonl", "--by", "identity", "-q"],
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    let costs: Vec<&str> = o
        .stdout
        .lines()
        .filter(|l| l.contains("assumed-role/") || l.contains("TOTAL"))
        .map(|l| l.trim_end_matches('│').rsplit('│').next().unwrap().trim())
        .collect();
    assert_eq!(costs, ["$0.01", "$0.01", "$0.02"], "{}", o.stdout);
    // 300 identities at $0.0044 each (4,400 input tokens at $1 per 1M): rounding them alike
    // would move the total by $1.32, so the total stays exact at $1.32
    let lines: Vec<String> = (0..300)
        .map(|i| {
            let mut r: serde_json::Value = serde_json::from_str(&lines[0]).unwrap();
            r["requestId"] = json!(format!("many-{i}"));
            r["identity"]["arn"] = json!(format!("arn:aws:sts::111122223333:assumed-role/r{i}"));
            r["input"]["inputTokenCount"] = json!(4400);
            format!("{r}\n")
        })
        .collect();
    write_lines(dir.path(), "many.jsonl", &lines);
    for by in ["identity", "model"] {
        let o = run_in(
            dir.path(),
            &["report", "--logs", "many.jsonl", "--by", by, "-q"],
        );
        let total = o.stdout.lines().find(|l| l.contains("TOTAL")).unwrap();
        assert!(total.ends_with("│      $1.32 │"), "--by {by}: {total}");
        let v = run_in(
            dir.path(),
            &[
                "report",
                "--logs",
                "many.jsonl",
                "--by",
                by,
                "--format",
                "json",
            ],
        )
        .json();
        assert_eq!(v["totals"]["cost_usd"], json!(1.32), "--by {by}");
    }
}

/// Text from the logs never acts on a terminal in any human output: escapes and bidi marks in
/// an identity (table cells), an unknown model id (whatif's header) or a `--by` key (headers).
#[test]
fn log_text_in_headers_and_cells_is_cleaned() {
    let recs = basic_records();
    let dir = tempfile::tempdir().unwrap();
    let mut r: serde_json::Value = serde_json::from_str(&recs[0]).unwrap();
    r["identity"]["arn"] = json!("arn:aws:sts::1:assumed-role/x\u{202e}gnp.exe");
    let mut unknown = r.clone();
    unknown["requestId"] = json!("esc-2");
    unknown["modelId"] = json!("us.evil\u{1b}]0;title\u{7}.model-v1:0");
    write_lines(
        dir.path(),
        "logs.jsonl",
        &[format!("{r}\n"), format!("{unknown}\n")],
    );
    for args in [
        vec!["report", "--logs", "logs.jsonl", "--by", "identity"],
        vec![
            "report",
            "--logs",
            "logs.jsonl",
            "--by",
            "meta:a\u{1b}[2J",
            "--format",
            "markdown",
        ],
        vec!["whatif", "--logs", "logs.jsonl", "-s", "batch"],
        vec![
            "whatif",
            "--logs",
            "logs.jsonl",
            "-s",
            "batch",
            "--by",
            "model,meta:\u{202e}x",
        ],
    ] {
        let o = run_in(dir.path(), &args);
        for bad in ['\u{1b}', '\u{7}', '\u{202e}'] {
            assert!(!o.stdout.contains(bad), "{args:?} {bad:?}: {}", o.stdout);
            assert!(!o.stderr.contains(bad), "{args:?} {bad:?}: {}", o.stderr);
        }
    }
}

/// Setting files that cannot be read are said in words, never as Rust's error text.
#[test]
fn unreadable_setting_files_are_said_in_words() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, b"\xff\xfe[[model]]").unwrap();
    let d = dir.path().to_str().unwrap();
    let b = bad.to_str().unwrap();
    for (args, said) in [
        (
            vec![
                "whatif",
                "--logs",
                LOGS,
                "--scenarios-file",
                "/nonexistent-x",
            ],
            "/nonexistent-x: cannot read: no such file or directory",
        ),
        (
            vec!["--inference-profiles", d, "report", "--logs", LOGS],
            "is a directory",
        ),
        (
            vec!["--pricing", b, "report", "--logs", LOGS],
            "bad.toml: not UTF-8 text",
        ),
    ] {
        let o = run(&args);
        assert_eq!(o.code, 2, "{args:?}: {}", o.stderr);
        assert!(o.stderr.contains(said), "{args:?}: {}", o.stderr);
        assert!(!o.stderr.contains("os error"), "{}", o.stderr);
        assert!(!o.stderr.contains("stream did not contain"), "{}", o.stderr);
    }
}

/// A request blocked before the model ran (as a guardrail block is logged: no token count at
/// all, no error) is an invocation with zero tokens, counted as `guardrail_blocked`, in every
/// format and from a snapshot alike; `--strict` passes on it.
#[test]
fn guardrail_blocked_records_are_invocations() {
    let recs = basic_records();
    let dir = tempfile::tempdir().unwrap();
    let mut blocked: serde_json::Value = serde_json::from_str(&recs[0]).unwrap();
    blocked["requestId"] = json!("blocked-1");
    blocked["input"] = json!({"inputContentType": "application/json"});
    blocked["output"] = json!({"outputContentType": "application/json"});
    let mut lines = recs.clone();
    lines.push(format!("{blocked}\n"));
    write_lines(dir.path(), "logs.jsonl", &lines);
    let o = run_in(
        dir.path(),
        &[
            "report",
            "--logs",
            "logs.jsonl",
            "--format",
            "json",
            "--strict",
        ],
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    let v = o.json();
    // basic.jsonl: 4 requests, $1.302; the blocked one adds a call, no tokens, no cost
    assert_eq!(v["totals"]["invocations"], 5);
    assert_eq!(v["totals"]["guardrail_blocked"], 1);
    assert_eq!(v["totals"]["cost_usd"], json!(1.302));
    assert_eq!(v["input"]["skipped_lines"], 0);
    let t = run_in(dir.path(), &["report", "--logs", "logs.jsonl", "-q"]).stdout;
    let total = t.lines().find(|l| l.contains("TOTAL")).unwrap();
    assert!(
        total.starts_with("│ TOTAL                      │     5 │"),
        "{t}"
    );
    // The usage table keeps it as a row without counts, and a snapshot reads it back the same
    let snap = dir.path().join("snap");
    std::fs::create_dir(&snap).unwrap();
    super::collect::offline_snapshot(&snap, dir.path().join("logs.jsonl").to_str().unwrap());
    let s = run(&[
        "report",
        "--snapshot",
        snap.to_str().unwrap(),
        "--format",
        "json",
    ])
    .json();
    assert_eq!(s["totals"]["invocations"], 5);
    assert_eq!(s["totals"]["guardrail_blocked"], 1);
    assert_eq!(s["input"]["skipped_lines"], 0);
}
