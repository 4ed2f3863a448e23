//! `profiles.parquet` and `inference-profiles.toml`: the application inference profiles
//! listed (region, ARN, name, models, tags) and the `--inference-profiles` map made of them.

use std::path::Path;

use polars::prelude::{Column, DataFrame};

use crate::collect::inference_profiles::{self, AppProfile};

/// Writes the profiles listed (`listed`, from `regions` of `account`) into `dir`'s profiles
/// file and profile map, merged with the earlier rows, and returns the rows written.
/// Replaced: this account's profiles in the regions listed (a deleted profile goes); profiles
/// of other regions and accounts stay.
pub fn save(
    dir: &Path,
    mut all: Vec<AppProfile>,
    regions: &[String],
    account: Option<&str>,
) -> anyhow::Result<u64> {
    let path = dir.join(super::PROFILES);
    if path.exists() {
        fn account_of(arn: &str) -> Option<&str> {
            arn.split(':').nth(4)
        }
        for old in read(&path)? {
            let listed_here = regions.contains(&old.region) && account_of(&old.arn) == account;
            if !listed_here && !all.iter().any(|p| p.arn == old.arn) {
                all.push(old);
            }
        }
    }
    let col = |f: &dyn Fn(&AppProfile) -> String| -> Vec<String> { all.iter().map(f).collect() };
    let mut df = DataFrame::new(
        all.len(),
        vec![
            Column::new("region".into(), col(&|p| p.region.clone())),
            Column::new("arn".into(), col(&|p| p.arn.clone())),
            Column::new("name".into(), col(&|p| p.name.clone())),
            Column::new("models".into(), col(&|p| p.models.join(","))),
            Column::new(
                "tags".into(),
                col(&|p| serde_json::to_string(&p.tags).unwrap_or_default()),
            ),
        ],
    )?;
    super::write_parquet(&path, &mut df)?;
    crate::io::write_atomic(
        &dir.join(super::PROFILE_MAP),
        inference_profiles::profile_map_toml(&all).as_bytes(),
    )?;
    Ok(all.len() as u64)
}

/// An earlier profiles file's rows.
pub fn read(path: &Path) -> anyhow::Result<Vec<AppProfile>> {
    let df = super::read_parquet(path)?;
    let s = |n: &str| super::strings(&df, n);
    let (region, arn, name, models, tags) = (
        s("region")?,
        s("arn")?,
        s("name")?,
        s("models")?,
        s("tags")?,
    );
    Ok((0..df.height())
        .map(|i| AppProfile {
            region: region[i].clone(),
            arn: arn[i].clone(),
            name: name[i].clone(),
            models: models[i]
                .split(',')
                .filter(|m| !m.is_empty())
                .map(str::to_string)
                .collect(),
            tags: serde_json::from_str(&tags[i]).unwrap_or_default(),
        })
        .collect())
}
