//! Command-line definitions (clap derive) only; no behaviour here.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::pricing::CacheTtl;
use crate::render::Format;

mod athena;
mod collect;
mod compare;
mod discover;
mod iam_policy;
mod plan;

use athena::ATHENA_EXAMPLES;
pub use athena::{AthenaCommand, AthenaDdlArgs, AthenaQueryArgs};
pub use collect::{
    AthenaArgs, AwsTarget, CollectAllArgs, CollectCommand, CollectCostsArgs, CollectLogsArgs,
    CollectMetricsArgs, CollectProfilesArgs, CollectSource,
};
pub use compare::{ReconcileArgs, ReconcileBy, ReviewArgs};
use compare::{RECONCILE_EXAMPLES, REVIEW_EXAMPLES};
pub use discover::DiscoverArgs;
use discover::DISCOVER_EXAMPLES;
pub use iam_policy::IamPolicyArgs;
use iam_policy::IAM_EXAMPLES;
pub use plan::PlanArgs;
use plan::PLAN_EXAMPLES;

#[derive(Parser, Debug)]
#[command(
    name = "bedrock-lens",
    version,
    about = "What your Amazon Bedrock usage costs, per model, team and day, from invocation logs",
    long_about = "bedrock-lens reads Amazon Bedrock model-invocation logs, prices every request from a dated \
price catalog (on-demand, prompt caching, long context, cross-region profiles) and reports exact cost by \
model, identity, day or request metadata. Models the catalog does not know are reported and left out of \
dollar totals, never priced at $0.\n\nStart with `bedrock-lens demo` to see a sample month.",
    after_help = "Exit codes: 0 ok, 1 some input could not be used (with --strict) or some work failed, 2 usage error."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Args, Debug, Clone, Default)]
pub struct GlobalArgs {
    /// Extra price files or directories (TOML or JSON, same format as pricing/ in the repository).
    /// Rows replace the built-in rows for the same model, region and scope; new models are added.
    /// Use it for negotiated prices or models the catalog does not know yet. Repeatable.
    #[arg(long, global = true, value_name = "PATH")]
    pub pricing: Vec<PathBuf>,

    /// TOML file mapping application-inference-profile and provisioned-model ARNs to the model
    /// they run ([[application_profile]] / [[provisioned_model]] with `arn`, `model`, `name`).
    #[arg(long, global = true, value_name = "FILE")]
    pub inference_profiles: Option<PathBuf>,

