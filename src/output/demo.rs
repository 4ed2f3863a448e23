//! The result of `demo` (`bedrock-lens/demo/v1`): the sample month by model, its top identities
//! and the what-if of the same month.

use serde::Serialize;

use super::report::Report;
use super::whatif::WhatIf;

pub const SCHEMA: &str = "bedrock-lens/demo/v1";

/// How many identities the demo lists.
pub const TOP: usize = 5;

#[derive(Serialize)]
pub struct Demo<'a> {
    pub schema: &'static str,
    pub by_model: &'a Report,
    pub top_identities: &'a Report,
    pub whatif: &'a WhatIf,
}
