//! bedrock-lens: Amazon Bedrock usage -> exact cost, per model, identity and day.
//!
//! Pipeline (data flows one way): `usage` reads invocation logs into normalized records and
//! aggregates them, `pricing` resolves model ids and prices each request, `render` prints the
//! canonical result of a command in every format, `commands` wires a subcommand together.

pub mod cli;
pub mod collect;
pub mod commands;
pub mod dashboard;
pub mod demo;
pub mod error;
pub mod money;
pub mod pricing;
pub mod render;
pub mod report;
pub mod scenarios;
pub mod snapshot;
pub mod usage;
pub mod whatif;
