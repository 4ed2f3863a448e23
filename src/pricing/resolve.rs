//! Model-id resolution: what a log, metric or bill calls a model -> catalog entry and price scope.
//!
//! Forms handled: base ids with version suffixes, cross-region profile ids (`us.`, `eu.`, `apac.`,
//! `au.`, `jp.`, `in.`, `ca.`, `us-gov.`, `global.`), foundation-model ARNs, inference-profile ARNs,
//! application-inference-profile and provisioned-model ARNs (through the user's mapping file).
//! Also the one rule for which regions a geo profile is called from.

use std::collections::HashMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::catalog::{Catalog, Scope};

/// A geography of system-defined cross-region inference profiles (`us.`, `eu.`, ...).
struct Geography {
    prefix: &'static str,
    /// Region-name prefixes of the regions its profiles are called from.
    sources: &'static [&'static str],
    /// A region inside it.
    home: &'static str,
}

/// The source regions as AWS lists them (`us.` is also called from Canada, `apac.` from the
/// UAE). A region in none of these is not known to belong to any geography.
const GEOGRAPHIES: &[Geography] = &[
    Geography {
        prefix: "us",
        sources: &["us-east-", "us-west-", "ca-"],
        home: "us-east-1",
    },
    Geography {
        prefix: "us-gov",
        sources: &["us-gov-"],
        home: "us-gov-west-1",
    },
    Geography {
        prefix: "eu",
        sources: &["eu-"],
        home: "eu-central-1",
    },
    Geography {
        prefix: "apac",
        sources: &["ap-", "me-central-1"],
        home: "ap-northeast-1",
    },
    Geography {
        prefix: "au",
        sources: &["ap-southeast-2", "ap-southeast-4"],
        home: "ap-southeast-2",
    },
    Geography {
        prefix: "jp",
        sources: &["ap-northeast-1", "ap-northeast-3"],
        home: "ap-northeast-1",
    },
    Geography {
        prefix: "in",
        sources: &["ap-south-"],
        home: "ap-south-1",
    },
    Geography {
        prefix: "ca",
        sources: &["ca-"],
        home: "ca-central-1",
    },
];

fn geography(prefix: &str) -> Option<&'static Geography> {
    GEOGRAPHIES.iter().find(|g| g.prefix == prefix)
}

impl Geography {
    fn contains(&self, region: &str) -> bool {
        self.sources.iter().any(|s| region.starts_with(s))
    }
}

/// A region inside the geography of geo prefix `geo` (`eu` -> eu-central-1).
pub fn geo_home(geo: &str) -> Option<&'static str> {
    geography(geo).map(|g| g.home)
}

/// How a call reached the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProfileKind {
    InRegion,
    Geo,
    Global,
    Application,
    Provisioned,
}

impl ProfileKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ProfileKind::InRegion => "in_region",
            ProfileKind::Geo => "geo",
            ProfileKind::Global => "global",
            ProfileKind::Application => "application",
            ProfileKind::Provisioned => "provisioned",
        }
    }
}

/// What an id resolves to. Computed once per distinct id and shared.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Resolution {
    /// The id as seen.
    pub model_id: String,
    pub kind: ProfileKind,
    /// Geo prefix (`us`, `eu`, ...) for geo profiles.
    pub geo: Option<String>,
    /// The base model id after stripping prefixes and ARNs.
    pub base_id: Option<String>,
    /// Catalog key, when the catalog knows the model.
    pub model: Option<String>,
    #[serde(skip)]
    pub model_idx: Option<usize>,
    /// Region named by an ARN (used when a record carries none).
    pub arn_region: Option<String>,
    /// Which price rows apply.
    pub scope: Scope,
    /// Why this id cannot be priced per token, when it cannot.
    pub unpriced_reason: Option<String>,
    /// Steps taken, for `pricing resolve`.
    pub steps: Vec<String>,
}

impl Resolution {
    /// Whether a call naming this id can be made from `region`: not for a geo profile in a region
    /// of another geography (a region of no known geography is given the benefit of the doubt).
    pub fn callable_from(&self, region: &str) -> bool {
        match self.geo.as_deref().and_then(geography) {
            Some(g) => g.contains(region) || !GEOGRAPHIES.iter().any(|o| o.contains(region)),
            None => true,
        }
    }
}

