//! The least-privilege IAM policy for what the user will run (`bedrock-lens iam-policy`).

use serde_json::{json, Value};

/// What the policy must allow.
#[derive(Debug, Clone, Default)]
pub struct Needs {
    pub metrics: bool,
    /// CloudWatch Logs log groups to read (empty: any, when `logs` is set).
    pub logs: bool,
    pub log_groups: Vec<String>,
    /// `s3://bucket/prefix` locations of invocation logs.
    pub s3: Vec<(String, String)>,
    pub costs: bool,
    /// Resolve application inference profiles (model and tags).
    pub profiles: bool,
    /// Count sample prompts' tokens with CountTokens (`plan --sample`).
    pub count_tokens: bool,
    /// Read where each region's invocation logs go (`discover`).
    pub discover: bool,
    /// Deploy dashboards with `dashboard --put --name NAME`.
    pub put_dashboard: Option<String>,
    /// Aggregate S3 logs with Athena (`collect logs --athena`).
    pub athena: Option<AthenaNeeds>,
    /// Roles assumed in other accounts (`discover --role-arn`); `{account}` reads as any.
    pub assume_roles: Vec<String>,
    /// List the organization's accounts (`discover --organization`).
    pub organization: bool,
}

/// What `collect logs --athena` runs: the workgroup, the table, where results go, and whether
/// it creates the table.
#[derive(Debug, Clone, Default)]
pub struct AthenaNeeds {
    pub workgroup: String,
    pub database: String,
    pub table: String,
    /// (bucket, prefix) of the results location (None: the workgroup's, not known here).
    pub output: Option<(String, String)>,
    pub create: bool,
}

/// `arn:aws:s3:::bucket/prefix/*`, or the whole bucket for an empty prefix.
fn objects_arn(bucket: &str, prefix: &str) -> String {
    let prefix = prefix.trim_matches('/');
    if prefix.is_empty() {
        format!("arn:aws:s3:::{bucket}/*")
    } else {
        format!("arn:aws:s3:::{bucket}/{prefix}/*")
    }
}

fn athena_statements(a: &AthenaNeeds, st: &mut Vec<Value>) {
    st.push(statement(
        "RunAthenaQuery",
        &[
            "athena:StartQueryExecution",
            "athena:GetQueryExecution",
            "athena:GetQueryResults",
            "athena:StopQueryExecution",
        ],
        vec![format!("arn:aws:athena:*:*:workgroup/{}", a.workgroup)],
    ));
    let glue = vec![
        "arn:aws:glue:*:*:catalog".to_string(),
        format!("arn:aws:glue:*:*:database/{}", a.database),
        format!("arn:aws:glue:*:*:table/{}/{}", a.database, a.table),
    ];
    st.push(statement(
        "ReadAthenaTable",
        &["glue:GetDatabase", "glue:GetTable", "glue:GetPartitions"],
        glue.clone(),
    ));
    if a.create {
        st.push(statement(
            "CreateAthenaTable",
            &["glue:CreateDatabase", "glue:CreateTable"],
            glue,
        ));
    }
    if let Some((bucket, prefix)) = &a.output {
        // Athena writes the result there as the caller, and reads it back for GetQueryResults.
        st.push(statement(
            "AthenaResultsBucket",
            &["s3:GetBucketLocation", "s3:ListBucket"],
            vec![format!("arn:aws:s3:::{bucket}")],
        ));
        st.push(statement(
            "AthenaResults",
            &["s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload"],
            vec![objects_arn(bucket, prefix)],
        ));
    }
}

fn statement(sid: &str, actions: &[&str], resources: Vec<String>) -> Value {
    json!({"Sid": sid, "Effect": "Allow", "Action": actions, "Resource": resources})
}