    /// Only data on stdout and warnings on stderr: no notes or progress.
    #[arg(long, short, global = true)]
    pub quiet: bool,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Cost and tokens from invocation logs (or a snapshot's CloudWatch metrics or bill), grouped as
    /// you ask.
    #[command(after_help = REPORT_EXAMPLES)]
    Report(ReportArgs),
    /// Inspect the price catalog: list, show a model, explain how an id is priced, validate files.
    #[command(subcommand)]
    Pricing(PricingCommand),
    /// Run the whole pipeline on a built-in, realistic sample month (no AWS needed).
    Demo(DemoArgs),
    /// What the same usage would have cost on batch, provisioned throughput, prompt caching,
    /// flex/priority tiers, global profiles or another model, and the cheapest mode per workload.
    #[command(after_help = WHATIF_EXAMPLES)]
    Whatif(WhatifArgs),
    /// Pull a period of Bedrock usage and cost from AWS (CloudWatch metrics, invocation logs from
    /// CloudWatch Logs or S3, Cost Explorer, inference profiles) and save it as a snapshot.
    #[command(subcommand)]
    Collect(CollectCommand),
    /// Generate (and validate, and optionally deploy) the CloudWatch dashboard and alarms for a
    /// Bedrock workload: usage, latency, errors, quota and estimated cost per model.
    #[command(after_help = DASHBOARD_EXAMPLES)]
    Dashboard(DashboardArgs),
    /// Computed cost (logs or metrics) against the bill, per account, region, model and day: both
    /// amounts, the gap, a flag above the thresholds with its usual cause; logging coverage.
    #[command(after_help = RECONCILE_EXAMPLES)]
    Reconcile(ReconcileArgs),
    /// The monthly spend review in one document: spend and its change by model, profile,
    /// account, identity and metadata, unit costs, caching, waste, computed against billed,
    /// anomalies, tag coverage and recommendations, with charts (HTML, Markdown or JSON).
    #[command(after_help = REVIEW_EXAMPLES)]
    Review(ReviewArgs),
    /// Plan a workload before it has logs: monthly cost per candidate model and inference mode
    /// (on-demand, geo/global profiles, batch, flex/priority, prompt caching, provisioned) from a
    /// description of its traffic and tokens, now and after growth, and the cheapest option that
    /// meets its constraints; or describe today's workloads from logs to edit and price again.
    #[command(after_help = PLAN_EXAMPLES)]
    Plan(Box<PlanArgs>),
    /// Where each account and region delivers its model-invocation logs (S3, CloudWatch Logs) or
    /// that logging is off: the map before collecting many accounts.
    #[command(after_help = DISCOVER_EXAMPLES)]
    Discover(DiscoverArgs),
    /// SQL over invocation logs where they sit in S3: the Athena table (no prompt or response
    /// columns) and the aggregation query, for Athena or DuckDB. Prints SQL only.
    #[command(subcommand, after_help = ATHENA_EXAMPLES)]
    Athena(AthenaCommand),
    /// Print the least-privilege IAM policy for what you will run (collect, plan --sample,
    /// dashboard --put).
    #[command(name = "iam-policy", after_help = IAM_EXAMPLES)]
    IamPolicy(IamPolicyArgs),
}

const WHATIF_EXAMPLES: &str = "Scenarios (--scenario, repeatable or comma-separated; default: batch, flex, priority, global,
provisioned, caching):
  batch          batch rates for batch-eligible requests (all, unless --batch-only/--batch-heuristic)
  flex, priority service tiers, where the catalog lists the model's tier rate (else n/a)
  global, geo    move traffic to global. profiles, or from global. to geo/in-region
  provisioned    = provisioned-no-commit, provisioned-1m, provisioned-6m (needs tokens per minute
                 per model unit: --tpm-per-unit MODEL=N; AWS does not publish it)
  caching        = caching-5m, caching-1h: repeated prompt prefixes measured in the logs
  cache-rate     caching at an assumed --cache-hit-rate
  swap           --swap FROM=TO[@PERCENT]: token price effect of moving traffic to another model
Join per-request scenarios with + to compose them: --scenario batch+global, --scenario swap+flex.

Examples:
  bedrock-lens whatif --logs ./logs
  bedrock-lens whatif --logs ./logs --scenario batch --batch-only meta:team=reporting
  bedrock-lens whatif --logs ./logs --scenario provisioned --tpm-per-unit meta.llama3-1-70b=25000
  bedrock-lens whatif --logs ./logs --scenario swap --swap anthropic.claude-sonnet-4-5=anthropic.claude-haiku-4-5@30
  bedrock-lens whatif --logs ./logs --scenario cache-rate --cache-hit-rate 70% --cache-write-ttl 1h
  bedrock-lens whatif --logs ./logs --scenarios-file my-scenarios.toml --scenario haiku-batch --format json";

#[derive(Args, Debug, Clone)]
pub struct WhatifArgs {
    #[command(flatten)]
    pub input: LogsArgs,

    /// What a --snapshot what-if reprices: `logs`, `metrics` (CloudWatch token metrics, for
    /// accounts without invocation logging: per-request scenarios and provisioned; the caching
    /// scenarios need prompt bodies), or `auto` (logs when the snapshot has them, else metrics:
    /// a what-if reprices one source whole).
    #[arg(long, value_enum, default_value_t = crate::output::report::DataSource::Auto)]
    pub source: crate::output::report::DataSource,

