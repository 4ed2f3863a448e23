//! `demo`: the built-in month, its snapshot, and a round trip through `--out` and `report`.

use super::{assert_private, run};

#[test]
fn demo_snapshot() {
    let o = run(&["demo"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    insta::assert_snapshot!("demo_table", o.all());
    let o = run(&["demo", "--format", "markdown"]);
    insta::assert_snapshot!("demo_markdown", o.stdout);
}

#[test]
fn demo_has_what_the_month_should_have() {
    let v: serde_json::Value =
        serde_json::from_str(&run(&["demo", "--format", "json"]).stdout).unwrap();
    let m = &v["by_model"];
    assert!(m["rows"].as_array().unwrap().len() >= 10, "10+ models");
    assert_eq!(
        m["unpriced"].as_array().unwrap().len(),
        1,
        "exactly one unknown model"
    );
    assert!(m["totals"]["long_context_invocations"].as_u64().unwrap() >= 1);
    assert!(m["totals"]["cache_read_tokens"].as_u64().unwrap() > 0);
    assert!(m["totals"]["cache_write_tokens"].as_u64().unwrap() > 0);
    assert!(m["totals"]["errors"].as_u64().unwrap() > 0);
    assert!(v["top_identities"]["rows"].as_array().unwrap().len() == 5);
}

#[test]
fn demo_out_reruns_through_report_with_the_same_totals() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    let demo = run(&["demo", "--format", "json", "--out", logs.to_str().unwrap()]);
    assert_eq!(demo.code, 0);
    assert!(logs
        .join("AWSLogs/111122223333/BedrockModelInvocationLogs/us-east-1/2026/10/31/00")
        .is_dir());
    let rep = run(&[
        "report",
        "--logs",
        logs.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(rep.code, 0);
    assert_private(&rep);
    let d: serde_json::Value = serde_json::from_str(&demo.stdout).unwrap();
    let r = rep.json();
    assert_eq!(r["totals"], d["by_model"]["totals"]);
    assert_eq!(r["rows"], d["by_model"]["rows"]);
}
