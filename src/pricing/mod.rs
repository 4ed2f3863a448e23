//! Prices: the catalog (pricing/ files), model-id resolution and the per-request cost engine.
//! Knows nothing of AWS APIs or log formats.

pub mod catalog;
pub mod cost;
pub mod resolve;

pub use catalog::{Catalog, CatalogError, Model, PriceRow, Scope, TokenRates};
pub use cost::{price_request, CacheTtl, CostBreakdown, Tokens};
pub use resolve::{ProfileKind, ProfileMap, Resolution, Resolver};
