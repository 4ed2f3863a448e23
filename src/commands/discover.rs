//! `discover`: ask every account and region, in parallel (bounded), where its invocation logs
//! go; each failure stays on its own row and the others are still listed (exit 1).

use anyhow::Context;
use aws_config::{Region, SdkConfig};

use crate::cli::DiscoverArgs;
use crate::collect::aws::{self, fault::Failure, AwsArgs};
use crate::collect::discovery::{account_of, logging};
use crate::error::{Outcome, UsageError};
use crate::output::discover::{Discovery, Logging, Row};
use crate::render;
use crate::settings::{check_account, check_region, output_of, Env};

/// One set of credentials to ask with: how it was reached, and its configuration or why there is
/// none.
struct Target {
    via: String,
    account: Option<String>,
    conf: Result<SdkConfig, Failure>,
}

fn failed(via: &str, account: Option<String>, region: &str, f: &Failure) -> Row {
    Row {
        account,
        via: via.to_string(),
        region: region.to_string(),
        logging: Logging::Failed,
        s3: None,
        log_group: None,
        large_data_s3: None,
        delivers: vec![],
        error: Some(format!("{}: {}", f.call, f.message)),
        hint: f.hint.clone(),
    }
}

/// A task that panicked, as a failure of its call.
fn internal(call: &str, why: String) -> Failure {
    Failure {
        source: "discover".into(),
        region: None,
        call: call.into(),
        message: why,
        hint: None,
    }
}

fn check(a: &DiscoverArgs) -> anyhow::Result<()> {
    if a.role_arn.is_some() && a.profiles.len() > 1 {
        return Err(UsageError::new(
            "--role-arn is assumed from one set of credentials, but several --profile are given",
            "give at most one --profile (the one the roles trust) with --role-arn",
        )
        .into());
    }
    if a.role_arn.is_some() && a.accounts.is_empty() && !a.organization {
        return Err(UsageError::new(
            "--role-arn: no account to assume it in",
            "add --account ID (repeatable) or --organization (every active account of the organization)",
        )
        .into());
    }
    if let Some(r) = &a.role_arn {
        if !r.contains("{account}") && (a.accounts.len() > 1 || a.organization) {
            return Err(UsageError::new(
                format!(
                    "--role-arn {}: has no {{account}} for the accounts to go in",
                    crate::io::clean(r)
                ),
                "e.g. --role-arn 'arn:aws:iam::{account}:role/BedrockLensReader'",
            )
            .into());
        }
    }
    for acct in &a.accounts {
        check_account(acct)?;
    }
    for r in &a.regions {
        check_region(r)?;
    }
    Ok(())
}

/// The targets: a role in each account, each profile, or the default chain; STS is asked in
/// `home`.
async fn targets(a: &DiscoverArgs, home: &str) -> Vec<Target> {
    let args = |profile: Option<&String>| AwsArgs {
        profile: profile.cloned(),
        endpoint_url: a.endpoint_url.clone(),
    };
    let known = |conf: SdkConfig| async move {
        match aws::check_credentials(&conf).await {
            Err(why) => Err(Failure {
                source: "discover".into(),
                region: None,
                call: "credentials".into(),
                message: why,
                hint: Some(aws::CREDENTIALS_HINT.into()),
            }),
            Ok(()) => Ok(conf),
        }
    };
    let mut out = vec![];
    if let Some(template) = &a.role_arn {
        use crate::collect::discovery::{assume_in_each, Accounts};
        let accounts = if a.organization {
            Accounts::Organization
        } else {
            Accounts::Listed(&a.accounts)
        };
        let base = known(aws::config(&args(a.profiles.first()), Some(home)).await).await;
        let ext = a.external_id.as_deref();
        // The roles are assumed `--parallel` at a time, as the regions are asked.
        let each = match (&base, accounts) {
            (Ok(b), _) => {
                assume_in_each(b, template, accounts, ext, a.parallel as usize, false).await
            }
            // Without usable credentials, each account named is its own failed target.
            (Err(f), Accounts::Listed(listed)) => Ok(listed
                .iter()
                .map(|acct| crate::collect::discovery::Assumed {
                    account: acct.clone(),
                    role_arn: template.replace("{account}", acct),
                    conf: Err(f.clone()),
                })
                .collect()),
            (Err(f), Accounts::Organization) => Err(f.clone()),
        };
        return match each {
            Ok(each) => each
                .into_iter()
                .map(|x| Target {
                    via: x.role_arn,
                    account: Some(x.account),
                    conf: x.conf,
                })
                .collect(),
            Err(f) => vec![Target {
                via: "organizations:ListAccounts".into(),
                account: None,
                conf: Err(f),
            }],
        };
    }
    let profiles: Vec<Option<&String>> = if a.profiles.is_empty() {
        vec![None]
    } else {
        a.profiles.iter().map(Some).collect()
    };
    for p in profiles {
        let via = p.map_or("default credentials".to_string(), |p| {
            format!("profile {}", crate::io::clean(p))
        });
        // The account is the row's name: without it (GetCallerIdentity failed), the target
        // fails with that reason rather than showing `?`.
        let (account, conf) = match known(aws::config(&args(p), Some(home)).await).await {
            Ok(c) => match account_of(&c).await {
                Ok(a) => (Some(a), Ok(c)),
                Err(f) => (None, Err(f)),
            },
            Err(f) => (None, Err(f)),
        };
        out.push(Target { via, account, conf });
    }
    out
}

