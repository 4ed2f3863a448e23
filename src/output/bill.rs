//! The bill as a report (`report --source bill`): a snapshot's Cost Explorer rows grouped by the
//! keys asked for, amounts exactly as billed; usage types mapped to catalog models through their
//! billing names, the rest kept as their own rows and listed.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;

use crate::collect::cost_explorer::usage_type::{kind_name, mode_name};
use crate::collect::cost_explorer::{CostRow, RecordTypeRow, USAGE};
use crate::money::ExactUsd;
use crate::pricing::{billing, Catalog};

pub const SCHEMA: &str = "bedrock-lens/bill/v1";

/// What a bill row can be grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BillKey {
    Model,
    Region,
    Day,
    Month,
    Account,
    Service,
    UsageType,
    TokenKind,
    Mode,
    Category,
}

pub const BILL_KEYS: &str =
    "model, region, day, month, account, service, usage_type, token_kind, mode, category";

impl BillKey {
    pub fn parse(s: &str) -> Option<BillKey> {
        Some(match s.trim() {
            "model" => BillKey::Model,
            "region" => BillKey::Region,
            "day" => BillKey::Day,
            "month" => BillKey::Month,
            "account" => BillKey::Account,
            "service" => BillKey::Service,
            "usage_type" => BillKey::UsageType,
            "token_kind" => BillKey::TokenKind,
            "mode" => BillKey::Mode,
            "category" => BillKey::Category,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            BillKey::Model => "model",
            BillKey::Region => "region",
            BillKey::Day => "day",
            BillKey::Month => "month",
            BillKey::Account => "account",
            BillKey::Service => "service",
            BillKey::UsageType => "usage_type",
            BillKey::TokenKind => "token_kind",
            BillKey::Mode => "mode",
            BillKey::Category => "category",
        }
    }

    fn is_time(self) -> bool {
        matches!(self, BillKey::Day | BillKey::Month)
    }
}

/// One bill line as the report reads it: the row, its account, its catalog model and category.
pub struct Line<'a> {
    pub account: Option<&'a str>,
    pub row: &'a CostRow,
    pub model: Option<String>,
    pub category: &'static str,
}

/// What a line is for: model tokens, or one of the bill's other charges.
pub fn category(r: &CostRow) -> &'static str {
    if r.parsed.is_some() {
        return "model tokens";
    }
    let u = r.usage_type.to_ascii_lowercase();
    let has = |w: &str| u.contains(w);
    if has("provisioned") || has("modelunit") || has("model-unit") {
        "provisioned throughput"
    } else if has("guardrail") {
        "guardrails"
    } else if has("customization") || has("custom-model") || has("storage") {
        "custom models"
    } else if has("knowledgebase") || has("knowledge-base") {
        "knowledge bases"
    } else if has("agent") {
        "agents"
    } else if has("dataautomation") || has("data-automation") {
        "data automation"
    } else {
        "other"
    }
}

/// Reads each line's model and category.
pub fn lines<'a>(catalog: &Catalog, rows: &'a [(Option<String>, CostRow)]) -> Vec<Line<'a>> {
    rows.iter()
        .map(|(account, row)| {
            // Marketplace usage types name no model: the service does.
            let name = match &row.parsed {
                Some(p) if !p.marketplace => p.model.clone(),
                Some(_) => Some(row.service.clone()),
                None => None,
            };
            let model = name
                .as_deref()
                .and_then(|n| billing::model_of(catalog, n))
                .map(|i| catalog.model(i).key.clone());
            Line {
                account: row.linked_account.as_deref().or(account.as_deref()),
                row,
                model,
                category: category(row),
            }
        })
        .collect()
}

/// What a line is billed for, as the model column says it: the catalog model; an unmapped
/// usage type (with its service when Marketplace, whose usage types name no model); or the
/// bill's category of a charge that is not model tokens.
pub fn model_label(l: &Line) -> String {
    match (&l.model, &l.row.parsed) {
        (Some(m), _) => m.clone(),
        (None, Some(p)) if p.marketplace => {
            format!("(unmapped) {} / {}", l.row.service, l.row.usage_type)
        }
        (None, Some(_)) => format!("(unmapped) {}", l.row.usage_type),
        (None, None) => format!("({})", l.category),
    }
}

