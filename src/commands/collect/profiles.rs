//! `collect profiles`: the application inference profiles per region into `profiles.parquet`
//! and the `--inference-profiles` map.

use super::{details, Ctx, Done};
use crate::cli::CollectProfilesArgs;
use crate::collect::aws;
use crate::collect::inference_profiles::{self as profiles, AppProfile, ProfileCalls};
use crate::render;
use crate::snapshot::{self, Regions, Saved};

pub async fn run(ctx: &Ctx, _a: &CollectProfilesArgs) -> anyhow::Result<Done> {
    let mut done = Done::new(ctx);
    let mut calls = ProfileCalls::default();
    let mut all: Vec<AppProfile> = vec![];
    let mut ok_regions: Vec<String> = vec![];
    for region in &ctx.regions {
        let conf = aws::for_region(&ctx.base, region);
        let client = aws_sdk_bedrock::Client::new(&conf);
        match profiles::fetch(&client, region, &mut calls, &mut done.failures).await {
            Ok(p) => {
                ok_regions.push(region.clone());
                all.extend(p);
            }
            Err(f) => done.failures.push(f),
        }
    }
    done.any_ok = !ok_regions.is_empty();
    done.count("ListInferenceProfiles", calls.list_inference_profiles);
    done.count("ListTagsForResource", calls.list_tags_for_resource);
    done.summary = render::collect::profiles_summary(&all);
    let _writing = ctx.write.lock().await;
    if let (Some(dir), true) = (&ctx.out, done.any_ok) {
        let n = snapshot::profiles::save(dir, all, &ok_regions, ctx.account.as_deref())?;
        let saved = Saved {
            name: "profiles",
            file: snapshot::PROFILES,
            rows: n,
            window: None,
            regions: Regions::Add(ok_regions),
            accounts: ctx.account.iter().cloned().collect(),
        };
        done.save(dir, saved, details([]))?;
    }
    Ok(done)
}
