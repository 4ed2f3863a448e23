//! `collect costs`: Cost Explorer GetCostAndUsage, DAILY: usage charges (record type `Usage`),
//! UnblendedCost and UsageQuantity grouped by SERVICE and USAGE_TYPE (or LINKED_ACCOUNT and
//! USAGE_TYPE, one query per service: Cost Explorer groups by two dimensions at most); and every
//! record type's UnblendedCost and NetUnblendedCost (credits, refunds, discounts apart). Both "Amazon Bedrock" (first-party models) and the
//! Marketplace "... (Amazon Bedrock Edition)" services are covered: their names are looked up
//! with GetDimensionValues unless given. Amounts stay exact decimals as Cost Explorer sends them.

use aws_sdk_costexplorer::types::{
    DateInterval, Dimension, DimensionValues, Expression, Granularity, GroupDefinition,
    GroupDefinitionType,
};
use aws_sdk_costexplorer::Client;
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;

pub mod usage_type;

use self::usage_type::UsageType;
use crate::collect::aws::fault::{describe, Failure};

pub const FIRST_PARTY: &str = "Amazon Bedrock";
pub const MARKETPLACE_SUFFIX: &str = "(Amazon Bedrock Edition)";

/// Whether a Cost Explorer service name bills Bedrock model usage.
pub fn is_bedrock_service(name: &str) -> bool {
    name == FIRST_PARTY || name.ends_with(MARKETPLACE_SUFFIX)
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CeCalls {
    pub get_cost_and_usage: u64,
    pub get_dimension_values: u64,
}

impl CeCalls {
    /// $0.01 per request, in micro-dollars.
    pub fn cost_micros(&self) -> u64 {
        (self.get_cost_and_usage + self.get_dimension_values) * 10_000
    }
}

/// One day of one usage type.
#[derive(Debug, Clone, PartialEq)]
pub struct CostRow {
    pub day: NaiveDate,
    pub service: String,
    pub usage_type: String,
    pub linked_account: Option<String>,
    pub cost: Decimal,
    pub cost_unit: String,
    pub quantity: Decimal,
    pub quantity_unit: String,
    /// None: a usage type this build does not parse (kept and listed, never dropped).
    pub parsed: Option<UsageType>,
}

/// Bedrock service names with usage in `[start, end)`.
pub async fn services(
    client: &Client,
    start: NaiveDate,
    end: NaiveDate,
    calls: &mut CeCalls,
) -> Result<Vec<String>, Failure> {
    let mut out = vec![];
    let mut token: Option<String> = None;
    loop {
        let page = client
            .get_dimension_values()
            .time_period(interval(start, end))
            .dimension(Dimension::Service)
            .search_string("Bedrock")
            .set_next_page_token(token.take())
            .send()
            .await
            .map_err(|e| describe("costs", None, "ce", "GetDimensionValues", &e))?;
        calls.get_dimension_values += 1;
        for v in page.dimension_values() {
            if let Some(name) = v.value() {
                if is_bedrock_service(name) && !out.iter().any(|o| o == name) {
                    out.push(name.to_string());
                }
            }
        }
        match page.next_page_token() {
            Some(t) if !t.is_empty() => token = Some(t.to_string()),
            _ => break,
        }
    }
    Ok(out)
}

fn interval(start: NaiveDate, end: NaiveDate) -> DateInterval {
    DateInterval::builder()
        .start(start.to_string())
        .end(end.to_string())
        .build()
        .expect("start and end are set")
}

fn dimension(d: &str) -> GroupDefinition {
    GroupDefinition::builder()
        .r#type(GroupDefinitionType::Dimension)
        .key(d)
        .build()
}

/// One day of one Cost Explorer record type (`Usage`, `Credit`, `Refund`, a discount, `Tax`...)
/// of one service: what turns billed gross into billed net.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordTypeRow {
    pub day: NaiveDate,
    pub service: String,
    pub linked_account: Option<String>,
    pub record_type: String,
    /// UnblendedCost: negative for credits, refunds and discounts.
    pub unblended: Decimal,
    /// NetUnblendedCost: after the discounts AWS nets into it (EDP, private pricing).
    pub net_unblended: Decimal,
}

