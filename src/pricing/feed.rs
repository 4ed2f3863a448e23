//! AWS Price List offer files for Amazon Bedrock (`AmazonBedrock`, `AmazonBedrockFoundationModels`):
//! each token SKU read into a rate per model name, region, scope, tier and token kind, in USD per
//! 1M tokens from the unit the SKU states; every SKU that cannot be mapped is kept with its reason.

use std::collections::BTreeMap;
use std::str::FromStr;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::catalog::Scope;

/// Inference tier of a SKU.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    Standard,
    Batch,
    Flex,
    Priority,
}

/// Token kind of a SKU.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Input,
    Output,
    CacheRead,
    CacheWrite5m,
    CacheWrite1h,
}

/// One token rate of the feed.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedRate {
    /// The model as the feed names it (`model`, `titanModel` or `servicename` attribute).
    pub model_name: String,
    pub region: String,
    pub scope: Scope,
    pub tier: Tier,
    /// A long-context SKU.
    pub long: bool,
    pub kind: Kind,
    pub usd_per_million: Decimal,
    pub usagetype: String,
    pub sku: String,
}

impl FeedRate {
    /// This rate as a SKU left out of the catalog, with the reason.
    pub fn unmapped(&self, offer: &Offer, reason: &str) -> Unmapped {
        Unmapped {
            offer: offer.offer_code.clone(),
            region: self.region.clone(),
            sku: self.sku.clone(),
            usagetype: self.usagetype.clone(),
            model_name: Some(self.model_name.clone()),
            reason: reason.to_string(),
        }
    }
}

/// A SKU the parser does not turn into a rate, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Unmapped {
    pub offer: String,
    pub region: String,
    pub sku: String,
    pub usagetype: String,
    pub model_name: Option<String>,
    pub reason: String,
}

/// One offer file, read.
#[derive(Debug, Clone)]
pub struct Offer {
    pub offer_code: String,
    pub version: String,
    /// Day of the offer's `publicationDate`.
    pub published: NaiveDate,
    pub rates: Vec<FeedRate>,
    pub unmapped: Vec<Unmapped>,
}

#[derive(Debug, thiserror::Error)]
pub enum FeedError {
    #[error("{file}: not an AWS Price List offer file: {reason}")]
    Format { file: String, reason: String },
    #[error("{file}: offer `{offer}` is not an Amazon Bedrock offer (expected AmazonBedrock or AmazonBedrockFoundationModels)")]
    NotBedrock { file: String, offer: String },
}

/// The offers `pricing sync` reads.
pub const OFFERS: &[&str] = &["AmazonBedrock", "AmazonBedrockFoundationModels"];

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct OfferDoc {
    offer_code: String,
    version: String,
    publication_date: String,
    #[serde(default)]
    products: BTreeMap<String, ProductDoc>,
    #[serde(default)]
    terms: TermsDoc,
}

#[derive(Deserialize)]
struct ProductDoc {
    #[serde(default)]
    attributes: BTreeMap<String, String>,
}