/// User mapping of application inference profiles and provisioned models to what they run.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileMap {
    #[serde(default)]
    pub application_profile: Vec<MapEntry>,
    #[serde(default)]
    pub provisioned_model: Vec<MapEntry>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MapEntry {
    /// The ARN as it appears in logs and metrics.
    pub arn: String,
    /// The model id, system profile id or ARN it runs.
    pub model: String,
    /// A label for reports (e.g. the team).
    pub name: Option<String>,
    /// The resource's tags (collected with `collect profiles`), for attribution.
    #[serde(default)]
    pub tags: std::collections::BTreeMap<String, String>,
}

impl ProfileMap {
    pub fn load(path: &Path) -> anyhow::Result<ProfileMap> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            anyhow::anyhow!(
                "cannot read inference-profile map {}: {}",
                crate::io::clean(&path.display().to_string()),
                crate::io::io_reason(&e)
            )
        })?;
        let map: ProfileMap = toml::from_str(&text).map_err(|e| {
            anyhow::anyhow!(
                "{}: not a valid inference-profile map: {}",
                path.display(),
                super::catalog::toml_error(&e, &text)
            )
        })?;
        for e in map.application_profile.iter().chain(&map.provisioned_model) {
            if !e.arn.starts_with("arn:") {
                anyhow::bail!("{}: `{}` is not an ARN", path.display(), e.arn);
            }
        }
        Ok(map)
    }
}

pub struct Resolver<'c> {
    catalog: &'c Catalog,
    map: HashMap<String, MapEntry>,
}

struct Arn<'a> {
    region: &'a str,
    resource_type: &'a str,
    resource_id: &'a str,
}

fn parse_bedrock_arn(s: &str) -> Option<Arn<'_>> {
    // arn:partition:bedrock:region:account:type/id
    let mut it = s.splitn(6, ':');
    let (arn, _partition, service, region, _account, rest) = (
        it.next()?,
        it.next()?,
        it.next()?,
        it.next()?,
        it.next()?,
        it.next()?,
    );
    if arn != "arn" || service != "bedrock" {
        return None;
    }
    let (resource_type, resource_id) = rest.split_once('/')?;
    Some(Arn {
        region,
        resource_type,
        resource_id,
    })
}

/// Model families Bedrock serves only through the OpenAI-compatible `bedrock-mantle` endpoint.
const MANTLE_ONLY: &[(&str, &str)] = &[
    ("openai.gpt-5", "an OpenAI GPT-5 model"),
    ("google.gemma-4", "a Google Gemma 4 model"),
];

fn mantle_only(base: &str) -> Option<&'static str> {
    MANTLE_ONLY
        .iter()
        .find(|(p, _)| base.starts_with(p))
        .map(|(_, f)| *f)
}

/// `us.anthropic.claude...` -> (Some(us), anthropic.claude...). A provider name never contains a
/// dot, and no provider is called like a geo prefix, so the first segment decides.
fn split_profile_prefix(id: &str) -> (Option<&str>, &str) {
    if let Some((head, rest)) = id.split_once('.') {
        if (head == "global" || geography(head).is_some()) && rest.contains('.') {
            return (Some(head), rest);
        }
    }
    (None, id)
}

impl<'c> Resolver<'c> {
    pub fn new(catalog: &'c Catalog, map: &ProfileMap) -> Resolver<'c> {
        let map = map
            .application_profile
            .iter()
            .chain(&map.provisioned_model)
            .map(|e| (e.arn.clone(), e.clone()))
            .collect();
        Resolver { catalog, map }
    }

    pub fn catalog(&self) -> &'c Catalog {
        self.catalog
    }

