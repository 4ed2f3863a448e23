//! Request-id de-duplication: the same request read twice (overlapping log pages or objects, a
//! re-delivered file, two copies of one month) is counted once.

use std::collections::{BTreeSet, HashSet};
use std::sync::Mutex;

use super::ingest::Sink;
use super::record::UsageRecord;

/// Passes each request on once: a request id already seen (overlapping pages or objects, a
/// re-delivered file) is counted and dropped.
pub struct Dedup<'a, S> {
    pub inner: S,
    seen: &'a Mutex<HashSet<u128>>,
    /// Requests dropped as seen before.
    pub duplicates: u64,
    /// Accounts of the requests passed on.
    pub accounts: BTreeSet<String>,
}

impl<'a, S> Dedup<'a, S> {
    pub fn new(inner: S, seen: &'a Mutex<HashSet<u128>>) -> Self {
        Dedup {
            inner,
            seen,
            duplicates: 0,
            accounts: BTreeSet::new(),
        }
    }
}

impl<S: Sink> Sink for Dedup<'_, S> {
    fn record(&mut self, r: &UsageRecord) {
        if !r.request_id.is_empty() {
            let mut seen = self.seen.lock().expect("no panics while held");
            if !seen.insert(id_hash(r.request_id)) {
                self.duplicates += 1;
                return;
            }
        }
        if !self.accounts.contains(r.account) {
            self.accounts.insert(r.account.to_string());
        }
        self.inner.record(r);
    }
    fn merge(&mut self, o: Self) {
        self.inner.merge(o.inner);
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
