//! Inputs as a new user feeds them: logs piped to `--logs -`, FIFOs, UTF-16 and CR-only text,
//! and token counts no request can have.

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

fn mkfifo(p: &Path) {
    let ok = std::process::Command::new("mkfifo")
        .arg(p)
        .status()
        .unwrap()
        .success();
    assert!(ok, "mkfifo {}", p.display());
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

#[test]
fn logs_are_read_from_stdin_plain_or_gzip() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for input in [basic().into_bytes(), gzip(basic().as_bytes())] {
        let (o, calls, cost) = report(d, &["-"], input);
        assert_eq!(
            (o.code, calls, cost.as_str()),
            (0, 4, "1.302"),
            "{}",
            o.stderr
        );
        assert_eq!(o.json()["input"]["files"], 1);
        assert!(o.stderr.contains("from 1 file(s)"), "{}", o.stderr);
    }
    let o = run_fed(
        d,
        &["whatif", "--logs", "-", "--format", "json"],
        gzip(basic().as_bytes()),
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert_eq!(o.json()["baseline"]["invocations"], 4);
    assert_eq!(o.json()["baseline"]["total_usd"].to_string(), "1.302");
    // Beside files, and with a bad line: named `<stdin>`.
    let text = basic();
    let recs: Vec<&str> = text.lines().collect();
    std::fs::write(d.join("two.jsonl"), format!("{}\n{}\n", recs[0], recs[1])).unwrap();
    let piped = format!("{}\n{{oops\n{}\n", recs[2], recs[3]);
    let (o, calls, cost) = report(d, &["two.jsonl", "-"], piped.into_bytes());
    assert_eq!(
        (o.code, calls, cost.as_str()),
        (0, 4, "1.302"),
        "{}",
        o.stderr
    );
    assert!(
        o.stderr.contains("  <stdin>:2: malformed JSON"),
        "{}",
        o.stderr
    );
    // Nothing piped in: said, exit 1.
    let o = run_fed(d, &["report", "--logs", "-"], vec![]);
    assert_eq!(o.code, 1, "{}", o.stderr);
    assert!(
        o.stderr
            .contains("<stdin>: no records in this file (empty)"),
        "{}",
        o.stderr
    );
}

#[test]
fn stdin_is_read_once() {
    let dir = tempfile::tempdir().unwrap();
    let o = run_fed(
        dir.path(),
        &["report", "--logs", "-", "-"],
        basic().into_bytes(),
    );
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert!(
        o.stderr
            .contains("error: --logs names `-` (standard input) twice"),
        "{}",
        o.stderr
    );
    assert!(o.stderr.contains("hint: "), "{}", o.stderr);
}

/// A FIFO named explicitly is read when a program writes to it; with no writer the run says so
/// after a bounded wait and still reports the other files; a FIFO in a directory is left alone.
#[test]
fn fifos_never_hang_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("basic.jsonl"), basic()).unwrap();
    mkfifo(&d.join("fed.jsonl"));
    let fed = d.join("fed.jsonl");
    let writer = std::thread::spawn(move || std::fs::write(fed, basic()).unwrap());
    let (o, calls, cost) = report(d, &["fed.jsonl"], vec![]);
    writer.join().unwrap();
    assert_eq!(
        (o.code, calls, cost.as_str()),
        (0, 4, "1.302"),
        "{}",
        o.stderr
    );

    mkfifo(&d.join("unfed.jsonl"));
    let started = std::time::Instant::now();
    let (o, calls, _) = report(d, &["unfed.jsonl", "basic.jsonl"], vec![]);
    assert_eq!((o.code, calls), (0, 4), "{}", o.stderr);
    assert!(
        o.stderr.contains("  unfed.jsonl: FIFO with no writer in 10 s: nothing read (start the writer first, or pipe the logs to --logs -)"),
        "{}",
        o.stderr
    );
    assert!(started.elapsed() >= std::time::Duration::from_secs(10));

    std::fs::remove_file(d.join("fed.jsonl")).unwrap();
    let (o, calls, _) = report(d, &["."], vec![]);
    assert_eq!((o.code, calls), (0, 4), "{}", o.stderr);
    assert!(
        o.stderr.contains("note: 1 other file(s) left alone in the --logs directories (1 FIFO): only regular files named like logs are read"),
        "{}",
        o.stderr
    );
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
    // Mixed: CR between the first two records, LF after: the file reads by LF (a stray CR must
    // not merge every line after it), and the joined line says why it is malformed
    let mixed = format!("{}\r{}\n{}\n{}\n", recs[0], recs[1], recs[2], recs[3]);
    std::fs::write(d.join("mixed.jsonl"), mixed).unwrap();
    let (o, calls, _) = report(d, &["mixed.jsonl"], vec![]);
    assert_eq!(calls, 2, "{}", o.stderr);
    assert!(
        o.stderr.contains("mixed.jsonl:1: malformed JSON: the line holds CR line breaks (mixed CR and LF line ends?"),
        "{}",
        o.stderr
    );
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
        "warning: 2 problem(s) in the input: 2 line(s) or row(s) skipped (2 with implausible token counts), 0 file(s) not fully read",
        "  big.jsonl:2: input.inputTokenCount is implausibly large (over 100,000,000 tokens in one request)",
        "  big.jsonl:4: input, cache and output token counts add up to 100,000,001: implausibly large (over 100,000,000 tokens in one request)",
    ] {
        assert!(e.contains(msg), "missing `{msg}` in:\n{e}");
    }
}
