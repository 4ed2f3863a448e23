//! Cost Explorer usage types -> region, model, token kind and mode.
//!
//! Grammar (facts sheet, section C): first-party `{REGION}-{Model}-{input|output}-tokens` with an
//! optional `-flex`, `-priority`, `-cross-region-global` or `-batch` suffix; cache tokens as
//! `...-cache-read-input-token-count` and `...-cache-write-input-token-count[-1-hour]`;
//! Marketplace models as `{REGION}-MP:{REGION}_{InputTokenCount|OutputTokenCount|...}-Units`
//! with an optional `_Global` or `_Batch`. Anything else is kept as unparsed, never dropped.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenKind {
    Input,
    Output,
    CacheRead,
    CacheWrite5m,
    CacheWrite1h,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    Standard,
    Batch,
    Flex,
    Priority,
    GlobalCrossRegion,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UsageType {
    /// AWS region name (`us-west-2`), when the prefix is one we know.
    pub region: Option<String>,
    /// The model part as billed (`Claude4.5Sonnet`, `NovaMicro`); Marketplace rows name none.
    pub model: Option<String>,
    pub kind: TokenKind,
    pub mode: Mode,
    pub marketplace: bool,
}

/// Billing region prefixes -> region names.
const REGIONS: &[(&str, &str)] = &[
    ("USE1", "us-east-1"),
    ("USE2", "us-east-2"),
    ("USW1", "us-west-1"),
    ("USW2", "us-west-2"),
    ("CAN1", "ca-central-1"),
    ("EUC1", "eu-central-1"),
    ("EUC2", "eu-central-2"),
    ("EU", "eu-west-1"),
    ("EUW2", "eu-west-2"),
    ("EUW3", "eu-west-3"),
    ("EUN1", "eu-north-1"),
    ("EUS1", "eu-south-1"),
    ("EUS2", "eu-south-2"),
    ("APN1", "ap-northeast-1"),
    ("APN2", "ap-northeast-2"),
    ("APN3", "ap-northeast-3"),
    ("APS1", "ap-southeast-1"),
    ("APS2", "ap-southeast-2"),
    ("APS3", "ap-south-1"),
    ("APS4", "ap-southeast-3"),
    ("APS5", "ap-south-2"),
    ("SAE1", "sa-east-1"),
    ("UGW1", "us-gov-west-1"),
    ("UGE1", "us-gov-east-1"),
];

/// The billing prefix of a region name (`us-west-2` -> `USW2`).
pub fn prefix_of(region: &str) -> Option<&'static str> {
    REGIONS.iter().find(|(_, r)| *r == region).map(|(p, _)| *p)
}

pub fn region_of(prefix: &str) -> Option<&'static str> {
    REGIONS.iter().find(|(p, _)| *p == prefix).map(|(_, r)| *r)
}

/// Parses a usage type; `None` when it is not a Bedrock token usage type this grammar knows.
pub fn parse(usage_type: &str) -> Option<UsageType> {
    let (prefix, rest) = usage_type.split_once('-')?;
    let region = region_of(prefix).map(str::to_string);
    if let Some(mp) = rest.strip_prefix("MP:") {
        return marketplace(mp, region);
    }
    let lower = rest.to_ascii_lowercase();
    let mut mode = Mode::Standard;
    let mut body = lower.as_str();
    for (suffix, m) in [
        ("-cross-region-global", Mode::GlobalCrossRegion),
        ("-flex", Mode::Flex),
        ("-priority", Mode::Priority),
        ("-batch", Mode::Batch),
    ] {
        if let Some(b) = body.strip_suffix(suffix) {
            body = b;
            mode = m;
            break;
        }
    }
    let (model_len, kind) = [
        (
            "-cache-write-input-token-count-1-hour",
            TokenKind::CacheWrite1h,
        ),
        ("-cache-write-input-token-count", TokenKind::CacheWrite5m),
        ("-cache-read-input-token-count", TokenKind::CacheRead),
        ("-input-tokens", TokenKind::Input),
        ("-output-tokens", TokenKind::Output),
    ]
    .iter()
    .find_map(|(s, k)| body.strip_suffix(s).map(|m| (m.len(), *k)))?;
    if model_len == 0 {
        return None;
    }
    Some(UsageType {
        region,
        // The original spelling of the model part (the suffix match was case-insensitive).
        model: Some(rest[..model_len].to_string()),
        kind,
        mode,
        marketplace: false,
    })
}

