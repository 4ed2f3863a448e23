//! Inputs as a new user feeds them: token counts no request can have.

use std::path::Path;

use super::{root, run_fed, Out};
use serde_json::json;

/// basic.jsonl: 4 requests, $1.302 (report.rs: json_totals_are_hand_computed).
fn basic() -> String {
    std::fs::read_to_string(root().join("tests/fixtures/logs/basic.jsonl")).unwrap()
}

/// `report` as JSON over `args`, with `stdin` piped in: (exit code, invocations, cost as text).
fn report(dir: &Path, args: &[&str], stdin: Vec<u8>) -> (Out, u64, String) {
    let mut all = vec!["report", "--format", "json", "--logs"];
    all.extend_from_slice(args);
    let o = run_fed(dir, &all, stdin);
    let v = o.json();
    let calls = v["totals"]["invocations"].as_u64().unwrap();
    let cost = v["totals"]["cost_usd"].to_string();
    (o, calls, cost)
}

/// No request carries 10^8 tokens (context windows are a few million): a record claiming more,
/// in one field or in all together, is named with its line and left out of the totals.
#[test]
fn implausible_token_counts_are_left_out() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let recs: Vec<String> = basic().lines().map(String::from).collect();
    let mut huge: serde_json::Value = serde_json::from_str(&recs[2]).unwrap();
    huge["input"]["inputTokenCount"] = json!(1_000_000_000u64);
    let mut sum: serde_json::Value = serde_json::from_str(&recs[3]).unwrap();
    sum["input"]["inputTokenCount"] = json!(50_000_000u64);
    sum["output"]["outputTokenCount"] = json!(50_000_001u64);
    let lines = [
        recs[0].clone(),
        huge.to_string(),
        recs[1].clone(),
        sum.to_string(),
    ];
    std::fs::write(d.join("big.jsonl"), lines.join("\n") + "\n").unwrap();
    let (o, calls, _) = report(d, &["big.jsonl"], vec![]);
    assert_eq!((o.code, calls), (0, 2), "{}", o.stderr);
    assert_eq!(o.json()["input"]["skipped_lines"], 2);
    let e = &o.stderr;
    for msg in [
        "warning: 2 problem(s) in the input: 2 line(s) skipped (2 with implausible token counts), 0 file(s) not fully read",
        "  big.jsonl:2: input.inputTokenCount is implausibly large (over 100,000,000 tokens in one request)",
        "  big.jsonl:4: input, cache and output token counts add up to 100,000,001: implausibly large (over 100,000,000 tokens in one request)",
    ] {
        assert!(e.contains(msg), "missing `{msg}` in:\n{e}");
    }
}