    /// Workloads to compare, comma-separated keys as for `report`; must include `model` or
    /// `model_id` (each workload is repriced and sized on its own), e.g. model,meta:team.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "model",
        value_name = "KEY[,KEY...]"
    )]
    pub by: Vec<String>,

    /// Scenarios to compute (see below). Repeatable or comma-separated.
    #[arg(long, short = 's', value_delimiter = ',', value_name = "NAME")]
    pub scenario: Vec<String>,

    /// TOML file of custom scenarios ([[scenario]] with name, tier, profile, swap, cache_hit_rate,
    /// cache_prefix_share, cache_ttl); ask for them by name with --scenario.
    #[arg(long, value_name = "FILE")]
    pub scenarios_file: Option<PathBuf>,

    /// Only requests matching KEY=VALUE are batch-eligible (keys as for --by, e.g.
    /// identity=arn:aws:sts::123456789012:assumed-role/etl or meta:job=nightly). Repeatable: a
    /// request matching any rule is eligible. Default: every request.
    #[arg(long, value_name = "KEY=VALUE")]
    pub batch_only: Vec<String>,

    /// Only non-streaming operations are batch-eligible (a streaming caller waits for its answer).
    #[arg(long)]
    pub batch_heuristic: bool,

    /// Tokens per minute one provisioned model unit serves: N for every model, or MODEL=N.
    /// Repeatable. Needed where the catalog has none (AWS does not publish it).
    #[arg(long, value_name = "[MODEL=]N")]
    pub tpm_per_unit: Vec<String>,

    /// Size provisioned units for this percentile of the busy minutes' tokens (100: the peak;
    /// lower leaves some minutes over capacity, priced on demand). Default 100.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=100), value_name = "P")]
    pub size_percentile: Option<u32>,

    /// Model swap for the `swap` scenario: FROM=TO[@PERCENT of FROM's requests, default 100].
    /// Catalog keys or any ids that resolve. Repeatable.
    #[arg(long, value_name = "FROM=TO[@PCT]")]
    pub swap: Vec<String>,

    /// Hit rate for the `cache-rate` scenario: share of the cacheable input read from cache
    /// (0.7 or 70%).
    #[arg(long, value_name = "RATE")]
    pub cache_hit_rate: Option<String>,

    /// Share of each request's uncached input that is a cacheable prefix, for `cache-rate`.
    /// Default 100%.
    #[arg(long, value_name = "SHARE")]
    pub cache_prefix_share: Option<String>,

    /// TTL of the cache writes an assumed hit rate makes (`cache-rate`, and scenarios-file
    /// entries without cache_ttl). What the logs already cost is priced with
    /// --logged-cache-write-ttl: a scenario never changes the past.
    #[arg(long, value_enum, default_value_t = CacheTtl::FiveMinutes)]
    pub cache_write_ttl: CacheTtl,

    /// TTL the logged cache writes are priced at, in the baseline and every scenario (logs do not
    /// say which TTL a write used; as `report --cache-write-ttl`), and the TTL of the check of
    /// writes never read back.
    #[arg(long, value_enum, default_value_t = CacheTtl::FiveMinutes)]
    pub logged_cache_write_ttl: CacheTtl,

    /// Output format: stdout carries only this; warnings go to stderr.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,

    /// Exit 1 when any line, record or file could not be used.
    #[arg(long)]
    pub strict: bool,

    /// Write the result to this file instead of stdout (`-`: stdout). A file is replaced atomically
    /// (through a symlink, the link kept); a device or FIFO is written straight through; a
    /// directory or one of the input files is refused.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

const REPORT_EXAMPLES: &str = "Examples:
  bedrock-lens report --logs ./logs                       # month by model
  bedrock-lens report --logs s3-copy/ --by identity --start 2026-10 --end 2026-10
  bedrock-lens report --logs a.json.gz b.jsonl --by day,model --format csv > october.csv
  bedrock-lens report --logs ./logs --by meta:team --format markdown

Dates are UTC. --start and --end take YYYY-MM-DD (whole days, both inclusive), YYYY-MM (whole
months) or an RFC 3339 timestamp (exact instant; --end exclusive).";

/// The logs a command reads and the period it covers (`report`, `whatif`).
#[derive(Args, Debug, Clone)]
pub struct LogsArgs {
    /// Log files or directories (walked recursively): NDJSON .json/.jsonl, gzip .json.gz as Bedrock
    /// delivers to S3, or CloudWatch Logs exports (events whose `message` is a record); `-` reads
    /// them from standard input.
    #[arg(
        long,
        num_args = 1..,
        required_unless_present = "snapshot",
        conflicts_with = "snapshot",
        value_name = "PATH"
    )]
    pub logs: Vec<PathBuf>,

    /// Read a snapshot written by `bedrock-lens collect ... --out DIR` instead of log files (its
    /// invocations, and its inference-profiles.toml unless --inference-profiles is given).
    #[arg(long, value_name = "DIR")]
    pub snapshot: Option<PathBuf>,

    /// First day to include (UTC): YYYY-MM-DD, YYYY-MM (from the month's first day), or a
    /// timestamp (2026-10-01T12:00:00Z; without an offset it is UTC).
    #[arg(long, value_name = "DATE")]
    pub start: Option<String>,

    /// Last day to include (UTC), inclusive: YYYY-MM-DD, YYYY-MM (to the month's last day), or a
    /// timestamp (exclusive; without an offset it is UTC).
    #[arg(long, value_name = "DATE")]
    pub end: Option<String>,

    /// Count a request as often as it is read. By default a request id read twice (the
    /// CloudWatch export and the S3 copy of the same month, overlapping files) counts once;
    /// how many were dropped, and their cost, is said on stderr.
    #[arg(long)]
    pub keep_duplicates: bool,
}