/// The record type of usage charges: `fetch` reads only these, so credits, refunds and
/// discounts never hide inside a usage type's amount.
pub const USAGE: &str = "Usage";

/// One group of a GetCostAndUsage answer: its day, its two keys, and its metrics.
struct Group<'a> {
    day: NaiveDate,
    first: &'a str,
    second: &'a str,
    metrics:
        Option<&'a std::collections::HashMap<String, aws_sdk_costexplorer::types::MetricValue>>,
}

impl Group<'_> {
    /// An amount that is missing or unreadable fails the collection: never $0.
    fn amount(&self, name: &str) -> Result<(Decimal, String), Failure> {
        let v = self.metrics.and_then(|m| m.get(name));
        let text = v.and_then(|v| v.amount()).unwrap_or_default();
        let d = parse_amount(text).ok_or_else(|| Failure {
            source: "costs".into(),
            region: None,
            call: "ce:GetCostAndUsage".into(),
            message: format!(
                "{name} of {} on {}: {} amount `{}`",
                self.second,
                self.day,
                if text.is_empty() { "no" } else { "unreadable" },
                crate::io::clean(text)
            ),
            hint: None,
        })?;
        Ok((d, v.and_then(|v| v.unit()).unwrap_or_default().to_string()))
    }
}

fn services_filter(svc: &[String]) -> Expression {
    Expression::builder()
        .dimensions(
            DimensionValues::builder()
                .key(Dimension::Service)
                .set_values(Some(svc.to_vec()))
                .build(),
        )
        .build()
}

/// Runs daily GetCostAndUsage queries over `services` in `[start, end)`: one for all, grouped
/// by SERVICE and `second`, or (by account) one per service grouped by LINKED_ACCOUNT and
/// `second`, since Cost Explorer groups by two dimensions at most. Every page is read; `each`
/// gets the service, the linked account (by account) and the group.
#[allow(clippy::too_many_arguments)]
async fn query(
    client: &Client,
    services: &[String],
    by_account: bool,
    second: &str,
    metrics: &[&str],
    only: Option<Expression>,
    (start, end): (NaiveDate, NaiveDate),
    calls: &mut CeCalls,
    mut each: impl FnMut(&str, Option<&str>, &Group) -> Result<(), Failure>,
) -> Result<(), Failure> {
    let queries: Vec<Vec<String>> = if by_account {
        services.iter().map(|s| vec![s.clone()]).collect()
    } else {
        vec![services.to_vec()]
    };
    let first = if by_account {
        "LINKED_ACCOUNT"
    } else {
        "SERVICE"
    };
    for svc in queries {
        let filter = match &only {
            Some(o) => Expression::builder()
                .and(services_filter(&svc))
                .and(o.clone())
                .build(),
            None => services_filter(&svc),
        };
        let mut token: Option<String> = None;
        loop {
            let mut q = client
                .get_cost_and_usage()
                .time_period(interval(start, end))
                .granularity(Granularity::Daily)
                .filter(filter.clone())
                .group_by(dimension(first))
                .group_by(dimension(second))
                .set_next_page_token(token.take());
            for m in metrics {
                q = q.metrics(*m);
            }
            let page = q
                .send()
                .await
                .map_err(|e| describe("costs", None, "ce", "GetCostAndUsage", &e))?;
            calls.get_cost_and_usage += 1;
            for r in page.results_by_time() {
                let Some(day) = r
                    .time_period()
                    .and_then(|p| NaiveDate::parse_from_str(p.start(), "%Y-%m-%d").ok())
                else {
                    continue;
                };
                for g in r.groups() {
                    let keys = g.keys();
                    let (Some(k0), Some(k1)) = (keys.first(), keys.get(1)) else {
                        continue;
                    };
                    let group = Group {
                        day,
                        first: k0,
                        second: k1,
                        metrics: g.metrics(),
                    };
                    let (service, account) = if by_account {
                        (svc[0].as_str(), Some(group.first))
                    } else {
                        (group.first, None)
                    };
                    each(service, account, &group)?;
                }
            }
            match page.next_page_token() {
                Some(t) if !t.is_empty() => token = Some(t.to_string()),
                _ => break,
            }
        }
    }
    Ok(())
}

