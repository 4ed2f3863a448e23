//! Prompt caching measured from the logs: repeated prompt prefixes (hashed; no text is kept),
//! their timing, and what caching them would have saved at 5-minute and 1-hour TTLs. Also the
//! savings the cache already brings, and cache writes never read back before they expired.
//!
//! A request's prompt is a chain: tools and system prompt, then the messages. Three points of
//! the chain are hashed: the system part (shared by every conversation of an application), the
//! previous turn's prefix (everything but the last three messages: what the previous request of
//! the same conversation sent before its newest turn) and the full prefix (everything but the
//! newest message). Logs do not count a prefix's tokens, so they are estimated as the request's
//! input tokens times the prefix's share of the body bytes.

use std::collections::hash_map::DefaultHasher;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::money::{Pico, PricePerMillion};
use crate::pricing::{CacheTtl, TokenRates};

/// Smallest cacheable prefix of a model (Anthropic's prompt-caching documentation: 4,096 tokens
/// for Claude Haiku 4.5 and Opus 4.5, 2,048 for the Claude 3.x Haiku models, 1,024 for the
/// other Claude models; 1,024 assumed for the rest).
pub fn min_prefix_tokens(model_key: &str) -> u64 {
    if model_key.contains("claude-haiku-4-5") || model_key.contains("claude-opus-4-5") {
        4096
    } else if model_key.contains("claude-3-5-haiku") || model_key.contains("claude-3-haiku") {
        2048
    } else {
        1024
    }
}

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

/// A request's prompt chain, reduced to hashes and byte sizes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Digest {
    /// Tools + system prompt (0 bytes when the request has neither).
    pub sys: (u64, u64),
    /// The previous turn's prefix, when the request has one (3 or more messages).
    pub prev: Option<(u64, u64)>,
    /// Everything but the newest message.
    pub full: (u64, u64),
    pub total_bytes: u64,
}

impl Digest {
    /// Estimated tokens of a prefix of `bytes` out of `input_tokens`.
    pub fn tokens(&self, bytes: u64, input_tokens: u64) -> u64 {
        (input_tokens as u128 * bytes as u128 / self.total_bytes.max(1) as u128) as u64
    }
}

pub fn digest(body: &str) -> Option<Digest> {
    let b: Body = serde_json::from_str(body).ok()?;
    let messages = b.messages.unwrap_or_default();
    let mut h = DefaultHasher::new();
    let mut bytes = 0u64;
    for (tag, part) in [
        ("tools", b.tools),
        ("toolConfig", b.tool_config),
        ("system", b.system),
    ] {
        if let Some(p) = part {
            tag.hash(&mut h);
            p.get().hash(&mut h);
            bytes += p.get().len() as u64;
        }
    }
    let sys = (h.finish(), bytes);
    let lead = messages.len().saturating_sub(1);
    let mut prev = None;
    for (i, m) in messages[..lead].iter().enumerate() {
        if messages.len() >= 3 && i == messages.len() - 3 {
            prev = Some((h.finish(), bytes));
        }
        "message".hash(&mut h);
        m.get().hash(&mut h);
        bytes += m.get().len() as u64;
    }
    if messages.len() >= 3 && prev.is_none() {
        prev = Some(sys);
    }
    if bytes == 0 {
        return None;
    }
    Some(Digest {
        sys,
        prev,
        full: (h.finish(), bytes),
        total_bytes: bytes + messages.last().map_or(0, |m| m.get().len() as u64),
    })
}

/// A hash scoped to one model, account and region (caches are not shared across them).
pub fn scoped(hash: u64, model: usize, account: &str, region: &str) -> u64 {
    let mut h = DefaultHasher::new();
    (hash, model, account, region).hash(&mut h);
    h.finish()
}

/// Whether the request already used the cache, and how.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    /// An uncached request with a cacheable prefix.
    Candidate,
    /// A logged request that wrote the cache (`tokens`: its cache-write tokens).
    Write,
    /// A logged request that read the cache and wrote nothing.
    Read,
}