#[derive(Args, Debug, Clone)]
pub struct ReportArgs {
    #[command(flatten)]
    pub input: LogsArgs,

    /// Group rows by these keys, comma-separated: model, model_id, hour, day, month, identity (role,
    /// without session name), identity_arn, region, operation, profile (in_region, geo, global,
    /// application, provisioned), account, meta:<requestMetadata key>. With `--source metrics`:
    /// model, model_id, profile, region, account, hour, day, month. With `--source bill`: model,
    /// region, day, month, account, service, usage_type, token_kind, mode, category.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "model",
        value_name = "KEY[,KEY...]"
    )]
    pub by: Vec<String>,

    /// Output format: stdout carries only this; warnings go to stderr.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,

    /// What a --snapshot report prices: `logs` (its invocation records: every grouping key),
    /// `metrics` (its CloudWatch token metrics, for accounts without invocation logging: model,
    /// model_id, profile, region, account, day, month), or `auto` (logs when the snapshot has
    /// them, else metrics).
    #[arg(long, value_enum, default_value_t = crate::output::report::DataSource::Auto)]
    pub source: crate::output::report::DataSource,

    /// TTL to price cache-write tokens at: logs do not say which TTL a write used.
    #[arg(long, value_enum, default_value_t = CacheTtl::FiveMinutes)]
    pub cache_write_ttl: CacheTtl,

    /// Exit 1 when any line, record or file could not be used, or no record was found at all
    /// (the report is still printed).
    #[arg(long)]
    pub strict: bool,

    /// Also write the normalized usage table, one row per request (timestamp, account, region,
    /// model id and resolved model, profile kind, identity, operation, request metadata, tokens,
    /// error code, exact cost in pico-dollars or why it is unpriced; never prompt text), as
    /// Parquet or CSV by the file's extension. Rows outside --start/--end are left out.
    #[arg(long, value_name = "FILE.parquet|FILE.csv")]
    pub export_usage: Option<PathBuf>,

    /// Write the report to this file instead of stdout (`-`: stdout). A file is replaced atomically
    /// (through a symlink, the link kept); a device or FIFO is written straight through; a
    /// directory or one of the input files is refused.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Subcommand, Debug)]
