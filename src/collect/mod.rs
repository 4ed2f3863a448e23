//! Collectors: fetch and parse AWS data (CloudWatch metrics, invocation logs from CloudWatch
//! Logs and S3, Cost Explorer, inference profiles, the public Price List files) and the built-in
//! demo month. They know
//! nothing of prices and write no files: `commands::collect` stores what they return.

pub mod athena;
pub mod athena_sql;
pub mod aws;
pub mod cloudwatch_logs;
pub mod cloudwatch_metrics;
pub mod cost_explorer;
pub mod count_tokens;
pub mod demo_month;
pub mod discovery;
pub mod inference_profiles;
pub mod insights_split;
pub mod metric_plan;
pub mod price_list;
pub mod s3_logs;
