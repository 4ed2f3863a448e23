//! The flags of `athena`: the table definition over invocation logs in S3, and the aggregation
//! query (for Athena, or for DuckDB over a local copy in the same layout).

use clap::{Args, Subcommand};

use crate::collect::athena_sql::Engine;

pub(super) const ATHENA_EXAMPLES: &str = "Examples:
  bedrock-lens athena ddl --s3 s3://my-log-bucket/bedrock
  bedrock-lens athena query --table bedrock_logs.invocations --account 111122223333 \\
      --log-region us-east-1,eu-west-1 --start 2026-10 --end 2026-10 --by identity_arn
  bedrock-lens athena query --engine duckdb --root ./s3-copy --start 2026-10 --end 2026-10 --by day

The table declares no prompt or response column, so neither it nor any query over it can return
them. Both commands only print SQL: nothing is sent to AWS. The DDL is two statements: Athena runs
one per query, so run CREATE DATABASE, then CREATE TABLE. The account and log region are injected
partitions: each query names those it reads (`bedrock-lens discover` lists the regions that log;
`collect logs --athena` finds them in the bucket).";

#[derive(Subcommand, Debug)]
pub enum AthenaCommand {
    /// Print CREATE DATABASE and CREATE TABLE for the invocation logs under an S3 location
    /// (partition projection over account, log region and hour; a JSON SerDe; no body columns).
    Ddl(AthenaDdlArgs),
    /// Print the aggregation query: token sums per model id, call region, long-context bucket and
    /// token kinds (what selects a rate), plus the --by keys, with diagnostics rows.
    Query(AthenaQueryArgs),
}

#[derive(Args, Debug, Clone)]
pub struct AthenaDdlArgs {
    /// Where Bedrock delivers the logs: s3://BUCKET/PREFIX (the folder holding AWSLogs/).
    #[arg(long, value_name = "S3_URL")]
    pub s3: String,

    /// First day the table's hour partitions cover (YYYY-MM-DD).
    #[arg(long, default_value = "2024-01-01", value_name = "DATE")]
    pub since: String,

    #[arg(long, default_value = "bedrock_lens", value_name = "NAME")]
    pub database: String,

    #[arg(long, default_value = "invocation_logs", value_name = "NAME")]
    pub table: String,
}

#[derive(Args, Debug, Clone)]
pub struct AthenaQueryArgs {
    /// The SQL dialect: athena (over --table) or duckdb (over --root, a local folder).
    #[arg(long, value_enum, default_value_t = Engine::Athena)]
    pub engine: Engine,

    /// Athena: the table `athena ddl` created, DATABASE.TABLE.
    #[arg(
        long,
        default_value = "bedrock_lens.invocation_logs",
        value_name = "DATABASE.TABLE"
    )]
    pub table: String,

    /// Athena: the accounts to read (the table's injected account partition). Repeatable.
    #[arg(long = "account", value_delimiter = ',', value_name = "ID")]
    pub accounts: Vec<String>,

    /// Athena: the log regions to read (the table's injected log-region partition: the
    /// `AWSLogs/ACCOUNT/BedrockModelInvocationLogs/REGION` folders). Repeatable.
    #[arg(long = "log-region", value_delimiter = ',', value_name = "REGION")]
    pub log_regions: Vec<String>,

    /// DuckDB: the local folder holding AWSLogs/ (a copy of the bucket's layout).
    #[arg(long, value_name = "DIR")]
    pub root: Option<std::path::PathBuf>,

    /// First day (UTC): YYYY-MM-DD, YYYY-MM or a timestamp.
    #[arg(long, value_name = "DATE")]
    pub start: String,

    /// Last day (UTC), inclusive: YYYY-MM-DD, YYYY-MM, or a timestamp (exclusive).
    #[arg(long, value_name = "DATE")]
    pub end: String,

    /// Keys to group by besides the rate-selecting ones: hour, day, identity_arn, operation,
    /// meta:KEY (comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "KEY[,KEY...]")]
    pub by: Vec<String>,
}