pub enum PricingCommand {
    /// One line per model and region with the main per-1M-token rates.
    List {
        /// Only this provider (e.g. Anthropic, Amazon, Meta).
        #[arg(long)]
        provider: Option<String>,
        /// Only rows for this region.
        #[arg(long)]
        region: Option<String>,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Every rate of one model (catalog key or any id that resolves to it), with source and as-of.
    Show {
        model: String,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Explain what an id from a log, metric or bill resolves to and which price row applies.
    Resolve {
        /// Model id, cross-region profile id, or foundation-model / inference-profile /
        /// application-inference-profile / provisioned-model ARN.
        id: String,
        /// Region the call was made in (default: the ARN's region, else a region of the profile's
        /// geography, else us-east-1).
        #[arg(long)]
        region: Option<String>,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Print a price file to fill in for one id (TOML, for --pricing): the model's current
    /// rates where the catalog knows it, empty rates to fill in where it does not.
    #[command(
        after_help = "Example:\n  bedrock-lens pricing template us.anthropic.claude-opus-5-20261015-v1:0 > opus5.toml\n  # fill in source and the rates, then\n  bedrock-lens pricing check opus5.toml\n  bedrock-lens report --logs ./logs --pricing opus5.toml"
    )]
    Template {
        /// Model id, cross-region profile id or ARN, as in the logs (or a catalog key).
        id: String,
        /// The region the prices are for (default: as for `pricing resolve`).
        #[arg(long)]
        region: Option<String>,
    },
    /// Read the AWS Price List for Amazon Bedrock (offer files downloaded, or fetched) and
    /// print what changed against the built-in catalog; with --out, write the new catalog.
    #[command(
        long_about = "Read the AWS Price List offer files of Amazon Bedrock (AmazonBedrock: Amazon, Meta, Mistral and other \
first-party models, priced per 1K tokens; AmazonBedrockFoundationModels: Anthropic and other Marketplace models, \
priced per 1M tokens and named only by servicename) and turn every token SKU into catalog rates: model, region, \
scope (in-region/geo or global), tier (standard, batch, flex, priority), token kind, long context. The unit of each \
SKU is read, never assumed. A SKU that cannot be mapped (guardrails, custom models, an unknown unit or qualifier) \
and a model the catalog does not know by name (`feed_names`) are listed, never guessed.\n\n\
It prints the diff against the built-in catalog's feed rows (added, changed, removed: per model, region, scope and \
field). With --out DIR it writes the new feed files there, plus the curated overlay under DIR/overlay/: a changed \
price keeps its old row, dated `valid_until` the offer's publication day, so older logs keep their old prices. Use \
DIR with --pricing, or copy its files into pricing/ and rebuild to make them the built-in catalog.",
        after_help = "Examples:\n  # offer files downloaded from https://pricing.us-east-1.amazonaws.com/offers/v1.0/aws/AmazonBedrock/current/us-east-1/index.json\n  # (and .../AmazonBedrockFoundationModels/...), saved as ab.json and fm.json:\n  bedrock-lens pricing sync --from ab.json fm.json\n  bedrock-lens pricing sync --fetch --region us-east-1 --region eu-west-1 --out prices/\n  bedrock-lens pricing check prices/ && bedrock-lens report --logs ./logs --pricing prices/"
    )]
    Sync {
        /// AWS Price List offer files (the `index.json` of AmazonBedrock or
        /// AmazonBedrockFoundationModels, one region or all).
        #[arg(long, num_args = 1.., value_name = "FILE", conflicts_with = "fetch")]
        from: Vec<PathBuf>,
        /// Download the current offer files over HTTPS from pricing.us-east-1.amazonaws.com
        /// (public files: no AWS credentials, nothing written to AWS).
        #[arg(long)]
        fetch: bool,
        /// With --fetch: only these regions (repeatable; default: every region the offers list).
        #[arg(long = "region", value_name = "REGION", requires = "fetch")]
        regions: Vec<String>,
        /// Write the new catalog files into this directory (created if missing; only its
        /// *.toml files are replaced). Without it, nothing is written.
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Validate price files (the built-in catalog, plus any given): schema, positive prices,
    /// dates, overlapping dated rows, duplicates. Also lists models past their end-of-life
    /// date, and with --logs, which of them the logs still call.
    #[command(
        after_help = "Examples:\n  bedrock-lens pricing check\n  bedrock-lens pricing check my-prices.toml\n  bedrock-lens pricing check --logs ./logs      # which ended models do the logs still call?"
    )]
    Check {
        /// Files or directories to check on top of the built-in catalog.
        paths: Vec<PathBuf>,
        /// Invocation logs (files or directories) to look for calls to models past their end
        /// of life. Such models stay priced: old logs still need their prices.
        #[arg(long, num_args = 1.., value_name = "PATH")]
        logs: Vec<PathBuf>,
    },
}

/// Formats of the demo (two reports in one output, so no CSV).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum DemoFormat {
    /// Aligned text tables for the terminal.
    #[default]
    Table,
    /// `bedrock-lens/demo/v1`: both reports as `bedrock-lens/report/v1` documents.
    Json,
    /// GitHub-flavoured Markdown.
    Markdown,
}

#[derive(Args, Debug, Clone)]
pub struct DemoArgs {
    /// Also write the demo month's invocation logs here (S3 delivery layout, .json.gz) so you can
    /// rerun `bedrock-lens report --logs DIR` on them.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,

    /// Also write the month as a snapshot with every source, to try `report --source
    /// metrics|bill` and `reconcile` offline: its invocation logs (with a fifth of us-west-2's
    /// missing, a logging gap), hourly CloudWatch metrics of every call, and a bill priced at
    /// catalog rates with a surcharge planted on one model-day of each month and a
    /// provisioned-throughput charge. The snapshot holds September too, for `review`.
    #[arg(long, value_name = "DIR")]
    pub snapshot: Option<PathBuf>,