/// Daily usage charges (record type `Usage`) of `services` in `[start, end)` (end exclusive,
/// whole days), per usage type.
pub async fn fetch(
    client: &Client,
    services: &[String],
    by_account: bool,
    start: NaiveDate,
    end: NaiveDate,
    calls: &mut CeCalls,
) -> Result<Vec<CostRow>, Failure> {
    let usage_only = Expression::builder()
        .dimensions(
            DimensionValues::builder()
                .key(Dimension::RecordType)
                .values(USAGE)
                .build(),
        )
        .build();
    let mut out = vec![];
    query(
        client,
        services,
        by_account,
        "USAGE_TYPE",
        &["UnblendedCost", "UsageQuantity"],
        Some(usage_only),
        (start, end),
        calls,
        |service, account, g| {
            let (cost, cost_unit) = g.amount("UnblendedCost")?;
            let (quantity, quantity_unit) = g.amount("UsageQuantity")?;
            out.push(CostRow {
                day: g.day,
                service: service.to_string(),
                usage_type: g.second.to_string(),
                linked_account: account.map(str::to_string),
                cost,
                cost_unit,
                quantity,
                quantity_unit,
                parsed: usage_type::parse(g.second),
            });
            Ok(())
        },
    )
    .await?;
    Ok(out)
}

/// Daily amounts of `services` per record type (usage, credits, refunds, discounts, tax...),
/// both as billed (UnblendedCost) and net (NetUnblendedCost).
pub async fn fetch_record_types(
    client: &Client,
    services: &[String],
    by_account: bool,
    start: NaiveDate,
    end: NaiveDate,
    calls: &mut CeCalls,
) -> Result<Vec<RecordTypeRow>, Failure> {
    let mut out = vec![];
    query(
        client,
        services,
        by_account,
        "RECORD_TYPE",
        &["UnblendedCost", "NetUnblendedCost"],
        None,
        (start, end),
        calls,
        |service, account, g| {
            out.push(RecordTypeRow {
                day: g.day,
                service: service.to_string(),
                linked_account: account.map(str::to_string),
                record_type: g.second.to_string(),
                unblended: g.amount("UnblendedCost")?.0,
                net_unblended: g.amount("NetUnblendedCost")?.0,
            });
            Ok(())
        },
    )
    .await?;
    Ok(out)
}

/// A Cost Explorer amount: plain (`0.0432598250`) or scientific (`1.2E-7`), exactly.
pub fn parse_amount(s: &str) -> Option<Decimal> {
    let s = s.trim();
    s.parse::<Decimal>()
        .ok()
        .or_else(|| Decimal::from_scientific(s).ok())
}

/// The whole days Cost Explorer is asked for to cover `[start, end)`, end exclusive: a
/// partial last day is included.
pub fn days(start: DateTime<Utc>, end: DateTime<Utc>) -> (NaiveDate, NaiveDate) {
    let last = if end.time() == chrono::NaiveTime::MIN {
        end.date_naive()
    } else {
        end.date_naive() + chrono::Days::new(1)
    };
    (start.date_naive(), last)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_exact_in_both_notations() {
        assert_eq!(
            parse_amount("0.0432598250").unwrap().to_string(),
            "0.0432598250"
        );
        assert_eq!(parse_amount("1.2E-7").unwrap().to_string(), "0.00000012");
        assert_eq!(parse_amount("5e3").unwrap().to_string(), "5000");
        assert_eq!(parse_amount(""), None);
        assert_eq!(parse_amount("n/a"), None);
    }

    #[test]
    fn bedrock_services_first_party_and_marketplace() {
        assert!(is_bedrock_service("Amazon Bedrock"));
        assert!(is_bedrock_service(
            "Claude Sonnet 4.5 (Amazon Bedrock Edition)"
        ));
        assert!(!is_bedrock_service("Amazon Bedrock AgentCore"));
        assert!(!is_bedrock_service(
            "Amazon Elastic Compute Cloud - Compute"
        ));
    }

    #[test]
    fn cost_explorer_bills_a_cent_per_request() {
        let c = CeCalls {
            get_cost_and_usage: 3,
            get_dimension_values: 1,
        };
        assert_eq!(c.cost_micros(), 40_000);
    }
}
