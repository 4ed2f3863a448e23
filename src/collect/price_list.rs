//! The public AWS Price List bulk files of Amazon Bedrock, over HTTPS: each offer's region
//! index, then the offer file of each region asked for. Read-only and unsigned (no credentials);
//! the text is returned as fetched, for `pricing::feed` to read.

use std::collections::BTreeMap;

use anyhow::Context;
use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde::Deserialize;

/// Where AWS publishes the bulk price lists.
pub const PRICE_LIST_HOST: &str = "https://pricing.us-east-1.amazonaws.com";

/// Overrides [`PRICE_LIST_HOST`] (tests serve fixtures from a local HTTP server).
pub const HOST_ENV: &str = "BEDROCK_LENS_PRICE_LIST_URL";

#[derive(Deserialize)]
struct RegionIndex {
    regions: BTreeMap<String, RegionEntry>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RegionEntry {
    current_version_url: String,
}

/// The URL of an offer's region index.
pub fn region_index_url(host: &str, offer: &str) -> String {
    format!("{host}/offers/v1.0/aws/{offer}/current/region_index.json")
}

/// The offer-file URLs a region index lists, for `regions` (all when empty), and the regions
/// asked for that it does not list.
pub fn offer_urls(
    host: &str,
    index_json: &str,
    regions: &[String],
) -> anyhow::Result<(Vec<(String, String)>, Vec<String>)> {
    let idx: RegionIndex =
        serde_json::from_str(index_json).context("not an AWS Price List region index")?;
    let wanted = |r: &String| regions.is_empty() || regions.contains(r);
    let urls = idx
        .regions
        .iter()
        .filter(|(r, _)| wanted(r))
        .map(|(r, e)| (r.clone(), format!("{host}{}", e.current_version_url)))
        .collect();
    let missing = regions
        .iter()
        .filter(|r| !idx.regions.contains_key(*r))
        .cloned()
        .collect();
    Ok((urls, missing))
}

/// Fetches the offer files of `offers` for `regions` (all the index lists when empty):
/// (url, text) each. A region an offer does not list is said on stderr and skipped.
pub fn fetch_offers(
    offers: &[&str],
    regions: &[String],
    quiet: bool,
) -> anyhow::Result<Vec<(String, String)>> {
    let host = std::env::var(HOST_ENV).unwrap_or_else(|_| PRICE_LIST_HOST.to_string());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_provider_and_native_roots(rustls::crypto::aws_lc_rs::default_provider())
            .context("loading the system's root certificates")?;
        // Plain HTTP only for a local test server named by the override.
        let https = if host.starts_with("http://") {
            https.https_or_http()
        } else {
            https.https_only()
        }
        .enable_http1()
        .build();
        let client: Client<_, Empty<Bytes>> = Client::builder(TokioExecutor::new()).build(https);
        let get = |url: String| {
            let client = client.clone();
            async move {
                let uri: hyper::Uri = url.parse().with_context(|| format!("bad URL {url}"))?;
                let resp = client
                    .get(uri)
                    .await
                    .with_context(|| format!("fetching {url}"))?;
                if !resp.status().is_success() {
                    anyhow::bail!("fetching {url}: HTTP {}", resp.status());
                }
                let body = resp
                    .into_body()
                    .collect()
                    .await
                    .with_context(|| format!("reading {url}"))?
                    .to_bytes();
                String::from_utf8(body.to_vec()).with_context(|| format!("{url}: not UTF-8"))
            }
        };
        let mut out = vec![];
        for offer in offers {
            let index = get(region_index_url(&host, offer)).await?;
            let (urls, missing) = offer_urls(&host, &index, regions)?;
            if !missing.is_empty() {
                eprintln!("note: {offer} lists no prices for {}", missing.join(", "));
            }
            for (region, url) in urls {
                if !quiet {
                    eprintln!("fetching {offer} {region}");
                }
                let text = get(url.clone()).await?;
                out.push((url, text));
            }
        }
        Ok(out)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_index_to_offer_urls() {
        let idx = r#"{"formatVersion":"v1.0","publicationDate":"2026-09-29T15:01:44Z","regions":{
            "us-east-1":{"regionCode":"us-east-1","currentVersionUrl":"/offers/v1.0/aws/AmazonBedrock/20260929150144/us-east-1/index.json"},
            "eu-west-1":{"regionCode":"eu-west-1","currentVersionUrl":"/offers/v1.0/aws/AmazonBedrock/20260929150144/eu-west-1/index.json"}}}"#;
        let (urls, missing) = offer_urls(
            PRICE_LIST_HOST,
            idx,
            &["us-east-1".into(), "xx-none-1".into()],
        )
        .unwrap();
        assert_eq!(
            urls,
            [(
                "us-east-1".to_string(),
                "https://pricing.us-east-1.amazonaws.com/offers/v1.0/aws/AmazonBedrock/20260929150144/us-east-1/index.json".to_string()
            )]
        );
        assert_eq!(missing, ["xx-none-1"]);
        assert_eq!(offer_urls(PRICE_LIST_HOST, idx, &[]).unwrap().0.len(), 2);
        assert_eq!(
            region_index_url(PRICE_LIST_HOST, "AmazonBedrockFoundationModels"),
            "https://pricing.us-east-1.amazonaws.com/offers/v1.0/aws/AmazonBedrockFoundationModels/current/region_index.json"
        );
    }
}
