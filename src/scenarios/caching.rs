//! Prompt caching measured from the logs: repeated prompt prefixes (hashed; no text is kept),
//! their timing, and what caching them would have saved at 5-minute and 1-hour TTLs. Also the
//! savings the cache already brings, and cache writes never read back before they expired.
//!
//! The prefix of a request is its tools, system prompt and every message but the last (what a
//! cache breakpoint before the newest turn covers). Logs do not count the prefix's tokens, so
//! they are estimated as the request's input tokens times the prefix's share of the body bytes.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::money::{Pico, PricePerMillion};
use crate::pricing::{CacheTtl, TokenRates};

/// Smallest prefix worth caching: Claude models do not cache prefixes under 1,024 tokens.
pub const MIN_PREFIX_TOKENS: u64 = 1024;

/// The parts of a request body that form a cacheable prefix (Anthropic messages, Converse and
/// Nova bodies share these names). Bodies of other shapes have no prefix.
#[derive(Deserialize)]
struct Body<'a> {
    #[serde(borrow)]
    system: Option<&'a RawValue>,
    #[serde(borrow)]
    tools: Option<&'a RawValue>,
    #[serde(borrow, rename = "toolConfig")]
    tool_config: Option<&'a RawValue>,
    #[serde(borrow)]
    messages: Option<Vec<&'a RawValue>>,
}

/// A prompt prefix, reduced to a hash and sizes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Digest {
    pub hash: u64,
    pub prefix_bytes: u64,
    pub total_bytes: u64,
}

impl Digest {
    /// The prefix's estimated share of `input_tokens`.
    pub fn prefix_tokens(&self, input_tokens: u64) -> u64 {
        (input_tokens as u128 * self.prefix_bytes as u128 / self.total_bytes.max(1) as u128) as u64
    }
}

pub fn digest(body: &RawValue) -> Option<Digest> {
    let b: Body = serde_json::from_str(body.get()).ok()?;
    let messages = b.messages.unwrap_or_default();
    let (lead, last) = match messages.split_last() {
        Some((last, lead)) => (lead, Some(*last)),
        None => (&[][..], None),
    };
    let mut h = DefaultHasher::new();
    let mut prefix = 0u64;
    for (tag, part) in [
        ("tools", b.tools),
        ("toolConfig", b.tool_config),
        ("system", b.system),
    ] {
        if let Some(p) = part {
            tag.hash(&mut h);
            p.get().hash(&mut h);
            prefix += p.get().len() as u64;
        }
    }
    for m in lead {
        "message".hash(&mut h);
        m.get().hash(&mut h);
        prefix += m.get().len() as u64;
    }
    if prefix == 0 {
        return None;
    }
    Some(Digest {
        hash: h.finish(),
        prefix_bytes: prefix,
        total_bytes: prefix + last.map_or(0, |m| m.get().len() as u64),
    })
}

/// The cache key: the same prefix on the same model, account and region.
pub fn cache_key(d: &Digest, model: usize, account: &str, region: &str) -> u64 {
    let mut h = DefaultHasher::new();
    (d.hash, model, account, region).hash(&mut h);
    h.finish()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    /// An uncached request with a cacheable prefix.
    Candidate,
    /// A request that wrote the cache.
    Write,
    /// A request that read the cache (and wrote nothing).
    Read,
}

/// One request with a prefix: 40 bytes, whatever the size of the prompt.
#[derive(Debug, Clone, Copy)]
pub struct Event<'c> {
    pub key: u64,
    pub ms: i64,
    /// Candidate: estimated prefix tokens; Write/Read: the logged cache tokens.
    pub tokens: u64,
    pub row: u32,
    pub kind: EventKind,
    pub rates: &'c TokenRates,
}

fn cost(rate: Option<PricePerMillion>, tokens: u64) -> Pico {
    rate.map_or(Pico(0), |r| r.cost(tokens))
}

fn write_rate(r: &TokenRates, ttl: CacheTtl) -> Option<PricePerMillion> {
    match ttl {
        CacheTtl::FiveMinutes => r.cache_write_5m,
        CacheTtl::OneHour => r.cache_write_1h,
    }
}

pub fn ttl_ms(ttl: CacheTtl) -> i64 {
    match ttl {
        CacheTtl::FiveMinutes => 5 * 60_000,
        CacheTtl::OneHour => 3_600_000,
    }
}

