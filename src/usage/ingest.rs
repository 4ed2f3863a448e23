//! Invocation-log ingest: files and directories (walked recursively), standard input, NDJSON,
//! gzip (S3 delivery), and CloudWatch Logs exports, streamed into a [`Sink`] with bounded memory.
//!
//! Bad input never stops the run: each bad line or event is counted and located (file:line or
//! file: event #n, never its content) and everything valid around it is still read. Files are
//! read in parallel; each worker folds its files into one sink and the sinks are merged, so
//! memory depends on the number of workers and groups, not on the number of files. Lines longer
//! than [`MAX_LINE`] are skipped without being held in memory.

use std::collections::{BTreeMap, HashSet};
use std::io::{self, BufRead};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;
use serde::de::Deserializer as _;
use serde::Serialize;

use super::diagnostics::{Diagnostics, SHOWN};
use super::documents::{layout_of, DocVisitor, Layout};
use super::readers::{open, read_line_capped, utf16_of, Bufs, CountBuf, NoWriter, Utf16};
use super::record::{describe_json_error, RawRecord, Reject, UsageRecord};

/// Longest line read (a record with both bodies inline is at most a few hundred KB).
pub const MAX_LINE: usize = 32 << 20;

/// Consumes validated records. One sink per worker, merged afterwards.
pub trait Sink: Send {
    fn record(&mut self, r: &UsageRecord);
    fn merge(&mut self, other: Self);
}

/// Something to read invocation records from.
#[derive(Debug, Clone)]
pub enum Source {
    File(PathBuf),
    /// Standard input (`--logs -`), plain or gzip.
    Stdin,
    /// In-memory bytes (plain or gzip, detected by magic), e.g. the built-in demo month.
    Memory {
        name: String,
        data: Arc<Vec<u8>>,
    },
    /// A usage table (Parquet) of a snapshot: records without bodies.
    Table(PathBuf),
}

impl Source {
    pub fn name(&self) -> String {
        match self {
            Source::File(p) | Source::Table(p) => p.display().to_string(),
            Source::Stdin => "<stdin>".into(),
            Source::Memory { name, .. } => name.clone(),
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct IngestOptions {
    /// Advanced by the bytes read from each source (compressed bytes for gzip).
    pub progress: Option<indicatif::ProgressBar>,
}

/// Total bytes of the sources (for a progress bar); unknown with standard input among them.
pub fn total_size(sources: &[Source]) -> Option<u64> {
    sources
        .iter()
        .map(|s| match s {
            Source::File(p) | Source::Table(p) => {
                Some(std::fs::metadata(p).map(|m| m.len()).unwrap_or(0))
            }
            Source::Stdin => None,
            Source::Memory { data, .. } => Some(data.len() as u64),
        })
        .sum()
}

/// What was read. `records` counts valid records (successful and failed invocations);
/// `skipped_lines` counts lines or events that could not be used.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct IngestStats {
    pub files: u64,
    pub records: u64,
    pub skipped_lines: u64,
    /// Of `skipped_lines`, records whose token counts no request can have.
    pub implausible: u64,
    pub error_records: u64,
    /// Bytes read as stored: compressed for gzip (what S3 and Athena count), the file's size
    /// for a snapshot's table.
    pub bytes: u64,
    /// Files in the given directories that are not logs, left alone: how many of each kind
    /// (`.log`, `hidden`, `no extension`...).
    pub ignored_files: BTreeMap<String, u64>,
    /// Files or directories that could not be read completely, or held no records.
    pub file_errors: u64,
    /// Requests read again (the same request id) and counted once (`usage::dedup`).
    pub duplicates: u64,
}

impl IngestStats {
    fn add(&mut self, o: &IngestStats) {
        self.files += o.files;
        self.records += o.records;
        self.skipped_lines += o.skipped_lines;
        self.implausible += o.implausible;
        self.error_records += o.error_records;
        self.bytes += o.bytes;
        for (k, n) in &o.ignored_files {
            *self.ignored_files.entry(k.clone()).or_default() += n;
        }
        self.file_errors += o.file_errors;
        self.duplicates += o.duplicates;
    }
}

/// Extensions read when walking a directory (a file named explicitly is always read): the NDJSON
/// and gzip names Bedrock and CloudWatch exports use.
pub const LOG_EXTENSIONS: &[&str] = &[
    ".json",
    ".jsonl",
    ".ndjson",
    ".json.gz",
    ".jsonl.gz",
    ".ndjson.gz",
];

/// A log by its name: one of `LOG_EXTENSIONS`, in any case (`.JSON` too); hidden files are not.
pub fn is_log_file(p: &Path) -> bool {
    let name = p
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    !name.starts_with('.') && LOG_EXTENSIONS.iter().any(|e| name.ends_with(e))
}

/// What a directory held besides files, never opened: a FIFO would wait for a writer, a
/// device might never end.
fn special_kind(t: std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "FIFO";
        }
        if t.is_socket() {
            return "socket";
        }
    }
    #[cfg(not(unix))]
    let _ = t;
    "special file"
}

