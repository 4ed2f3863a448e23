//! Application inference profiles: ARN -> the model they run and how they route, name and tags
//! (Bedrock ListInferenceProfiles with typeEquals=APPLICATION, ListTagsForResource per profile).
//! The result is the `--inference-profiles` map, so logs and metrics that name a profile ARN price
//! as its model at its routing's rates, and the tags are kept for attribution.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_bedrock::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_bedrock::types::InferenceProfileType;
use aws_sdk_bedrock::Client;

use super::aws::fault::{describe, Failure};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProfileCalls {
    pub list_inference_profiles: u64,
    pub list_tags_for_resource: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppProfile {
    pub region: String,
    pub arn: String,
    pub name: String,
    /// The model ARNs it routes to (one per region for a copied cross-region profile).
    pub models: Vec<String>,
    pub tags: BTreeMap<String, String>,
}

impl AppProfile {
    /// What the profile runs, routing kept, for the `--inference-profiles` map. The API does not
    /// say which profile one was copied from, only the model ARNs it routes to: a system profile's
    /// ARN is that routing; the region-less model ARN (`arn:aws:bedrock:::foundation-model/...`),
    /// which global profiles route through, or regions of several geos mean `global.`; regions of
    /// one geo mean that geo's profile (`us.`, `eu.`, ...); one region is that region's model.
    /// A `global.` copy priced as its first regional model would cost about 10% too much.
    pub fn routes_to(&self) -> Option<String> {
        let first = self.models.first()?;
        if let Some(system) = self
            .models
            .iter()
            .find(|m| m.contains(":inference-profile/"))
        {
            return Some(system.clone());
        }
        let found: Vec<(&str, &str)> = self.models.iter().filter_map(|m| model_arn(m)).collect();
        let Some((_, model)) = found.first() else {
            return Some(first.clone());
        };
        let regions: BTreeSet<&str> = found.iter().map(|(region, _)| *region).collect();
        if regions.len() == 1 && !regions.contains("") {
            return Some(first.clone());
        }
        let prefix = geo_of(&regions).unwrap_or("global");
        Some(format!("{prefix}.{model}"))
    }
}

/// (region, model id) of a foundation-model ARN; the region is empty in the region-less form.
fn model_arn(arn: &str) -> Option<(&str, &str)> {
    let rest = arn.strip_prefix("arn:")?;
    let mut parts = rest.splitn(5, ':');
    let (_partition, service, region, _account, resource) = (
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
    );
    let model = resource.strip_prefix("foundation-model/")?;
    (service == "bedrock" && !model.is_empty()).then_some((region, model))
}

/// The geo cross-region prefix whose profiles route within all of `regions`, if one does.
fn geo_of(regions: &BTreeSet<&str>) -> Option<&'static str> {
    // Narrow geos first: a `jp.` profile's regions are also in Asia Pacific.
    const WITHIN: &[(&str, &[&str])] = &[
        ("jp", &["ap-northeast-1", "ap-northeast-3"]),
        ("au", &["ap-southeast-2", "ap-southeast-4"]),
    ];
    const BY_PREFIX: &[(&str, &str)] = &[
        ("us-gov-", "us-gov"),
        ("us-", "us"),
        ("eu-", "eu"),
        ("ca-", "ca"),
        ("ap-", "apac"),
    ];
    if let Some((geo, _)) = WITHIN
        .iter()
        .find(|(_, members)| regions.iter().all(|r| members.contains(r)))
    {
        return Some(geo);
    }
    let geo = |r: &str| {
        BY_PREFIX
            .iter()
            .find(|(prefix, _)| r.starts_with(prefix))
            .map(|(_, geo)| *geo)
    };
    let first = geo(regions.first()?)?;
    regions
        .iter()
        .all(|r| geo(r) == Some(first))
        .then_some(first)
}

/// A failed Bedrock call of this collector, in words a user can act on.
fn failed<E, R>(region: &str, operation: &str, e: &SdkError<E, R>) -> Failure
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    describe("profiles", Some(region), "bedrock", operation, e)
}

