//! The flags of `reconcile` and `review`: computed cost against the bill, and the monthly
//! review built on it.

use std::path::PathBuf;

use clap::Args;

use crate::render::Format;

pub(super) const RECONCILE_EXAMPLES: &str = "Examples:
  bedrock-lens collect logs --s3 s3://my-logs/bedrock --start 2026-10 --end 2026-10 --out oct/
  bedrock-lens collect metrics --start 2026-10 --end 2026-10 --out oct/
  bedrock-lens collect costs --start 2026-10 --end 2026-10 --linked-account --out oct/
  bedrock-lens reconcile --snapshot oct/                      # per account, region, model and day
  bedrock-lens reconcile --snapshot oct/ --by month --threshold 2% --min-gap-usd 5 --strict
  bedrock-lens reconcile --snapshot oct/ --source metrics --format csv -o gaps.csv";

/// The reconciliation's time unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ReconcileBy {
    #[default]
    Day,
    Month,
}

/// `reconcile --source`: what the computed side can be (the bill is the other side).
fn computed_source(s: &str) -> Result<crate::output::report::DataSource, String> {
    use crate::output::report::DataSource;
    match s {
        "auto" => Ok(DataSource::Auto),
        "logs" => Ok(DataSource::Logs),
        "metrics" => Ok(DataSource::Metrics),
        _ => Err(
            "one of auto, logs, metrics (the bill is what the computed side is compared with)"
                .into(),
        ),
    }
}

#[derive(Args, Debug, Clone)]
pub struct ReconcileArgs {
    /// A snapshot holding the bill (`collect costs`) and usage (`collect logs` and/or
    /// `collect metrics`).
    #[arg(long, value_name = "DIR")]
    pub snapshot: PathBuf,
    /// What the computed side prices: `logs`, `metrics`, or `auto` (logs for the accounts,
    /// regions and hours they cover, metrics elsewhere, as `report` does).
    #[arg(long, default_value = "auto", value_parser = computed_source)]
    pub source: crate::output::report::DataSource,
    /// First day to include (UTC): YYYY-MM-DD or YYYY-MM.
    #[arg(long, value_name = "DATE")]
    pub start: Option<String>,
    /// Last day to include (UTC), inclusive: YYYY-MM-DD or YYYY-MM.
    #[arg(long, value_name = "DATE")]
    pub end: Option<String>,
    /// Compare per day (default) or per month.
    #[arg(long, value_enum, default_value_t = ReconcileBy::Day)]
    pub by: ReconcileBy,
    /// Also split each row by token kind (input, output, cache read, cache write), as the bill
    /// splits it.
    #[arg(long)]
    pub by_token_kind: bool,
    /// Flag a gap above this share of the bill (percent; `1%` or `1`).
    #[arg(long, default_value = "1%", value_name = "PCT")]
    pub threshold: String,
    /// Flag only gaps of at least this many dollars as well (so pennies do not flag).
    #[arg(long, default_value = "1", value_name = "USD")]
    pub min_gap_usd: String,
    /// Model a discount on the computed side (an EDP or private price): `12%` takes 12% off
    /// every computed amount before it is compared with the bill.
    #[arg(long, value_name = "PCT")]
    pub discount: Option<String>,
    /// Discounts per model and per Cost Explorer service from a TOML file: `default = "5%"`,
    /// `[services]` `"Amazon Bedrock" = "10%"`, `[models]` `"anthropic.claude-sonnet-4-5" =
    /// "15%"`. A model's own entry wins, then its service's (as the bill names it), then the
    /// default.
    #[arg(long, value_name = "FILE", conflicts_with = "discount")]
    pub discount_file: Option<PathBuf>,
    /// table (default), json (`bedrock-lens/reconcile/v1`), csv or markdown.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Exit 1 when any gap is flagged.
    #[arg(long)]
    pub strict: bool,
    /// Write the result to this file instead of stdout.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

pub(super) const REVIEW_EXAMPLES: &str = "Examples:
  bedrock-lens review --snapshot oct/ -o review.html            # the last complete month
  bedrock-lens review --snapshot snap/ --month 2026-10 --by meta:team --format markdown
  bedrock-lens review --logs logs/ --month 2026-11 --previous oct/ -o review.json
  bedrock-lens demo --review demo-review.html                    # the sample month, offline

The month defaults to the last complete month in the input; the month before comes from the
same input, or --previous. A month whose data ends before its last day is open: it gets a
forecast. Every figure comes from the same results as report, whatif and reconcile.";

#[derive(Args, Debug, Clone)]
pub struct ReviewArgs {
    /// Log files or directories of the month (and the month before, for month over month).
    #[arg(long, num_args = 1.., required_unless_present = "snapshot", conflicts_with = "snapshot", value_name = "PATH")]
    pub logs: Vec<PathBuf>,

    /// A snapshot (`collect all --month ... --out DIR`): logs and/or metrics, and the bill.
    #[arg(long, value_name = "DIR")]
    pub snapshot: Option<PathBuf>,

    /// The month to review, YYYY-MM (default: the last complete month in the input).
    #[arg(long, value_name = "YYYY-MM")]
    pub month: Option<String>,

    /// The month before, from another snapshot or log directory, when the input lacks it (its
    /// other months are not read). Needs --month.
    #[arg(long, value_name = "PATH", requires = "month")]
    pub previous: Option<PathBuf>,

    /// Also break spend down by these keys, comma-separated: meta:<requestMetadata key> (tag
    /// coverage is measured for each), operation, region, model_id.
    #[arg(long, value_delimiter = ',', value_name = "KEY[,KEY...]")]
    pub by: Vec<String>,

    /// Rows per breakdown before the rest is summed as "other".
    #[arg(long, default_value_t = 10, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub top: u16,

    /// html, markdown or json (default: from -o's extension, else markdown).
    #[arg(long, value_enum)]
    pub format: Option<crate::render::review::ReviewFormat>,

    /// Write the review to this file instead of stdout.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
}