#[derive(Deserialize, Default)]
struct TermsDoc {
    #[serde(rename = "OnDemand", default)]
    on_demand: BTreeMap<String, BTreeMap<String, TermDoc>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TermDoc {
    #[serde(default)]
    price_dimensions: BTreeMap<String, DimensionDoc>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DimensionDoc {
    #[serde(default)]
    unit: String,
    #[serde(default)]
    price_per_unit: BTreeMap<String, String>,
    begin_range: Option<String>,
    end_range: Option<String>,
}

/// Reads one offer file. `file` names it in errors.
pub fn parse_offer(file: &str, text: &str) -> Result<Offer, FeedError> {
    let doc: OfferDoc = serde_json::from_str(text).map_err(|e| FeedError::Format {
        file: file.to_string(),
        reason: format!(
            "line {}, column {}: {}",
            e.line(),
            e.column(),
            super::catalog::redact_quoted(&e.to_string())
        ),
    })?;
    if !OFFERS.contains(&doc.offer_code.as_str()) {
        return Err(FeedError::NotBedrock {
            file: file.to_string(),
            offer: crate::io::clean(&doc.offer_code),
        });
    }
    let published = doc
        .publication_date
        .get(..10)
        .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        .ok_or_else(|| FeedError::Format {
            file: file.to_string(),
            reason: "publicationDate is not a date".into(),
        })?;
    let mut offer = Offer {
        offer_code: doc.offer_code.clone(),
        version: doc.version.clone(),
        published,
        rates: vec![],
        unmapped: vec![],
    };
    for (sku, p) in &doc.products {
        let a = &p.attributes;
        let get = |k: &str| a.get(k).map(String::as_str).filter(|v| !v.is_empty());
        let usagetype = get("usagetype").unwrap_or("").to_string();
        let region = get("regionCode").unwrap_or("").to_string();
        let model_name = model_name(a);
        let mut skip = |reason: String| {
            offer.unmapped.push(Unmapped {
                offer: doc.offer_code.clone(),
                region: region.clone(),
                sku: sku.clone(),
                usagetype: usagetype.clone(),
                model_name: model_name.clone(),
                reason,
            })
        };
        let class = match classify(&usagetype, get("feature")) {
            Ok(c) => c,
            Err(why) => {
                skip(why);
                continue;
            }
        };
        let Some(name) = model_name.clone() else {
            skip("no model name (`model`, `titanModel` or a model `servicename`)".into());
            continue;
        };
        if region.is_empty() {
            skip("no regionCode".into());
            continue;
        }
        let dims: Vec<&DimensionDoc> = doc
            .terms
            .on_demand
            .get(sku)
            .into_iter()
            .flat_map(|t| t.values())
            .flat_map(|t| t.price_dimensions.values())
            .collect();
        let dim = match dims.as_slice() {
            [d] => *d,
            [] => {
                skip("no OnDemand price".into());
                continue;
            }
            _ => {
                skip(format!(
                    "{} OnDemand price dimensions (tiered prices are not in the catalog)",
                    dims.len()
                ));
                continue;
            }
        };
        match (dim.begin_range.as_deref(), dim.end_range.as_deref()) {
            (None | Some("0"), None | Some("Inf")) => {}
            _ => {
                skip("a price for a usage range (tiered prices are not in the catalog)".into());
                continue;
            }
        }
        let per_million = match per_million_factor(&dim.unit) {
            Some(f) => f,
            None => {
                skip(format!(
                    "unit `{}` is not a token count this parser knows (1K tokens, 1M tokens)",
                    crate::io::clean(&dim.unit)
                ));
                continue;
            }
        };
        let Some(usd) = dim
            .price_per_unit
            .get("USD")
            .and_then(|v| Decimal::from_str(v.trim()).ok())
        else {
            skip("no USD price".into());
            continue;
        };
        if usd < Decimal::ZERO {
            skip("a negative price".into());
            continue;
        }
        offer.rates.push(FeedRate {
            model_name: name,
            region: region.clone(),
            scope: class.scope,
            tier: class.tier,
            long: class.long,
            kind: class.kind,
            usd_per_million: (usd * per_million).normalize(),
            usagetype: usagetype.clone(),
            sku: sku.clone(),
        });
    }
    Ok(offer)
}

/// What the feed calls the model: `model`, else `titanModel`, else a `servicename` that names a
/// model ("Claude Sonnet 4.6 (Amazon Bedrock Edition)" -> "Claude Sonnet 4.6").
fn model_name(a: &BTreeMap<String, String>) -> Option<String> {
    let get = |k: &str| a.get(k).map(|v| v.trim()).filter(|v| !v.is_empty());
    if let Some(m) = get("model").or_else(|| get("titanModel")) {
        return Some(m.to_string());
    }
    let s = get("servicename")?;
    if matches!(s, "Amazon Bedrock" | "Amazon Bedrock Service") {
        return None;
    }
    Some(
        s.strip_suffix("(Amazon Bedrock Edition)")
            .unwrap_or(s)
            .trim()
            .to_string(),
    )
}

/// USD per unit -> USD per 1M tokens: the unit says the scale; anything else is not guessed.
fn per_million_factor(unit: &str) -> Option<Decimal> {
    match unit.trim().to_ascii_lowercase().as_str() {
        "1k tokens" | "1k token" | "thousand tokens" => Some(Decimal::from(1000)),
        "1m tokens" | "1m token" | "million tokens" => Some(Decimal::ONE),
        _ => None,
    }
}

struct Class {
    scope: Scope,
    tier: Tier,
    long: bool,
    kind: Kind,
}

/// Reads a usage type: `USE1-Nova2.0Lite-input-tokens-cross-region-global-batch` (AmazonBedrock)
/// or `USE1-MP:USE1_InputTokenCount_Global_Batch-Units` (AmazonBedrockFoundationModels).
fn classify(usagetype: &str, feature: Option<&str>) -> Result<Class, String> {
    let lower = usagetype.to_ascii_lowercase();
    let mut c = match lower.split_once("mp:") {
        Some((_, rest)) => marketplace(rest)?,
        None => first_party(&lower)?,
    };
    if feature == Some("Batch Inference") {
        if !matches!(c.tier, Tier::Standard | Tier::Batch) {
            return Err("feature `Batch Inference` on a flex/priority usage type".into());
        }
        c.tier = Tier::Batch;
    }
    Ok(c)
}

fn marketplace(rest: &str) -> Result<Class, String> {
    // `use1_inputtokencount_global_batch-units`: the region again, the count, then qualifiers.
    let mut words = rest.split(['_', '-']).skip(1);
    let kind = match words.next().unwrap_or("") {
        "inputtokencount" => Kind::Input,
        "outputtokencount" => Kind::Output,
        "cachereadinputtokencount" => Kind::CacheRead,
        "cachewriteinputtokencount" => Kind::CacheWrite5m,
        "cachewrite1hinputtokencount" => Kind::CacheWrite1h,
        other => {
            return Err(format!(
                "`{}` is not a token count this parser knows",
                crate::io::clean(other)
            ))
        }
    };
    let mut c = Class {
        scope: Scope::Regional,
        tier: Tier::Standard,
        long: false,
        kind,
    };
    for w in words {
        qualifier(&mut c, w)?;
    }
    Ok(c)
}

fn first_party(lower: &str) -> Result<Class, String> {
    if lower.contains("-mantle") {
        return Err(
            "a bedrock-mantle endpoint SKU (not in invocation logs or AWS/Bedrock metrics)".into(),
        );
    }
    const MARKERS: &[(&str, Kind)] = &[
        ("-cache-write-input-token-count", Kind::CacheWrite5m),
        ("-cache-read-input-token-count", Kind::CacheRead),
        ("-text-input-tokens", Kind::Input),
        ("-input-tokens", Kind::Input),
        ("-output-tokens", Kind::Output),
    ];
    let Some((at, marker, kind)) = MARKERS
        .iter()
        .filter_map(|(m, k)| lower.find(m).map(|i| (i, *m, *k)))
        .min_by_key(|(i, m, _)| (*i, std::cmp::Reverse(m.len())))
    else {
        return Err("not a token usage type".into());
    };
    let mut c = Class {
        scope: Scope::Regional,
        tier: Tier::Standard,
        long: false,
        kind,
    };
    let rest = &lower[at + marker.len()..];
    let rest = rest
        .replace("cross-region-global", "global")
        .replace("cross-region-geo", "geo")
        .replace("long-context", "long")
        .replace("1-hour", "1h");
    for w in rest.split('-').filter(|w| !w.is_empty()) {
        qualifier(&mut c, w)?;
    }
    Ok(c)
}

/// Applies one qualifier word of a usage type; an unknown word is never guessed at.
fn qualifier(c: &mut Class, w: &str) -> Result<(), String> {
    let tier = |c: &mut Class, t: Tier| {
        if c.tier != Tier::Standard && c.tier != t {
            return Err("two tiers in one usage type".to_string());
        }
        c.tier = t;
        Ok(())
    };
    match w {
        "units" | "standard" | "geo" => Ok(()),
        "global" => {
            c.scope = Scope::Global;
            Ok(())
        }
        "batch" => tier(c, Tier::Batch),
        "flex" => tier(c, Tier::Flex),
        "priority" => tier(c, Tier::Priority),
        "long" => {
            c.long = true;
            Ok(())
        }
        "1h" if c.kind == Kind::CacheWrite5m => {
            c.kind = Kind::CacheWrite1h;
            Ok(())
        }
        other => Err(format!(
            "qualifier `{}` has no catalog field",
            crate::io::clean(other)
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn class(u: &str) -> Result<(Scope, Tier, bool, Kind), String> {
        classify(u, None).map(|c| (c.scope, c.tier, c.long, c.kind))
    }

    #[test]
    fn usage_types_of_both_offers() {
        use Kind::*;
        use Scope::*;
        use Tier::*;
        assert_eq!(
            class("USE1-Nova2.0Lite-input-tokens"),
            Ok((Regional, Standard, false, Input))
        );
        assert_eq!(
            class("USE1-Nova2.0Lite-cache-write-input-token-count-cross-region-global"),
            Ok((Global, Standard, false, CacheWrite5m))
        );
        assert_eq!(
            class("USE1-Nova2.0Lite-input-tokens-cross-region-global-batch"),
            Ok((Global, Batch, false, Input))
        );
        assert_eq!(
            class("USE1-Nova2.0Pro-text-input-tokens-priority-cross-region-global"),
            Ok((Global, Priority, false, Input))
        );
        assert_eq!(
            class("USE1-Claude4Sonnet-output-tokens-long-context-cross-region-global"),
            Ok((Global, Standard, true, Output))
        );
        assert_eq!(
            class("USE1-MP:USE1_CacheWrite1hInputTokenCount_Global-Units"),
            Ok((Global, Standard, false, CacheWrite1h))
        );
        assert_eq!(
            class("USE1-MP:USE1_OutputTokenCount_Batch-Units"),
            Ok((Regional, Batch, false, Output))
        );
        // The batch feature alone marks a batch SKU.
        assert_eq!(
            classify("USE1-Qwen3-32B-input-tokens", Some("Batch Inference")).map(|c| c.tier),
            Ok(Batch)
        );
        for bad in [
            "USE1-Guardrail-AutomatedReasoningPolicyUnitsConsumed",
            "USE1-NovaPro-cache-write-input-token-count-custom-model",
            "USE1-NovaPro-input-tokens-latency-optimized",
            "USE1-openai.gpt-oss-120b-mantle-input-tokens",
            "USE1-MP:USE1_Reserved_1Month_InputTPM_Global-Units",
        ] {
            assert!(class(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn units_are_read_never_assumed() {
        assert_eq!(per_million_factor("1K tokens"), Some(Decimal::from(1000)));
        assert_eq!(per_million_factor("1M tokens"), Some(Decimal::ONE));
        assert_eq!(per_million_factor("Units"), None);
        assert_eq!(per_million_factor("1M TPM Hour"), None);
    }
}
