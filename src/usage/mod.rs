//! Usage: invocation-log records in, validated and normalized, aggregated by group keys.

pub mod aggregate;
mod documents;
pub mod ingest;
mod readers;
pub mod record;
pub mod table;

pub use aggregate::{Agg, Aggregator, GroupKey, Grouping, Period};
pub use ingest::{Diagnostics, IngestOptions, IngestStats, Source};
pub use record::UsageRecord;
pub use table::{TableFormat, UsageTable};
