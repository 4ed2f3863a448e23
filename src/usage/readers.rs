//! Reading plumbing for ingest: opening sources (a FIFO without waiting forever), per-worker
//! reused buffers, byte counting, progress, gzip detection, UTF-16 decoding, and line reading
//! with a length cap.

use std::fs::File;
use std::io::{self, BufRead, Read};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use super::ingest::{Source, MAX_LINE};

/// How long a FIFO named in `--logs` may go without a writer before it is given up on.
pub const FIFO_WAIT: Duration = Duration::from_secs(10);

/// A FIFO that no program opened for writing within [`FIFO_WAIT`].
#[derive(Debug, thiserror::Error)]
#[error("FIFO with no writer in {} s: nothing read (start the writer first, or pipe the logs to --logs -)", FIFO_WAIT.as_secs())]
pub(super) struct NoWriter;

/// Counts the bytes consumed through a `BufRead` (uncompressed, placed after the decoder).
pub(super) struct CountBuf<R> {
    pub(super) inner: R,
    pub(super) n: u64,
}

impl<R: BufRead> Read for CountBuf<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let k = self.inner.read(out)?;
        self.n += k as u64;
        Ok(k)
    }
}

impl<R: BufRead> BufRead for CountBuf<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        self.inner.fill_buf()
    }
    fn consume(&mut self, k: usize) {
        self.n += k as u64;
        self.inner.consume(k);
    }
}

/// A `BufRead` over a buffer the worker owns and reuses for every file it reads: thousands of
/// small S3 objects then cost no allocation (and no page faults) each.
struct Reused<'b, R> {
    inner: R,
    buf: &'b mut [u8],
    pos: usize,
    end: usize,
}

impl<'b, R: Read> Reused<'b, R> {
    fn new(inner: R, buf: &'b mut [u8]) -> Self {
        Reused {
            inner,
            buf,
            pos: 0,
            end: 0,
        }
    }
}

impl<R: Read> Read for Reused<'_, R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        // A read as large as the buffer, with nothing buffered, goes straight to `inner`.
        if self.pos >= self.end && out.len() >= self.buf.len() {
            return self.inner.read(out);
        }
        read_through_buffer(self, out)
    }
}

impl<R: Read> BufRead for Reused<'_, R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.pos >= self.end {
            self.end = loop {
                match self.inner.read(self.buf) {
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    r => break r?,
                }
            };
            self.pos = 0;
        }
        Ok(&self.buf[self.pos..self.end])
    }
    fn consume(&mut self, k: usize) {
        self.pos = (self.pos + k).min(self.end);
    }
}

/// Per-worker buffers: raw bytes (compressed for gzip), decompressed text, whole inflated files.
pub(super) struct Bufs {
    raw: Vec<u8>,
    text: Vec<u8>,
    /// A gzip file read whole.
    gz: Vec<u8>,
    /// Whole gzip files of known size inflate here.
    inflater: super::inflate::Inflater,
}

impl Bufs {
    pub(super) fn new() -> Self {
        Bufs {
            raw: vec![0; BUF],
            text: vec![0; BUF],
            gz: vec![],
            inflater: super::inflate::Inflater::new(),
        }
    }
}

/// Counts the bytes read through it as stored (before any gunzip), into `n`.
struct Stored<R> {
    inner: R,
    n: Arc<std::sync::atomic::AtomicU64>,
}

impl<R: Read> Read for Stored<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let k = self.inner.read(buf)?;
        self.n
            .fetch_add(k as u64, std::sync::atomic::Ordering::Relaxed);
        Ok(k)
    }
}

/// Advances a progress bar by the raw bytes read through it.
struct Progress<R> {
    inner: R,
    bar: indicatif::ProgressBar,
}

impl<R: Read> Read for Progress<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let k = self.inner.read(buf)?;
        self.bar.inc(k as u64);
        Ok(k)
    }
}

const BUF: usize = 1 << 20;

