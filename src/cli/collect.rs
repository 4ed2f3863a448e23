//! The flags of `collect`: where and when (`AwsTarget`), and each source's own.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use crate::pricing::CacheTtl;

const COLLECT_EXAMPLES: &str = "Examples:
  bedrock-lens collect metrics --region us-east-1,us-west-2 --start 2026-10 --end 2026-10 --out snap/
  bedrock-lens collect metrics --period 1m --start 2026-11-20 --out snap/   # for provisioned sizing
  bedrock-lens collect logs --log-group /bedrock/invocations --start 2026-10 --end 2026-10 --out snap/
  bedrock-lens collect logs --s3 s3://my-log-bucket/bedrock --start 2026-10 --end 2026-10 --out snap/
  bedrock-lens collect logs --athena s3://my-log-bucket/bedrock --athena-output s3://my-athena-results/ \\
      --region us-east-1 --start 2026-10 --end 2026-10 --by identity_arn --athena-create --out snap/
  bedrock-lens collect costs --start 2026-10 --end 2026-10 --linked-account --out snap/
  bedrock-lens collect profiles --region us-east-1 --out snap/
  bedrock-lens report --snapshot snap/ --by model,identity

Credentials and region come from the AWS default chain (environment, ~/.aws profiles, SSO,
container and instance roles), as for the AWS CLI. Several accounts: repeat --profile, or
--role-arn 'arn:aws:iam::{account}:role/NAME' with --account ID,... or --organization; each
account is collected on its own (--parallel at a time) into the same snapshot, and one that fails
is said while the others are saved (exit 1). Nothing is written to AWS, except by --athena: the
table with --athena-create, and each query's result file in the results location. `bedrock-lens
iam-policy` prints the permissions each source needs. Re-collecting a window into the same --out
replaces its rows (invocations are de-duplicated by request id).";

/// Where and when to collect: shared by every `collect` source.
#[derive(Args, Debug, Clone)]
pub struct AwsTarget {
    /// Named profile from ~/.aws/config (default: AWS_PROFILE, else the default chain).
    /// Repeatable: each profile's account is collected on its own, in parallel, into the same
    /// snapshot. With --role-arn: the one profile the roles are assumed from.
    #[arg(long, value_name = "NAME")]
    pub profile: Vec<String>,

    /// A role to assume in each --account (or each account of --organization), each collected
    /// on its own, in parallel, into the same snapshot: an ARN with `{account}` where the id
    /// goes, e.g. 'arn:aws:iam::{account}:role/BedrockLensReader'.
    #[arg(long, value_name = "ARN")]
    pub role_arn: Option<String>,

    /// Accounts: with --role-arn, those to assume it in; with --athena, the AWSLogs/ACCOUNT
    /// folders of the bucket to read (default: the credentials' account). Repeatable or
    /// comma-separated.
    #[arg(long = "account", value_delimiter = ',', value_name = "ID")]
    pub accounts: Vec<String>,

    /// With --role-arn: every active account of the organization (Organizations ListAccounts).
    #[arg(long, requires = "role_arn", conflicts_with = "accounts")]
    pub organization: bool,

    /// External id the roles require (sts:ExternalId).
    #[arg(long, value_name = "ID", requires = "role_arn")]
    pub external_id: Option<String>,

    /// Accounts collected at once (with several --profile or --role-arn).
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=32), value_name = "N")]
    pub parallel: u16,

    /// Region(s) to collect from, repeatable or comma-separated (default: AWS_REGION or the
    /// profile's region).
    #[arg(long, value_delimiter = ',', value_name = "REGION")]
    pub region: Vec<String>,

    /// Send every call to this endpoint (as the AWS CLI's --endpoint-url; AWS_ENDPOINT_URL is
    /// also honoured), e.g. a local emulator.
    #[arg(long, value_name = "URL")]
    pub endpoint_url: Option<String>,

    /// Start of the period (UTC): YYYY-MM-DD, YYYY-MM or a timestamp. Default: the first day of
    /// the current month.
    #[arg(long, value_name = "DATE")]
    pub start: Option<String>,

    /// End of the period, inclusive for days and months (exclusive for a timestamp). Default: now.
    #[arg(long, value_name = "DATE")]
    pub end: Option<String>,

    /// Snapshot directory to write (Parquet per source + manifest.json; created if missing).
    /// Without it, only the summary is printed.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

#[derive(Subcommand, Debug)]
pub enum CollectCommand {
    /// CloudWatch metrics of AWS/Bedrock per model (tokens, invocations, latency percentiles,
    /// errors, throttles, time to first token, TPM quota usage), 500 queries per call.
    #[command(after_help = COLLECT_EXAMPLES)]
    Metrics(CollectMetricsArgs),
    /// Model-invocation log records from CloudWatch Logs groups (FilterLogEvents, or Logs
    /// Insights aggregates with --server-side) or from S3 (--s3).
    #[command(after_help = COLLECT_EXAMPLES)]
    Logs(CollectLogsArgs),
    /// Daily Cost Explorer cost and usage of "Amazon Bedrock" and the Marketplace
    /// "... (Amazon Bedrock Edition)" services, per usage type (parsed into model, token kind, mode).
    #[command(after_help = COLLECT_EXAMPLES)]
    Costs(CollectCostsArgs),
    /// Application inference profiles: the model each ARN runs, its name and tags (written as the
    /// snapshot's inference-profiles.toml, used by `--snapshot`).
    #[command(after_help = COLLECT_EXAMPLES)]
    Profiles(CollectProfilesArgs),
    /// Every source of a period in one run (metrics, logs, costs, profiles), into one snapshot;
    /// a source that fails is said and the others are still collected and saved.
    #[command(after_help = COLLECT_ALL_EXAMPLES)]
    All(CollectAllArgs),
}

const COLLECT_ALL_EXAMPLES: &str = "Examples:
  bedrock-lens collect all --month 2026-10 --region us-east-1,us-west-2 --log-group /bedrock/invocations --out oct/
  bedrock-lens collect all --month 2026-10 --sources metrics,costs --out oct/     # accounts without invocation logging
  bedrock-lens reconcile --snapshot oct/ && bedrock-lens report --snapshot oct/ --by model,day";

/// A source `collect all` can collect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CollectSource {
    Metrics,
    Logs,
    Costs,
    Profiles,
}

#[derive(Args, Debug, Clone)]
pub struct CollectAllArgs {
    #[command(flatten)]
    pub target: AwsTarget,

    /// The month to collect, YYYY-MM (the same as --start YYYY-MM --end YYYY-MM).
    #[arg(long, value_name = "YYYY-MM", conflicts_with_all = ["start", "end"])]
    pub month: Option<String>,

    /// Sources to collect, comma-separated (default: all; logs only where --log-group or --s3
    /// says where they are).
    #[arg(
        long,
        value_enum,
        value_delimiter = ',',
        value_name = "SOURCE[,SOURCE...]"
    )]
    pub sources: Vec<CollectSource>,

    /// CloudWatch Logs group holding the invocation logs (repeatable).
    #[arg(long, value_name = "NAME")]
    pub log_group: Vec<String>,

    /// S3 location of invocation logs, s3://bucket/prefix (repeatable).
    #[arg(long, value_name = "S3_URL")]
    pub s3: Vec<String>,

    /// Metrics datapoint period: 1m, 5m, 1h, 1d or seconds.
    #[arg(long, default_value = "1h", value_name = "PERIOD")]
    pub period: String,

    /// Also ask for this model id's metrics (repeatable): ListMetrics only lists metrics with
    /// data in the last two weeks, so name the models idle since then (an earlier month).
    #[arg(long, value_name = "ID")]
    pub model_id: Vec<String>,

    /// Costs per linked account (member accounts of an organization).
    #[arg(long)]
    pub linked_account: bool,

    /// Cost Explorer service names to read (repeatable; default: looked up).
    #[arg(long, value_name = "NAME")]
    pub service: Vec<String>,
}

#[derive(Args, Debug, Clone)]
pub struct CollectMetricsArgs {
    #[command(flatten)]
    pub target: AwsTarget,

    /// Datapoint period: 1m, 5m, 1h, 1d or seconds (a multiple of 60). 1-minute data is kept
    /// 15 days, 5-minute data 63 days; older data needs whole hours.
    #[arg(long, default_value = "1h", value_name = "PERIOD")]
    pub period: String,

    /// Also ask for this model id's metrics (repeatable). ListMetrics, which finds the models,
    /// only lists metrics with data in the last two weeks: name models idle since then here.
    #[arg(long, value_name = "ID")]
    pub model_id: Vec<String>,
}

#[derive(Args, Debug, Clone)]
pub struct CollectLogsArgs {
    #[command(flatten)]
    pub target: AwsTarget,

    /// CloudWatch Logs group holding the invocation logs (repeatable; read in every --region).
    #[arg(long, value_name = "NAME")]
    pub log_group: Vec<String>,

    /// S3 location of invocation logs, s3://bucket/prefix (repeatable; the bucket's region is
    /// the first --region).
    #[arg(long, value_name = "S3_URL")]
    pub s3: Vec<String>,

    /// Aggregate in CloudWatch with Logs Insights (requests and tokens per model, region and
    /// hour) instead of downloading every event; billed per GB scanned ($0.005), reported.
    #[arg(long)]
    pub server_side: bool,

    /// TTL to price cache-write tokens at in the summary.
    #[arg(long, value_enum, default_value_t = CacheTtl::FiveMinutes)]
    pub cache_write_ttl: CacheTtl,

    #[command(flatten)]
    pub athena: AthenaArgs,
}

/// `collect logs --athena`: aggregate the S3 logs where they are with Amazon Athena.
#[derive(Args, Debug, Clone, Default)]
#[command(next_help_heading = "Athena (--athena)")]
pub struct AthenaArgs {
    /// Aggregate the logs Bedrock delivers to S3 with Amazon Athena instead of downloading them:
    /// s3://BUCKET/PREFIX, the folder holding AWSLogs/. One query per run, in the bucket's region
    /// (GetBucketLocation); only the sums come back, into log-sums.parquet, priced by `report
    /// --snapshot` exactly as the records themselves would be. Athena bills $5 per TB scanned
    /// (10 MB minimum): the scan is estimated from the object listing first (--max-scan-usd).
    #[arg(long, value_name = "S3_URL", conflicts_with_all = ["s3", "log_group", "server_side"])]
    pub athena: Option<String>,

    /// Keys to sum by besides those every row has (account, region, model id, hour, day):
    /// identity_arn, operation, meta:KEY (comma-separated). `report --snapshot` can then group
    /// by them.
    #[arg(long, value_delimiter = ',', value_name = "KEY[,KEY...]")]
    pub by: Vec<String>,

    /// The table over the logs, DATABASE.TABLE (`bedrock-lens athena ddl` defines it).
    #[arg(
        long,
        default_value = "bedrock_lens.invocation_logs",
        value_name = "DATABASE.TABLE"
    )]
    pub athena_table: String,

    /// Athena workgroup to run the query in.
    #[arg(long, default_value = "primary", value_name = "NAME")]
    pub athena_workgroup: String,

    /// Where Athena writes the query's result (s3://BUCKET/PREFIX/). Default: the workgroup's
    /// result location.
    #[arg(long, value_name = "S3_URL")]
    pub athena_output: Option<String>,

    /// Create the database and table first (CREATE ... IF NOT EXISTS, the statements `athena
    /// ddl` prints; a table that exists is left as it is): the table is only made with this flag.
    #[arg(long)]
    pub athena_create: bool,

    /// Refuse to run a query whose scan is estimated (from the object listing) to cost more
    /// than this, in dollars.
    #[arg(long, default_value = "5", value_name = "USD")]
    pub max_scan_usd: rust_decimal::Decimal,

    /// Skip the check that recomputes the busiest hour from the same S3 objects locally and
    /// compares it with Athena's sums (on by default for the first Athena collection into a
    /// snapshot; --verify runs it every time).
    #[arg(long, conflicts_with = "verify")]
    pub no_verify: bool,

    /// Run the busiest-hour check even when the snapshot already holds Athena sums.
    #[arg(long)]
    pub verify: bool,
}

#[derive(Args, Debug, Clone)]
pub struct CollectCostsArgs {
    #[command(flatten)]
    pub target: AwsTarget,

    /// Group by linked account (member accounts of an organization) instead of by service.
    #[arg(long)]
    pub linked_account: bool,

    /// Cost Explorer service names to read (repeatable). Default: looked up (GetDimensionValues):
    /// "Amazon Bedrock" and every "... (Amazon Bedrock Edition)" service with usage.
    #[arg(long, value_name = "NAME")]
    pub service: Vec<String>,
}

#[derive(Args, Debug, Clone)]
pub struct CollectProfilesArgs {
    #[command(flatten)]
    pub target: AwsTarget,
}
