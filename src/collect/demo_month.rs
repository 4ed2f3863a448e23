//! The built-in sample months: a deterministic, realistic October 2026 of Bedrock usage by five
//! teams, and the September before it (for month over month: a workload that ends, a model that
//! is not out yet, a planted spike), generated in memory as real invocation-log records (bodies
//! are placeholders: the demo holds no prompt text) and run through the same ingest and pricing
//! as `report`.

use std::collections::BTreeMap;

use serde_json::json;

use chrono::{Datelike, NaiveDate, Weekday};

/// The demo's month.
pub const YEAR: i32 = 2026;
pub const MONTH: u32 = 10;
pub const DAYS: u32 = 31;
/// The month before it.
pub const PREVIOUS_MONTH: u32 = 9;
/// The planted spike of the previous month: the data-science team's DeepSeek R1 calls, fifteen
/// times their usual number on this day.
pub const SPIKE: (&str, &str) = ("deepseek.r1", "2026-09-23");

/// splitmix64: a tiny deterministic generator, so the demo is the same on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    /// Heavy-ish tail around `mean`: product of two uniforms, scaled.
    fn tokens(&mut self, mean: u64) -> u64 {
        let a = self.below(1000) + 1;
        let b = self.below(1000) + 1;
        1 + mean * a * b / 250_000
    }
}

struct Workload {
    account: &'static str,
    region: &'static str,
    role: &'static str,
    sessions: u32,
    team: &'static str,
    model_id: &'static str,
    operation: &'static str,
    per_day: u64,
    input: u64,
    output: u64,
    /// Share of requests (percent) reading / writing a prompt cache, and its size.
    cache_pct: u64,
    cache_tokens: u64,
    /// The months it runs in (`None`: both).
    only: Option<u32>,
}

const A: &str = "111122223333";
const B: &str = "444455556666";

