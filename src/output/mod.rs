//! The canonical result documents, one per command (`bedrock-lens/<command>/v1`): typed serde
//! structs every format renders from, so table, JSON, CSV and Markdown always agree.

pub mod bill;
pub mod demo;
pub mod discover;
pub mod plan;
pub mod reconcile;
pub mod report;
pub mod review;
pub mod whatif;