/// What caching the candidates' prefixes would have done at one TTL.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Estimate {
    /// Signed change of each row's cost, pico-dollars.
    pub delta: Vec<i128>,
    pub reads: Vec<u64>,
    pub writes: Vec<u64>,
    pub read_tokens: u64,
    pub write_tokens: u64,
    /// Distinct prefixes seen at least twice whose caching pays.
    pub prefixes: u64,
    /// Repeated prefixes left uncached because their reuse is too sparse for the TTL: caching
    /// them would cost more in writes than it saves in reads.
    pub unprofitable: u64,
}

/// Sorts events by cache key and time (in place).
pub fn sort(events: &mut [Event]) {
    events.sort_unstable_by_key(|e| (e.key, e.ms, e.kind as u8));
}

fn groups<'a, 'c>(events: &'a [Event<'c>]) -> impl Iterator<Item = &'a [Event<'c>]> {
    events.chunk_by(|a, b| a.key == b.key)
}

/// Replays each repeated prefix in time order: the first use writes the cache, a use within the
/// TTL of the previous one reads it (and refreshes it), a later one writes it again. A prefix is
/// cached only where that saves money overall (as a team would enable caching only on prompts
/// where it pays); prefixes seen once never are. Events must be sorted.
pub fn simulate(events: &[Event], ttl: CacheTtl, rows: usize) -> Estimate {
    let mut e = Estimate {
        delta: vec![0; rows],
        reads: vec![0; rows],
        writes: vec![0; rows],
        ..Default::default()
    };
    let window = ttl_ms(ttl);
    for g in groups(events) {
        let usable =
            |ev: &&Event| ev.kind == EventKind::Candidate && write_rate(ev.rates, ttl).is_some();
        if g.iter().filter(usable).count() < 2 {
            continue;
        }
        let mut last: Option<i64> = None;
        // (row, change, read?, tokens) per use, committed only if the prefix pays.
        let mut uses = vec![];
        for ev in g.iter().filter(usable) {
            let input = cost(ev.rates.input, ev.tokens);
            let read = last.is_some_and(|l| ev.ms - l <= window);
            let rate = if read {
                ev.rates.cache_read
            } else {
                write_rate(ev.rates, ttl)
            };
            uses.push((
                ev.row as usize,
                cost(rate, ev.tokens).0 - input.0,
                read,
                ev.tokens,
            ));
            last = Some(ev.ms);
        }
        if uses.iter().map(|u| u.1).sum::<i128>() >= 0 {
            e.unprofitable += 1;
            continue;
        }
        e.prefixes += 1;
        for (row, change, read, tokens) in uses {
            e.delta[row] += change;
            if read {
                e.reads[row] += 1;
                e.read_tokens += tokens;
            } else {
                e.writes[row] += 1;
                e.write_tokens += tokens;
            }
        }
    }
    e
}

/// Cache writes in the logs that no request read back within the TTL.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Unread {
    pub writes: u64,
    pub unread_writes: u64,
    pub unread_tokens: u64,
    /// What those writes cost above plain input, pico-dollars.
    #[serde(skip)]
    pub premium: Pico,
}