/// Every target in every region, `parallel` at a time.
async fn ask(targets: Vec<Target>, regions: &[String], parallel: usize) -> Vec<Row> {
    let mut rows = vec![];
    let mut jobs = vec![];
    for t in &targets {
        for r in regions {
            match &t.conf {
                Err(f) => rows.push(failed(&t.via, t.account.clone(), r, f)),
                Ok(c) => jobs.push((t.via.clone(), t.account.clone(), r.clone(), c.clone())),
            }
        }
    }
    let keys: Vec<(String, Option<String>, String)> = jobs
        .iter()
        .map(|(via, account, region, _)| (via.clone(), account.clone(), region.clone()))
        .collect();
    let asked = jobs
        .into_iter()
        .map(|(via, account, region, conf)| async move {
            let conf = conf
                .to_builder()
                .region(Region::new(region.clone()))
                .build();
            let client = aws_sdk_bedrock::Client::new(&conf);
            match logging(&client, &region).await {
                Err(f) => failed(&via, account, &region, &f),
                Ok(d) => Row {
                    account,
                    via,
                    region,
                    logging: if d.is_some() {
                        Logging::On
                    } else {
                        Logging::Off
                    },
                    s3: d.as_ref().and_then(|d| d.s3.as_ref().map(|s| s.url())),
                    log_group: d.as_ref().and_then(|d| d.log_group.clone()),
                    large_data_s3: d
                        .as_ref()
                        .and_then(|d| d.large_data.as_ref().map(|s| s.url())),
                    delivers: d.map(|d| d.delivers).unwrap_or_default(),
                    error: None,
                    hint: None,
                },
            }
        });
    let answers = aws::bounded(asked.collect(), parallel).await;
    for (r, (via, account, region)) in answers.into_iter().zip(keys) {
        rows.push(r.unwrap_or_else(|why| {
            let f = internal("bedrock:GetModelInvocationLoggingConfiguration", why);
            failed(&via, account, &region, &f)
        }));
    }
    rows
}

pub fn cmd(env: &Env, a: &DiscoverArgs) -> anyhow::Result<Outcome> {
    check(a)?;
    let output = output_of("--output", a.output.as_deref(), &[], &env.setting_files)?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let mut a = a.clone();
    for list in [&mut a.regions, &mut a.accounts, &mut a.profiles] {
        let mut seen = std::collections::HashSet::new();
        list.retain(|x| seen.insert(x.clone()));
    }
    let a = &a;
    let regions = if a.regions.is_empty() {
        let conf = rt.block_on(aws::config(
            &AwsArgs {
                profile: a.profiles.first().cloned(),
                endpoint_url: a.endpoint_url.clone(),
            },
            None,
        ));
        match conf.region() {
            Some(r) => vec![r.to_string()],
            None => return Err(UsageError::new(
                "no region to ask: none given and none configured",
                "give --region (repeatable or comma-separated), e.g. --region us-east-1,eu-west-1",
            )
            .into()),
        }
    } else {
        a.regions.clone()
    };
    let spinner = crate::io::spinner(env.quiet, "asking each account and region");
    let rows = rt.block_on(async {
        // STS is asked in the first region (its regional endpoint).
        let t = targets(a, &regions[0]).await;
        ask(t, &regions, a.parallel as usize).await
    });
    if let Some(s) = spinner {
        s.finish_and_clear();
    }
    let d = Discovery::new(rows);
    output.write(render::discover::render(&d, a.format)?.as_bytes())?;
    if d.summary.failed > 0 {
        eprintln!(
            "error: {} of {} account-region pair(s) could not be read (see their rows){}",
            d.summary.failed,
            d.rows.len(),
            if d.summary.failed < d.rows.len() {
                "; the others are listed"
            } else {
                ""
            }
        );
        return Ok(Outcome::Partial);
    }
    Ok(Outcome::Ok)
}