/// What kind of file a directory held that is not a log, for the note about files left alone.
fn kind_of(p: &Path) -> String {
    let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
    if name.starts_with('.') {
        return "hidden".into();
    }
    match p.extension().and_then(|e| e.to_str()) {
        Some(e) => format!(".{}", e.to_ascii_lowercase()),
        None => "no extension".into(),
    }
}

/// The path that names standard input in `--logs`.
pub const STDIN: &str = "-";

/// Expands paths into sources, each file once (a file named twice, or also found in a directory
/// given, is read once); [`STDIN`] is standard input. Paths must exist and `-` come at most once
/// (the caller checks, for a usage error); a directory without log files is a diagnostic, not a
/// failure.
pub fn discover(
    paths: &[PathBuf],
    stats: &mut IngestStats,
    diags: &mut Diagnostics,
) -> Vec<Source> {
    let mut out = vec![];
    let mut seen: HashSet<PathBuf> = HashSet::new();
    let mut add = |p: PathBuf, out: &mut Vec<Source>| {
        let key = std::fs::canonicalize(&p).unwrap_or_else(|_| p.clone());
        if seen.insert(key) {
            out.push(Source::File(p));
        }
    };
    for p in paths {
        if p.as_os_str() == STDIN {
            out.push(Source::Stdin);
        } else if p.is_dir() {
            let mut files: Vec<PathBuf> = vec![];
            for e in walkdir::WalkDir::new(p).follow_links(true) {
                match e {
                    Ok(e) if e.file_type().is_file() => {
                        if is_log_file(e.path()) {
                            files.push(e.into_path());
                        } else {
                            *stats.ignored_files.entry(kind_of(e.path())).or_default() += 1;
                        }
                    }
                    Ok(e) if !e.file_type().is_dir() => {
                        let kind = special_kind(e.file_type()).to_string();
                        *stats.ignored_files.entry(kind).or_default() += 1;
                    }
                    Ok(_) => {}
                    Err(err) => {
                        stats.file_errors += 1;
                        let loc = err.path().unwrap_or(p).display().to_string();
                        let kind = err
                            .io_error()
                            .map(|e| e.kind().to_string())
                            .unwrap_or_else(|| "loop".into());
                        diags.push(loc, format!("cannot read directory entry: {kind}"));
                    }
                }
            }
            if files.is_empty() {
                stats.file_errors += 1;
                diags.push(
                    p.display().to_string(),
                    format!(
                        "no log files ({}) in this directory",
                        LOG_EXTENSIONS.join(", ")
                    ),
                );
            }
            files.sort();
            for f in files {
                add(f, &mut out);
            }
        } else {
            add(p.clone(), &mut out);
        }
    }
    out
}

thread_local! {
    /// Each worker thread's reading buffers, kept from file to file and from run to run (rayon
    /// splits the files into more tasks than threads).
    static BUFS: std::cell::Cell<Option<Bufs>> = const { std::cell::Cell::new(None) };
}

