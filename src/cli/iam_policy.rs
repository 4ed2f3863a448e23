//! The flags of `iam-policy`: the sources and actions whose least-privilege statements to print.

use clap::Args;

pub(super) const IAM_EXAMPLES: &str = "Examples:
  bedrock-lens iam-policy                                  # everything bedrock-lens reads
  bedrock-lens iam-policy --collect metrics,costs
  bedrock-lens iam-policy --collect logs --log-group /bedrock/invocations --s3 s3://my-logs/bedrock
  bedrock-lens iam-policy --collect count-tokens           # plan --sample (CountTokens)
  bedrock-lens iam-policy --collect discover               # discover (logging configuration)
  bedrock-lens iam-policy --collect discover --role-arn 'arn:aws:iam::{account}:role/BedrockLensRead' --organization
  bedrock-lens iam-policy --collect athena --s3 s3://my-logs/bedrock --athena-output s3://my-athena-results/
  bedrock-lens iam-policy --put-dashboard --dashboard-name genai-prod

Attach the JSON to the role or user that runs bedrock-lens. plan --sample counts tokens with
CountTokens (bedrock:CountTokens on foundation models: read-only, no charge, no model invoked).
Nothing here writes to AWS unless you add --put-dashboard (cloudwatch:PutDashboard on that
dashboard only).";

#[derive(Args, Debug, Clone)]
pub struct IamPolicyArgs {
    /// Sources you will read: metrics, logs, costs, profiles (collect), athena (collect logs
    /// --athena), count-tokens (plan --sample) and discover (where each region's logs go),
    /// comma-separated. Default: all but athena.
    #[arg(long, value_delimiter = ',', value_name = "SOURCE[,SOURCE...]")]
    pub collect: Vec<String>,

    /// CloudWatch Logs groups holding invocation logs (repeatable; default: any group).
    #[arg(long, value_name = "NAME")]
    pub log_group: Vec<String>,

    /// S3 locations of invocation logs, s3://bucket/prefix (repeatable).
    #[arg(long, value_name = "S3_URL")]
    pub s3: Vec<String>,

    /// `--collect athena`: the Athena workgroup `collect logs --athena` runs in.
    #[arg(long, default_value = "primary", value_name = "NAME")]
    pub athena_workgroup: String,

    /// `--collect athena`: the table, DATABASE.TABLE.
    #[arg(
        long,
        default_value = "bedrock_lens.invocation_logs",
        value_name = "DATABASE.TABLE"
    )]
    pub athena_table: String,

    /// `--collect athena`: where Athena writes results, s3://bucket/prefix (default: the
    /// workgroup's location, whose statements you then add yourself).
    #[arg(long, value_name = "S3_URL")]
    pub athena_output: Option<String>,

    /// `--collect athena`: also allow creating the database and table (`--athena-create`).
    #[arg(long)]
    pub athena_create: bool,

    /// Roles to assume in other accounts (`discover --role-arn`; `{account}` for any account).
    /// Repeatable.
    #[arg(long, value_name = "ARN")]
    pub role_arn: Vec<String>,

    /// Also allow listing the organization's accounts (`discover --organization`).
    #[arg(long)]
    pub organization: bool,

    /// Also allow deploying a dashboard (`dashboard --put`).
    #[arg(long)]
    pub put_dashboard: bool,

    /// Name of that dashboard (default: any dashboard whose name starts with bedrock-lens).
    #[arg(long, value_name = "NAME", requires = "put_dashboard")]
    pub dashboard_name: Option<String>,
}