pub fn policy(n: &Needs) -> Value {
    let mut st = vec![];
    if n.metrics {
        // Neither action supports resource-level permissions.
        st.push(statement(
            "ReadBedrockMetrics",
            &["cloudwatch:ListMetrics", "cloudwatch:GetMetricData"],
            vec!["*".into()],
        ));
    }
    if n.logs {
        let groups = if n.log_groups.is_empty() {
            vec!["arn:aws:logs:*:*:log-group:*".to_string()]
        } else {
            n.log_groups
                .iter()
                .map(|g| format!("arn:aws:logs:*:*:log-group:{g}:*"))
                .collect()
        };
        st.push(statement(
            "ReadInvocationLogs",
            &["logs:FilterLogEvents", "logs:StartQuery"],
            groups,
        ));
        // GetQueryResults takes a query id, not a log group: it cannot be narrowed.
        st.push(statement(
            "ReadInsightsResults",
            &["logs:GetQueryResults"],
            vec!["*".into()],
        ));
    }
    for (i, (bucket, prefix)) in n.s3.iter().enumerate() {
        // Statement ids are unique within a policy: number the second location on.
        let sid = |base: &str| {
            if i == 0 {
                base.to_string()
            } else {
                format!("{base}{}", i + 1)
            }
        };
        let prefix = prefix.trim_matches('/');
        st.push(json!({
            "Sid": sid("ListInvocationLogObjects"),
            "Effect": "Allow",
            "Action": ["s3:ListBucket"],
            "Resource": [format!("arn:aws:s3:::{bucket}")],
            "Condition": {"StringLike": {"s3:prefix": [if prefix.is_empty() { "*".to_string() } else { format!("{prefix}/*") }]}}
        }));
        st.push(statement(
            &sid("ReadInvocationLogObjects"),
            &["s3:GetObject"],
            vec![objects_arn(bucket, prefix)],
        ));
        if n.athena.is_some() {
            // Athena reads the objects as the caller, and checks the bucket's region first.
            st.push(statement(
                &sid("LocateInvocationLogBucket"),
                &["s3:GetBucketLocation"],
                vec![format!("arn:aws:s3:::{bucket}")],
            ));
        }
    }
    if let Some(a) = &n.athena {
        athena_statements(a, &mut st);
    }
    if n.organization {
        // ListAccounts has no resource-level permissions.
        st.push(statement(
            "ListOrganizationAccounts",
            &["organizations:ListAccounts"],
            vec!["*".into()],
        ));
    }
    if !n.assume_roles.is_empty() {
        st.push(statement(
            "AssumeCollectionRoles",
            &["sts:AssumeRole"],
            n.assume_roles
                .iter()
                .map(|r| r.replace("{account}", "*"))
                .collect(),
        ));
    }
    if n.costs {
        st.push(statement(
            "ReadBedrockCost",
            &["ce:GetCostAndUsage", "ce:GetDimensionValues"],
            vec!["*".into()],
        ));
    }
    if n.profiles {
        st.push(statement(
            "ResolveInferenceProfiles",
            &[
                "bedrock:ListInferenceProfiles",
                "bedrock:ListTagsForResource",
            ],
            vec!["*".into()],
        ));
    }
    if n.count_tokens {
        // CountTokens takes foundation-model ids only (not inference profiles), and its
        // resource is the foundation model: read-only, and free of charge.
        st.push(statement(
            "CountTokens",
            &["bedrock:CountTokens"],
            vec!["arn:aws:bedrock:*::foundation-model/*".into()],
        ));
    }
    if n.discover {
        // No resource-level permissions: the configuration is the account's, per region.
        st.push(statement(
            "ReadInvocationLoggingConfiguration",
            &["bedrock:GetModelInvocationLoggingConfiguration"],
            vec!["*".into()],
        ));
    }
    if let Some(name) = &n.put_dashboard {
        st.push(statement(
            "DeployDashboard",
            &["cloudwatch:PutDashboard", "cloudwatch:GetDashboard"],
            vec![format!("arn:aws:cloudwatch::*:dashboard/{name}")],
        ));
    }
    json!({"Version": "2012-10-17", "Statement": st})
}

