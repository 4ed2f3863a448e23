//! Request-id de-duplication: the same request read twice (overlapping log pages or objects, a
//! re-delivered file, the CloudWatch export and the S3 copy of one month) is counted once.
//! Each id is remembered as a 16-byte hash, in shards so parallel readers rarely wait.

use std::collections::{BTreeSet, HashSet};
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Mutex;

use super::ingest::Sink;
use super::record::UsageRecord;

const SHARDS: usize = 64;

/// The request ids seen so far (as hashes), shared by every reader.
pub struct Seen {
    shards: Vec<Mutex<HashSet<u128, BuildHasherDefault<High64>>>>,
}

/// Hashes an id hash (already uniform) by its high 64 bits: the low bits pick the shard, and
/// no second hash is computed per record.
#[derive(Default)]
pub struct High64(u64);

impl Hasher for High64 {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }
    fn write_u128(&mut self, n: u128) {
        self.0 = (n >> 64) as u64;
    }
}

impl Default for Seen {
    fn default() -> Self {
        Seen {
            shards: (0..SHARDS).map(|_| Mutex::default()).collect(),
        }
    }
}

impl Seen {
    fn shard(&self, h: u128) -> &Mutex<HashSet<u128, BuildHasherDefault<High64>>> {
        &self.shards[(h as usize) % SHARDS]
    }

    /// Remembers `h`; false when it was seen before.
    pub fn insert(&self, h: u128) -> bool {
        self.shard(h)
            .lock()
            .expect("no panics while held")
            .insert(h)
    }

    pub fn contains(&self, h: u128) -> bool {
        self.shard(h)
            .lock()
            .expect("no panics while held")
            .contains(&h)
    }
}

/// A sink that takes nothing (duplicates nobody needs to price).
pub struct Discard;

impl Sink for Discard {
    fn record(&mut self, _: &UsageRecord) {}
    fn merge(&mut self, _: Self) {}
}

/// Passes each request on once: a request id already seen is counted and handed to `dropped`
/// instead (to price what was left out). Records without a request id always pass.
pub struct Dedup<'a, S, D = Discard> {
    pub inner: S,
    /// What was dropped, for its cost.
    pub dropped: D,
    seen: &'a Seen,
    /// Requests dropped as seen before.
    pub duplicates: u64,
    /// Accounts of the requests passed on.
    pub accounts: BTreeSet<String>,
}

impl<'a, S> Dedup<'a, S> {
    pub fn new(inner: S, seen: &'a Seen) -> Self {
        Dedup::with_dropped(inner, Discard, seen)
    }
}

impl<'a, S, D> Dedup<'a, S, D> {
    pub fn with_dropped(inner: S, dropped: D, seen: &'a Seen) -> Self {
        Dedup {
            inner,
            dropped,
            seen,
            duplicates: 0,
            accounts: BTreeSet::new(),
        }
    }
}

impl<S: Sink, D: Sink> Sink for Dedup<'_, S, D> {
    fn record(&mut self, r: &UsageRecord) {
        if !r.request_id.is_empty() && !self.seen.insert(id_hash(r.request_id)) {
            self.duplicates += 1;
            self.dropped.record(r);
            return;
        }
        if !self.accounts.contains(r.account) {
            self.accounts.insert(r.account.to_string());
        }
        self.inner.record(r);
    }
    fn merge(&mut self, o: Self) {
        self.inner.merge(o.inner);
        self.dropped.merge(o.dropped);
        self.duplicates += o.duplicates;
        self.accounts.extend(o.accounts);
    }
}

/// A request id as 128 bits (two independent 64-bit hashes): 16 bytes per request remembered
/// instead of the id's text, with collisions out of reach (~1e-20 for 1e9 requests).
pub fn id_hash(id: &str) -> u128 {
    use std::hash::{Hash, Hasher};
    let half = |salt: u8| {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        salt.hash(&mut h);
        id.hash(&mut h);
        h.finish()
    };
    (u128::from(half(1)) << 64) | u128::from(half(2))
}