    pub fn resolve(&self, model_id: &str) -> Resolution {
        let mut r = Resolution {
            model_id: model_id.to_string(),
            kind: ProfileKind::InRegion,
            geo: None,
            base_id: None,
            model: None,
            model_idx: None,
            arn_region: None,
            scope: Scope::Regional,
            unpriced_reason: None,
            steps: vec![],
        };
        self.resolve_into(model_id, &mut r, 0);
        if r.model_idx.is_none() && r.unpriced_reason.is_none() {
            let base = r.base_id.as_deref().unwrap_or(model_id);
            r.unpriced_reason = Some(match mantle_only(base) {
                Some(family) => format!(
                    "`{base}` is {family}, served only by the bedrock-mantle endpoint (OpenAI-compatible API; metrics in AWS/BedrockMantle): the catalog has no price for it (add it with --pricing)"
                ),
                None => format!("`{base}` is not in the price catalog (add it with --pricing)"),
            });
        }
        r
    }

    fn resolve_into(&self, id: &str, r: &mut Resolution, depth: u8) {
        if depth > 3 {
            r.steps.push("mapping loops: stopped".into());
            return;
        }
        let id = id.trim();
        if let Some(arn) = parse_bedrock_arn(id) {
            if r.arn_region.is_none() && !arn.region.is_empty() {
                r.arn_region = Some(arn.region.to_string());
            }
            match arn.resource_type {
                "foundation-model" => {
                    r.steps
                        .push(format!("foundation-model ARN in {}", arn.region));
                    self.resolve_into(arn.resource_id, r, depth + 1);
                }
                "inference-profile" => {
                    r.steps
                        .push(format!("system inference-profile ARN in {}", arn.region));
                    self.resolve_into(arn.resource_id, r, depth + 1);
                }
                "application-inference-profile" | "provisioned-model" => {
                    let app = arn.resource_type == "application-inference-profile";
                    r.kind = if app {
                        ProfileKind::Application
                    } else {
                        ProfileKind::Provisioned
                    };
                    match self.map.get(id) {
                        Some(e) => {
                            r.steps.push(format!(
                                "{} `{}` mapped to `{}` by the inference-profile map",
                                arn.resource_type,
                                e.name.as_deref().unwrap_or(arn.resource_id),
                                e.model
                            ));
                            let target = e.model.clone();
                            let kind = r.kind;
                            self.resolve_into(&target, r, depth + 1);
                            // An application profile that copies a cross-region profile is priced
                            // like it; the kind says how it was called.
                            if app {
                                r.kind = kind;
                            } else {
                                r.kind = ProfileKind::Provisioned;
                            }
                        }
                        None => {
                            r.steps.push(format!(
                                "{} not in the inference-profile map",
                                arn.resource_type
                            ));
                            r.unpriced_reason = Some(format!(
                                "{} `{}` is not mapped to a model: add it to the file given with --inference-profiles",
                                arn.resource_type, arn.resource_id
                            ));
                        }
                    }
                    if !app && r.unpriced_reason.is_none() {
                        r.unpriced_reason = Some(
                            "provisioned throughput is billed per model unit-hour, not per token"
                                .into(),
                        );
                    }
                }
                other => {
                    r.steps
                        .push(format!("bedrock ARN of unknown type `{other}`"));
                    r.unpriced_reason = Some(format!("ARN resource type `{other}` is not a model"));
                }
            }
            return;
        }
        let (prefix, base) = split_profile_prefix(id);
        match prefix {
            Some("global") => {
                r.kind = ProfileKind::Global;
                r.scope = Scope::Global;
                r.steps
                    .push("`global.` cross-region profile: priced at global rates".into());
            }
            Some(g) => {
                r.kind = ProfileKind::Geo;
                r.scope = Scope::Geo;
                r.geo = Some(g.to_string());
                r.steps.push(format!(
                    "`{g}.` geo cross-region profile: priced at geo rates (regional rates where no geo row)"
                ));
            }
            None => {}
        }
        r.base_id = Some(base.to_string());
        if let Some(idx) = self.lookup_base(base, r) {
            r.model_idx = Some(idx);
            r.model = Some(self.catalog.model(idx).key.clone());
        }
    }

