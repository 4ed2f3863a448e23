//! `iam-policy`: the least-privilege policy for the sources and actions asked for.

use crate::cli::IamPolicyArgs;
use crate::collect::aws::iam_policy::{parse_s3, policy, Needs};
use crate::error::{Outcome, UsageError};

use crate::io::emit;

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