/// Reads every source and returns the merged sink.
pub fn ingest<S: Sink, F: Fn() -> S + Sync + Send>(
    sources: &[Source],
    make: F,
    opts: &IngestOptions,
    stats: &mut IngestStats,
    diags: &mut Diagnostics,
) -> S {
    let fresh = || (make(), IngestStats::default(), Diagnostics::new(SHOWN));
    let (sink, st, dg) = sources
        .par_iter()
        .enumerate()
        .fold(fresh, |(mut sink, mut st, mut dg), (i, src)| {
            let mut fr = FileReader {
                index: i,
                name: src.name().into(),
                sink: &mut sink,
                st: &mut st,
                dg: &mut dg,
            };
            // The worker thread's buffers, taken for this file and given back after it (a
            // nested task on the same thread finds none and makes its own).
            let mut bufs = BUFS.with(|b| b.take()).unwrap_or_else(Bufs::new);
            fr.read(src, opts.progress.as_ref(), &mut bufs);
            BUFS.with(|b| b.set(Some(bufs)));
            (sink, st, dg)
        })
        .reduce(fresh, |(mut a, mut ast, mut adg), (b, bst, bdg)| {
            a.merge(b);
            ast.add(&bst);
            adg.merge(bdg);
            (a, ast, adg)
        });
    stats.add(&st);
    diags.merge(dg);
    sink
}

pub(super) struct FileReader<'s, S> {
    index: usize,
    name: Arc<str>,
    sink: &'s mut S,
    st: &'s mut IngestStats,
    dg: &'s mut Diagnostics,
}

