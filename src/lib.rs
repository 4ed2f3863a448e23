//! bedrock-lens: Amazon Bedrock usage -> exact cost, per model, identity and day; what the same
//! traffic would cost under other inference modes; CloudWatch dashboards for it.
//!
//! The pipeline (data flows one way; a module imports only those listed before it):
//! - `error`, `money`, `io`: typed errors, every amount and money text, the process's edges
//!   (stdout, atomic writes, sanitizing, progress);
//! - `usage`: invocation logs read into one validated record schema; group keys, periods,
//!   de-duplication, the usage table's schema and read-back (no prices);
//! - `collect`: AWS sources (CloudWatch metrics and logs, S3, Cost Explorer, inference
//!   profiles) and the built-in demo month: fetch and parse only (no prices, no files);
//! - `pricing`: the catalog, model-id resolution, per-request cost, the aggregator and the
//!   priced usage table;
//! - `scenarios`: the same usage repriced per inference mode, evaluated per workload;
//! - `output`: the canonical, versioned result documents (`bedrock-lens/<command>/v1`);
//! - `render`: table, JSON, CSV and Markdown from those documents; collect summaries;
//!   CloudWatch dashboard bodies;
//! - `snapshot`: the collected data on disk (manifest + one Parquet file per table);
//! - `cli`, `settings`: raw flags, resolved once into typed values;
//! - `commands`: one file per subcommand, orchestration only.

pub mod error;
pub mod io;
pub mod money;

pub mod usage;

pub mod collect;

pub mod pricing;

pub mod scenarios;

pub mod output;

pub mod render;

pub mod snapshot;

pub mod cli;
pub mod settings;

pub mod commands;
