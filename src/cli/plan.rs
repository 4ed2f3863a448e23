//! The flags of `plan`: one workload described by flags, several in a plan file, or the
//! existing workloads derived from logs; token counts from sample prompts; output.

use std::path::PathBuf;

use clap::Args;

use crate::pricing::CacheTtl;
use crate::render::plan::PlanFormat;
use crate::scenarios::plan::Latency;

pub(super) const PLAN_EXAMPLES: &str = "Examples:
  # 2M requests a day, ~3K tokens in and 400 out, 60% of the prompt a shared system prompt:
  bedrock-lens plan --requests-per-day 2000000 --peak-to-average 3 --input-tokens 3000 \\
      --output-tokens 400 --cache-prefix-share 60% \\
      --model anthropic.claude-sonnet-4-5 --model anthropic.claude-haiku-4-5
  bedrock-lens plan --file workloads.toml --format markdown
  bedrock-lens plan --requests-per-month 5000000 --input-tokens p50=1200,p90=6000 --output-tokens 300 \\
      --model provider:meta --max-latency batch --growth 8%
  bedrock-lens plan --sample prompts.jsonl --requests-per-day 50000 --output-tokens 500 \\
      --model anthropic.claude-sonnet-4-5 --profile prod      # counts tokens with CountTokens
  bedrock-lens plan --from-logs ./logs --format toml > current.toml   # describe today's workloads
  bedrock-lens plan --file current.toml                                # ... edit, then price again

Modes priced per model and region: on-demand in-region, geo and global profiles; batch; flex and
priority tiers; prompt caching at 5m and 1h; provisioned throughput (needs --tpm-per-unit; AWS does
not publish tokens per minute per model unit). Where the catalog lists no rate, the mode is `not
offered`; where the description lacks what a figure needs, `not measurable` with what to add.
A month is 730 hours. Nothing is written to AWS; --sample calls bedrock:CountTokens (read-only).