impl<S: Sink> FileReader<'_, S> {
    fn problem(&mut self, pos: u64, location: String, message: String) {
        self.dg.push_at((self.index, pos), location, message);
    }

    fn skip(&mut self, pos: u64, location: String, message: String) {
        self.st.skipped_lines += 1;
        self.problem(pos, location, message);
    }

    fn file_error(&mut self, pos: u64, message: String) {
        self.st.file_errors += 1;
        let loc = self.name.to_string();
        self.problem(pos, loc, message);
    }

    fn read(&mut self, src: &Source, progress: Option<&indicatif::ProgressBar>, bufs: &mut Bufs) {
        self.st.files += 1;
        if let Source::Table(p) = src {
            return self.read_table(p, progress);
        }
        let stored = Arc::new(std::sync::atomic::AtomicU64::new(0));
        let reader = match open(src, progress, bufs, stored.clone()) {
            Ok(r) => r,
            Err(e) => {
                let msg = match e.get_ref().and_then(|e| e.downcast_ref::<NoWriter>()) {
                    Some(no_writer) => no_writer.to_string(),
                    None => format!("cannot open: {}", e.kind()),
                };
                return self.file_error(0, msg);
            }
        };
        let mut r = CountBuf {
            inner: reader,
            n: 0,
        };
        match r.fill_buf().map(utf16_of) {
            Ok(Some((endian, bom))) => {
                r.consume(bom);
                self.read_text(&mut Utf16::new(&mut r, endian));
            }
            Ok(None) => self.read_text(&mut r),
            Err(e) => self.file_error(0, read_error_message(&e, NOTHING_READ)),
        }
        drop(r);
        self.st.bytes += stored.load(std::sync::atomic::Ordering::Relaxed);
    }

    /// Reads a source's text (UTF-8 by now): lines or documents, whichever it holds.
    fn read_text<R: BufRead>(&mut self, r: &mut R) {
        let layout = match r.fill_buf() {
            Ok(peek) => layout_of(peek),
            Err(e) => return self.file_error(0, read_error_message(&e, NOTHING_READ)),
        };
        let records_before = self.st.records + self.st.skipped_lines;
        let result = match layout {
            Layout::Lines { eol } => {
                let name = self.name.clone();
                self.read_lines(&name, eol, r)
            }
            Layout::Document => self.read_documents(r),
        };
        if let Err((e, after)) = result {
            self.file_error(
                u64::MAX,
                read_error_message(&e, &format!("after {after}; what came before it is kept")),
            );
        } else if self.st.records + self.st.skipped_lines == records_before {
            self.file_error(0, "no records in this file (empty)".into());
        }
    }

    /// A snapshot's usage table.
    fn read_table(&mut self, p: &Path, progress: Option<&indicatif::ProgressBar>) {
        let sink = &mut *self.sink;
        let res = read_table(p, self.index, self.st, self.dg, |r| sink.record(r));
        let size = std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
        self.st.bytes += size;
        if let Some(b) = progress {
            b.inc(size);
        }
        if let Err(e) = res {
            self.file_error(0, format!("{e:#}"));
        }
    }

    /// One value of an export document: an event or a record, on its own.
    pub(super) fn event(&mut self, n: u64, text: &str) {
        let name = self.name.clone();
        let at = || format!("{name}: event #{n}");
        if text.len() > MAX_LINE {
            let msg = format!("event larger than {} MiB", MAX_LINE >> 20);
            return self.skip(n, at(), msg);
        }
        if !text.starts_with('{') {
            return self.skip(n, at(), "not a JSON object".into());
        }
        match parse_record(text) {
            Ok(rec) => self.take(&rec, n, &at),
            Err(e) => self.skip(n, at(), describe_json_error(&e, text)),
        }
    }

    /// Validates one raw record (unwrapping a CloudWatch event's `message`) and feeds it.
    fn take(&mut self, raw: &RawRecord, pos: u64, at: &dyn Fn() -> String) {
        if raw.schema_type.is_none() {
            if let Some(msg) = &raw.message {
                match serde_json::from_str::<RawRecord>(msg.as_str()) {
                    Ok(inner) => self.take(&inner, pos, at),
                    Err(e) => self.skip(
                        pos,
                        at(),
                        format!("event message: {}", describe_json_error(&e, msg.as_str())),
                    ),
                }
                return;
            }
        }
        match raw.validate() {
            Ok(rec) => {
                self.st.records += 1;
                if rec.error_code.is_some() {
                    self.st.error_records += 1;
                }
                self.sink.record(&rec);
            }
            Err(reason) => {
                if let Reject::Implausible(_) = reason {
                    self.st.implausible += 1;
                }
                self.skip(pos, at(), reason.to_string())
            }
        }
    }

    /// Reads a line file, lines ended by `eol`.
    fn read_lines<R: BufRead>(
        &mut self,
        name: &Arc<str>,
        eol: u8,
        r: &mut R,
    ) -> Result<(), (io::Error, String)> {
        let mut buf = Vec::with_capacity(64 * 1024);
        let mut line_no = 0;
        loop {
            // A line whole in the reader's buffer is read where it lies (no copy).
            let whole = match r.fill_buf() {
                Ok(avail) => memchr::memchr(eol, avail).map(|i| {
                    line_no += 1;
                    self.line(name, line_no, &avail[..=i], false);
                    i + 1
                }),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err((e, format!("line {line_no}"))),
            };
            if let Some(used) = whole {
                r.consume(used);
                continue;
            }
            buf.clear();
            let cut = match read_line_capped(r, &mut buf, eol) {
                Ok((0, _)) => return Ok(()),
                Ok((_, cut)) => cut,
                Err(e) => return Err((e, format!("line {line_no}"))),
            };
            line_no += 1;
            self.line(name, line_no, &buf, cut);
        }
    }

    /// One line of a line file: a record, a CloudWatch event, blank, or a problem.
    fn line(&mut self, name: &Arc<str>, line_no: u64, raw: &[u8], cut: bool) {
        let at = || format!("{name}:{line_no}");
        if cut {
            let msg = format!("line longer than {} MiB", MAX_LINE >> 20);
            return self.skip(line_no, at(), msg);
        }
        let mut line = raw;
        if line_no == 1 {
            line = line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line);
        }
        let line = line.trim_ascii();
        if line.is_empty() {
            return;
        }
        let text = match std::str::from_utf8(line) {
            Ok(t) => t,
            Err(e) => {
                let msg = format!("invalid UTF-8 at byte {} of the line", e.valid_up_to() + 1);
                return self.skip(line_no, at(), msg);
            }
        };
        if !text.starts_with('{') {
            return self.skip(
                line_no,
                at(),
                "not a JSON object (one record per line expected)".into(),
            );
        }
        match parse_record(text) {
            Ok(raw) => self.take(&raw, line_no, &at),
            Err(e) => self.skip(line_no, at(), describe_json_error(&e, text)),
        }
    }

    /// Streams JSON documents one event at a time (never a whole array in memory). Each event
    /// is parsed on its own, so a bad one is skipped and the rest still count.
    fn read_documents<R: BufRead>(&mut self, r: &mut R) -> Result<(), (io::Error, String)> {
        if r.fill_buf()
            .map(|b| b.starts_with(b"\xEF\xBB\xBF"))
            .unwrap_or(false)
        {
            r.consume(3);
        }
        let mut de = serde_json::Deserializer::from_reader(r);
        let mut count = 0u64;
        loop {
            let res = (&mut de).deserialize_any(DocVisitor {
                fr: self,
                count: &mut count,
            });
            if let Err(e) = res {
                if let Some(kind) = e.io_error_kind() {
                    return Err((io::Error::from(kind), format!("event #{count}")));
                }
                let loc = format!("{}:{}", self.name, e.line());
                self.skip(
                    count + 1,
                    loc,
                    format!(
                        "{}; the rest of this document is skipped ({count} events read before it)",
                        describe_json_error(&e, "")
                    ),
                );
                return Ok(());
            }
            // Several documents back to back (e.g. saved pages of an export): read them all.
            if de.end().is_ok() {
                return Ok(());
            }
        }
    }
}

