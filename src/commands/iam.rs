//! `iam-policy`: the least-privilege policy for the sources and actions asked for.

use crate::cli::IamPolicyArgs;
use crate::collect::iam::{policy, Needs};
use crate::error::{Outcome, UsageError};

use super::emit;

/// `s3://bucket/prefix` -> (bucket, prefix).
pub fn parse_s3(url: &str) -> Option<(String, String)> {
    let rest = url.strip_prefix("s3://")?;
    let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
    (!bucket.is_empty()).then(|| (bucket.to_string(), prefix.to_string()))
}

pub fn cmd(a: &IamPolicyArgs) -> anyhow::Result<Outcome> {
    let sources: Vec<&str> = if a.collect.is_empty() {
        vec!["metrics", "logs", "costs", "profiles"]
    } else {
        a.collect
            .iter()
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
            .collect()
    };
    let mut n = Needs::default();
    for s in sources {
        match s {
            "metrics" => n.metrics = true,
            "logs" => n.logs = true,
            "costs" => n.costs = true,
            "profiles" => n.profiles = true,
            other => {
                return Err(UsageError::new(
                    format!("--collect: unknown source `{other}`"),
                    "--collect takes metrics, logs, costs and profiles, comma-separated",
                )
                .into())
            }
        }
    }
    n.log_groups = a.log_group.clone();
    for url in &a.s3 {
        let loc = parse_s3(url).ok_or_else(|| {
            UsageError::new(
                format!("--s3 {url}: not an s3://bucket/prefix location"),
                "e.g. --s3 s3://my-log-bucket/bedrock (the prefix Bedrock delivers logs under)",
            )
        })?;
        n.s3.push(loc);
    }
    if a.put_dashboard {
        n.put_dashboard = Some(
            a.dashboard_name
                .clone()
                .unwrap_or_else(|| "bedrock-lens*".into()),
        );
    }
    emit(&crate::render::json(&policy(&n))?)?;
    Ok(Outcome::Ok)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s3_locations() {
        assert_eq!(parse_s3("s3://b/p/q"), Some(("b".into(), "p/q".into())));
        assert_eq!(parse_s3("s3://b"), Some(("b".into(), "".into())));
        assert_eq!(parse_s3("s3:///p"), None);
        assert_eq!(parse_s3("https://b"), None);
    }
}
