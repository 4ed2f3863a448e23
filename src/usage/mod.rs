//! Normalize: invocation logs (files, pages, objects, a snapshot's table) read into one record
//! schema, validated once at the border; grouping keys and periods; request-id de-duplication;
//! the usage table's schema and read-back. Knows nothing of prices.

pub mod dedup;
pub mod diagnostics;
mod documents;
pub mod group;
pub mod inflate;
pub mod ingest;
pub mod json_values;
mod readers;
pub mod record;
pub mod scan;
pub mod table;

pub use diagnostics::Diagnostics;
pub use group::{identity_principal, GroupKey, Period, KEY_HELP};
pub use ingest::{IngestOptions, IngestStats, Source};
pub use record::{Tokens, UsageRecord};
pub use table::TableFormat;