fn key_value(k: BillKey, l: &Line) -> Option<String> {
    let p = l.row.parsed.as_ref();
    match k {
        BillKey::Model => Some(model_label(l)),
        BillKey::Region => p.and_then(|p| p.region.clone()),
        BillKey::Day => Some(l.row.day.to_string()),
        BillKey::Month => Some(l.row.day.format("%Y-%m").to_string()),
        BillKey::Account => l.account.map(str::to_string),
        BillKey::Service => Some(l.row.service.clone()),
        BillKey::UsageType => Some(l.row.usage_type.clone()),
        BillKey::TokenKind => p.map(kind_name),
        BillKey::Mode => p.map(mode_name),
        BillKey::Category => Some(l.category.to_string()),
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct BillRow {
    pub keys: Vec<(String, Option<String>)>,
    pub billed_usd: Decimal,
    /// Tokens, where the row is model tokens (Cost Explorer's usage quantity); `None` otherwise.
    pub tokens: Option<Decimal>,
    pub lines: u64,
}

impl Serialize for BillRow {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        for (k, v) in &self.keys {
            m.serialize_entry(k, v)?;
        }
        m.serialize_entry("billed_usd", &ExactUsd(self.billed_usd))?;
        m.serialize_entry("tokens", &self.tokens.map(ExactUsd))?;
        m.serialize_entry("lines", &self.lines)?;
        m.end()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnmappedUsage {
    pub service: String,
    pub usage_type: String,
    pub billed_usd: ExactUsd,
    /// Why it has no catalog model.
    pub reason: &'static str,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BillReport {
    pub schema: &'static str,
    pub source: &'static str,
    pub period: BillPeriod,
    pub group_by: Vec<String>,
    pub rows: Vec<BillRow>,
    pub total_usd: ExactUsd,
    /// Billed amounts by category (model tokens, provisioned throughput, guardrails...).
    pub by_category: BTreeMap<String, ExactUsd>,
    pub unmapped: Vec<UnmappedUsage>,
    pub lines: u64,
    /// Credits, refunds, discounts and tax apart, with billed gross and net; `None` when the
    /// snapshot holds no record types (collected by an older version).
    pub adjustments: Option<Adjustments>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BillPeriod {
    pub start: Option<NaiveDate>,
    pub end: Option<NaiveDate>,
}

/// The bill report of `lines` in `[start, end)` (days), grouped by `keys`.
pub fn report(
    lines: &[Line],
    keys: &[BillKey],
    start: Option<NaiveDate>,
    end: Option<NaiveDate>,
) -> BillReport {
    let in_period =
        |l: &&Line| start.is_none_or(|s| l.row.day >= s) && end.is_none_or(|e| l.row.day < e);
    let mut groups: BTreeMap<Vec<Option<String>>, BillRow> = BTreeMap::new();
    let mut by_category: BTreeMap<String, Decimal> = BTreeMap::new();
    let mut unmapped: BTreeMap<(String, String), (Decimal, &'static str)> = BTreeMap::new();
    let (mut total, mut n, mut first, mut last) = (Decimal::ZERO, 0u64, None, None);
    for l in lines.iter().filter(in_period) {
        let values: Vec<Option<String>> = keys.iter().map(|k| key_value(*k, l)).collect();
        let g = groups.entry(values.clone()).or_insert_with(|| BillRow {
            keys: keys
                .iter()
                .map(|k| k.name().to_string())
                .zip(values)
                .collect(),
            billed_usd: Decimal::ZERO,
            tokens: None,
            lines: 0,
        });
        g.billed_usd += l.row.cost;
        g.lines += 1;
        if l.row.parsed.is_some() {
            *g.tokens.get_or_insert(Decimal::ZERO) += l.row.quantity;
        }
        *by_category.entry(l.category.to_string()).or_default() += l.row.cost;
        if l.model.is_none() {
            let reason = if l.row.parsed.is_some() {
                "model tokens of a model the catalog does not know by its billing name"
            } else {
                "not a model token usage type (its own category)"
            };
            let e = unmapped
                .entry((l.row.service.clone(), l.row.usage_type.clone()))
                .or_insert((Decimal::ZERO, reason));
            e.0 += l.row.cost;
        }
        total += l.row.cost;
        n += 1;
        first = first.min(Some(l.row.day)).or(Some(l.row.day));
        last = last.max(Some(l.row.day));
    }
    let mut rows: Vec<BillRow> = groups.into_values().collect();
    if !keys.iter().any(|k| k.is_time()) {
        rows.sort_by(|a, b| b.billed_usd.cmp(&a.billed_usd).then(a.keys.cmp(&b.keys)));
    }
    BillReport {
        schema: SCHEMA,
        source: "bill",
        period: BillPeriod {
            start: start.or(first),
            end: end.map(|e| e.pred_opt().unwrap_or(e)).or(last),
        },
        group_by: keys.iter().map(|k| k.name().to_string()).collect(),
        rows,
        total_usd: ExactUsd(total),
        by_category: by_category
            .into_iter()
            .map(|(k, v)| (k, ExactUsd(v)))
            .collect(),
        unmapped: unmapped
            .into_iter()
            .map(|((service, usage_type), (usd, reason))| UnmappedUsage {
                service,
                usage_type,
                billed_usd: ExactUsd(usd),
                reason,
            })
            .collect(),
        lines: n,
        adjustments: None,
    }
}

/// What a Cost Explorer record type does to the bill.
pub fn record_kind(record_type: &str) -> &'static str {
    let r = record_type.to_ascii_lowercase();
    match r.as_str() {
        "usage" => "usage",
        "credit" => "credit",
        "refund" => "refund",
        "tax" => "tax",
        _ if r.contains("discount") => "discount",
        _ => "other",
    }
}

/// One service's record type over the period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecordTypeLine {
    pub service: String,
    pub record_type: String,
    /// usage, credit, refund, discount, tax or other.
    pub kind: &'static str,
    pub unblended_usd: ExactUsd,
    pub net_unblended_usd: ExactUsd,
}

/// The bill from gross to net: usage charges, then what credits, refunds, discounts and tax
/// change, per service and record type.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Adjustments {
    pub rows: Vec<RecordTypeLine>,
    /// Record type `Usage`, UnblendedCost: billed gross, before credits, refunds and discounts.
    pub gross_usd: ExactUsd,
    /// Every other record type's UnblendedCost (credits, refunds and discounts are negative).
    pub adjustments_usd: ExactUsd,
    /// gross + adjustments: the UnblendedCost of every record type.
    pub after_adjustments_usd: ExactUsd,
    /// NetUnblendedCost of every record type: billed net, after the discounts AWS nets into
    /// the amounts (EDP, private pricing).
    pub net_usd: ExactUsd,
}

/// The record types of `rows` on days in `[start, end)`.
pub fn adjustments(
    rows: &[(Option<String>, RecordTypeRow)],
    start: Option<NaiveDate>,
    end: Option<NaiveDate>,
) -> Adjustments {
    let mut by: BTreeMap<(String, String), (Decimal, Decimal)> = BTreeMap::new();
    let in_period = |d: NaiveDate| start.is_none_or(|s| d >= s) && end.is_none_or(|e| d < e);
    for (_, r) in rows.iter().filter(|(_, r)| in_period(r.day)) {
        let e = by
            .entry((r.service.clone(), r.record_type.clone()))
            .or_default();
        e.0 += r.unblended;
        e.1 += r.net_unblended;
    }
    let (mut gross, mut adj, mut net) = (Decimal::ZERO, Decimal::ZERO, Decimal::ZERO);
    let rows = by
        .into_iter()
        .map(|((service, record_type), (ub, nb))| {
            if record_type == USAGE {
                gross += ub;
            } else {
                adj += ub;
            }
            net += nb;
            RecordTypeLine {
                kind: record_kind(&record_type),
                service,
                record_type,
                unblended_usd: ExactUsd(ub),
                net_unblended_usd: ExactUsd(nb),
            }
        })
        .collect();
    Adjustments {
        rows,
        gross_usd: ExactUsd(gross),
        adjustments_usd: ExactUsd(adj),
        after_adjustments_usd: ExactUsd(gross + adj),
        net_usd: ExactUsd(net),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gross_adjustments_and_net_from_record_types() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let row = |day: &str, svc: &str, rt: &str, ub: &str, nb: &str| {
            (
                None,
                RecordTypeRow {
                    day: d(day),
                    service: svc.into(),
                    linked_account: None,
                    record_type: rt.into(),
                    unblended: ub.parse().unwrap(),
                    net_unblended: nb.parse().unwrap(),
                },
            )
        };
        let rows = [
            row("2026-10-01", "Amazon Bedrock", "Usage", "100.25", "88.22"),
            row("2026-10-02", "Amazon Bedrock", "Usage", "50", "44"),
            row("2026-10-02", "Amazon Bedrock", "Credit", "-20", "-20"),
            row(
                "2026-10-03",
                "Claude (Amazon Bedrock Edition)",
                "Refund",
                "-1.5",
                "-1.5",
            ),
            row(
                "2026-10-03",
                "Claude (Amazon Bedrock Edition)",
                "Tax",
                "3",
                "3",
            ),
            // Outside the period.
            row("2026-11-01", "Amazon Bedrock", "Credit", "-99", "-99"),
        ];
        let a = adjustments(&rows, Some(d("2026-10-01")), Some(d("2026-11-01")));
        assert_eq!(a.gross_usd, ExactUsd("150.25".parse().unwrap()));
        // -20 - 1.5 + 3
        assert_eq!(a.adjustments_usd, ExactUsd("-18.5".parse().unwrap()));
        assert_eq!(a.after_adjustments_usd, ExactUsd("131.75".parse().unwrap()));
        // 88.22 + 44 - 20 - 1.5 + 3
        assert_eq!(a.net_usd, ExactUsd("113.72".parse().unwrap()));
        let kinds: Vec<(&str, &str)> = a
            .rows
            .iter()
            .map(|r| (r.record_type.as_str(), r.kind))
            .collect();
        assert_eq!(
            kinds,
            [
                ("Credit", "credit"),
                ("Usage", "usage"),
                ("Refund", "refund"),
                ("Tax", "tax")
            ]
        );
        assert_eq!(
            record_kind("Enterprise Discount Program Discount"),
            "discount"
        );
        assert_eq!(record_kind("SavingsPlanNegation"), "other");
    }
}