/// One request with a prefix: 64 bytes, whatever the size of the prompt.
#[derive(Debug, Clone, Copy)]
pub struct Event<'c> {
    /// The application: system prompt scoped to model, account and region.
    pub group: u64,
    pub ms: i64,
    /// Scoped hashes of the previous turn's prefix (0: none) and of the full prefix.
    pub prev: u64,
    pub full: u64,
    /// Candidates: estimated tokens of the system part, the previous turn's prefix (each 0 when
    /// under the model's minimum) and the full prefix. Logged events: `full_tokens` is the
    /// logged cache-write (Write) or cache-read (Read) count, `prev_tokens` a Write's logged
    /// cache-read count.
    pub sys_tokens: u32,
    pub prev_tokens: u32,
    pub full_tokens: u32,
    pub row: u32,
    pub kind: EventKind,
    pub rates: &'c TokenRates,
}

fn cost(rate: Option<PricePerMillion>, tokens: u64) -> i128 {
    rate.map_or(0, |r| r.cost(tokens).0)
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
    /// Requests that would read the cache / write it.
    pub reads: Vec<u64>,
    pub writes: Vec<u64>,
    pub read_tokens: u64,
    pub write_tokens: u64,
    /// Applications (system prompt x model x account x region) whose caching pays.
    pub prefixes: u64,
    /// Applications with repeated prefixes where caching would cost more than it saves at this
    /// TTL (reuse too sparse): left uncached.
    pub unprofitable: u64,
}

/// Sorts events by application and time (in place).
pub fn sort(events: &mut [Event]) {
    // Ties in time (logs have one-second timestamps) break on the prefix, so the replay never
    // depends on the order of the input files.
    events.sort_unstable_by_key(|e| {
        (
            e.group,
            e.ms,
            e.full_tokens,
            e.full,
            e.prev,
            e.kind as u8,
            e.row,
        )
    });
}

fn groups<'a, 'c>(events: &'a [Event<'c>]) -> impl Iterator<Item = &'a [Event<'c>]> {
    events.chunk_by(|a, b| a.group == b.group)
}

/// One use of the cache in the replay: (row, change in pico-dollars, read tokens, write tokens).
type Use = (u32, i128, u64, u64);

