//! Application inference profiles: ARN -> the model they run, name and tags (Bedrock
//! ListInferenceProfiles with typeEquals=APPLICATION, ListTagsForResource per profile). The
//! result is the `--inference-profiles` map, so logs and metrics that name a profile ARN price
//! as its model, and the tags are kept for attribution.

use std::collections::BTreeMap;

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

/// The profiles as an `--inference-profiles` map (TOML), each routed to its first model.
pub fn profile_map_toml(profiles: &[AppProfile]) -> String {
    let mut s = String::from(
        "# Application inference profiles collected by `bedrock-lens collect profiles`.\n\
         # Read automatically by `--snapshot`; usable as `--inference-profiles FILE`.\n",
    );
    for p in profiles {
        let Some(model) = p.models.first() else {
            continue;
        };
        let q = |v: &str| toml_string(v);
        s.push_str(&format!(
            "\n[[application_profile]]\narn = {}\nmodel = {}\nname = {}\n",
            q(&p.arn),
            q(model),
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
