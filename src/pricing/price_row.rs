//! One price row of the catalog: its scope, its per-1M-token rates by tier, its validity
//! (dated rows), and how an overlay row fills the fields a feed row leaves empty.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::money::PricePerMillion;

/// Which kind of call a price row applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// In-region model ids, and geo profiles (`us.`, `eu.`, ...) unless a `geo` row exists.
    Regional,
    /// Geo cross-region profiles, where they are priced differently from in-region calls.
    Geo,
    /// `global.` cross-region profiles.
    Global,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Regional => "regional",
            Scope::Geo => "geo",
            Scope::Global => "global",
        }
    }
}

/// Per-1M-token rates of one price row. Absent means the model has no such rate there.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TokenRates {
    pub input: Option<PricePerMillion>,
    pub output: Option<PricePerMillion>,
    pub cache_read: Option<PricePerMillion>,
    pub cache_write_5m: Option<PricePerMillion>,
    pub cache_write_1h: Option<PricePerMillion>,
}

/// One price row: the rates for a model in some regions at one scope.
#[derive(Debug, Clone, PartialEq)]
pub struct PriceRow {
    pub regions: Vec<String>,
    pub scope: Scope,
    pub standard: TokenRates,
    /// Rates for requests whose total input exceeds the model's long-context threshold.
    pub long_context: TokenRates,
    pub batch: TokenRates,
    pub flex: TokenRates,
    pub priority: TokenRates,
    /// USD per 1K tokens-per-minute per month (reserved tier).
    pub reserved_input_1k_tpm_month: Option<Decimal>,
    pub reserved_output_1k_tpm_month: Option<Decimal>,
    /// USD per model unit per hour (provisioned throughput).
    pub provisioned_no_commit_hour: Option<Decimal>,
    pub provisioned_1_month_hour: Option<Decimal>,
    pub provisioned_6_month_hour: Option<Decimal>,
    pub source: String,
    pub as_of: NaiveDate,
    /// First day (UTC) the row applies, inclusive; `None`: since the model's launch.
    pub valid_from: Option<NaiveDate>,
    /// First day (UTC) the row no longer applies (the next price took effect); `None`: still in force.
    pub valid_until: Option<NaiveDate>,
    /// What the author checked, or where sources disagree.
    pub note: Option<String>,
    /// The file this row came from (embedded path or the user's override file).
    pub origin: String,
    /// From the built-in catalog (not a --pricing file).
    pub built_in: bool,
}