/// The region's application inference profiles with their tags. A profile whose tags cannot be
/// read is kept without them, its failure added to `tag_failures` (its routing still prices).
pub async fn fetch(
    client: &Client,
    region: &str,
    calls: &mut ProfileCalls,
    tag_failures: &mut Vec<Failure>,
) -> Result<Vec<AppProfile>, Failure> {
    let mut out = vec![];
    let mut token: Option<String> = None;
    loop {
        let page = client
            .list_inference_profiles()
            .type_equals(InferenceProfileType::Application)
            .set_next_token(token.take())
            .send()
            .await
            .map_err(|e| failed(region, "ListInferenceProfiles", &e))?;
        calls.list_inference_profiles += 1;
        for p in page.inference_profile_summaries() {
            out.push(AppProfile {
                region: region.to_string(),
                arn: p.inference_profile_arn().to_string(),
                name: p.inference_profile_name().to_string(),
                models: p
                    .models()
                    .iter()
                    .filter_map(|m| m.model_arn().map(str::to_string))
                    .collect(),
                tags: BTreeMap::new(),
            });
        }
        match page.next_token() {
            Some(t) if !t.is_empty() => token = Some(t.to_string()),
            _ => break,
        }
    }
    for p in &mut out {
        let tags = client
            .list_tags_for_resource()
            .resource_arn(&p.arn)
            .send()
            .await;
        calls.list_tags_for_resource += 1;
        match tags {
            Ok(tags) => {
                p.tags = tags
                    .tags()
                    .iter()
                    .map(|t| (t.key().to_string(), t.value().to_string()))
                    .collect();
            }
            Err(e) => {
                let mut f = failed(region, "ListTagsForResource", &e);
                f.message = format!(
                    "{} (profile {} kept without its tags)",
                    f.message,
                    crate::io::clean(&p.name)
                );
                tag_failures.push(f);
            }
        }
    }
    Ok(out)
}

/// The profiles as an `--inference-profiles` map (TOML), each with what it routes to.
pub fn profile_map_toml(profiles: &[AppProfile]) -> String {
    let mut s = String::from(
        "# Application inference profiles collected by `bedrock-lens collect profiles`.\n\
         # Read automatically by `--snapshot`; usable as `--inference-profiles FILE`.\n",
    );
    for p in profiles {
        let Some(model) = p.routes_to() else {
            continue;
        };
        let q = |v: &str| toml_string(v);
        s.push_str(&format!(
            "\n[[application_profile]]\narn = {}\nmodel = {}\nname = {}\n",
            q(&p.arn),
            q(&model),
            q(&p.name)
        ));
        if !p.tags.is_empty() {
            s.push_str("tags = { ");
            let kv: Vec<String> = p
                .tags
                .iter()
                .map(|(k, v)| format!("{} = {}", toml_string(k), toml_string(v)))
                .collect();
            s.push_str(&kv.join(", "));
            s.push_str(" }\n");
        }
    }
    s
}

fn toml_string(v: &str) -> String {
    // A JSON string is a valid TOML basic string.
    serde_json::to_string(v).unwrap_or_else(|_| "\"\"".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn routes(models: &[&str]) -> Option<String> {
        AppProfile {
            region: "us-east-1".into(),
            arn: "arn:aws:bedrock:us-east-1:111122223333:application-inference-profile/p".into(),
            name: "p".into(),
            models: models.iter().map(|m| m.to_string()).collect(),
            tags: BTreeMap::new(),
        }
        .routes_to()
    }

    const SONNET: &str = "anthropic.claude-sonnet-4-5-20250929-v1:0";

    fn fm(region: &str) -> String {
        format!("arn:aws:bedrock:{region}::foundation-model/{SONNET}")
    }

    #[test]
    fn a_copied_profile_keeps_its_routing() {
        // Copied from a foundation model: that region's model.
        assert_eq!(routes(&[&fm("us-east-1")]), Some(fm("us-east-1")));
        // From `global.`: the region-less model ARN, or regions of several geos.
        let global = Some(format!("global.{SONNET}"));
        assert_eq!(routes(&[&fm("us-east-1"), &fm("")]), global);
        assert_eq!(
            routes(&[&fm("us-east-1"), &fm("eu-west-1"), &fm("ap-northeast-1")]),
            global
        );
        // From a geo profile: its regions.
        let geo = |g: &str| Some(format!("{g}.{SONNET}"));
        assert_eq!(
            routes(&[&fm("us-east-1"), &fm("us-east-2"), &fm("us-west-2")]),
            geo("us")
        );
        assert_eq!(routes(&[&fm("eu-central-1"), &fm("eu-west-3")]), geo("eu"));
        assert_eq!(
            routes(&[&fm("ap-northeast-1"), &fm("ap-northeast-3")]),
            geo("jp")
        );
        assert_eq!(
            routes(&[&fm("ap-northeast-1"), &fm("ap-southeast-2")]),
            geo("apac")
        );
        assert_eq!(
            routes(&[&fm("us-gov-west-1"), &fm("us-gov-east-1")]),
            geo("us-gov")
        );
        // A system profile's ARN is the routing itself.
        let system =
            format!("arn:aws:bedrock:us-east-1:111122223333:inference-profile/global.{SONNET}");
        assert_eq!(routes(&[&fm("us-east-1"), &system]), Some(system.clone()));
        // Nothing to route to, or something this version cannot read: as listed.
        assert_eq!(routes(&[]), None);
        assert_eq!(routes(&["something-else"]), Some("something-else".into()));
    }
}