/// The IAM action an API call needs, for AccessDenied messages.
pub fn action_of(service: &str, operation: &str) -> String {
    let prefix = match service {
        "cloudwatch" | "monitoring" => "cloudwatch",
        "logs" | "cloudwatchlogs" => "logs",
        "costexplorer" | "ce" => "ce",
        "s3" => "s3",
        "athena" => "athena",
        "glue" => "glue",
        // Bedrock Runtime (CountTokens) shares the `bedrock` IAM prefix.
        "bedrock" | "bedrockruntime" | "bedrock-runtime" | "Bedrock Runtime" => "bedrock",
        other => other,
    };
    let op = if prefix == "s3" && operation == "ListObjectsV2" {
        "ListBucket"
    } else {
        operation
    };
    format!("{prefix}:{op}")
}

/// `s3://bucket/prefix` -> (bucket, prefix).
pub fn parse_s3(url: &str) -> Option<(String, String)> {
    let rest = url.strip_prefix("s3://")?;
    let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
    (!bucket.is_empty()).then(|| (bucket.to_string(), prefix.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn least_privilege_per_source() {
        let p = policy(&Needs {
            metrics: true,
            ..Default::default()
        });
        assert_eq!(
            p,
            json!({"Version": "2012-10-17", "Statement": [{"Sid": "ReadBedrockMetrics", "Effect": "Allow",
                "Action": ["cloudwatch:ListMetrics", "cloudwatch:GetMetricData"], "Resource": ["*"]}]})
        );
        let p = policy(&Needs {
            logs: true,
            log_groups: vec!["/bedrock/invocations".into()],
            s3: vec![("logs-bucket".into(), "bedrock/".into())],
            costs: true,
            put_dashboard: Some("genai".into()),
            ..Default::default()
        });
        let st = p["Statement"].as_array().unwrap();
        let sids: Vec<&str> = st.iter().map(|s| s["Sid"].as_str().unwrap()).collect();
        assert_eq!(
            sids,
            [
                "ReadInvocationLogs",
                "ReadInsightsResults",
                "ListInvocationLogObjects",
                "ReadInvocationLogObjects",
                "ReadBedrockCost",
                "DeployDashboard"
            ]
        );
        assert_eq!(
            st[0]["Resource"][0],
            "arn:aws:logs:*:*:log-group:/bedrock/invocations:*"
        );
        assert_eq!(
            st[2]["Condition"]["StringLike"]["s3:prefix"][0],
            "bedrock/*"
        );
        assert_eq!(st[3]["Resource"][0], "arn:aws:s3:::logs-bucket/bedrock/*");
        assert_eq!(
            st[5]["Resource"][0],
            "arn:aws:cloudwatch::*:dashboard/genai"
        );
    }

    #[test]
    fn actions_for_access_denied() {
        assert_eq!(
            action_of("cloudwatch", "GetMetricData"),
            "cloudwatch:GetMetricData"
        );
        assert_eq!(action_of("s3", "ListObjectsV2"), "s3:ListBucket");
        assert_eq!(
            action_of("costexplorer", "GetCostAndUsage"),
            "ce:GetCostAndUsage"
        );
        for service in [
            "bedrock",
            "bedrockruntime",
            "bedrock-runtime",
            "Bedrock Runtime",
        ] {
            assert_eq!(action_of(service, "CountTokens"), "bedrock:CountTokens");
        }
    }

    #[test]
    fn counting_tokens_is_allowed_on_foundation_models_only() {
        let p = policy(&Needs {
            count_tokens: true,
            ..Default::default()
        });
        assert_eq!(
            p,
            json!({"Version": "2012-10-17", "Statement": [{"Sid": "CountTokens", "Effect": "Allow",
                "Action": ["bedrock:CountTokens"],
                "Resource": ["arn:aws:bedrock:*::foundation-model/*"]}]})
        );
    }

    #[test]
    fn s3_locations() {
        assert_eq!(parse_s3("s3://b/p/q"), Some(("b".into(), "p/q".into())));
        assert_eq!(parse_s3("s3://b"), Some(("b".into(), "".into())));
        assert_eq!(parse_s3("s3:///p"), None);
        assert_eq!(parse_s3("https://b"), None);
    }
}