const WORKLOADS: &[Workload] = &[
    Workload {
        account: A,
        region: "us-east-1",
        role: "support-chatbot-prod",
        sessions: 6,
        team: "support",
        model_id: "global.anthropic.claude-sonnet-4-5-20250929-v1:0",
        operation: "ConverseStream",
        per_day: 40,
        input: 1800,
        output: 450,
        cache_pct: 70,
        cache_tokens: 6000,
        only: None,
    },
    Workload {
        account: A,
        region: "us-east-1",
        role: "support-chatbot-prod",
        sessions: 6,
        team: "support",
        model_id: "us.anthropic.claude-haiku-4-5-20251001-v1:0",
        operation: "Converse",
        per_day: 60,
        input: 700,
        output: 60,
        cache_pct: 0,
        cache_tokens: 0,
        only: None,
    },
    Workload {
        account: A,
        region: "eu-central-1",
        role: "support-chatbot-eu",
        sessions: 3,
        team: "support",
        model_id: "eu.anthropic.claude-3-7-sonnet-20250219-v1:0",
        operation: "ConverseStream",
        per_day: 15,
        input: 1600,
        output: 400,
        cache_pct: 50,
        cache_tokens: 5000,
        only: None,
    },
    Workload {
        account: A,
        region: "us-east-1",
        role: "contract-analyzer",
        sessions: 2,
        team: "legal",
        model_id: "us.anthropic.claude-sonnet-4-20250514-v1:0",
        operation: "InvokeModel",
        per_day: 12,
        input: 30000,
        output: 1500,
        cache_pct: 40,
        cache_tokens: 20000,
        only: None,
    },
    Workload {
        account: A,
        region: "us-west-2",
        role: "search-rag-indexer",
        sessions: 4,
        team: "search",
        model_id: "amazon.titan-embed-text-v2:0",
        operation: "InvokeModel",
        per_day: 120,
        input: 400,
        output: 0,
        cache_pct: 0,
        cache_tokens: 0,
        only: None,
    },
    Workload {
        account: A,
        region: "us-west-2",
        role: "search-rag-answer",
        sessions: 4,
        team: "search",
        model_id: "amazon.nova-pro-v1:0",
        operation: "Converse",
        per_day: 35,
        input: 3500,
        output: 350,
        cache_pct: 30,
        cache_tokens: 2000,
        only: None,
    },
    Workload {
        account: A,
        region: "us-west-2",
        role: "search-rag-answer",
        sessions: 4,
        team: "search",
        model_id: "us.amazon.nova-lite-v1:0",
        operation: "Converse",
        per_day: 50,
        input: 2500,
        output: 250,
        cache_pct: 0,
        cache_tokens: 0,
        only: None,
    },
    Workload {
        account: B,
        region: "us-east-1",
        role: "marketing-copy-gen",
        sessions: 2,
        team: "marketing",
        model_id: "anthropic.claude-3-5-haiku-20241022-v1:0",
        operation: "InvokeModel",
        per_day: 25,
        input: 900,
        output: 700,
        cache_pct: 0,
        cache_tokens: 0,
        only: None,
    },
    Workload {
        account: B,
        region: "us-east-1",
        role: "AWSReservedSSO_DataScientist_5e1f2a",
        sessions: 3,
        team: "data-science",
        model_id: "us.meta.llama3-3-70b-instruct-v1:0",
        operation: "Converse",
        per_day: 18,
        input: 2200,
        output: 600,
        cache_pct: 0,
        cache_tokens: 0,
        only: None,
    },
    Workload {
        account: B,
        region: "us-east-1",
        role: "AWSReservedSSO_DataScientist_5e1f2a",
        sessions: 3,
        team: "data-science",
        model_id: "us.deepseek.r1-v1:0",
        operation: "Converse",
        per_day: 8,
        input: 1500,
        output: 2500,
        cache_pct: 0,
        cache_tokens: 0,
        only: None,
    },
    Workload {
        account: B,
        region: "us-west-2",
        role: "AWSReservedSSO_DataScientist_5e1f2a",
        sessions: 3,
        team: "data-science",
        model_id: "mistral.mistral-large-2407-v1:0",
        operation: "Converse",
        per_day: 6,
        input: 1800,
        output: 500,
        cache_pct: 0,
        cache_tokens: 0,
        only: None,
    },
    Workload {
        account: B,
        region: "us-east-1",
        role: "ci-evals",
        sessions: 1,
        team: "platform",
        model_id: "amazon.nova-micro-v1:0",
        operation: "Converse",
        per_day: 45,
        input: 600,
        output: 40,
        cache_pct: 0,
        cache_tokens: 0,
        only: None,
    },
    // A model released after the catalog's as-of date: reported, never priced at $0.
    Workload {
        account: B,
        region: "us-east-1",
        role: "ci-evals",
        sessions: 1,
        team: "platform",
        model_id: "us.anthropic.claude-opus-5-20261015-v1:0",
        operation: "Converse",
        per_day: 3,
        input: 2500,
        output: 900,
        cache_pct: 0,
        cache_tokens: 0,
        only: Some(MONTH),
    },
    // A nightly report job that ran through September and was switched off: gone in October.
    Workload {
        account: A,
        region: "us-east-1",
        role: "nightly-report-writer",
        sessions: 1,
        team: "finance",
        model_id: "us.anthropic.claude-3-5-haiku-20241022-v1:0",
        operation: "Converse",
        per_day: 20,
        input: 3000,
        output: 600,
        cache_pct: 0,
        cache_tokens: 0,
        only: Some(PREVIOUS_MONTH),
    },
];

fn identity(w: &Workload, session: u64) -> String {
    if w.role == "ci-evals" {
        format!("arn:aws:iam::{}:user/ci-evals", w.account)
    } else if w.role.starts_with("AWSReservedSSO") {
        let who = ["ana", "bo", "chen"][session as usize % 3];
        format!(
            "arn:aws:sts::{}:assumed-role/{}/{who}@example.com",
            w.account, w.role
        )
    } else {
        format!(
            "arn:aws:sts::{}:assumed-role/{}/session-{:04x}",
            w.account,
            w.role,
            0x1a2b + session
        )
    }
}

fn uuid(r: &mut Rng) -> String {
    let (a, b) = (r.next(), r.next());
    format!(
        "{:08x}-{:04x}-4{:03x}-a{:03x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        (b >> 48) & 0xfff,
        b & 0xffff_ffff_ffff
    )
}

/// The month's log files: (account, region, day) -> NDJSON records.
pub type Month = BTreeMap<(String, String, NaiveDate), Vec<u8>>;

/// Invocation-log NDJSON of the demo month, keyed by (account, region, day) like the S3 layout.
pub fn month() -> Month {
    generate(MONTH, 20261001)
}

/// The month before the demo month, the same way: a little less traffic, the nightly report
/// job that October no longer has, no Opus 5 yet, and the planted spike ([`SPIKE`]).
pub fn previous_month() -> Month {
    generate(PREVIOUS_MONTH, 20260901)
}

