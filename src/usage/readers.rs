//! Reading plumbing for ingest: per-worker reused buffers, byte counting, progress, gzip
//! detection, and line reading with a length cap.

use std::fs::File;
use std::io::{self, BufRead, Read};
use std::sync::Arc;

use super::ingest::{Source, MAX_LINE};

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
        let avail = self.fill_buf()?;
        let k = avail.len().min(out.len());
        out[..k].copy_from_slice(&avail[..k]);
        self.consume(k);
        Ok(k)
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

/// Per-worker buffers: raw bytes (compressed for gzip) and decompressed text.
pub(super) struct Bufs {
    raw: Vec<u8>,
    text: Vec<u8>,
}

impl Bufs {
    pub(super) fn new() -> Self {
        Bufs {
            raw: vec![0; BUF],
            text: vec![0; BUF],
        }
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

/// Opens a source as buffered text, gunzipping when its first bytes are the gzip magic.
pub(super) fn open<'b>(
    src: &Source,
    progress: Option<&indicatif::ProgressBar>,
    bufs: &'b mut Bufs,
) -> io::Result<Box<dyn BufRead + 'b>> {
    let mut raw: Box<dyn Read + Send> = match src {
        Source::File(p) => Box::new(File::open(p)?),
        Source::Memory { data, .. } => Box::new(io::Cursor::new(ArcBytes(data.clone()))),
        Source::Table(_) => {
            return Err(io::Error::other(
                "a usage table is read by snapshot::read_table",
            ))
        }
    };
    if let Some(bar) = progress {
        raw = Box::new(Progress {
            inner: raw,
            bar: bar.clone(),
        });
    }
    let Bufs { raw: rb, text } = bufs;
    let mut r = Reused::new(raw, rb);
    let gz = r.fill_buf()?.starts_with(&[0x1f, 0x8b]);
    Ok(if gz {
        Box::new(Reused::new(flate2::bufread::MultiGzDecoder::new(r), text))
    } else {
        Box::new(r)
    })
}

/// Reads one line into `buf` (newline included), at most [`MAX_LINE`] bytes of it: the rest of
/// a longer line is consumed and dropped. Returns (bytes in the line, whether it was cut).
pub(super) fn read_line_capped<R: BufRead>(
    r: &mut R,
    buf: &mut Vec<u8>,
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
            let (done, used) = match memchr::memchr(b'\n', avail) {
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