    /// Also write the month's spend review (September and October, with a bill) to this file:
    /// HTML, Markdown or JSON by its extension (.html, .md, .json).
    #[arg(long, value_name = "FILE")]
    pub review: Option<PathBuf>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = DemoFormat::Table)]
    pub format: DemoFormat,
}

const DASHBOARD_EXAMPLES: &str = "Examples:
  bedrock-lens dashboard --model anthropic.claude-sonnet-4-5-20250929-v1:0 --region us-east-1 > body.json
  bedrock-lens dashboard --snapshot oct/ --name support-bot --budget 2000 --log-group /bedrock/invocations
  bedrock-lens dashboard --model us.amazon.nova-pro-v1:0 --region us-east-1 --alarms --budget 500 \\
      --name genai-prod --format cloudformation --out genai-prod.template.json
  bedrock-lens dashboard --name genai-prod \\
      --model anthropic.claude-3-haiku-20240307-v1:0@us-east-1,eu.anthropic.claude-3-7-sonnet-20250219-v1:0@eu-west-1
  bedrock-lens dashboard --model amazon.nova-micro-v1:0 --region us-east-1 --name genai-prod --put
  bedrock-lens dashboard --check my-dashboard.json

Every body is validated (grid, ids, expressions, regions, limits) before it is written or sent.
Nothing is written to AWS without --put. Costs are estimates: token metrics x catalog list prices.
Set SOURCE_DATE_EPOCH for a reproducible generation date in the header.";

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum DashboardFormat {
    /// The dashboard body JSON (what PutDashboard takes).
    #[default]
    Body,
    /// A CloudFormation template: AWS::CloudWatch::Dashboard (and the alarms with --alarms).
    Cloudformation,
    /// The alarms as PutMetricAlarm inputs (JSON array; needs --alarms).
    Alarms,
}

#[derive(Args, Debug, Clone)]
pub struct DashboardArgs {
    /// Model ids or profile ids as they appear in the metrics (ModelId), repeatable or
    /// comma-separated; ID@REGION shows a model in that region only. A geo profile (`eu.`, ...)
    /// is left out of regions outside its geography (a warning names the pair).
    #[arg(long, value_delimiter = ',', value_name = "ID[@REGION]")]
    pub model: Vec<String>,

    /// Regions to show, repeatable or comma-separated (each model given without @REGION in each
    /// region).
    #[arg(long, value_delimiter = ',', value_name = "REGION")]
    pub region: Vec<String>,

    /// Take the models and regions from a snapshot (its metrics, else its invocations).
    #[arg(long, value_name = "DIR")]
    pub snapshot: Option<PathBuf>,

    /// Find the models with ListMetrics in each --region (read-only AWS call).
    #[arg(long)]
    pub discover: bool,

    /// Invocation-log group: adds Logs Insights tables (top identities, largest requests).
    #[arg(long, value_name = "NAME")]
    pub log_group: Option<String>,

    /// Workload name: the header title, the dashboard name for --put and the alarm prefix.
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,

    /// Monthly budget in USD: shown in the header, and the cost burn-rate alarm's threshold.
    #[arg(long, value_name = "USD")]
    pub budget: Option<String>,

    /// Also generate alarms: throttle rate, error rate and (with --budget) cost burn rate.
    #[arg(long)]
    pub alarms: bool,

    /// What to print.
    #[arg(long, value_enum, default_value_t = DashboardFormat::Body)]
    pub format: DashboardFormat,

    /// Write it to this file instead of stdout (`-`: stdout). A file is replaced atomically
    /// (through a symlink, the link kept); a device or FIFO is written straight through; a
    /// directory or one of the input files is refused.
    #[arg(long, short, value_name = "FILE")]
    pub out: Option<PathBuf>,

    /// Deploy with PutDashboard under --name (prints CloudWatch's validation messages).
    #[arg(long, requires = "name")]
    pub put: bool,

    /// Validate a dashboard body file instead of generating one.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["model", "snapshot", "discover", "put"])]
    pub check: Option<PathBuf>,

    /// Named AWS profile (for --put and --discover).
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,

    /// Endpoint for --put and --discover (as the AWS CLI's --endpoint-url).
    #[arg(long, value_name = "URL")]
    pub endpoint_url: Option<String>,
}
