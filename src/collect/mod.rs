//! Collectors: fetch and parse AWS data (CloudWatch metrics, invocation logs from CloudWatch
//! Logs and S3, Cost Explorer). They know nothing of prices.

pub mod aws;
pub mod iam;
pub mod insights_split;
pub mod metric_plan;
pub mod metrics;
pub mod usage_type;
