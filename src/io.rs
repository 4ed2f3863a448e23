//! The process's edges: stdout (a broken pipe is a normal end), atomic file writes, text from
//! the input made safe for terminals and spreadsheets, and progress on stderr.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::error::UsageError;

/// Writes data to stdout; a closed pipe (`| head`) is a normal end.
pub fn emit(text: &str) -> anyhow::Result<()> {
    Output::Stdout.write(text.as_bytes())
}

/// Writes a file atomically: a temp file in the same directory, renamed over the target, so a
/// reader never sees half a file and an interrupted run leaves the old one in place. A symlink
/// is followed (the file it points to is replaced, the link stays); anything but a regular
/// file or a new path is refused.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let path = replaceable(path)?;
    let mut tmp = temp_beside(&path)?;
    tmp.write_all(bytes)
        .and_then(|_| tmp.as_file().sync_all())
        .with_context(|| format!("writing {}", path.display()))?;
    persist(tmp, &path)
}

/// The file a write to `path` replaces: `path` itself, or where its symlinks lead. An existing
/// target that is not a regular file (a device, FIFO, socket or directory) is an error.
pub fn replaceable(path: &Path) -> anyhow::Result<PathBuf> {
    let real = follow_links(path)?;
    match std::fs::symlink_metadata(&real) {
        Ok(m) if !m.is_file() => anyhow::bail!(
            "refusing to replace {}: it is not a regular file",
            path.display()
        ),
        _ => Ok(real),
    }
}

/// `path` with its symlinks followed (also a dangling one: the path it names); `path` itself
/// when it is not a link.
fn follow_links(path: &Path) -> anyhow::Result<PathBuf> {
    let mut p = path.to_path_buf();
    for _ in 0..40 {
        match std::fs::symlink_metadata(&p) {
            Ok(m) if m.file_type().is_symlink() => {
                let to = std::fs::read_link(&p)
                    .with_context(|| format!("reading the link {}", p.display()))?;
                p = match p.parent() {
                    Some(dir) if to.is_relative() => dir.join(to),
                    _ => to,
                };
            }
            _ => return Ok(p),
        }
    }
    anyhow::bail!("{}: too many levels of symbolic links", path.display())
}

/// Where a command writes its result (`-o`, `--out`, `--export-usage`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Output {
    /// `-`: standard output.
    Stdout,
    /// A regular file or a new path (symlinks followed to the real file): replaced atomically.
    File(PathBuf),
    /// A device, FIFO or socket (`/dev/null`, `/dev/stdout`, a named pipe): written straight
    /// through, never replaced.
    Stream(PathBuf),
}