    /// Exact id; a bare id without its `:N` version (`amazon.nova-pro-v1`) as `:0`; an id with a
    /// context-window suffix (`...-v1:0:200k`) without it; then catalog keys. A different version
    /// number (`...-v1:1`) is never matched to another: that would be a guess.
    fn lookup_base(&self, base: &str, r: &mut Resolution) -> Option<usize> {
        if let Some(i) = self.catalog.index_of_id(base) {
            r.steps.push(format!("base id `{base}` is in the catalog"));
            return Some(i);
        }
        if !base.contains(':') {
            let with0 = format!("{base}:0");
            if let Some(i) = self.catalog.index_of_id(&with0) {
                r.steps
                    .push(format!("`{base}` matched catalog id `{with0}`"));
                return Some(i);
            }
        }
        if let Some(head) = base.strip_suffix(":0").filter(|h| !h.contains(':')) {
            // Newer ids have no `:0` (`anthropic.claude-sonnet-4-6`); `:0` is the same version.
            if let Some(i) = self.catalog.index_of_id(head) {
                r.steps.push(format!(
                    "`{base}` matched catalog id `{head}` (no `:0` suffix)"
                ));
                return Some(i);
            }
        }
        if let Some((head, suffix)) = base.rsplit_once(':') {
            let version_then_suffix =
                head.contains(':') && !suffix.chars().all(|c| c.is_ascii_digit());
            if version_then_suffix {
                if let Some(i) = self.catalog.index_of_id(head) {
                    r.steps.push(format!(
                        "`{base}` is catalog id `{head}` with context-window suffix `:{suffix}`"
                    ));
                    return Some(i);
                }
            }
        }
        if let Some(i) = self.catalog.index_of_key(base) {
            r.steps.push(format!("`{base}` is a catalog key"));
            return Some(i);
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_map() -> ProfileMap {
        toml::from_str(
            r#"
[[application_profile]]
arn = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/a1b2c3d4e5f6"
model = "us.anthropic.claude-sonnet-4-20250514-v1:0"
name = "search-team"
[[application_profile]]
arn = "arn:aws:bedrock:us-west-2:123456789012:application-inference-profile/zzz"
model = "arn:aws:bedrock:us-west-2::foundation-model/amazon.nova-lite-v1:0"
[[provisioned_model]]
arn = "arn:aws:bedrock:us-east-1:123456789012:provisioned-model/pt-llama"
model = "meta.llama3-1-70b-instruct-v1:0"
"#,
        )
        .unwrap()
    }

    fn res(id: &str) -> Resolution {
        let c = Catalog::embedded().unwrap();
        Resolver::new(&c, &with_map()).resolve(id)
    }

    #[test]
    fn base_id_with_version_suffix() {
        let r = res("anthropic.claude-3-5-haiku-20241022-v1:0");
        assert_eq!(r.model.as_deref(), Some("anthropic.claude-3-5-haiku"));
        assert_eq!((r.kind, r.scope), (ProfileKind::InRegion, Scope::Regional));
        // context-window variants and bare ids without :0
        assert_eq!(
            res("anthropic.claude-3-haiku-20240307-v1:0:200k")
                .model
                .as_deref(),
            Some("anthropic.claude-3-haiku")
        );
        assert_eq!(
            res("amazon.nova-pro-v1").model.as_deref(),
            Some("amazon.nova-pro")
        );
    }

    #[test]
    fn every_geo_prefix_and_global() {
        for g in GEOGRAPHIES.iter().map(|g| g.prefix) {
            let r = res(&format!("{g}.anthropic.claude-sonnet-4-5-20250929-v1:0"));
            assert_eq!(r.kind, ProfileKind::Geo, "{g}");
            assert_eq!(r.geo.as_deref(), Some(g));
            assert_eq!(r.scope, Scope::Geo);
            assert_eq!(r.model.as_deref(), Some("anthropic.claude-sonnet-4-5"));
        }
        let r = res("global.anthropic.claude-haiku-4-5-20251001-v1:0");
        assert_eq!((r.kind, r.scope), (ProfileKind::Global, Scope::Global));
        assert_eq!(r.model.as_deref(), Some("anthropic.claude-haiku-4-5"));
    }

    #[test]
    fn geo_profiles_are_called_from_their_geography() {
        let from = |id: &str, region: &str| res(id).callable_from(region);
        let sonnet = "anthropic.claude-sonnet-4-5-20250929-v1:0";
        for (geo, inside, outside) in [
            ("us", "us-west-2", "eu-west-1"),
            ("us", "ca-central-1", "us-gov-west-1"),
            ("us-gov", "us-gov-east-1", "us-east-1"),
            ("eu", "eu-north-1", "us-east-1"),
            ("apac", "ap-south-1", "eu-central-1"),
            ("apac", "me-central-1", "us-east-1"),
            ("au", "ap-southeast-4", "ap-northeast-1"),
            ("jp", "ap-northeast-3", "ap-southeast-1"),
            ("ca", "ca-west-1", "us-east-1"),
        ] {
            let id = format!("{geo}.{sonnet}");
            assert!(from(&id, inside), "{id} in {inside}");
            assert!(!from(&id, outside), "{id} in {outside}");
        }
        // A region of no known geography, global and in-region ids: callable.
        assert!(from(&format!("eu.{sonnet}"), "af-south-1"));
        assert!(from(&format!("global.{sonnet}"), "ap-south-1"));
        assert!(from(sonnet, "eu-west-3"));
        // The profile inside an ARN decides.
        assert!(!from(
            "arn:aws:bedrock:us-east-1:123456789012:inference-profile/eu.meta.llama3-2-3b-instruct-v1:0",
            "us-east-1"
        ));
        assert_eq!(geo_home("jp"), Some("ap-northeast-1"));
        assert_eq!(geo_home("global"), None);
    }

    #[test]
    fn foundation_model_and_inference_profile_arns() {
        let r = res("arn:aws:bedrock:eu-central-1::foundation-model/amazon.nova-micro-v1:0");
        assert_eq!(r.model.as_deref(), Some("amazon.nova-micro"));
        assert_eq!(r.arn_region.as_deref(), Some("eu-central-1"));
        assert_eq!(r.kind, ProfileKind::InRegion);
        let r = res("arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.meta.llama3-3-70b-instruct-v1:0");
        assert_eq!((r.kind, r.geo.as_deref()), (ProfileKind::Geo, Some("us")));
        assert_eq!(r.model.as_deref(), Some("meta.llama3-3-70b"));
        let r = res("arn:aws:bedrock:us-east-1:123456789012:inference-profile/global.anthropic.claude-sonnet-4-5-20250929-v1:0");
        assert_eq!((r.kind, r.scope), (ProfileKind::Global, Scope::Global));
    }

    #[test]
    fn application_profile_through_map() {
        let r = res(
            "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/a1b2c3d4e5f6",
        );
        assert_eq!(r.kind, ProfileKind::Application);
        assert_eq!(r.scope, Scope::Geo, "copies a us. profile, so geo rates");
        assert_eq!(r.model.as_deref(), Some("anthropic.claude-sonnet-4"));
        assert!(r.unpriced_reason.is_none());
        let r = res("arn:aws:bedrock:us-west-2:123456789012:application-inference-profile/zzz");
        assert_eq!(
            (r.kind, r.model.as_deref()),
            (ProfileKind::Application, Some("amazon.nova-lite"))
        );
        let r =
            res("arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/unmapped");
        assert_eq!(r.kind, ProfileKind::Application);
        assert!(r.model.is_none());
        assert!(r.unpriced_reason.unwrap().contains("--inference-profiles"));
    }

    #[test]
    fn provisioned_model_arn_is_never_priced_per_token() {
        let r = res("arn:aws:bedrock:us-east-1:123456789012:provisioned-model/pt-llama");
        assert_eq!(r.kind, ProfileKind::Provisioned);
        assert_eq!(r.model.as_deref(), Some("meta.llama3-1-70b"));
        assert!(r.unpriced_reason.unwrap().contains("model unit-hour"));
        let r = res("arn:aws:bedrock:us-east-1:123456789012:provisioned-model/other");
        assert!(r.model.is_none());
        assert!(r.unpriced_reason.is_some());
    }

    #[test]
    fn unknown_model_has_a_reason() {
        let r = res("us.anthropic.claude-opus-5-20261015-v1:0");
        assert_eq!(r.kind, ProfileKind::Geo);
        assert!(r.model.is_none());
        assert!(r
            .unpriced_reason
            .unwrap()
            .contains("anthropic.claude-opus-5-20261015-v1:0"));
        assert!(res("").model.is_none());
    }
}