Plan file fields ([[workload]], all optional but traffic, tokens and models):
  name, models = [\"ID\", ...], regions = [\"us-east-1\", ...]
  requests_per_day | requests_per_month | requests_per_minute (average; give one, or the peak and its ratio)
  peak_requests_per_minute | peak_to_average | hourly_shape = [24 weights] / weekly_shape = [7]
  input_tokens, output_tokens = 3000 | { p50 = 2500, p90 = 6000 } | { histogram = [[1000, 40], [3000, 60]] }
  cache_prefix_share = \"60%\", with cache_hit_rate | cache_reuse_seconds | cache_prefixes (default 1)
  cached_now = \"5m\" | \"1h\" (already caching), streaming = true, growth_per_month = \"5%\",
  max_latency = \"interactive\" | \"relaxed\" | \"batch\"
`--format toml` prints any plan (flags or --from-logs) as such a file.";

#[derive(Args, Debug, Clone, Default)]
pub struct PlanArgs {
    /// Plan file of several workloads: TOML `[[workload]]` tables or JSON `{"workload": [...]}`,
    /// with the fields of the flags below in snake_case (requests_per_day, input_tokens = 3000
    /// or { p50 = 2500, p90 = 6000 } or { histogram = [[1000, 40], [3000, 60]] }, ...).
    /// `--format toml` prints one to start from.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["from_logs", "snapshot"])]
    pub file: Option<PathBuf>,

    /// Derive the description of each existing workload (per model id as called, region and
    /// --by keys) from invocation logs, and price it: unchanged, it costs what the logs cost.
    #[arg(long, num_args = 1.., value_name = "PATH", conflicts_with = "snapshot")]
    pub from_logs: Vec<PathBuf>,

    /// As --from-logs, from a snapshot's invocation records.
    #[arg(long, value_name = "DIR")]
    pub snapshot: Option<PathBuf>,

    /// With --from-logs/--snapshot: split workloads further by these keys (as for `report`,
    /// e.g. identity or meta:team). Model id and region always split.
    #[arg(long, value_delimiter = ',', value_name = "KEY[,KEY...]")]
    pub by: Vec<String>,

    /// With --from-logs/--snapshot: first day (UTC), YYYY-MM-DD or YYYY-MM.
    #[arg(long, value_name = "DATE")]
    pub start: Option<String>,

    /// With --from-logs/--snapshot: last day (UTC), inclusive, YYYY-MM-DD or YYYY-MM.
    #[arg(long, value_name = "DATE")]
    pub end: Option<String>,

    /// Name of the workload described by flags.
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,

    /// Candidate models: catalog keys (anthropic.claude-sonnet-4-5), model ids, profile ids
    /// (us.anthropic..., global.anthropic...), or provider:NAME for every priced model of a
    /// provider. Repeatable or comma-separated.
    #[arg(long = "model", short = 'm', value_delimiter = ',', value_name = "ID")]
    pub models: Vec<String>,

    /// Regions to price in (repeatable or comma-separated). Default us-east-1.
    #[arg(long = "region", value_delimiter = ',', value_name = "REGION")]
    pub regions: Vec<String>,

    /// Average requests per day.
    #[arg(long, allow_hyphen_values = true, value_name = "N")]
    pub requests_per_day: Option<String>,

    /// Requests per month (730 hours).
    #[arg(long, allow_hyphen_values = true, value_name = "N")]
    pub requests_per_month: Option<String>,

    /// Average requests per minute.
    #[arg(long, allow_hyphen_values = true, value_name = "N")]
    pub requests_per_minute: Option<String>,

    /// Requests in the busiest minute (sizes provisioned throughput). With --peak-to-average and
    /// no average, it states the traffic: the average is the peak over the ratio.
    #[arg(long, allow_hyphen_values = true, value_name = "N")]
    pub peak_rpm: Option<String>,

    /// Busiest minute over the average minute, e.g. 3 (instead of --peak-rpm).
    #[arg(long, allow_hyphen_values = true, value_name = "RATIO")]
    pub peak_to_average: Option<String>,

    /// Input (prompt) tokens per request, cached or not: a mean (3000), two quantiles
    /// (p50=2500,p90=6000: a log-normal through them) or a histogram (hist=1000:40,3000:60).
    #[arg(long, allow_hyphen_values = true, value_name = "TOKENS")]
    pub input_tokens: Option<String>,

    /// Output tokens per request, same forms as --input-tokens.
    #[arg(long, allow_hyphen_values = true, value_name = "TOKENS")]
    pub output_tokens: Option<String>,

    /// Share of each prompt that is a cacheable prefix (system prompt, tools, documents): 0.6 or 60%.
    #[arg(long, allow_hyphen_values = true, value_name = "SHARE")]
    pub cache_prefix_share: Option<String>,

    /// Share of the cacheable prefix read from cache (instead of --cache-reuse-seconds or
    /// --cache-prefixes): 0.9 or 90%.
    #[arg(long, allow_hyphen_values = true, value_name = "RATE")]
    pub cache_hit_rate: Option<String>,

    /// Each prefix is reused every N seconds on average (a hit when within the TTL).
    #[arg(long, allow_hyphen_values = true, value_name = "SECONDS")]
    pub cache_reuse_seconds: Option<String>,

    /// Distinct cacheable prefixes sharing the traffic (default 1).
    #[arg(long, value_name = "N")]
    pub cache_prefixes: Option<u64>,

    /// The workload already caches at this TTL: its cost as described includes caching.
    #[arg(long, value_enum, value_name = "TTL")]
    pub cached_now: Option<CacheTtl>,

    /// Callers stream the answer (rules out batch).
    #[arg(long)]
    pub streaming: bool,

    /// Traffic growth per month, compounded: 5% or 0.05 (negative for decline).
    #[arg(long, value_name = "RATE", allow_hyphen_values = true)]
    pub growth: Option<String>,

    /// The longest a caller can wait: interactive (no batch, no flex), relaxed (no batch) or
    /// batch (within 24 hours). Default interactive.
    #[arg(long, value_enum)]
    pub max_latency: Option<Latency>,

    /// JSONL of sample request bodies (Converse or InvokeModel, one per line): their input
    /// tokens are counted per candidate model with Bedrock's CountTokens (read-only) and replace
    /// --input-tokens. Prompts are never printed or stored.
    #[arg(long, value_name = "FILE")]
    pub sample: Option<PathBuf>,

    /// With --sample: do not call AWS; estimate tokens from the samples' size (labelled).
    #[arg(long, requires = "sample")]
    pub offline: bool,

    /// AWS profile for CountTokens (as for collect).
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,

    /// Endpoint URL for CountTokens (a local emulator or a VPC endpoint).
    #[arg(long, value_name = "URL")]
    pub endpoint_url: Option<String>,

    /// Tokens per minute one provisioned model unit serves: N for every model, or MODEL=N.
    /// Repeatable. AWS does not publish it; without it provisioned rows are not measurable.
    #[arg(long, value_name = "[MODEL=]N")]
    pub tpm_per_unit: Vec<String>,

    /// Multiply every workload's traffic (and a stated peak) by this factor: what if traffic
    /// tripled (--scale 3)? Works on flags, plan files and derived workloads alike.
    #[arg(long, value_name = "FACTOR")]
    pub scale: Option<String>,

    /// Price at the catalog rows in force on this day (YYYY-MM-DD). Default: today (UTC).
    #[arg(long, value_name = "DATE")]
    pub price_date: Option<String>,

    /// Output format: stdout carries only this; warnings go to stderr.
    #[arg(long, value_enum, default_value_t = PlanFormat::Table)]
    pub format: PlanFormat,

    /// Write the result to this file instead of stdout (replaced atomically).
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

impl PlanArgs {
    /// Whether any flag describing one workload is given.
    pub fn describes(&self) -> bool {
        self.name.is_some()
            || !self.models.is_empty()
            || !self.regions.is_empty()
            || self.requests_per_day.is_some()
            || self.requests_per_month.is_some()
            || self.requests_per_minute.is_some()
            || self.peak_rpm.is_some()
            || self.peak_to_average.is_some()
            || self.input_tokens.is_some()
            || self.output_tokens.is_some()
            || self.cache_prefix_share.is_some()
            || self.cache_hit_rate.is_some()
            || self.cache_reuse_seconds.is_some()
            || self.cache_prefixes.is_some()
            || self.cached_now.is_some()
            || self.streaming
            || self.growth.is_some()
            || self.max_latency.is_some()
    }
}
