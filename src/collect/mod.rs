//! Collectors: fetch and parse AWS data (CloudWatch metrics, invocation logs from CloudWatch
//! Logs and S3, Cost Explorer). They know nothing of prices.

pub mod aws;
pub mod costs;
pub mod fault;
pub mod iam;
pub mod insights_split;
pub mod logs;
pub mod metric_plan;
pub mod metrics;
pub mod profiles;
pub mod s3;
pub mod usage_type;
