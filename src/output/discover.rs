//! The `discover` document (`bedrock-lens/discover/v1`): for each account and region, where
//! model-invocation logs are delivered (S3, CloudWatch Logs, large-data S3), or that logging is
//! off, or why it could not be read.

use serde::Serialize;

pub const SCHEMA: &str = "bedrock-lens/discover/v1";

/// What a region's logging configuration says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Logging {
    /// Logs are delivered (to S3, CloudWatch Logs or both).
    On,
    /// No logging configuration: only CloudWatch metrics and the bill are there to read.
    Off,
    /// The configuration could not be read (the error says why).
    Failed,
}

#[derive(Debug, Clone, Serialize)]
pub struct Row {
    /// The account, when known (a failed role or profile may leave it unknown).
    pub account: Option<String>,
    /// How it was reached: `default credentials`, `profile NAME` or the role ARN.
    pub via: String,
    pub region: String,
    pub logging: Logging,
    pub s3: Option<String>,
    pub log_group: Option<String>,
    pub large_data_s3: Option<String>,
    /// Kinds of invocations logged: text, image, embedding, video.
    pub delivers: Vec<&'static str>,
    pub error: Option<String>,
    pub hint: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    pub accounts: usize,
    pub regions: usize,
    pub logging_on: usize,
    pub logging_off: usize,
    pub failed: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct Discovery {
    pub schema: &'static str,
    pub rows: Vec<Row>,
    pub summary: Summary,
}

impl Discovery {
    /// Rows sorted by account, region and how they were reached, with their summary.
    pub fn new(mut rows: Vec<Row>) -> Discovery {
        rows.sort_by(|a, b| (&a.account, &a.region, &a.via).cmp(&(&b.account, &b.region, &b.via)));
        let count = |l: Logging| rows.iter().filter(|r| r.logging == l).count();
        let mut accounts: Vec<&str> = rows.iter().filter_map(|r| r.account.as_deref()).collect();
        accounts.sort_unstable();
        accounts.dedup();
        let mut regions: Vec<&str> = rows.iter().map(|r| r.region.as_str()).collect();
        regions.sort_unstable();
        regions.dedup();
        let summary = Summary {
            accounts: accounts.len(),
            regions: regions.len(),
            logging_on: count(Logging::On),
            logging_off: count(Logging::Off),
            failed: count(Logging::Failed),
        };
        Discovery {
            schema: SCHEMA,
            rows,
            summary,
        }
    }
}