impl Output {
    /// Resolves `flag`'s `path` before any work: `-` is stdout; a directory is a usage error; a
    /// file that is one of `inputs` (what the command reads) is refused, so the output cannot
    /// destroy its input.
    pub fn resolve(flag: &str, path: &Path, inputs: &[PathBuf]) -> Result<Output, UsageError> {
        if path.as_os_str() == "-" {
            return Ok(Output::Stdout);
        }
        let shown = clean(&path.display().to_string());
        let meta = match std::fs::metadata(path) {
            Ok(m) => m,
            // A new file (or a dangling link: the file it names is created), in a directory
            // that exists: a typo in a directory name is said, not created.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    if !dir.is_dir() {
                        let dir = clean(&dir.display().to_string());
                        return Err(UsageError::new(
                            format!("{flag} {shown}: the directory {dir} does not exist"),
                            format!("create it first (mkdir -p {dir}), or give another path"),
                        ));
                    }
                }
                return follow_links(path).map(Output::File).map_err(|e| {
                    UsageError::new(format!("{flag} {shown}: {e}"), "give another file name")
                });
            }
            Err(e) => {
                return Err(UsageError::new(
                    format!("{flag} {shown}: cannot be written ({})", io_reason(&e)),
                    "give a file you can write, or - for stdout",
                ))
            }
        };
        if meta.is_dir() {
            return Err(UsageError::new(
                format!("{flag} {shown}: is a directory"),
                format!(
                    "give a file name inside it, e.g. {flag} {shown}/result.txt, or - for stdout"
                ),
            ));
        }
        // `/dev/stdout` (and `/dev/fd/N`, `/proc/self/fd/N`) names an open descriptor, which
        // may be the file a shell redirected stdout to: write through it, never replace the file.
        let names_descriptor = ["/dev/stdout", "/dev/stderr", "/dev/fd", "/proc"]
            .iter()
            .any(|d| path.starts_with(d));
        if !meta.is_file() || names_descriptor {
            return Ok(Output::Stream(path.to_path_buf()));
        }
        let real = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        let is_input = inputs
            .iter()
            .filter_map(|i| std::fs::canonicalize(i).ok())
            .any(|i| i == real);
        if is_input {
            return Err(UsageError::new(
                format!("{flag} {shown}: is one of the input files; writing it would destroy it"),
                "write the result to another file",
            ));
        }
        Ok(Output::File(real))
    }

    /// Writes `bytes` there: atomically into a file, straight through into a stream.
    pub fn write(&self, bytes: &[u8]) -> anyhow::Result<()> {
        match self {
            Output::File(p) => write_atomic(p, bytes),
            Output::Stdout | Output::Stream(_) => self.copy_through(bytes),
        }
    }

    /// Delivers a finished temporary file there (a table written in the background): renamed
    /// over a file, copied in pieces into a stream (memory stays bounded).
    pub fn deliver(&self, tmp: tempfile::NamedTempFile) -> anyhow::Result<()> {
        match self {
            Output::File(p) => persist(tmp, p),
            Output::Stdout | Output::Stream(_) => {
                let f = std::fs::File::open(tmp.path()).context("reading the finished table")?;
                self.copy_through(std::io::BufReader::new(f))
            }
        }
    }

    /// Copies `from` into stdout or the stream; a closed pipe (`| head`) is a normal end.
    fn copy_through(&self, mut from: impl std::io::Read) -> anyhow::Result<()> {
        let (mut to, name): (Box<dyn Write>, String) = match self {
            Output::Stream(p) => {
                let f = std::fs::OpenOptions::new()
                    .append(true)
                    .open(p)
                    .with_context(|| format!("opening {}", p.display()))?;
                (Box::new(f), p.display().to_string())
            }
            _ => (Box::new(std::io::stdout().lock()), "stdout".into()),
        };
        match std::io::copy(&mut from, &mut to).and_then(|_| to.flush()) {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
            r => r.map(|_| ()).with_context(|| format!("writing to {name}")),
        }
    }

    /// A temporary file to write into before `deliver`: beside a file (so the rename is
    /// atomic), in the temporary directory for a stream.
    pub fn temp(&self) -> anyhow::Result<tempfile::NamedTempFile> {
        match self {
            Output::File(p) => temp_beside(p),
            Output::Stdout | Output::Stream(_) => tempfile::Builder::new()
                .prefix("bedrock-lens-")
                .tempfile()
                .context("creating a temporary file"),
        }
    }
}

/// Why an I/O call failed, in words (not Rust's error kinds).
pub fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        std::io::ErrorKind::InvalidData => "not UTF-8 text".into(),
        std::io::ErrorKind::IsADirectory => "is a directory".into(),
        _ => e.to_string(),
    }
}

/// A temporary file in `path`'s directory (created if missing), to be renamed over `path` by
/// `persist` once complete.
pub fn temp_beside(path: &Path) -> anyhow::Result<tempfile::NamedTempFile> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    tempfile::Builder::new()
        .prefix(".bedrock-lens-")
        .tempfile_in(dir)
        .with_context(|| format!("creating a temporary file in {}", dir.display()))
}

/// Moves a finished temporary file over `path`, readable like any file the user creates
/// (temporary files start private).
pub fn persist(tmp: tempfile::NamedTempFile, path: &Path) -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path)
            .map(|m| m.permissions().mode() & 0o777)
            .unwrap_or(0o644);
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(mode))?;
    }
    tmp.persist(path)
        .with_context(|| format!("replacing {}", path.display()))?;
    Ok(())
}

