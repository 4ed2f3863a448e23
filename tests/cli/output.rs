//! Where results are written (`-o`, `--out`, `--export-usage`): a regular file is replaced
//! atomically, a symlink's target is written and the link kept, devices and FIFOs are written
//! straight through, `-` is stdout, a directory or one of the inputs is refused.

use std::os::unix::fs::FileTypeExt;
use std::path::Path;

use super::run;

const LOGS: &str = "tests/fixtures/logs";
const BASIC: &str = "tests/fixtures/logs/basic.jsonl";

fn report_to(out: &Path) -> super::Out {
    run(&[
        "report",
        "--logs",
        LOGS,
        "--format",
        "json",
        "-o",
        out.to_str().unwrap(),
    ])
}

#[test]
fn dash_is_stdout() {
    let o = run(&["report", "--logs", LOGS, "--format", "json", "-o", "-"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert_eq!(o.json()["schema"], "bedrock-lens/report/v1");
}

#[test]
fn dev_stdout_is_written_through() {
    // The child's stdout is a pipe here: /dev/stdout leads to it.
    let o = report_to(Path::new("/dev/stdout"));
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert_eq!(o.json()["schema"], "bedrock-lens/report/v1");
}

#[test]
fn dev_null_stays_a_device() {
    let o = report_to(Path::new("/dev/null"));
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(o.stdout.is_empty());
    let t = std::fs::metadata("/dev/null").unwrap().file_type();
    assert!(t.is_char_device(), "/dev/null was replaced: {t:?}");
}

#[test]
fn a_fifo_is_written_through() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo runs");
    assert!(made.success());
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read_to_string(fifo).unwrap())
    };
    let o = report_to(&fifo);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let got: serde_json::Value = serde_json::from_str(&reader.join().unwrap()).unwrap();
    assert_eq!(got["schema"], "bedrock-lens/report/v1");
    let t = std::fs::symlink_metadata(&fifo).unwrap().file_type();
    assert!(t.is_fifo(), "the FIFO was replaced: {t:?}");
}

#[test]
fn a_symlink_keeps_pointing_at_the_written_file() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("real.json");
    std::fs::write(&target, "old").unwrap();
    let link = dir.path().join("link.json");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let o = report_to(&link);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&target).unwrap()).unwrap();
    assert_eq!(v["schema"], "bedrock-lens/report/v1");
    // A dangling link creates the file it names.
    let gone = dir.path().join("new.json");
    let dangling = dir.path().join("dangling.json");
    std::os::unix::fs::symlink(&gone, &dangling).unwrap();
    assert_eq!(report_to(&dangling).code, 0);
    assert!(std::fs::read_to_string(&gone)
        .unwrap()
        .contains("report/v1"));
}

#[test]
fn a_directory_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let o = report_to(dir.path());
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert!(o.stderr.contains("is a directory"), "{}", o.stderr);
    assert!(
        o.stderr.contains("hint: give a file name inside it"),
        "{}",
        o.stderr
    );
    assert!(o.stdout.is_empty());
}

#[test]
fn an_input_is_never_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("x.jsonl");
    std::fs::copy(BASIC, &log).unwrap();
    let before = std::fs::read(&log).unwrap();
    let l = log.to_str().unwrap();
    for args in [
        vec!["report", "--logs", l, "-o", l],
        vec!["whatif", "--logs", l, "-o", l],
        vec!["report", "--logs", l, "--export-usage", l],
    ] {
        let o = run(&args);
        assert_eq!(o.code, 2, "{args:?}: {}", o.stderr);
        assert!(
            o.stderr.contains("is one of the input files"),
            "{}",
            o.stderr
        );
    }
    // Also when the log is found by reading its directory.
    let d = dir.path().to_str().unwrap();
    let o = run(&["report", "--logs", d, "-o", l]);
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert_eq!(std::fs::read(&log).unwrap(), before);
}

