//! What-if scenarios: the same usage repriced under other inference modes. `spec` parses what
//! the user asks for, `reprice` handles per-request changes (batch, tiers, cross-region, model
//! swap, assumed caching), `provisioned` and `caching` work on the whole period, `sink` is the
//! one streaming pass that feeds them all, `evaluate` turns a finished pass into each
//! scenario's exact costs, and `details` types what they rest on (details and assumptions).

pub mod caching;
pub mod details;
pub mod evaluate;
pub mod plan;
pub mod provisioned;
pub mod reprice;
pub mod sink;
pub mod spec;
