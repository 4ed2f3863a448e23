//! The flags of `discover`: which accounts (default credentials, profiles, or a role assumed in
//! each account) and regions to ask where their invocation logs go.

use std::path::PathBuf;

use clap::Args;

use crate::render::Format;

pub(super) const DISCOVER_EXAMPLES: &str = "Examples:
  bedrock-lens discover --region us-east-1,us-west-2,eu-west-1
  bedrock-lens discover --profile prod --profile staging --region us-east-1
  bedrock-lens discover --role-arn 'arn:aws:iam::{account}:role/BedrockLensReader' \\
      --account 111122223333,444455556666 --external-id finops --region us-east-1,eu-central-1
  bedrock-lens discover --organization --role-arn 'arn:aws:iam::{account}:role/BedrockLensReader' \\
      --region us-east-1,us-west-2

Each account and region is asked GetModelInvocationLoggingConfiguration (read-only) in parallel;
one that fails is reported on its own row (exit 1) and the others are still listed. The table ends
with the `collect logs` command for each destination found. Permissions:
`bedrock-lens iam-policy --collect discover --role-arn ARN` (plus organizations:ListAccounts for
--organization).";

#[derive(Args, Debug, Clone)]
pub struct DiscoverArgs {
    /// AWS profiles to ask, one account each (repeatable). With --role-arn: the one profile the
    /// roles are assumed from. Default: the default credential chain.
    #[arg(long = "profile", value_name = "NAME")]
    pub profiles: Vec<String>,

    /// A role to assume in each --account (or each account of --organization): an ARN with
    /// `{account}` where the account id goes, e.g. 'arn:aws:iam::{account}:role/BedrockLensReader'.
    #[arg(long, value_name = "ARN")]
    pub role_arn: Option<String>,

    /// Assume --role-arn in every active account of the organization (Organizations
    /// ListAccounts, asked with the caller's credentials: the management account or a delegated
    /// administrator).
    #[arg(long, requires = "role_arn", conflicts_with = "accounts")]
    pub organization: bool,

    /// Account ids to assume --role-arn in (repeatable or comma-separated).
    #[arg(
        long = "account",
        value_delimiter = ',',
        value_name = "ID",
        requires = "role_arn"
    )]
    pub accounts: Vec<String>,

    /// External id the roles require (sts:ExternalId).
    #[arg(long, value_name = "ID", requires = "role_arn")]
    pub external_id: Option<String>,

    /// Regions to ask (repeatable or comma-separated). Default: the configured region.
    #[arg(long = "region", value_delimiter = ',', value_name = "REGION")]
    pub regions: Vec<String>,

    /// Endpoint URL (a local emulator or VPC endpoints).
    #[arg(long, value_name = "URL")]
    pub endpoint_url: Option<String>,

    /// Accounts and regions asked at once.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=64), value_name = "N")]
    pub parallel: u16,

    /// Output format: stdout carries only this; warnings go to stderr.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,

    /// Write the result to this file instead of stdout (replaced atomically).
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
}