/// A logged write counts as read back when the next request with the same prefix read the cache
/// within the TTL. Events must be sorted.
pub fn unread_writes(events: &[Event], ttl: CacheTtl) -> Unread {
    let mut u = Unread::default();
    let window = ttl_ms(ttl);
    for g in groups(events) {
        let cached: Vec<&Event> = g
            .iter()
            .filter(|e| e.kind != EventKind::Candidate)
            .collect();
        for (i, ev) in cached.iter().enumerate() {
            if ev.kind != EventKind::Write {
                continue;
            }
            u.writes += 1;
            let read_back = cached
                .get(i + 1)
                .is_some_and(|n| n.kind == EventKind::Read && n.ms - ev.ms <= window);
            if !read_back {
                u.unread_writes += 1;
                u.unread_tokens += ev.tokens;
                u.premium += Pico(
                    cost(write_rate(ev.rates, ttl), ev.tokens).0
                        - cost(ev.rates.input, ev.tokens).0,
                );
            }
        }
    }
    u
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(s: &str) -> Box<RawValue> {
        RawValue::from_string(s.to_string()).unwrap()
    }

    #[test]
    fn digests_prefix_not_last_turn() {
        let a = digest(&raw(r#"{"system":"S","messages":[{"m":1},{"m":2}]}"#)).unwrap();
        let b = digest(&raw(r#"{"system":"S","messages":[{"m":1},{"m":3333}]}"#)).unwrap();
        let c = digest(&raw(r#"{"system":"T","messages":[{"m":1},{"m":2}]}"#)).unwrap();
        assert_eq!(a.hash, b.hash, "only the last message differs");
        assert_ne!(a.hash, c.hash);
        // prefix: "S" (3 bytes) + {"m":1} (7 bytes) = 10; last turn {"m":2} = 7
        assert_eq!((a.prefix_bytes, a.total_bytes), (10, 17));
        assert_eq!(a.prefix_tokens(1700), 1000);
        assert!(
            digest(&raw(r#"{"messages":[{"m":1}]}"#)).is_none(),
            "single turn, no system"
        );
        assert!(digest(&raw(r#"{"prompt":"x"}"#)).is_none());
        assert!(digest(&raw(r#""a string body""#)).is_none());
    }

    fn rates() -> TokenRates {
        // Claude 3.7 Sonnet-like: $3 in, $0.30 read, $3.75 write 5m, $6 write 1h per 1M.
        TokenRates {
            input: Some(PricePerMillion(3_000_000)),
            output: Some(PricePerMillion(15_000_000)),
            cache_read: Some(PricePerMillion(300_000)),
            cache_write_5m: Some(PricePerMillion(3_750_000)),
            cache_write_1h: Some(PricePerMillion(6_000_000)),
        }
    }

    #[test]
    fn replays_ttl() {
        let r = rates();
        let ev = |key, min: i64, kind| Event {
            key,
            ms: min * 60_000,
            tokens: 1_000_000,
            row: 0,
            kind,
            rates: &r,
        };
        use EventKind::*;
        // Prefix 1 at minutes 0, 4, 20, 50; prefix 2 once (never cached); prefix 3 at 0 and 30
        // (a write each at 5m: costs more, left uncached; at 1h write + read: pays).
        let mut evs = vec![
            ev(1, 20, Candidate),
            ev(1, 0, Candidate),
            ev(2, 3, Candidate),
            ev(1, 4, Candidate),
            ev(1, 50, Candidate),
            ev(3, 0, Candidate),
            ev(3, 30, Candidate),
        ];
        sort(&mut evs);
        // 5m: write(0) read(4) write(20) write(50): 3 writes x (3.75-3) + 1 read x (0.30-3)
        //   = 2.25 - 2.70 = -$0.45
        let e5 = simulate(&evs, CacheTtl::FiveMinutes, 1);
        assert_eq!(
            (e5.writes[0], e5.reads[0], e5.prefixes, e5.unprofitable),
            (3, 1, 1, 1)
        );
        assert_eq!(e5.delta[0], -450_000_000_000);
        // 1h: prefix 1 write(0) then reads at 4, 20, 50: 1 x (6-3) + 3 x (0.30-3) = -$5.10;
        // prefix 3 write(0) read(30): (6-3) + (0.30-3) = +$0.30: costs more, left uncached.
        let e1 = simulate(&evs, CacheTtl::OneHour, 1);
        assert_eq!(
            (e1.writes[0], e1.reads[0], e1.prefixes, e1.unprofitable),
            (1, 3, 1, 1)
        );
        assert_eq!(e1.delta[0], -5_100_000_000_000);
        assert_eq!(e1.read_tokens, 3_000_000);
    }

    #[test]
    fn finds_unread_writes() {
        let r = rates();
        let ev = |min: i64, kind, tokens| Event {
            key: 7,
            ms: min * 60_000,
            tokens,
            row: 0,
            kind,
            rates: &r,
        };
        use EventKind::*;
        // write(0) read(3): read back; write(10) then read at 16 (> 5m): unread; write(30) last: unread
        let mut evs = vec![
            ev(0, Write, 2_000_000),
            ev(3, Read, 2_000_000),
            ev(10, Write, 1_000_000),
            ev(16, Read, 1_000_000),
            ev(30, Write, 1_000_000),
        ];
        sort(&mut evs);
        let u = unread_writes(&evs, CacheTtl::FiveMinutes);
        assert_eq!(
            (u.writes, u.unread_writes, u.unread_tokens),
            (3, 2, 2_000_000)
        );
        // 2M tokens x ($3.75 - $3) / 1M = $1.50 paid for nothing
        assert_eq!(u.premium, Pico(1_500_000_000_000));
        // at 1h the write at 10 is read at 16
        assert_eq!(unread_writes(&evs, CacheTtl::OneHour).unread_writes, 1);
    }
}
