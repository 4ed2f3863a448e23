//! Whole-buffer gzip inflate with libdeflate, for a gzip file that is one member of known size
//! (every S3 object Bedrock delivers): libdeflate inflates a whole buffer about twice as fast
//! as a streaming inflater. Anything else (several members, a corrupt or truncated stream, a
//! size over [`INFLATE_MAX`]) is left to the streaming reader, whose messages and partial reads
//! are the reference.

/// Largest inflated size inflated whole (a worker keeps one buffer of at most this size).
pub const INFLATE_MAX: usize = 32 << 20;

/// A worker's libdeflate decompressor and its output buffer, reused from file to file.
pub struct Inflater {
    d: std::ptr::NonNull<libdeflate_sys::libdeflate_decompressor>,
    out: Vec<u8>,
}

// SAFETY: the decompressor is owned by this value alone and used through `&mut self`.
unsafe impl Send for Inflater {}

impl Inflater {
    pub fn new() -> Self {
        // SAFETY: plain allocation; a null result (out of memory) is checked.
        let d = unsafe { libdeflate_sys::libdeflate_alloc_decompressor() };
        Inflater {
            d: std::ptr::NonNull::new(d).expect("libdeflate: out of memory"),
            out: vec![],
        }
    }

    /// The inflated text of `gz` when it is exactly one gzip member whose inflated size (the
    /// trailer's ISIZE) is at most [`INFLATE_MAX`]; `None` to read it with the streaming reader.
    pub fn whole<'s>(&'s mut self, gz: &[u8]) -> Option<&'s [u8]> {
        // The trailer's last 4 bytes: the inflated size mod 2^32 (exact under INFLATE_MAX,
        // and checked by libdeflate against what it inflates).
        let isize_at = gz.len().checked_sub(4)?;
        let size = u32::from_le_bytes(gz[isize_at..].try_into().ok()?) as usize;
        if size > INFLATE_MAX {
            return None;
        }
        if self.out.len() < size {
            self.out.resize(size, 0);
        }
        let (mut read, mut written) = (0usize, 0usize);
        // SAFETY: `gz` and `out[..size]` are valid for the lengths given; libdeflate writes at
        // most `size` bytes and reports what it read and wrote.
        let result = unsafe {
            libdeflate_sys::libdeflate_gzip_decompress_ex(
                self.d.as_ptr(),
                gz.as_ptr().cast(),
                gz.len(),
                self.out.as_mut_ptr().cast(),
                size,
                &mut read,
                &mut written,
            )
        };
        // One member, read to the last byte, of the size its trailer gives.
        (result == libdeflate_sys::libdeflate_result_LIBDEFLATE_SUCCESS
            && read == gz.len()
            && written == size)
            .then(|| &self.out[..size])
    }
}

impl Default for Inflater {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for Inflater {
    fn drop(&mut self) {
        // SAFETY: frees the decompressor allocated in `new`, once.
        unsafe { libdeflate_sys::libdeflate_free_decompressor(self.d.as_ptr()) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn gzip(text: &[u8]) -> Vec<u8> {
        let mut gz = flate2::write::GzEncoder::new(vec![], flate2::Compression::fast());
        gz.write_all(text).unwrap();
        gz.finish().unwrap()
    }

    #[test]
    fn one_member_is_inflated_whole_and_anything_else_left_to_streaming() {
        let text = b"{\"a\":1}\n".repeat(1000);
        let one = gzip(&text);
        let mut inf = Inflater::new();
        assert_eq!(inf.whole(&one), Some(&text[..]));
        // Two members: the streaming reader reads both.
        let mut two = one.clone();
        two.extend(gzip(b"{\"b\":2}\n"));
        assert_eq!(inf.whole(&two), None);
        // Truncated, corrupt, trailing bytes, empty.
        assert_eq!(inf.whole(&one[..one.len() - 1]), None);
        let mut bad = one.clone();
        let mid = bad.len() / 2;
        bad[mid] ^= 0x55;
        assert_eq!(inf.whole(&bad), None);
        let mut trailing = one.clone();
        trailing.push(0);
        assert_eq!(inf.whole(&trailing), None);
        assert_eq!(inf.whole(&[]), None);
        // A smaller file after a larger one: exactly its own text.
        assert_eq!(inf.whole(&gzip(b"x\n")), Some(&b"x\n"[..]));
    }
}