#[test]
fn export_usage_never_replaces_a_device_or_takes_stdout() {
    let o = run(&["report", "--logs", LOGS, "--export-usage", "-"]);
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert!(
        o.stderr.contains("the report is written there"),
        "{}",
        o.stderr
    );
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("real.csv");
    let link = dir.path().join("usage.csv");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let o = run(&[
        "report",
        "--logs",
        LOGS,
        "--export-usage",
        link.to_str().unwrap(),
    ]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert!(std::fs::read_to_string(&target)
        .unwrap()
        .starts_with("timestamp,"));
}

#[test]
fn dashboard_out_follows_the_same_rules() {
    let dir = tempfile::tempdir().unwrap();
    let o = run(&[
        "dashboard",
        "--model",
        "anthropic.claude-haiku-4-5-20251001-v1:0",
        "--region",
        "us-east-1",
        "--out",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert!(o.stderr.contains("is a directory"), "{}", o.stderr);
    let o = run(&[
        "dashboard",
        "--model",
        "anthropic.claude-haiku-4-5-20251001-v1:0",
        "--region",
        "us-east-1",
        "--out",
        "/dev/null",
    ]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(std::fs::metadata("/dev/null")
        .unwrap()
        .file_type()
        .is_char_device());
}

/// An output in a directory that does not exist is a usage error: a typo in a directory name
/// is said, never created (it used to be created, parents and all).
#[test]
fn output_in_a_missing_directory_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("typo/sub/r.txt");
    let o = run(&[
        "report",
        "--logs",
        "tests/fixtures/logs",
        "-o",
        target.to_str().unwrap(),
    ]);
    assert_eq!(o.code, 2, "{}", o.stderr);
    let missing = dir.path().join("typo/sub");
    assert!(
        o.stderr.contains(&format!(
            "the directory {} does not exist\nhint: create it first (mkdir -p {})",
            missing.display(),
            missing.display()
        )),
        "{}",
        o.stderr
    );
    assert!(!dir.path().join("typo").exists());
}

/// The files the settings come from are inputs too: `-o` onto a price file, the profile map or
/// a scenarios file is refused, and the file is left as it was.
#[test]
fn setting_files_are_never_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let prices = dir.path().join("prices.toml");
    let text = "[[model]]\nkey = \"x.y\"\nids = [\"x.y-v1:0\"]\nsource = \"q\"\nas_of = \"2026-11-01\"\n[[model.price]]\nregions = [\"us-east-1\"]\ninput = \"1\"\n";
    std::fs::write(&prices, text).unwrap();
    let scenarios = dir.path().join("s.toml");
    std::fs::write(&scenarios, "[[scenario]]\nname = \"b\"\ntier = \"batch\"\n").unwrap();
    let profiles = dir.path().join("profiles.toml");
    std::fs::copy("tests/fixtures/profiles.toml", &profiles).unwrap();
    let p = prices.to_str().unwrap();
    let s = scenarios.to_str().unwrap();
    let m = profiles.to_str().unwrap();
    for args in [
        vec!["--pricing", p, "report", "--logs", LOGS, "-o", p],
        vec!["--inference-profiles", m, "report", "--logs", LOGS, "-o", m],
        vec!["whatif", "--logs", LOGS, "--scenarios-file", s, "-o", s],
    ] {
        let o = run(&args);
        assert_eq!(o.code, 2, "{args:?}: {}", o.stderr);
        assert!(
            o.stderr.contains("is one of the input files"),
            "{}",
            o.stderr
        );
    }
    assert_eq!(std::fs::read_to_string(&prices).unwrap(), text);
    assert!(std::fs::read_to_string(&scenarios)
        .unwrap()
        .starts_with("[[scenario]]"));
    assert_eq!(
        std::fs::read(&profiles).unwrap(),
        std::fs::read("tests/fixtures/profiles.toml").unwrap()
    );
}
