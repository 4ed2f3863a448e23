//! How usage is grouped and bounded: `--by` keys and the period a command covers.

use chrono::{DateTime, Utc};

/// A `--by` key.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum GroupKey {
    Model,
    ModelId,
    /// The hour (UTC) a call started in: `2026-10-05T10:00Z`.
    Hour,
    Day,
    Month,
    /// The caller with assumed-role session names removed (`.../assumed-role/Role`).
    Identity,
    /// The caller's ARN exactly as logged.
    IdentityArn,
    Region,
    Operation,
    Profile,
    Account,
    Meta(String),
}

pub const KEY_HELP: &str = "model, model_id, hour, day, month, identity, identity_arn, region, operation, profile, account, meta:<key>";

impl GroupKey {
    pub fn parse(s: &str) -> Result<GroupKey, String> {
        Ok(match s.trim() {
            "model" => GroupKey::Model,
            "model_id" => GroupKey::ModelId,
            "hour" => GroupKey::Hour,
            "day" => GroupKey::Day,
            "month" => GroupKey::Month,
            "identity" => GroupKey::Identity,
            "identity_arn" => GroupKey::IdentityArn,
            "region" => GroupKey::Region,
            "operation" => GroupKey::Operation,
            "profile" => GroupKey::Profile,
            "account" => GroupKey::Account,
            other => match other.strip_prefix("meta:") {
                Some(k) if !k.is_empty() => GroupKey::Meta(k.to_string()),
                _ => return Err(format!("unknown --by key `{other}`")),
            },
        })
    }

    /// The field name in rows (JSON key, CSV header).
    pub fn name(&self) -> String {
        match self {
            GroupKey::Model => "model".into(),
            GroupKey::ModelId => "model_id".into(),
            GroupKey::Hour => "hour".into(),
            GroupKey::Day => "day".into(),
            GroupKey::Month => "month".into(),
            GroupKey::Identity => "identity".into(),
            GroupKey::IdentityArn => "identity_arn".into(),
            GroupKey::Region => "region".into(),
            GroupKey::Operation => "operation".into(),
            GroupKey::Profile => "profile".into(),
            GroupKey::Account => "account".into(),
            GroupKey::Meta(k) => format!("meta:{k}"),
        }
    }

    /// Keys whose rows read best in key order (time) rather than by cost.
    pub fn is_time(&self) -> bool {
        matches!(self, GroupKey::Hour | GroupKey::Day | GroupKey::Month)
    }
}

/// `arn:aws:sts::1:assumed-role/Role/session` -> `arn:aws:sts::1:assumed-role/Role`.
pub fn identity_principal(arn: &str) -> &str {
    if let Some(pos) = arn.find(":assumed-role/") {
        let rest = &arn[pos + ":assumed-role/".len()..];
        if let Some(slash) = rest.find('/') {
            return &arn[..pos + ":assumed-role/".len() + slash];
        }
    }
    arn
}

/// Start inclusive, end exclusive, both UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub start: Option<DateTime<Utc>>,
    pub end: Option<DateTime<Utc>>,
}

impl Period {
    pub fn contains(&self, t: DateTime<Utc>) -> bool {
        !(self.start.is_some_and(|s| t < s) || self.end.is_some_and(|e| t >= e))
    }
}