fn generate(month: u32, seed: u64) -> Month {
    let mut rng = Rng(seed);
    let mut out: Month = BTreeMap::new();
    let first = NaiveDate::from_ymd_opt(YEAR, month, 1).expect("a demo month");
    let days = first
        .checked_add_months(chrono::Months::new(1))
        .expect("a month")
        .signed_duration_since(first)
        .num_days() as u32;
    for day in 1..=days {
        let date = first.with_day(day).expect("a day of the month");
        let weekend = matches!(date.weekday(), Weekday::Sat | Weekday::Sun);
        for (wi, w) in WORKLOADS.iter().enumerate() {
            if w.only.is_some_and(|m| m != month) {
                continue;
            }
            let mut n =
                if weekend { w.per_day / 3 } else { w.per_day } + rng.below(w.per_day / 4 + 1);
            if month != MONTH {
                n = n * 9 / 10;
            }
            if w.model_id.contains(SPIKE.0) && date.to_string() == SPIKE.1 {
                n *= 15;
            }
            for _ in 0..n {
                let secs = rng.below(86_400);
                let ts = format!(
                    "{YEAR}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
                    secs / 3600,
                    secs / 60 % 60,
                    secs % 60
                );
                let session = rng.below(w.sessions as u64);
                let mut input = rng.tokens(w.input);
                let output = if w.output == 0 {
                    0
                } else {
                    rng.tokens(w.output)
                };
                let cached = w.cache_pct > 0 && rng.below(100) < w.cache_pct;
                let (mut cr, mut cw) = (0, 0);
                if cached {
                    // One write in five: the cache expired; otherwise a read.
                    if rng.below(5) == 0 {
                        cw = w.cache_tokens;
                    } else {
                        cr = w.cache_tokens;
                    }
                }
                // The legal team's occasional whole-contract request goes past 200K tokens.
                if wi == 3 && day % 10 == 7 && rng.below(4) == 0 {
                    input = 230_000 + rng.below(20_000);
                }
                let error = match rng.below(100) {
                    0 => Some(("ThrottlingException", false)),
                    1 if rng.below(3) == 0 => Some(("ModelTimeoutException", true)),
                    _ => None,
                };
                // Each workload sends the same (placeholder) system prompt with every request,
                // so `whatif` finds a repeated prefix to price caching on.
                let body = json!({
                    "system": [{"text": format!("[demo: system prompt of {}] {}", w.role, "[placeholder] ".repeat(20))}],
                    "messages": [{"role": "user", "content": [{"text": "[demo: no prompt text]"}]}],
                });
                let mut inp =
                    json!({"inputContentType": "application/json", "inputBodyJson": body});
                let mut rec = json!({
                    "schemaType": "ModelInvocationLog", "schemaVersion": "1.0", "timestamp": ts,
                    "accountId": w.account, "identity": {"arn": identity(w, session)}, "region": w.region,
                    "requestId": uuid(&mut rng), "operation": w.operation, "modelId": w.model_id,
                    "requestMetadata": {"team": w.team, "env": if w.role.contains("ci") { "ci" } else { "prod" }},
                });
                match error {
                    Some((code, counted)) => {
                        if counted {
                            inp["inputTokenCount"] = json!(input);
                        }
                        rec["errorCode"] = json!(code);
                    }
                    None => {
                        inp["inputTokenCount"] = json!(input);
                        if w.cache_pct > 0 {
                            inp["cacheReadInputTokenCount"] = json!(cr);
                            inp["cacheWriteInputTokenCount"] = json!(cw);
                        }
                        let mut o = json!({"outputContentType": "application/json", "outputBodyJson": {"output": "[demo: no response text]"}});
                        if w.output > 0 {
                            o["outputTokenCount"] = json!(output);
                        }
                        rec["output"] = o;
                    }
                }
                rec["input"] = inp;
                if w.model_id.starts_with("us.")
                    || w.model_id.starts_with("global.")
                    || w.model_id.starts_with("eu.")
                {
                    let hops = ["us-east-1", "us-east-2", "us-west-2"];
                    rec["inferenceRegion"] = json!(if w.region.starts_with("eu") {
                        "eu-west-1"
                    } else {
                        hops[rng.below(3) as usize]
                    });
                }
                let buf = out
                    .entry((w.account.to_string(), w.region.to_string(), date))
                    .or_default();
                serde_json::to_writer(&mut *buf, &rec).expect("serializing to memory");
                buf.push(b'\n');
            }
        }
    }
    out
}