struct ArcBytes(Arc<Vec<u8>>);
impl AsRef<[u8]> for ArcBytes {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

/// Opens a source as buffered text, gunzipping when its first bytes are the gzip magic; `stored`
/// counts the bytes read as stored (compressed for gzip).
pub(super) fn open<'b>(
    src: &Source,
    progress: Option<&indicatif::ProgressBar>,
    bufs: &'b mut Bufs,
    stored: Arc<std::sync::atomic::AtomicU64>,
) -> io::Result<Box<dyn BufRead + 'b>> {
    // The size as stored, where it is known before reading.
    let size = match src {
        Source::File(p) => std::fs::metadata(p)
            .ok()
            .filter(|m| m.is_file())
            .map(|m| m.len()),
        Source::Memory { data, .. } => Some(data.len() as u64),
        Source::Stdin | Source::Table(_) => None,
    };
    let mut raw: Box<dyn Read + Send> = match src {
        Source::File(p) if is_fifo(p) => Box::new(open_fifo(p)?),
        Source::File(p) => Box::new(File::open(p)?),
        Source::Stdin => Box::new(io::stdin()),
        Source::Memory { data, .. } => Box::new(io::Cursor::new(ArcBytes(data.clone()))),
        Source::Table(_) => {
            return Err(io::Error::other(
                "a usage table is read by snapshot::read_table",
            ))
        }
    };
    raw = Box::new(Stored {
        inner: raw,
        n: stored,
    });
    if let Some(bar) = progress {
        raw = Box::new(Progress {
            inner: raw,
            bar: bar.clone(),
        });
    }
    let Bufs {
        raw: rb,
        text,
        gz,
        inflater,
    } = bufs;
    let mut r = Reused::new(raw, rb);
    if !r.fill_buf()?.starts_with(&[0x1f, 0x8b]) {
        return Ok(Box::new(r));
    }
    if size.is_some_and(|n| n <= WHOLE_MAX) {
        // A small gzip file (every S3 object Bedrock writes): read whole, through the same
        // counting readers, and inflated whole; one libdeflate does not take (several members,
        // corrupt) is streamed from the bytes already read.
        gz.clear();
        gz.reserve(size.unwrap_or(0) as usize);
        r.read_to_end(gz)?;
        return Ok(match inflater.whole(gz) {
            Some(inflated) => Box::new(inflated),
            None => Box::new(Reused::new(
                flate2::bufread::MultiGzDecoder::new(&gz[..]),
                text,
            )),
        });
    }
    Ok(Box::new(Reused::new(
        flate2::bufread::MultiGzDecoder::new(r),
        text,
    )))
}

/// Gzip files up to this size as stored are read whole and inflated whole.
const WHOLE_MAX: u64 = 16 << 20;

/// A byte order of UTF-16 text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Endian {
    Little,
    Big,
}

impl Endian {
    fn unit(self, a: u8, b: u8) -> u16 {
        match self {
            Endian::Little => u16::from_le_bytes([a, b]),
            Endian::Big => u16::from_be_bytes([a, b]),
        }
    }
}

/// UTF-16 text, by its byte-order mark or, without one, by its NULs: JSON in UTF-8 has none,
/// while in UTF-16 each ASCII character comes with one, after it (little-endian) or before it
/// (big-endian). Returns the byte order and the length of the mark.
pub(super) fn utf16_of(peek: &[u8]) -> Option<(Endian, usize)> {
    if peek.starts_with(b"\xFF\xFE") {
        return Some((Endian::Little, 2));
    }
    if peek.starts_with(b"\xFE\xFF") {
        return Some((Endian::Big, 2));
    }
    let head = &peek[..peek.len().min(64) & !1];
    let nuls = |first: usize| {
        head.iter()
            .skip(first)
            .step_by(2)
            .filter(|&&b| b == 0)
            .count()
    };
    let units = head.len() / 2;
    match (nuls(0), nuls(1)) {
        (0, n) if units >= 2 && 2 * n > units => Some((Endian::Little, 0)),
        (n, 0) if units >= 2 && 2 * n > units => Some((Endian::Big, 0)),
        _ => None,
    }
}

/// UTF-16 text read as UTF-8, decoded one buffer of `inner` at a time (so in bounded memory).
/// An unpaired surrogate, or an odd byte at the end, reads as U+FFFD.
pub(super) struct Utf16<R> {
    inner: R,
    endian: Endian,
    out: Vec<u8>,
    pos: usize,
    /// The first byte of a unit split between two buffers of `inner`.
    odd: Option<u8>,
    /// A high surrogate waiting for its low half.
    high: Option<u16>,
}

impl<R: BufRead> Utf16<R> {
    pub(super) fn new(inner: R, endian: Endian) -> Self {
        Utf16 {
            inner,
            endian,
            out: vec![],
            pos: 0,
            odd: None,
            high: None,
        }
    }

    /// Decodes the next buffer of `inner` into `out`, which stays empty only at the end.
    fn decode(&mut self) -> io::Result<()> {
        self.out.clear();
        self.pos = 0;
        while self.out.is_empty() {
            let avail = self.inner.fill_buf()?;
            if avail.is_empty() {
                if self.odd.take().is_some() | self.high.take().is_some() {
                    push_char(&mut self.out, char::REPLACEMENT_CHARACTER);
                }
                return Ok(());
            }
            let mut bytes = avail;
            if let Some(a) = self.odd.take() {
                let u = self.endian.unit(a, bytes[0]);
                push_unit(u, &mut self.high, &mut self.out);
                bytes = &bytes[1..];
            }
            let mut pairs = bytes.chunks_exact(2);
            for p in &mut pairs {
                push_unit(self.endian.unit(p[0], p[1]), &mut self.high, &mut self.out);
            }
            self.odd = pairs.remainder().first().copied();
            let n = avail.len();
            self.inner.consume(n);
        }
        Ok(())
    }
}

