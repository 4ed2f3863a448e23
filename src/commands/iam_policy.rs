//! `iam-policy`: the least-privilege policy for the sources and actions asked for.

use crate::cli::IamPolicyArgs;
use crate::collect::aws::iam_policy::{parse_s3, policy, AthenaNeeds, Needs};
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
    let n = needs(a)?;
    if n.athena.as_ref().is_some_and(|x| x.output.is_none()) {
        eprintln!("note: no --athena-output: the query writes its result to the workgroup's result location, which needs s3:GetBucketLocation, s3:ListBucket, s3:GetObject and s3:PutObject too (give --athena-output to have them here)");
    }
    emit(&crate::render::json(&policy(&n))?)?;
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
            "athena" => {
                let (db, t) = a
                    .athena_table
                    .split_once('.')
                    .unwrap_or((&a.athena_table, ""));
                if db.is_empty() || t.is_empty() {
                    return Err(UsageError::new(
                        format!(
                            "--athena-table {}: not DATABASE.TABLE",
                            crate::io::clean(&a.athena_table)
                        ),
                        "e.g. --athena-table bedrock_lens.invocation_logs",
                    ));
                }
                let output = match &a.athena_output {
                    Some(u) => Some(parse_s3(u).ok_or_else(|| {
                        UsageError::new(
                            format!(
                                "--athena-output {}: not an s3://bucket/prefix location",
                                crate::io::clean(u)
                            ),
                            "e.g. --athena-output s3://my-athena-results/bedrock-lens/",
                        )
                    })?),
                    None => None,
                };
                n.athena = Some(AthenaNeeds {
                    workgroup: a.athena_workgroup.clone(),
                    database: db.to_string(),
                    table: t.to_string(),
                    output,
                    create: a.athena_create,
                });
            }
            other => {
                return Err(UsageError::new(
                    format!("--collect: unknown source `{other}`"),
                    "--collect takes metrics, logs, costs and profiles (what collect reads), \
                     athena (collect logs --athena), count-tokens (what plan --sample calls) and \
                     discover (where logs go), comma-separated",
                ))
            }
        }
    }
    n.log_groups = a.log_group.clone();
    n.assume_roles = a.role_arn.clone();
    n.organization = a.organization;
    let athena_flags = a.athena_output.is_some()
        || a.athena_create
        || a.athena_workgroup != "primary"
        || a.athena_table != "bedrock_lens.invocation_logs";
    if athena_flags && n.athena.is_none() {
        return Err(UsageError::new(
            "--athena-output, --athena-create, --athena-workgroup and --athena-table shape the athena statements, but --collect has no athena",
            "add athena to --collect, e.g. --collect athena --s3 s3://bucket/prefix",
        ));
    }
    if n.athena.is_some() && a.s3.is_empty() {
        return Err(UsageError::new(
            "--collect athena: say where the logs are",
            "add --s3 s3://bucket/prefix (the --athena location: the query and the busiest-hour check read it)",
        ));
    }
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
            athena_workgroup: "primary".into(),
            athena_table: "bedrock_lens.invocation_logs".into(),
            athena_output: None,
            athena_create: false,
            role_arn: vec![],
            organization: false,
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