/// Text from the input made safe for a terminal: control characters (escape sequences that
/// could retitle or clear the terminal) shown as `?`.
pub fn clean(s: &str) -> String {
    s.chars()
        .map(|c| if unsafe_char(c) { '?' } else { c })
        .collect()
}

/// `clean` line by line: line breaks kept, everything else unsafe shown as `?`.
pub fn clean_lines(s: &str) -> String {
    s.split('\n').map(clean).collect::<Vec<_>>().join("\n")
}

/// A character that could act on a terminal or reorder what is shown: control characters
/// (escape sequences) and the bidirectional formatting marks (which can make text read
/// differently from what it is).
pub fn unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
        )
}

/// A CSV cell a spreadsheet will not run as a formula, nor a terminal as escape sequences:
/// text starting with `=`, `+`, `-`, `@` gets a leading `'` (numbers we write are never
/// negative); control characters and bidirectional marks become `?`.
pub fn csv_cell(s: &str) -> std::borrow::Cow<'_, str> {
    let s: std::borrow::Cow<'_, str> = if s.chars().any(unsafe_char) {
        clean(s).into()
    } else {
        s.into()
    };
    match s.chars().next() {
        Some('=' | '+' | '-' | '@') => format!("'{s}").into(),
        _ => s,
    }
}

/// A spinner on stderr saying what is being done, only on a terminal and not with --quiet.
pub fn spinner(quiet: bool, what: &str) -> Option<indicatif::ProgressBar> {
    use std::io::IsTerminal;
    if quiet || !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::new_spinner();
    bar.set_message(what.to_string());
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    Some(bar)
}

/// A byte progress bar on stderr over `total` bytes of logs (bytes and rate only when the total
/// is unknown: standard input), only on a terminal and not with --quiet.
pub fn byte_bar(quiet: bool, total: Option<u64>) -> Option<indicatif::ProgressBar> {
    use std::io::IsTerminal;
    if quiet || !std::io::stderr().is_terminal() {
        return None;
    }
    let (bar, template) = match total {
        Some(n) => (
            indicatif::ProgressBar::new(n),
            "reading logs {bar:30} {binary_bytes}/{binary_total_bytes} ({binary_bytes_per_sec}, {eta} left)",
        ),
        None => (
            indicatif::ProgressBar::no_length(),
            "reading logs {binary_bytes} ({binary_bytes_per_sec})",
        ),
    };
    bar.set_style(
        indicatif::ProgressStyle::with_template(template).expect("valid progress template"),
    );
    Some(bar)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_writes_replace_only_regular_files() {
        let dir = tempfile::tempdir().unwrap();
        // A directory (or a device, FIFO, socket) is never replaced.
        let sub = dir.path().join("sub");
        std::fs::create_dir(&sub).unwrap();
        let e = write_atomic(&sub, b"x").unwrap_err();
        assert!(e.to_string().contains("not a regular file"), "{e}");
        assert!(sub.is_dir());
        // Through a symlink: the file it names is written, the link stays.
        let real = dir.path().join("real");
        std::fs::write(&real, "old").unwrap();
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        write_atomic(&link, b"new").unwrap();
        assert_eq!(std::fs::read_to_string(&real).unwrap(), "new");
        assert!(std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        // A link loop is an error, not a hang.
        let a = dir.path().join("a");
        let b = dir.path().join("b");
        std::os::unix::fs::symlink(&b, &a).unwrap();
        std::os::unix::fs::symlink(&a, &b).unwrap();
        assert!(write_atomic(&a, b"x").is_err());
    }

    #[test]
    fn input_text_cannot_act_on_a_terminal_or_a_spreadsheet() {
        // An escape sequence and a right-to-left override.
        assert_eq!(clean("a\u{1b}[2Jb\u{202E}c"), "a?[2Jb?c");
        assert_eq!(clean_lines("x\u{1b}\ny"), "x?\ny");
        assert_eq!(csv_cell("=SUM(A1)"), "'=SUM(A1)");
        assert_eq!(csv_cell("\u{1b}]0;title\u{7}"), "?]0;title?");
        assert_eq!(csv_cell("-\u{2066}x"), "'-?x");
        assert_eq!(csv_cell("plain"), "plain");
    }
}
