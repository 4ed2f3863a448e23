//! CLI tests: the real binary over fixture files, asserting exact values and insta snapshots of
//! stdout, stderr and exit codes. One module per command.

mod athena;
mod collect;
mod dashboard;
mod demo;
mod discover;
mod generated;
mod inputs;
mod metrics;
mod output;
mod plan;
mod plan_inputs;
mod pricing;
mod report;
mod review;
mod whatif;

use std::path::{Path, PathBuf};
use std::process::Command;

pub struct Out {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Out {
    /// stdout, stderr and exit code in one snapshot-friendly text.
    pub fn all(&self) -> String {
        format!(
            "exit: {}\n--- stdout\n{}--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", self.stdout))
    }
}

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Each case (arguments after `command`, a piece of the message) exits 2 with that message and a
/// hint line.
pub fn assert_usage_errors(command: &[&str], cases: &[(&[&str], &str)]) {
    for (args, message) in cases {
        let mut a = command.to_vec();
        a.extend(*args);
        let o = run(&a);
        assert_eq!(o.code, 2, "{args:?}: {}", o.all());
        assert!(o.stderr.contains(message), "{args:?}: {}", o.stderr);
        assert!(o.stderr.contains("hint: "), "{args:?}: {}", o.stderr);
    }
}

/// Runs the binary from the repository root (so fixture paths in messages are relative).
pub fn run(args: &[&str]) -> Out {
    run_in(&root(), args)
}

pub fn run_in(dir: &Path, args: &[&str]) -> Out {
    let o = Command::new(env!("CARGO_BIN_EXE_bedrock-lens"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("running bedrock-lens");
    Out {
        code: o.status.code().unwrap_or(-1),
        stdout: String::from_utf8(o.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(o.stderr).expect("stderr is UTF-8"),
    }
}

/// Runs the binary in `dir` with `stdin` piped in. A run still going after a minute is killed
/// and fails the test: an input that blocks must fail the suite, not hang it.
pub fn run_fed(dir: &Path, args: &[&str], stdin: Vec<u8>) -> Out {
    use std::io::Write;
    use std::process::Stdio;
    let limit = std::time::Duration::from_secs(60);
    let mut child = Command::new(env!("CARGO_BIN_EXE_bedrock-lens"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("running bedrock-lens");
    let mut pipe = child.stdin.take().expect("stdin is piped");
    // A run that does not read stdin closes it: the write then fails, which is fine.
    let writer = std::thread::spawn(move || pipe.write_all(&stdin).is_ok());
    let pid = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || tx.send(child.wait_with_output()));
    let Ok(o) = rx.recv_timeout(limit) else {
        Command::new("kill")
            .args(["-9", &pid.to_string()])
            .status()
            .expect("kill");
        panic!("bedrock-lens {args:?} did not finish in {limit:?}");
    };
    let o = o.expect("waiting for bedrock-lens");
    writer.join().expect("stdin writer");
    Out {
        code: o.status.code().unwrap_or(-1),
        stdout: String::from_utf8(o.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(o.stderr).expect("stderr is UTF-8"),
    }
}

/// Fails when any output carries the fixtures' prompt/response marker.
pub fn assert_private(o: &Out) {
    assert!(
        !o.stdout.contains("SECRET"),
        "prompt text leaked to stdout:\n{}",
        o.stdout
    );
    assert!(
        !o.stderr.contains("SECRET"),
        "prompt text leaked to stderr:\n{}",
        o.stderr
    );
}
