//! `review`: the demo's two months (planted anomalies, billing gaps, a new model, a vanished
//! identity) give the expected review; its figures agree with `reconcile`; bad input is a usage
//! error; the Markdown is snapshotted.

use serde_json::{json, Value};

use super::run_in;

/// A demo snapshot of September and October in a temp dir.
fn demo() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let o = run_in(tmp.path(), &["demo", "--snapshot", "snap", "-q"]);
    assert_eq!(o.code, 0, "{}", o.all());
    tmp
}

fn review(tmp: &tempfile::TempDir, args: &[&str]) -> Value {
    let mut a = vec!["review", "--snapshot", "snap", "--format", "json"];
    a.extend(args);
    let o = run_in(tmp.path(), &a);
    assert_eq!(o.code, 0, "{}", o.all());
    o.json()
}

fn strs(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap().to_string())
        .collect()
}

#[test]
fn the_demo_october_review_has_its_planted_answers_and_agrees_with_reconcile() {
    let tmp = demo();
    // The last complete month is the default: October, against September.
    let r = review(&tmp, &["--by", "meta:team"]);
    assert_eq!(r["schema"], "bedrock-lens/review/v1");
    assert_eq!(
        (&r["month"], &r["previous_month"]),
        (&json!("2026-10"), &json!("2026-09"))
    );
    assert_eq!(r["open_month"], json!(false));
    assert_eq!(strs(&r["sources"]), ["logs", "metrics", "bill"]);
    // The headline is reconcile's computed figure for the month, exactly.
    let rec = run_in(
        tmp.path(),
        &[
            "reconcile",
            "--snapshot",
            "snap",
            "--start",
            "2026-10",
            "--end",
            "2026-10",
            "--format",
            "json",
        ],
    )
    .json();
    assert_eq!(r["headline"]["spend_usd"], rec["computed_usd"]);
    assert_eq!(r["reconciliation"]["billed_usd"], rec["billed_usd"]);
    // Every breakdown adds up to the headline, and last month's to the previous total.
    for b in r["breakdowns"].as_array().unwrap() {
        let rows = b["rows"]
            .as_array()
            .unwrap()
            .iter()
            .chain(b["other"].as_object().map(|_| &b["other"]));
        let sum: rust_decimal::Decimal = rows
            .map(|x| {
                x["usd"]
                    .to_string()
                    .parse::<rust_decimal::Decimal>()
                    .unwrap()
            })
            .sum();
        assert_eq!(
            sum.to_string(),
            r["headline"]["spend_usd"].to_string(),
            "{}",
            b["by"]
        );
        assert_eq!(
            b["previous_total_usd"], r["headline"]["previous_usd"],
            "{}",
            b["by"]
        );
    }
    // The long-context days of the legal team: flagged, each with its driver.
    let days: Vec<(String, String)> = r["anomalies"]["days"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["day"].as_str().unwrap().into(),
                a["driver"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        days,
        [
            (
                "2026-10-07".to_string(),
                "contract-analyzer / anthropic.claude-sonnet-4 / 3 long-context request(s)"
                    .to_string()
            ),
            (
                "2026-10-17".to_string(),
                "contract-analyzer / anthropic.claude-sonnet-4 / 2 long-context request(s)"
                    .to_string()
            ),
            (
                "2026-10-27".to_string(),
                "contract-analyzer / anthropic.claude-sonnet-4 / 2 long-context request(s)"
                    .to_string()
            ),
        ]
    );
    // ... 2-3 times the weekday median.
    for a in r["anomalies"]["days"].as_array().unwrap() {
        let x = a["usd"].as_f64().unwrap() / a["baseline_usd"].as_f64().unwrap();
        assert!((2.0..=3.5).contains(&x), "{a}");
    }
    // The planted billing gap and the provisioned charge, nothing else.
    let flagged: Vec<String> = r["reconciliation"]["flagged"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["key"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        flagged,
        [
            "(provisioned throughput) 2026-10-15",
            "anthropic.claude-sonnet-4 2026-10-07"
        ]
    );
    // A model new in October, an identity and a team gone since September.
    let by = |name: &str| {
        r["breakdowns"]
            .as_array()
            .unwrap()
            .iter()
            .find(|b| b["by"] == name)
            .unwrap()
            .clone()
    };
    assert_eq!(
        strs(&by("model")["new"]),
        ["us.anthropic.claude-opus-5-20261015-v1:0"]
    );
    assert_eq!(
        strs(&by("identity")["vanished"]),
        ["arn:aws:sts::111122223333:assumed-role/nightly-report-writer"]
    );
    assert_eq!(strs(&by("meta:team")["vanished"]), ["finance"]);
    // Tag coverage: every logged call has a team; the metrics' hours cannot tell (their own
    // column); the three add up to the month.
    let t = &r["attribution"][0];
    assert_eq!(t["key"], "meta:team");
    let d = |v: &Value| v.to_string().parse::<rust_decimal::Decimal>().unwrap();
    assert_eq!(d(&t["untagged_usd"]), rust_decimal::Decimal::ZERO);
    assert!(d(&t["from_metrics_usd"]) > rust_decimal::Decimal::ZERO);
    assert_eq!(
        (d(&t["tagged_usd"]) + d(&t["untagged_usd"]) + d(&t["from_metrics_usd"])).to_string(),
        r["headline"]["spend_usd"].to_string()
    );
    // Recommendations add up to their total.
    let recs: rust_decimal::Decimal = r["recommendations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            x["savings_usd"]
                .to_string()
                .parse::<rust_decimal::Decimal>()
                .unwrap()
        })
        .sum();
    assert_eq!(recs.to_string(), r["recommendations_total_usd"].to_string());
    // What cannot be told is said, in the document: the unpriced model and the metrics' hours.
    let caveats = strs(&r["caveats"]);
    assert!(
        caveats.iter().any(|c| c.starts_with(
            "not priced, so in no amount: us.anthropic.claude-opus-5-20261015-v1:0 (75 calls, 229,906 tokens this month)"
        )),
        "{caveats:?}"
    );
    assert!(
        caveats
            .iter()
            .any(|c| c.contains("in hours without logs are priced from CloudWatch metrics")),
        "{caveats:?}"
    );
    // The demo metrics carry no throttle series: not measurable, never 0.
    assert_eq!(r["waste"]["throttles"], json!(null));
    assert_eq!(r["daily"].as_array().unwrap().len(), 31);
}

#[test]
fn the_september_review_finds_its_planted_spike_and_gap_without_a_month_before() {
    let tmp = demo();
    let r = review(&tmp, &["--month", "2026-09"]);
    assert_eq!(r["previous_month"], json!(null));
    assert_eq!(r["headline"]["change_usd"], json!(null));
    let days: Vec<&str> = r["anomalies"]["days"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["day"].as_str().unwrap())
        .collect();
    assert!(days.contains(&"2026-09-23"), "{days:?}");
    let spike = r["anomalies"]["days"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["day"] == "2026-09-23")
        .unwrap();
    assert!(
        spike["driver"]
            .as_str()
            .unwrap()
            .contains("AWSReservedSSO_DataScientist_5e1f2a / deepseek.r1 / "),
        "{spike}"
    );
    let flagged: Vec<&str> = r["reconciliation"]["flagged"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["key"].as_str().unwrap())
        .collect();
    assert_eq!(flagged, ["anthropic.claude-sonnet-4 2026-09-17"]);
    let caveats = strs(&r["caveats"]);
    assert!(caveats
        .iter()
        .any(|c| c.starts_with("no data for the month before")));
    // October's unpriced model is not September's caveat.
    assert!(!caveats.iter().any(|c| c.contains("opus-5")), "{caveats:?}");
}

#[test]
fn the_demo_month_from_its_logs_alone_still_finds_the_long_context_days() {
    // The logs start on October 1st: days before them are no baseline, never $0 days.
    let tmp = tempfile::tempdir().unwrap();
    let o = run_in(tmp.path(), &["demo", "--out", "logs", "-q"]);
    assert_eq!(o.code, 0, "{}", o.all());
    let o = run_in(
        tmp.path(),
        &["review", "--logs", "logs", "--format", "json"],
    );
    assert_eq!(o.code, 0, "{}", o.all());
    let r = o.json();
    let days: Vec<&str> = r["anomalies"]["days"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["day"].as_str().unwrap())
        .collect();
    assert_eq!(days, ["2026-10-07", "2026-10-17", "2026-10-27"]);
    // The whole month is logged: the demo's own total ($88.03 in `demo`'s table).
    let spend = r["headline"]["spend_usd"]
        .to_string()
        .parse::<rust_decimal::Decimal>()
        .unwrap();
    assert_eq!(spend.round_dp(2).to_string(), "88.03");
}

#[test]
fn previous_from_another_input_takes_only_the_month_before() {
    let tmp = demo();
    // October's logs alone, with the snapshot (September and October) as --previous.
    let o = run_in(tmp.path(), &["demo", "--out", "oct", "-q"]);
    assert_eq!(o.code, 0, "{}", o.all());
    let o = run_in(
        tmp.path(),
        &[
            "review",
            "--logs",
            "oct",
            "--previous",
            "snap",
            "--month",
            "2026-10",
            "--format",
            "json",
        ],
    );
    assert_eq!(o.code, 0, "{}", o.all());
    let r = o.json();
    assert_eq!(r["previous_month"], "2026-09");
    let spend = r["headline"]["spend_usd"]
        .to_string()
        .parse::<rust_decimal::Decimal>()
        .unwrap();
    assert_eq!(spend.round_dp(2).to_string(), "88.03");
    // September from the snapshot's logs only (not its metrics): the identity breakdown of
    // the snapshot's September review without its metrics line.
    let sept = review(&tmp, &["--month", "2026-09"]);
    let ident = &sept["breakdowns"][3];
    let d = |v: &Value| v.to_string().parse::<rust_decimal::Decimal>().unwrap();
    let metrics: rust_decimal::Decimal = ident["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["key"] == "(hours without logs: from metrics)")
        .map(|x| d(&x["usd"]))
        .sum();
    assert_eq!(
        d(&r["headline"]["previous_usd"]),
        d(&sept["headline"]["spend_usd"]) - metrics
    );
    // --previous needs --month, and cannot repeat a month the input holds.
    let e = run_in(
        tmp.path(),
        &["review", "--logs", "oct", "--previous", "snap"],
    );
    assert_eq!(e.code, 2, "{}", e.all());
    let e = run_in(
        tmp.path(),
        &[
            "review",
            "--snapshot",
            "snap",
            "--previous",
            "snap",
            "--month",
            "2026-10",
        ],
    );
    assert_eq!(e.code, 2, "{}", e.all());
    assert!(
        e.stderr
            .contains("--previous: the input already holds 2026-09"),
        "{}",
        e.stderr
    );
}

#[test]
fn an_open_month_gets_a_forecast_and_log_files_say_there_is_no_bill() {
    let tmp = demo();
    let o = run_in(tmp.path(), &["demo", "--out", "logs", "-q"]);
    assert_eq!(o.code, 0, "{}", o.all());
    // October to the 20th: the month is open.
    let partial = tmp.path().join("partial");
    for day in 1..=20 {
        for entry in walk(&tmp.path().join("logs")) {
            let s = entry.to_string_lossy().to_string();
            if s.contains(&format!("/2026/10/{day:02}/")) {
                let to = partial.join(entry.strip_prefix(tmp.path().join("logs")).unwrap());
                std::fs::create_dir_all(to.parent().unwrap()).unwrap();
                std::fs::copy(&entry, &to).unwrap();
            }
        }
    }
    let o = run_in(
        tmp.path(),
        &["review", "--logs", "partial", "--format", "json"],
    );
    assert_eq!(o.code, 0, "{}", o.all());
    let r = o.json();
    assert_eq!(
        (&r["month"], &r["open_month"]),
        (&json!("2026-10"), &json!(true))
    );
    assert_eq!(r["data_through"], "2026-10-20");
    let f = &r["headline"]["forecast"];
    assert_eq!(f["remaining_days"], json!(11));
    assert!(f["method"]
        .as_str()
        .unwrap()
        .starts_with("run rate of the last 7 days with the weekday pattern"));
    assert!(f["month_end_usd"].as_f64().unwrap() > r["headline"]["spend_usd"].as_f64().unwrap());
    assert_eq!(r["reconciliation"], json!(null));
    assert!(r["reconciliation_absent"]
        .as_str()
        .unwrap()
        .starts_with("reviewed from log files: no bill"));
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = vec![];
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn bad_review_input_is_a_usage_error_with_a_hint() {
    let tmp = demo();
    for (args, says) in [
        (vec!["--month", "October"], "--month October: not a month"),
        (
            vec!["--month", "2027-01"],
            "--month 2027-01: the input has no calls in it",
        ),
        (
            vec!["--by", "day"],
            "--by: the review is per month and day already",
        ),
        (
            vec!["--by", "identity"],
            "--by identity: the review always breaks spend down by it",
        ),
        (
            vec!["-o", "review.pdf"],
            "-o review.pdf: the format cannot be told from the name",
        ),
    ] {
        let mut a = vec!["review", "--snapshot", "snap"];
        a.extend(args);
        let o = run_in(tmp.path(), &a);
        assert_eq!(o.code, 2, "{}", o.all());
        assert!(o.stderr.contains(says), "{}", o.stderr);
        assert!(o.stderr.contains("hint: "), "{}", o.stderr);
    }
    let o = run_in(tmp.path(), &["review", "--snapshot", "nope"]);
    assert_eq!(o.code, 2, "{}", o.all());
}

#[test]
fn the_markdown_review_of_the_demo_month() {
    let tmp = demo();
    let o = run_in(
        tmp.path(),
        &[
            "review",
            "--snapshot",
            "snap",
            "--by",
            "meta:team",
            "--format",
            "markdown",
        ],
    );
    assert_eq!(o.code, 0, "{}", o.all());
    insta::assert_snapshot!("review_markdown", o.stdout);
}

#[test]
fn the_html_review_is_one_escaped_page_and_demo_writes_it() {
    let tmp = demo();
    let o = run_in(tmp.path(), &["demo", "--review", "review.html", "-q"]);
    assert_eq!(o.code, 0, "{}", o.all());
    let html = std::fs::read_to_string(tmp.path().join("review.html")).unwrap();
    assert!(html.starts_with("<!doctype html>"));
    // Self-contained: no script, no link, no remote URL.
    for no in [
        "<script",
        "<link",
        "src=\"http",
        "href=\"http",
        "@import",
        "url(",
    ] {
        assert!(!html.contains(no), "{no}");
    }
    assert_eq!(html.matches("<svg").count(), 4);
    assert!(
        html.contains("id=\"total-spend\" data-usd=\"87.25115143\">$87.25<"),
        "headline total"
    );
    // Values from the data are escaped: an identity and a team with markup in them.
    let rec = |id: &str, day: u32| {
        json!({
            "schemaType": "ModelInvocationLog", "schemaVersion": "1.0",
            "timestamp": format!("2026-10-{day:02}T10:00:00Z"), "accountId": "111122223333",
            "region": "us-east-1", "requestId": id, "operation": "Converse",
            "modelId": "amazon.nova-micro-v1:0",
            "identity": {"arn": "arn:aws:sts::111122223333:assumed-role/<script>alert(1)</script>/<b>x</b>"},
            "requestMetadata": {"team": "<img src=x onerror=alert(2)>"},
            "input": {"inputContentType": "application/json", "inputTokenCount": 1000},
            "output": {"outputContentType": "application/json", "outputTokenCount": 100}
        })
        .to_string()
    };
    let lines: Vec<String> = (1..=31).map(|d| rec(&format!("r{d}"), d)).collect();
    std::fs::write(tmp.path().join("evil.jsonl"), lines.join("\n")).unwrap();
    let o = run_in(
        tmp.path(),
        &[
            "review",
            "--logs",
            "evil.jsonl",
            "--by",
            "meta:team",
            "-o",
            "evil.html",
        ],
    );
    assert_eq!(o.code, 0, "{}", o.all());
    let html = std::fs::read_to_string(tmp.path().join("evil.html")).unwrap();
    assert!(!html.contains("<script>alert(1)"), "identity not escaped");
    assert!(!html.contains("<img src=x"), "metadata not escaped");
    assert!(html.contains("&lt;script&gt;alert(1)"), "identity escaped");
    assert!(
        html.contains("&lt;img src=x onerror=alert(2)&gt;"),
        "metadata escaped"
    );
    // ... also in the charts' SVG text (the identity labels its bar).
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt; (111122223333)"),
        "chart label escaped"
    );
    // And the Markdown shows markup from the data as text.
    let md = run_in(
        tmp.path(),
        &["review", "--logs", "evil.jsonl", "--by", "meta:team"],
    );
    assert!(!md.stdout.contains("<img"), "{}", md.stdout);
    assert!(
        md.stdout.contains("&lt;img src=x onerror=alert(2)>"),
        "{}",
        md.stdout
    );
}