/// Replays each application's uncached requests in time order with cache breakpoints after the
/// system prompt and after the full prefix: a request reads the longest live entry among its
/// full prefix, its previous turn's prefix and the system part, and writes the rest of its
/// prefix; entries live for the TTL after their last use. An application is cached only where
/// that saves money overall (as a team would enable caching only where it pays). Events must
/// be sorted.
pub fn simulate(events: &[Event], ttl: CacheTtl, rows: usize) -> Estimate {
    let mut e = Estimate {
        delta: vec![0; rows],
        reads: vec![0; rows],
        writes: vec![0; rows],
        ..Default::default()
    };
    let window = ttl_ms(ttl);
    let mut live: HashMap<u64, i64> = HashMap::new();
    let mut uses: Vec<Use> = vec![];
    for g in groups(events) {
        live.clear();
        uses.clear();
        let usable =
            |ev: &&Event| ev.kind == EventKind::Candidate && write_rate(ev.rates, ttl).is_some();
        for ev in g.iter().filter(usable) {
            let alive = |h: u64| h != 0 && live.get(&h).is_some_and(|&t| ev.ms - t <= window);
            let full = ev.full_tokens as u64;
            let read = if alive(ev.full) {
                full
            } else if alive(ev.prev) {
                ev.prev_tokens as u64
            } else if ev.sys_tokens > 0 && alive(ev.group) {
                ev.sys_tokens as u64
            } else {
                0
            };
            let write = full - read.min(full);
            let r = ev.rates;
            let change = cost(r.cache_read, read) - cost(r.input, read)
                + cost(write_rate(r, ttl), write)
                - cost(r.input, write);
            uses.push((ev.row, change, read, write));
            if read == ev.prev_tokens as u64 && read > 0 {
                live.insert(ev.prev, ev.ms);
            }
            live.insert(ev.full, ev.ms);
            if ev.sys_tokens > 0 {
                live.insert(ev.group, ev.ms);
            }
        }
        if uses.len() < 2 {
            continue;
        }
        if uses.iter().map(|u| u.1).sum::<i128>() >= 0 {
            e.unprofitable += 1;
            continue;
        }
        e.prefixes += 1;
        for &(row, change, read, write) in &uses {
            let row = row as usize;
            e.delta[row] += change;
            if read > 0 {
                e.reads[row] += 1;
                e.read_tokens += read;
            }
            if write > 0 {
                e.writes[row] += 1;
                e.write_tokens += write;
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

/// A logged write counts as read back when a later request of the same application (system
/// prompt, model, account, region) read the cache within the TTL: the next turn of its
/// conversation or another conversation sharing the prefix. Events must be sorted.
pub fn unread_writes(events: &[Event], ttl: CacheTtl) -> Unread {
    let mut u = Unread::default();
    let window = ttl_ms(ttl);
    for g in groups(events) {
        for (i, ev) in g.iter().enumerate() {
            if ev.kind != EventKind::Write {
                continue;
            }
            u.writes += 1;
            let read_back = g[i + 1..]
                .iter()
                .take_while(|n| n.ms - ev.ms <= window)
                .any(|n| {
                    n.kind == EventKind::Read || (n.kind == EventKind::Write && n.prev_tokens > 0)
                });
            if !read_back {
                let t = ev.full_tokens as u64;
                u.unread_writes += 1;
                u.unread_tokens += t;
                u.premium += Pico(cost(write_rate(ev.rates, ttl), t) - cost(ev.rates.input, t));
            }
        }
    }
    u
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(s: &str) -> String {
        s.to_string()
    }

    #[test]
    fn digests_the_prompt_chain() {
        let a = digest(&raw(r#"{"system":"S","messages":[{"m":1},{"m":2}]}"#)).unwrap();
        let b = digest(&raw(r#"{"system":"S","messages":[{"m":1},{"m":3333}]}"#)).unwrap();
        let c = digest(&raw(r#"{"system":"T","messages":[{"m":1},{"m":2}]}"#)).unwrap();
        assert_eq!(a.full, b.full, "only the last message differs");
        assert_ne!(a.full.0, c.full.0);
        // system "S" is 3 bytes, {"m":1} 7: full prefix 10 of 17 bytes
        assert_eq!(
            (a.sys.1, a.full.1, a.total_bytes, a.prev),
            (3, 10, 17, None)
        );
        assert_eq!(a.tokens(a.full.1, 1700), 1000);
        // The next turn's previous-turn prefix is this turn's full prefix
        let next = digest(&raw(
            r#"{"system":"S","messages":[{"m":1},{"m":2},{"m":4},{"m":5}]}"#,
        ))
        .unwrap();
        assert_eq!(next.prev, Some(a.full));
        // Three messages: the previous turn's prefix is the system part
        let third = digest(&raw(
            r#"{"system":"S","messages":[{"m":1},{"m":2},{"m":3}]}"#,
        ))
        .unwrap();
        assert_eq!(third.prev, Some(a.sys));
        assert!(
            digest(&raw(r#"{"messages":[{"m":1}]}"#)).is_none(),
            "single turn, no system"
        );
        assert!(digest(&raw(r#"{"prompt":"x"}"#)).is_none());
        assert!(digest(&raw(r#""a string body""#)).is_none());
    }

    #[test]
    fn minimums_per_model() {
        assert_eq!(min_prefix_tokens("anthropic.claude-haiku-4-5"), 4096);
        assert_eq!(min_prefix_tokens("anthropic.claude-3-5-haiku"), 2048);
        assert_eq!(min_prefix_tokens("anthropic.claude-sonnet-4-5"), 1024);
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

    /// A single-turn request of application `group`: 1M-token prefix, all of it the system part.
    fn single<'a>(r: &'a TokenRates, group: u64, min: i64, kind: EventKind) -> Event<'a> {
        Event {
            group,
            ms: min * 60_000,
            prev: 0,
            full: group,
            sys_tokens: 1_000_000,
            prev_tokens: 0,
            full_tokens: 1_000_000,
            row: 0,
            kind,
            rates: r,
        }
    }

    #[test]
    fn replays_ttl() {
        let r = rates();
        use EventKind::*;
        // Prefix 1 at minutes 0, 4, 20, 50; prefix 2 once (never cached); prefix 3 at 0 and 30
        // (a write each at 5m: costs more, left uncached; at 1h write + read: still costs more).
        let mut evs = vec![
            single(&r, 1, 20, Candidate),
            single(&r, 1, 0, Candidate),
            single(&r, 2, 3, Candidate),
            single(&r, 1, 4, Candidate),
            single(&r, 1, 50, Candidate),
            single(&r, 3, 0, Candidate),
            single(&r, 3, 30, Candidate),
        ];
        sort(&mut evs);
        // 5m: write(0) read(4) write(20) write(50): 3 x 1M x ($3.75 - $3) + 1M x ($0.30 - $3)
        //   = $2.25 - $2.70 = -$0.45
        let e5 = simulate(&evs, CacheTtl::FiveMinutes, 1);
        assert_eq!(
            (e5.writes[0], e5.reads[0], e5.prefixes, e5.unprofitable),
            (3, 1, 1, 1)
        );
        assert_eq!(e5.delta[0], -450_000_000_000);
        // 1h: prefix 1 write(0) then reads at 4, 20, 50: ($6 - $3) + 3 x ($0.30 - $3) = -$5.10;
        // prefix 3 write(0) read(30): $3 - $2.70 = +$0.30: costs more, left uncached.
        let e1 = simulate(&evs, CacheTtl::OneHour, 1);
        assert_eq!(
            (e1.writes[0], e1.reads[0], e1.prefixes, e1.unprofitable),
            (1, 3, 1, 1)
        );
        assert_eq!(e1.delta[0], -5_100_000_000_000);
        assert_eq!(e1.read_tokens, 3_000_000);
    }

    #[test]
    fn conversations_read_their_previous_turn() {
        let r = rates();
        // One conversation, a turn a minute: 6K-token system prompt; turn 2's prefix is 10K
        // (its previous-turn prefix is the system part), turn 3's 14K (previous: turn 2's 10K).
        let turn = |min: i64, prev: u64, prev_tokens: u32, full: u64, full_tokens: u32| Event {
            group: 9,
            ms: min * 60_000,
            prev,
            full,
            sys_tokens: 6_000,
            prev_tokens,
            full_tokens,
            row: 0,
            kind: EventKind::Candidate,
            rates: &r,
        };
        let evs = vec![
            turn(0, 0, 0, 9, 6_000),
            turn(1, 9, 6_000, 20, 10_000),
            turn(2, 20, 10_000, 30, 14_000),
        ];
        let e = simulate(&evs, CacheTtl::FiveMinutes, 1);
        // turn 1 writes 6K; turn 2 reads 6K, writes 4K; turn 3 reads 10K, writes 4K
        assert_eq!(
            (e.read_tokens, e.write_tokens, e.reads[0], e.writes[0]),
            (16_000, 14_000, 2, 3)
        );
        // 14K x ($3.75 - $3) - 16K x ($3 - $0.30) = $0.0105 - $0.0432 = -$0.0327
        assert_eq!(e.delta[0], -32_700_000_000);
    }

    #[test]
    fn finds_unread_writes() {
        let r = rates();
        use EventKind::*;
        let ev = |min: i64, kind, tokens: u32| Event {
            full_tokens: tokens,
            ..single(&r, 7, min, kind)
        };
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
        // A conversation whose next turn reads and writes (multi-turn caching) reads it back
        let conv = vec![
            ev(0, Write, 1_000),
            Event {
                prev_tokens: 1_000,
                ..ev(1, Write, 500)
            },
        ];
        assert_eq!(
            unread_writes(&conv, CacheTtl::FiveMinutes).unread_writes,
            1,
            "only the last write"
        );
    }
}
