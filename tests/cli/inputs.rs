//! Inputs as a new user feeds them: UTF-16 and CR-only text, and token counts no request can
//! have.

use std::path::Path;

use super::{root, run_fed, Out};
use serde_json::json;

/// basic.jsonl: 4 requests, $1.302 (report.rs: json_totals_are_hand_computed).
fn basic() -> String {
    std::fs::read_to_string(root().join("tests/fixtures/logs/basic.jsonl")).unwrap()
}

fn gzip(data: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut gz = flate2::write::GzEncoder::new(vec![], flate2::Compression::fast());
    gz.write_all(data).unwrap();
    gz.finish().unwrap()
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

/// UTF-16 in either byte order, with or without a byte-order mark (PowerShell's `>` writes
/// UTF-16LE with one), plain or gzip: decoded, every record read.
#[test]
fn utf16_logs_are_decoded() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut text = basic();
    let mut rocket: serde_json::Value = serde_json::from_str(text.lines().nth(2).unwrap()).unwrap();
    // A character outside the BMP: a surrogate pair in UTF-16.
    rocket["requestMetadata"] = json!({"team": "rocket 🚀"});
    rocket["requestId"] = json!("req-rocket");
    text.push_str(&format!("{rocket}\n"));
    let le: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
    let be: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
    let files = [
        ("le.jsonl", le.clone()),
        ("be.jsonl", be.clone()),
        ("le-bom.jsonl", [&[0xFF, 0xFE][..], &le].concat()),
        ("be-bom.jsonl", [&[0xFE, 0xFF][..], &be].concat()),
        ("le.jsonl.gz", gzip(&le)),
    ];
    for (name, bytes) in files {
        std::fs::write(d.join(name), bytes).unwrap();
        let o = run_fed(
            d,
            &[
                "report",
                "--logs",
                name,
                "--by",
                "meta:team",
                "--format",
                "json",
            ],
            vec![],
        );
        assert_eq!(o.code, 0, "{name}: {}", o.stderr);
        let v = o.json();
        assert_eq!(v["totals"]["invocations"], 5, "{name}: {}", o.stderr);
        assert_eq!(v["input"]["skipped_lines"], 0, "{name}: {}", o.stderr);
        let teams: Vec<&str> = v["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["meta:team"].as_str().unwrap())
            .collect();
        assert!(teams.contains(&"rocket 🚀"), "{name}: {teams:?}");
    }
}

/// Lines ended by a lone CR (classic Mac OS, some exports) are lines: each record read, each
/// problem at its own line number; CRLF alike.
#[test]
fn cr_only_and_crlf_line_endings() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let recs: Vec<String> = basic().lines().map(String::from).collect();
    let with_bad = [&recs[..2], &["{oops".to_string()], &recs[2..]].concat();
    for (name, eol) in [("cr.jsonl", "\r"), ("crlf.jsonl", "\r\n")] {
        std::fs::write(d.join(name), with_bad.join(eol) + eol).unwrap();
        let (o, calls, cost) = report(d, &[name], vec![]);
        assert_eq!((calls, cost.as_str()), (4, "1.302"), "{name}: {}", o.stderr);
        assert!(
            o.stderr.contains(&format!("  {name}:3: malformed JSON")),
            "{name}: {}",
            o.stderr
        );
        assert_eq!(o.json()["input"]["skipped_lines"], 1);
    }
    // A pretty-printed record with CR line ends is still one document.
    let rec: serde_json::Value = serde_json::from_str(&recs[0]).unwrap();
    let pretty = serde_json::to_string_pretty(&rec)
        .unwrap()
        .replace('\n', "\r");
    std::fs::write(d.join("pretty.json"), pretty).unwrap();
    let (o, calls, cost) = report(d, &["pretty.json"], vec![]);
    assert_eq!((calls, cost.as_str()), (1, "0.0315"), "{}", o.stderr);
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
