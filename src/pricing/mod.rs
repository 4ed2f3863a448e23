//! Prices: the catalog (pricing/ files), model-id resolution, the per-request cost engine, the
//! aggregator that prices and groups usage, and the priced usage table it writes. Knows nothing
//! of AWS APIs or log formats.

pub mod aggregate;
pub mod billing;
pub mod catalog;
pub mod cost;
pub mod feed;
mod price_file;
mod price_row;
pub mod resolve;
pub mod sync;
pub mod table;

pub use aggregate::{Agg, Aggregator};
pub use catalog::{Catalog, CatalogError, Model, PriceRow, Scope, TokenRates};
pub use cost::{price_request, CacheTtl, CostBreakdown};
pub use price_file::valid_region;
pub use resolve::{geo_home, ProfileKind, ProfileMap, Resolution, Resolver};
pub use table::UsageTable;