/// Appends the character of one UTF-16 unit, pairing surrogates through `high`.
fn push_unit(u: u16, high: &mut Option<u16>, out: &mut Vec<u8>) {
    let pending = high.take();
    if let (Some(h), 0xDC00..=0xDFFF) = (pending, u) {
        let c = 0x10000 + ((u32::from(h) - 0xD800) << 10) + (u32::from(u) - 0xDC00);
        return push_char(
            out,
            char::from_u32(c).unwrap_or(char::REPLACEMENT_CHARACTER),
        );
    }
    if pending.is_some() {
        push_char(out, char::REPLACEMENT_CHARACTER);
    }
    if (0xD800..=0xDBFF).contains(&u) {
        *high = Some(u);
    } else {
        // A low surrogate alone is no character.
        push_char(
            out,
            char::from_u32(u.into()).unwrap_or(char::REPLACEMENT_CHARACTER),
        );
    }
}

/// `Read` for a reader that is a `BufRead` at heart: copies from its buffer.
fn read_through_buffer(b: &mut impl BufRead, out: &mut [u8]) -> io::Result<usize> {
    let avail = b.fill_buf()?;
    let k = avail.len().min(out.len());
    out[..k].copy_from_slice(&avail[..k]);
    b.consume(k);
    Ok(k)
}

fn push_char(out: &mut Vec<u8>, c: char) {
    out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
}

impl<R: BufRead> Read for Utf16<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        read_through_buffer(self, out)
    }
}

impl<R: BufRead> BufRead for Utf16<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.pos >= self.out.len() {
            self.decode()?;
        }
        Ok(&self.out[self.pos..])
    }
    fn consume(&mut self, k: usize) {
        self.pos = (self.pos + k).min(self.out.len());
    }
}

fn is_fifo(p: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        std::fs::metadata(p).is_ok_and(|m| m.file_type().is_fifo())
    }
    #[cfg(not(unix))]
    {
        let _ = p;
        false
    }
}

/// Opens a FIFO, which blocks until a program opens it for writing: after [`FIFO_WAIT`]
/// without one, fails with [`NoWriter`] and leaves the open to its thread (ended with the
/// process), so the run goes on.
fn open_fifo(p: &Path) -> io::Result<File> {
    let (tx, rx) = std::sync::mpsc::channel();
    let path = p.to_path_buf();
    std::thread::spawn(move || tx.send(File::open(path)));
    rx.recv_timeout(FIFO_WAIT)
        .unwrap_or_else(|_| Err(io::Error::other(NoWriter)))
}

/// Reads one line, ended by `eol`, into `buf` (`eol` included), at most [`MAX_LINE`] bytes of
/// it: the rest of a longer line is consumed and dropped. Returns (bytes in the line, whether it
/// was cut).
pub(super) fn read_line_capped<R: BufRead>(
    r: &mut R,
    buf: &mut Vec<u8>,
    eol: u8,
) -> io::Result<(usize, bool)> {
    let mut total = 0;
    let mut cut = false;
    loop {
        let (done, used) = {
            let avail = match r.fill_buf() {
                Ok(b) => b,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if avail.is_empty() {
                return Ok((total, cut));
            }
            let (done, used) = match memchr::memchr(eol, avail) {
                Some(i) => (true, i + 1),
                None => (false, avail.len()),
            };
            if buf.len() + used <= MAX_LINE {
                buf.extend_from_slice(&avail[..used]);
            } else {
                cut = true;
            }
            (done, used)
        };
        r.consume(used);
        total += used;
        if done {
            return Ok((total, cut));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every split of the input between reads decodes the same: units and surrogate pairs cut in
    /// two are joined; what cannot be decoded reads as U+FFFD.
    #[test]
    fn utf16_decodes_across_any_split() {
        let text = "{\"a\":\"é 🚀\"}\n";
        for endian in [Endian::Little, Endian::Big] {
            let mut bytes: Vec<u8> = text
                .encode_utf16()
                .flat_map(|u| match endian {
                    Endian::Little => u.to_le_bytes(),
                    Endian::Big => u.to_be_bytes(),
                })
                .collect();
            assert_eq!(utf16_of(&bytes), Some((endian, 0)));
            for chunk in 1..bytes.len() {
                let split = io::BufReader::with_capacity(chunk, &bytes[..]);
                let mut out = String::new();
                Utf16::new(split, endian).read_to_string(&mut out).unwrap();
                assert_eq!(out, text, "{endian:?}, reads of {chunk} bytes");
            }
            // A lone high surrogate, then an odd last byte.
            let high = match endian {
                Endian::Little => [0x3D, 0xD8],
                Endian::Big => [0xD8, 0x3D],
            };
            bytes.extend(high);
            bytes.extend(bytes[..2].to_vec());
            bytes.push(b'x');
            let mut out = String::new();
            Utf16::new(&bytes[..], endian)
                .read_to_string(&mut out)
                .unwrap();
            assert_eq!(out, format!("{text}\u{FFFD}{{\u{FFFD}"));
        }
        assert_eq!(utf16_of(b"\xFF\xFE{\0"), Some((Endian::Little, 2)));
        assert_eq!(utf16_of(b"{\"a\":1}\n"), None);
        assert_eq!(utf16_of(&[0; 16]), None);
    }
}