impl PriceRow {
    /// The row's per-token rate groups with their field prefixes, in file order.
    pub fn tiers(&self) -> [(&'static str, &TokenRates); 5] {
        [
            ("", &self.standard),
            ("long_", &self.long_context),
            ("batch_", &self.batch),
            ("flex_", &self.flex),
            ("priority_", &self.priority),
        ]
    }

    /// Every per-token rate the row has, by field name (`batch_input`...), in file order.
    pub fn token_rates(&self) -> Vec<(String, PricePerMillion)> {
        let mut out = vec![];
        for (prefix, t) in self.tiers() {
            for (name, v) in [
                ("input", t.input),
                ("output", t.output),
                ("cache_read", t.cache_read),
                ("cache_write_5m", t.cache_write_5m),
                ("cache_write_1h", t.cache_write_1h),
            ] {
                if let Some(v) = v {
                    out.push((format!("{prefix}{name}"), v));
                }
            }
        }
        out
    }

    /// The reserved-tier and provisioned-throughput rates the row has, by field name.
    pub fn capacity_rates(&self) -> Vec<(&'static str, Decimal)> {
        [
            (
                "reserved_input_1k_tpm_month",
                self.reserved_input_1k_tpm_month,
            ),
            (
                "reserved_output_1k_tpm_month",
                self.reserved_output_1k_tpm_month,
            ),
            (
                "provisioned_no_commit_hour",
                self.provisioned_no_commit_hour,
            ),
            ("provisioned_1_month_hour", self.provisioned_1_month_hour),
            ("provisioned_6_month_hour", self.provisioned_6_month_hour),
        ]
        .into_iter()
        .filter_map(|(n, v)| v.map(|v| (n, v)))
        .collect()
    }

    /// Whether the row prices a request made on `day`.
    pub fn in_force(&self, day: NaiveDate) -> bool {
        self.valid_from.is_none_or(|f| f <= day) && self.valid_until.is_none_or(|u| day < u)
    }

    /// Whether the row is one of several dated versions (it has a `valid_from` or `valid_until`).
    pub fn is_dated(&self) -> bool {
        self.valid_from.is_some() || self.valid_until.is_some()
    }

    /// `from 2025-12-08`, `until 2025-12-08`, `2025-01-01 to 2025-12-08`, or `undated`.
    pub fn validity(&self) -> String {
        match (self.valid_from, self.valid_until) {
            (None, None) => "undated".into(),
            (Some(f), None) => format!("from {f}"),
            (None, Some(u)) => format!("until {u}"),
            (Some(f), Some(u)) => format!("{f} to {u}"),
        }
    }

    /// Fills the fields this row lacks from an overlay row; returns the overlay's fields this
    /// row already has (the row's value is kept). The row's source then names both.
    pub(super) fn fill(&mut self, o: &PriceRow) -> Vec<String> {
        let mut taken = vec![];
        let mut clash = vec![];
        let mut opt =
            |name: String, mine: &mut Option<PricePerMillion>, theirs: Option<PricePerMillion>| {
                match (*mine, theirs) {
                    (_, None) => {}
                    (Some(m), Some(t)) if m == t => {}
                    (Some(_), Some(_)) => clash.push(name),
                    (None, t) => {
                        *mine = t;
                        taken.push(name);
                    }
                }
            };
        for (label, mine, theirs) in [
            ("", &mut self.standard, &o.standard),
            ("long_", &mut self.long_context, &o.long_context),
            ("batch_", &mut self.batch, &o.batch),
            ("flex_", &mut self.flex, &o.flex),
            ("priority_", &mut self.priority, &o.priority),
        ] {
            opt(format!("{label}input"), &mut mine.input, theirs.input);
            opt(format!("{label}output"), &mut mine.output, theirs.output);
            opt(
                format!("{label}cache_read"),
                &mut mine.cache_read,
                theirs.cache_read,
            );
            opt(
                format!("{label}cache_write_5m"),
                &mut mine.cache_write_5m,
                theirs.cache_write_5m,
            );
            opt(
                format!("{label}cache_write_1h"),
                &mut mine.cache_write_1h,
                theirs.cache_write_1h,
            );
        }
        let mut dec =
            |name: &str, mine: &mut Option<Decimal>, theirs: Option<Decimal>| match (*mine, theirs)
            {
                (_, None) => {}
                (Some(m), Some(t)) if m == t => {}
                (Some(_), Some(_)) => clash.push(name.to_string()),
                (None, t) => {
                    *mine = t;
                    taken.push(name.to_string());
                }
            };
        dec(
            "reserved_input_1k_tpm_month",
            &mut self.reserved_input_1k_tpm_month,
            o.reserved_input_1k_tpm_month,
        );
        dec(
            "reserved_output_1k_tpm_month",
            &mut self.reserved_output_1k_tpm_month,
            o.reserved_output_1k_tpm_month,
        );
        dec(
            "provisioned_no_commit_hour",
            &mut self.provisioned_no_commit_hour,
            o.provisioned_no_commit_hour,
        );
        dec(
            "provisioned_1_month_hour",
            &mut self.provisioned_1_month_hour,
            o.provisioned_1_month_hour,
        );
        dec(
            "provisioned_6_month_hour",
            &mut self.provisioned_6_month_hour,
            o.provisioned_6_month_hour,
        );
        if !taken.is_empty() {
            self.source = format!(
                "{}; {} from {} (as of {})",
                self.source,
                taken.join(", "),
                o.source,
                o.as_of
            );
            self.as_of = self.as_of.min(o.as_of);
            if let Some(n) = &o.note {
                self.note = Some(match &self.note {
                    Some(m) => format!("{m}; {n}"),
                    None => n.clone(),
                });
            }
        }
        clash
    }

    pub(super) fn overlaps(&self, o: &PriceRow) -> bool {
        let starts_before_end = |a: &PriceRow, b: &PriceRow| match (a.valid_from, b.valid_until) {
            (Some(f), Some(u)) => f < u,
            _ => true,
        };
        starts_before_end(self, o) && starts_before_end(o, self)
    }
}