fn marketplace(mp: &str, region: Option<String>) -> Option<UsageType> {
    // `USW2_InputTokenCount-Units[_Global|_Batch]`, or (as the Price List spells it)
    // `USE1_InputTokenCount[_Global][_Batch]-Units`.
    let (_, metric) = mp.split_once('_')?;
    let (name, units) = metric.split_once("-Units")?;
    let mut words = name.split('_');
    let kind = match words.next()? {
        "InputTokenCount" => TokenKind::Input,
        "OutputTokenCount" => TokenKind::Output,
        "CacheReadInputTokenCount" => TokenKind::CacheRead,
        "CacheWriteInputTokenCount" => TokenKind::CacheWrite5m,
        "CacheWrite1hInputTokenCount" => TokenKind::CacheWrite1h,
        _ => return None,
    };
    let mut mode = Mode::Standard;
    for w in words.chain(units.split('_').filter(|w| !w.is_empty())) {
        mode = match (mode, w) {
            (Mode::Standard, "Global") => Mode::GlobalCrossRegion,
            (Mode::Standard | Mode::GlobalCrossRegion, "Batch") => Mode::Batch,
            _ => return None,
        };
    }
    Some(UsageType {
        region,
        model: None,
        kind,
        mode,
        marketplace: true,
    })
}

/// The token kind's name as the snapshot and summaries write it (`input`, `cache_read`...).
pub fn kind_name(p: &UsageType) -> String {
    serde_json::to_value(p.kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// The mode's name as the snapshot and summaries write it.
pub fn mode_name(p: &UsageType) -> String {
    serde_json::to_value(p.mode)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> (Option<String>, Option<String>, TokenKind, Mode) {
        let u = parse(s).unwrap_or_else(|| panic!("{s} should parse"));
        (u.region, u.model, u.kind, u.mode)
    }

    #[test]
    fn first_party_forms() {
        assert_eq!(
            p("USE1-NovaMicro-input-tokens"),
            (
                Some("us-east-1".into()),
                Some("NovaMicro".into()),
                TokenKind::Input,
                Mode::Standard
            )
        );
        assert_eq!(
            p("USW2-Claude4.5Sonnet-output-tokens-cross-region-global"),
            (
                Some("us-west-2".into()),
                Some("Claude4.5Sonnet".into()),
                TokenKind::Output,
                Mode::GlobalCrossRegion
            )
        );
        assert_eq!(p("EU-NovaLite-input-tokens-batch").3, Mode::Batch);
        assert_eq!(
            p("EU-NovaLite-input-tokens-batch").0.as_deref(),
            Some("eu-west-1")
        );
        assert_eq!(p("USE1-NovaPro-output-tokens-flex").3, Mode::Flex);
        assert_eq!(p("USE1-NovaPro-output-tokens-priority").3, Mode::Priority);
        assert_eq!(
            p("USE1-Claude4Sonnet-cache-read-input-token-count").2,
            TokenKind::CacheRead
        );
        assert_eq!(
            p("USE1-Claude4Sonnet-cache-write-input-token-count").2,
            TokenKind::CacheWrite5m
        );
        assert_eq!(
            p("USE1-Claude4Sonnet-cache-write-input-token-count-1-hour").2,
            TokenKind::CacheWrite1h
        );
    }

    #[test]
    fn marketplace_forms() {
        let u = parse("USW2-MP:USW2_InputTokenCount-Units").unwrap();
        assert_eq!(
            (u.region.as_deref(), u.kind, u.mode, u.marketplace),
            (Some("us-west-2"), TokenKind::Input, Mode::Standard, true)
        );
        assert_eq!(
            parse("USE1-MP:USE1_OutputTokenCount-Units_Global")
                .unwrap()
                .mode,
            Mode::GlobalCrossRegion
        );
        assert_eq!(
            parse("USE1-MP:USE1_OutputTokenCount-Units_Batch")
                .unwrap()
                .mode,
            Mode::Batch
        );
    }

    #[test]
    fn unknown_forms_are_not_guessed() {
        for s in [
            "USE1-ProvisionedThroughput-ModelUnits",
            "garbage",
            "USE1--input-tokens",
            "USE1-MP:USE1_Requests-Units",
            "USE1-NovaMicro-images",
        ] {
            assert!(parse(s).is_none(), "{s}");
        }
        // An unknown region prefix keeps the rest
        assert_eq!(parse("XYZ9-NovaMicro-input-tokens").unwrap().region, None);
    }
}