/// One record's JSON: the schema's fast scanner first, serde_json (the reference, and the
/// messages) for whatever the scanner leaves to it.
pub fn parse_record(text: &str) -> serde_json::Result<RawRecord<'_>> {
    match super::scan::record(text) {
        Some(r) => Ok(r),
        None => serde_json::from_str(text),
    }
}

const NOTHING_READ: &str = "before any record; nothing could be read";

/// What to do about a snapshot row that breaks a border rule.
const BAD_ROW_HINT: &str = "`collect` writes no such rows, so the file was changed after it \
wrote it (or another tool wrote it); collect the period again (`bedrock-lens collect logs ... \
--out DIR`) to rewrite it from the logs";

/// Reads a usage table (a snapshot's `invocations.parquet`) into `f`: a row that breaks a
/// border rule is counted and located (`file: row n`, `order` among the sources) like a bad
/// line, and left out; the rows around it are still read.
pub fn read_table(
    path: &Path,
    order: usize,
    st: &mut IngestStats,
    dg: &mut Diagnostics,
    mut f: impl FnMut(&UsageRecord),
) -> anyhow::Result<()> {
    super::table::read_table(path, |row| match row {
        Ok(r) => {
            st.records += 1;
            if r.error_code.is_some() {
                st.error_records += 1;
            }
            f(r);
        }
        Err(bad) => {
            st.skipped_lines += 1;
            dg.push_row(order, path, bad.row, bad.reason.to_string());
            dg.hint = Some(BAD_ROW_HINT);
        }
    })
}

fn read_error_message(e: &io::Error, what: &str) -> String {
    let problem = match e.kind() {
        io::ErrorKind::UnexpectedEof => "gzip stream is truncated".to_string(),
        io::ErrorKind::InvalidInput | io::ErrorKind::InvalidData => {
            "gzip stream is corrupt".to_string()
        }
        k => format!("read failed ({k})"),
    };
    format!("{problem} {what}")
}
