//! Invocation-log ingest: files and directories (walked recursively), NDJSON, gzip (S3 delivery),
//! and CloudWatch Logs exports, streamed line by line into a [`Sink`] with bounded memory.
//!
//! Bad input never stops the run: each bad line is counted and located (file:line, never its
//! content), valid lines around it are still read. Files are read in parallel, one task per file;
//! each task feeds its own sink and the partial sinks are merged in file order.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use flate2::read::MultiGzDecoder;
use rayon::prelude::*;
use serde::de::{DeserializeSeed, Deserializer as _, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Serialize;

use super::record::{describe_json_error, RawRecord, UsageRecord};

/// Consumes validated records. One sink per file task, merged afterwards.
pub trait Sink: Send {
    fn record(&mut self, r: &UsageRecord);
    fn merge(&mut self, other: Self);
}

/// Something to read invocation records from.
#[derive(Debug, Clone)]
pub enum Source {
    File(PathBuf),
    /// In-memory bytes (plain or gzip, detected by magic), e.g. the built-in demo month.
    Memory {
        name: String,
        data: Arc<Vec<u8>>,
    },
}

impl Source {
    pub fn name(&self) -> String {
        match self {
            Source::File(p) => p.display().to_string(),
            Source::Memory { name, .. } => name.clone(),
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub struct IngestOptions {
    /// Problems shown in full; the rest are only counted.
    pub max_shown: usize,
}

impl Default for IngestOptions {
    fn default() -> Self {
        IngestOptions { max_shown: 10 }
    }
}

/// What was read. `records` counts valid records (successful and failed invocations);
/// `skipped_lines` counts lines or events that could not be used.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct IngestStats {
    pub files: u64,
    pub records: u64,
    pub skipped_lines: u64,
    pub error_records: u64,
    /// Uncompressed bytes read.
    pub bytes: u64,
    /// Files in the given directories that are not logs (other extensions), left alone.
    pub ignored_files: u64,
    /// Files or directories that could not be read completely.
    pub file_errors: u64,
}

impl IngestStats {
    fn add(&mut self, o: &IngestStats) {
        self.files += o.files;
        self.records += o.records;
        self.skipped_lines += o.skipped_lines;
        self.error_records += o.error_records;
        self.bytes += o.bytes;
        self.ignored_files += o.ignored_files;
        self.file_errors += o.file_errors;
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diag {
    /// `file:line`, `file: event #n` or `file`.
    pub location: String,
    pub message: String,
}

/// Problems found, the first few kept in full.
#[derive(Debug, Clone)]
pub struct Diagnostics {
    pub shown: Vec<Diag>,
    pub total: u64,
    max_shown: usize,
}

impl Default for Diagnostics {
    fn default() -> Self {
        Diagnostics::new(IngestOptions::default().max_shown)
    }
}

impl Diagnostics {
    fn new(max_shown: usize) -> Self {
        Diagnostics {
            shown: vec![],
            total: 0,
            max_shown,
        }
    }

    pub fn push(&mut self, location: String, message: String) {
        self.total += 1;
        if self.shown.len() < self.max_shown {
            self.shown.push(Diag { location, message });
        }
    }

    fn merge(&mut self, o: Diagnostics) {
        for d in o.shown {
            if self.shown.len() < self.max_shown {
                self.shown.push(d);
            }
        }
        self.total += o.total;
    }

    pub fn hidden(&self) -> u64 {
        self.total - self.shown.len() as u64
    }
}

/// Extensions read when walking a directory (a file named explicitly is always read).
pub fn is_log_file(p: &Path) -> bool {
    let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
    if name.starts_with('.') {
        return false;
    }
    let base = name.strip_suffix(".gz").unwrap_or(name);
    [".json", ".jsonl", ".ndjson", ".log"]
        .iter()
        .any(|e| base.ends_with(e))
        || name.ends_with(".gz")
}

/// Expands paths into sources. Paths must exist (the caller checks, for a usage error);
/// a directory without log files is a diagnostic, not a failure.
pub fn discover(
    paths: &[PathBuf],
    stats: &mut IngestStats,
    diags: &mut Diagnostics,
) -> Vec<Source> {
    let mut out = vec![];
    for p in paths {
        if p.is_dir() {
            let mut found = 0;
            let mut files: Vec<PathBuf> = vec![];
            for e in walkdir::WalkDir::new(p).follow_links(true) {
                match e {
                    Ok(e) if e.file_type().is_file() => {
                        if is_log_file(e.path()) {
                            files.push(e.into_path());
                            found += 1;
                        } else {
                            stats.ignored_files += 1;
                        }
                    }
                    Ok(_) => {}
                    Err(err) => {
                        stats.file_errors += 1;
                        let loc = err.path().unwrap_or(p).display().to_string();
                        diags.push(
                            loc,
                            format!("cannot read directory entry: {}", io_kind(err.io_error())),
                        );
                    }
                }
            }
            files.sort();
            out.extend(files.into_iter().map(Source::File));
            if found == 0 {
                stats.file_errors += 1;
                diags.push(
                    p.display().to_string(),
                    "no log files (*.json, *.jsonl, *.ndjson, *.json.gz) in this directory".into(),
                );
            }
        } else {
            out.push(Source::File(p.clone()));
        }
    }
    out
}

fn io_kind(e: Option<&io::Error>) -> String {
    e.map(|e| e.kind().to_string())
        .unwrap_or_else(|| "unknown error".into())
}

/// Counts bytes read through it (uncompressed, when placed after the decoder).
struct Counted<R> {
    inner: R,
    n: u64,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let k = self.inner.read(buf)?;
        self.n += k as u64;
        Ok(k)
    }
}

const BUF: usize = 1 << 20;

/// Reads every source in parallel and returns the merged sink.
pub fn ingest<S: Sink, F: Fn() -> S + Sync>(
    sources: &[Source],
    make: F,
    opts: IngestOptions,
    stats: &mut IngestStats,
    diags: &mut Diagnostics,
) -> S {
    let parts: Vec<(S, IngestStats, Diagnostics)> = sources
        .par_iter()
        .map(|src| {
            let mut sink = make();
            let mut st = IngestStats::default();
            let mut dg = Diagnostics::new(opts.max_shown);
            read_source(src, &mut sink, &mut st, &mut dg);
            (sink, st, dg)
        })
        .collect();
    let mut total = make();
    for (s, st, dg) in parts {
        total.merge(s);
        stats.add(&st);
        diags.merge(dg);
    }
    total
}

fn open(src: &Source) -> io::Result<Box<dyn Read + Send>> {
    let raw: Box<dyn Read + Send> = match src {
        Source::File(p) => Box::new(File::open(p)?),
        Source::Memory { data, .. } => Box::new(io::Cursor::new(ArcBytes(data.clone()))),
    };
    let mut r = BufReader::with_capacity(BUF, raw);
    let gz = r.fill_buf()?.starts_with(&[0x1f, 0x8b]);
    Ok(if gz {
        Box::new(MultiGzDecoder::new(r))
    } else {
        Box::new(r)
    })
}

struct ArcBytes(Arc<Vec<u8>>);
impl AsRef<[u8]> for ArcBytes {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

fn read_source<S: Sink>(src: &Source, sink: &mut S, st: &mut IngestStats, dg: &mut Diagnostics) {
    let name = src.name();
    st.files += 1;
    let reader = match open(src) {
        Ok(r) => r,
        Err(e) => {
            st.file_errors += 1;
            dg.push(name, format!("cannot open: {}", e.kind()));
            return;
        }
    };
    let mut r = BufReader::with_capacity(
        BUF,
        Counted {
            inner: reader,
            n: 0,
        },
    );
    let doc = match looks_like_document(&mut r) {
        Ok(d) => d,
        Err(e) => {
            st.file_errors += 1;
            dg.push(name, read_error_message(&e, 0));
            return;
        }
    };
    let mut fr = FileReader {
        name: &name,
        sink,
        st,
        dg,
    };
    let result = if doc {
        fr.read_document(&mut r)
    } else {
        fr.read_lines(&mut r)
    };
    if let Err((e, line)) = result {
        st.file_errors += 1;
        dg.push(name.clone(), read_error_message(&e, line));
    }
    st.bytes += r.get_ref().n;
}

fn read_error_message(e: &io::Error, line: u64) -> String {
    let what = match e.kind() {
        io::ErrorKind::UnexpectedEof => "gzip stream is truncated".to_string(),
        io::ErrorKind::InvalidInput | io::ErrorKind::InvalidData => {
            "gzip stream is corrupt".to_string()
        }
        k => format!("read failed ({k})"),
    };
    if line == 0 {
        format!("{what}; nothing could be read")
    } else {
        format!("{what} after line {line}; the records before it are kept")
    }
}

/// A CloudWatch Logs export document (`{"events": [...]}` or a JSON array) rather than NDJSON.
fn looks_like_document<R: BufRead>(r: &mut R) -> io::Result<bool> {
    let buf = r.fill_buf()?;
    let buf = buf.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(buf);
    let mut it = buf.iter().skip_while(|b| b.is_ascii_whitespace());
    Ok(match it.next() {
        Some(b'[') => true,
        Some(b'{') => {
            let rest: Vec<u8> = it
                .skip_while(|b| b.is_ascii_whitespace())
                .take(8)
                .copied()
                .collect();
            rest.starts_with(b"\"events\"")
        }
        _ => false,
    })
}

struct FileReader<'n, 's, S> {
    name: &'n str,
    sink: &'s mut S,
    st: &'s mut IngestStats,
    dg: &'s mut Diagnostics,
}

impl<S: Sink> FileReader<'_, '_, S> {
    fn skip(&mut self, location: String, message: String) {
        self.st.skipped_lines += 1;
        self.dg.push(location, message);
    }

    /// Validates one raw record (unwrapping a CloudWatch event's `message`) and feeds it.
    fn take(&mut self, raw: &RawRecord, at: &dyn Fn() -> String) {
        if raw.schema_type.is_none() {
            if let Some(msg) = &raw.message {
                match serde_json::from_str::<RawRecord>(msg.as_str()) {
                    Ok(inner) => self.take(&inner, at),
                    Err(e) => {
                        self.skip(at(), format!("event message: {}", describe_json_error(&e)))
                    }
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
            Err(reason) => self.skip(at(), reason),
        }
    }

    fn read_lines<R: BufRead>(&mut self, r: &mut R) -> Result<(), (io::Error, u64)> {
        let mut buf = Vec::with_capacity(64 * 1024);
        let mut line_no: u64 = 0;
        loop {
            buf.clear();
            match r.read_until(b'\n', &mut buf) {
                Ok(0) => return Ok(()),
                Ok(_) => {}
                Err(e) => return Err((e, line_no)),
            }
            line_no += 1;
            let mut line: &[u8] = &buf;
            if line_no == 1 {
                line = line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line);
            }
            let line = line.trim_ascii();
            if line.is_empty() {
                continue;
            }
            let n = line_no;
            let at = || format!("{}:{}", self.name, n);
            let text = match std::str::from_utf8(line) {
                Ok(t) => t,
                Err(e) => {
                    let loc = at();
                    self.skip(
                        loc,
                        format!("invalid UTF-8 at byte {} of the line", e.valid_up_to() + 1),
                    );
                    continue;
                }
            };
            match serde_json::from_str::<RawRecord>(text) {
                Ok(raw) => {
                    let name = self.name;
                    self.take(&raw, &move || format!("{name}:{n}"));
                }
                Err(e) => {
                    let loc = at();
                    self.skip(loc, describe_json_error(&e));
                }
            }
        }
    }

    /// Streams a JSON document's events one at a time (never the whole array in memory).
    fn read_document<R: BufRead>(&mut self, r: &mut R) -> Result<(), (io::Error, u64)> {
        let mut de = serde_json::Deserializer::from_reader(r);
        let mut count = 0u64;
        let res = (&mut de).deserialize_any(DocVisitor {
            fr: self,
            count: &mut count,
        });
        if let Err(e) = res {
            if e.is_io() {
                return Err((io::Error::other(e.to_string()), count));
            }
            let loc = format!("{}:{}", self.name, e.line());
            self.skip(
                loc,
                format!(
                    "{}; the rest of this document is skipped ({count} events read before it)",
                    describe_json_error(&e)
                ),
            );
        }
        Ok(())
    }
}

struct DocVisitor<'a, 'n, 's, S> {
    fr: &'a mut FileReader<'n, 's, S>,
    count: &'a mut u64,
}

impl<'de, S: Sink> Visitor<'de> for DocVisitor<'_, '_, '_, S> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a CloudWatch Logs export: {\"events\": [...]} or an array of events")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<(), A::Error> {
        while let Some(k) = m.next_key::<String>()? {
            if k == "events" {
                m.next_value_seed(EventsSeed {
                    fr: &mut *self.fr,
                    count: &mut *self.count,
                })?;
            } else {
                m.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<(), A::Error> {
        EventsSeed {
            fr: self.fr,
            count: self.count,
        }
        .visit_seq(seq)
    }
}

struct EventsSeed<'a, 'n, 's, S> {
    fr: &'a mut FileReader<'n, 's, S>,
    count: &'a mut u64,
}

impl<'de, S: Sink> DeserializeSeed<'de> for EventsSeed<'_, '_, '_, S> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de, S: Sink> Visitor<'de> for EventsSeed<'_, '_, '_, S> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an array of log events")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(raw) = seq.next_element::<RawRecord>()? {
            *self.count += 1;
            let name = self.fr.name;
            let n = *self.count;
            self.fr.take(&raw, &move || format!("{name}: event #{n}"));
        }
        Ok(())
    }
}
