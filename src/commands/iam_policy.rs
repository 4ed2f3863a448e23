//! `iam-policy`: the least-privilege policy for the sources and actions asked for.

use crate::cli::IamPolicyArgs;
use crate::collect::aws::iam_policy::{parse_s3, policy, Needs};
use crate::error::{Outcome, UsageError};

use crate::io::emit;

/// What `--collect` takes; without it, all of them (everything bedrock-lens reads).
const SOURCES: &[&str] = &[
    "metrics",
    "logs",
    "costs",
    "profiles",
    "count-tokens",
    "discover",
];

pub fn cmd(a: &IamPolicyArgs) -> anyhow::Result<Outcome> {
    emit(&crate::render::json(&policy(&needs(a)?))?)?;
    Ok(Outcome::Ok)
}

fn needs(a: &IamPolicyArgs) -> Result<Needs, UsageError> {
    let sources: Vec<&str> = if a.collect.is_empty() {
        SOURCES.to_vec()
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
            "count-tokens" => n.count_tokens = true,
            "discover" => n.discover = true,
            other => {
                return Err(UsageError::new(
                    format!("--collect: unknown source `{other}`"),
                    "--collect takes metrics, logs, costs and profiles (what collect reads), \
                     count-tokens (what plan --sample calls) and discover (where logs go), \
                     comma-separated",
                ))
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
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(collect: &[&str]) -> IamPolicyArgs {
        IamPolicyArgs {
            collect: collect.iter().map(|s| s.to_string()).collect(),
            log_group: vec![],
            s3: vec![],
            put_dashboard: false,
            dashboard_name: None,
        }
    }

    #[test]
    fn the_default_is_everything_bedrock_lens_reads() {
        let n = needs(&args(&[])).unwrap();
        assert!(n.metrics && n.logs && n.costs && n.profiles && n.count_tokens && n.discover);
        assert_eq!(n.put_dashboard, None);
        let n = needs(&args(&["count-tokens"])).unwrap();
        assert!(n.count_tokens && !n.metrics && !n.logs && !n.costs && !n.profiles);
    }

    #[test]
    fn an_unknown_source_lists_every_source() {
        let e = needs(&args(&["metrics", "bills"])).unwrap_err();
        assert_eq!(e.message, "--collect: unknown source `bills`");
        let hint = e.hint.unwrap();
        for s in SOURCES {
            assert!(hint.contains(s), "{s}: {hint}");
        }
    }
}
