//! `pricing sync`'s engine: the feed's rates set onto the catalog's feed rows (by the model's
//! `feed_names`), the diff against the current rows (added / changed / removed, per model,
//! region, scope and field), and the new catalog files written as TOML. A changed price keeps
//! the old row, dated `valid_until` the offer's publication day, next to the new one.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;

use super::catalog::{Catalog, Model, PriceRow, Scope, TokenRates};
use super::feed::{FeedRate, Kind, Offer, Tier, Unmapped};
use crate::money::PricePerMillion;

/// How one field of one row changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    Added,
    Changed,
    Removed,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct FieldDiff {
    pub model: String,
    pub region: String,
    pub scope: Scope,
    pub field: String,
    pub change: Change,
    pub old: Option<String>,
    pub new: Option<String>,
}

/// A model the feed prices that no catalog model claims by name.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnknownModel {
    pub name: String,
    pub regions: Vec<String>,
    pub skus: usize,
}

/// What a sync found.
#[derive(Debug, Clone, Serialize)]
pub struct SyncResult {
    pub offers: Vec<OfferOut>,
    pub diff: Vec<FieldDiff>,
    pub unknown_models: Vec<UnknownModel>,
    pub unmapped: Vec<Unmapped>,
    /// The same field of the same row priced twice, differently (the first value is kept).
    pub conflicts: Vec<String>,
    /// Billing names the feed's usage types give a model that its names did not match yet
    /// (`TitanEmbeddingV2-Text`): the bill's usage types then map to it.
    pub billing_names_added: Vec<BillingName>,
    #[serde(skip)]
    pub catalog: Vec<Model>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BillingName {
    pub model: String,
    pub billing_name: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct OfferOut {
    pub offer: String,
    pub version: String,
    pub published: NaiveDate,
    pub regions: Vec<String>,
    pub rates: usize,
    pub unmapped: usize,
}

/// The catalog field a feed rate sets, or `None` when the catalog has no such field.
fn field_of(r: &FeedRate) -> Option<String> {
    let kind = match r.kind {
        Kind::Input => "input",
        Kind::Output => "output",
        Kind::CacheRead => "cache_read",
        Kind::CacheWrite5m => "cache_write_5m",
        Kind::CacheWrite1h => "cache_write_1h",
    };
    let prefix = match (r.tier, r.long) {
        (Tier::Standard, false) => "",
        (Tier::Standard, true) => "long_",
        (Tier::Batch, false) if matches!(r.kind, Kind::Input | Kind::Output) => "batch_",
        (Tier::Flex, false) if matches!(r.kind, Kind::Input | Kind::Output | Kind::CacheRead) => {
            "flex_"
        }
        (Tier::Priority, false)
            if matches!(r.kind, Kind::Input | Kind::Output | Kind::CacheRead) =>
        {
            "priority_"
        }
        _ => return None,
    };
    Some(format!("{prefix}{kind}"))
}

fn slot<'a>(row: &'a mut PriceRow, field: &str) -> Option<&'a mut Option<PricePerMillion>> {
    let (group, kind) = match field.split_once('_') {
        Some((g @ ("long" | "batch" | "flex" | "priority"), k)) => (g, k),
        _ => ("", field),
    };
    let rates: &mut TokenRates = match group {
        "" => &mut row.standard,
        "long" => &mut row.long_context,
        "batch" => &mut row.batch,
        "flex" => &mut row.flex,
        _ => &mut row.priority,
    };
    Some(match kind {
        "input" => &mut rates.input,
        "output" => &mut rates.output,
        "cache_read" => &mut rates.cache_read,
        "cache_write_5m" => &mut rates.cache_write_5m,
        "cache_write_1h" => &mut rates.cache_write_1h,
        _ => return None,
    })
}

/// The per-token fields of a row, by name (the ones a sync can set).
pub fn token_fields(row: &PriceRow) -> BTreeMap<String, Decimal> {
    row.token_rates()
        .into_iter()
        .map(|(n, v)| (n, v.to_decimal()))
        .collect()
}

/// Sets the offers' rates onto `base` (the catalog's feed layer).
pub fn sync(base: &Catalog, offers: &[Offer]) -> SyncResult {
    let mut by_name: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, m) in base.models.iter().enumerate() {
        for n in &m.feed_names {
            by_name.insert(n.as_str(), i);
        }
    }
    let mut unmapped: Vec<Unmapped> = vec![];
    let mut unknown: BTreeMap<String, (BTreeSet<String>, usize)> = BTreeMap::new();
    let mut conflicts = vec![];
    // First-party usage types name the model as the bill will (`USE1-NovaMicro-input-tokens`).
    let mut billing: BTreeSet<(usize, String)> = BTreeSet::new();
    // (model, region, scope) -> the feed's row; first offer published wins a conflict.
    let mut fresh: BTreeMap<(usize, String, Scope), PriceRow> = BTreeMap::new();
    for o in offers {
        for r in &o.rates {
            let Some(&idx) = by_name.get(r.model_name.as_str()) else {
                let e = unknown.entry(r.model_name.clone()).or_default();
                e.0.insert(r.region.clone());
                e.1 += 1;
                continue;
            };
            if let Some(name) = crate::collect::cost_explorer::usage_type::parse(&r.usagetype)
                .filter(|u| !u.marketplace)
                .and_then(|u| u.model)
            {
                billing.insert((idx, name));
            }
            let Some(field) = field_of(r) else {
                unmapped
                    .push(r.unmapped(o, "the catalog has no field for this tier and token kind"));
                continue;
            };
            let Some(rate) = PricePerMillion::from_decimal(r.usd_per_million) else {
                let why = format!(
                    "{} per 1M tokens has more than 6 decimals",
                    r.usd_per_million
                );
                unmapped.push(r.unmapped(o, &why));
                continue;
            };
            let row = fresh
                .entry((idx, r.region.clone(), r.scope))
                .or_insert_with(|| empty_row(o, &r.region, r.scope));
            let s = slot(row, &field).expect("field_of names a slot");
            match s {
                Some(old) if *old != rate => conflicts.push(format!(
                    "{} {} {} {field}: {} and {} (kept the first)",
                    base.models[idx].key,
                    r.region,
                    r.scope.as_str(),
                    old.to_decimal(),
                    rate.to_decimal()
                )),
                _ => *s = Some(rate),
            }
        }
        unmapped.extend(o.unmapped.iter().cloned());
    }
    let mut models = base.models.clone();
    let mut billing_names_added = vec![];
    for (idx, name) in billing {
        let m = &mut models[idx];
        if !super::billing::names(m, &name) {
            m.billing_names.push(name.clone());
            billing_names_added.push(BillingName {
                model: m.key.clone(),
                billing_name: name,
            });
        }
    }
    let mut diff = vec![];
    // The model and regions the feed covers: a row there that the feed lacks is removed. A model
    // the feed prices nowhere in a region whose offer was read, where its row came from that
    // offer, is covered too: AWS no longer lists it there.
    let mut covered: BTreeSet<(usize, String)> =
        fresh.keys().map(|(i, r, _)| (*i, r.clone())).collect();
    let read: BTreeSet<(&str, &str)> = offers
        .iter()
        .flat_map(|o| {
            o.rates
                .iter()
                .map(|r| r.region.as_str())
                .chain(o.unmapped.iter().map(|u| u.region.as_str()))
                .map(move |r| (o.offer_code.as_str(), r))
        })
        .collect();
    for (i, m) in base.models.iter().enumerate() {
        for (region, row) in m.rows() {
            let from = |offer: &str| {
                row.source
                    .strip_prefix(super::catalog::FEED_SOURCE)
                    .and_then(|rest| rest.strip_prefix(offer))
                    .is_some_and(|rest| rest.starts_with([' ', ',']))
            };
            if read.iter().any(|(offer, r)| *r == region && from(offer)) {
                covered.insert((i, region.to_string()));
            }
        }
    }
    let row_in_force = |m: &Model, region: &str, scope: Scope, day: NaiveDate| {
        m.prices
            .get(&(region.to_string(), scope))
            .and_then(|rows| rows.iter().find(|r| r.in_force(day)).cloned())
    };
    for (idx, region) in &covered {
        let m = &mut models[*idx];
        if let Some(newest) = fresh
            .iter()
            .filter(|((i, _, _), _)| i == idx)
            .map(|(_, r)| r.as_of)
            .max()
        {
            m.as_of = m.as_of.max(newest);
        }
        for scope in [Scope::Regional, Scope::Geo, Scope::Global] {
            let new = fresh.get(&(*idx, region.clone(), scope));
            // The publication the row now follows: the feed row's, else the newest offer read
            // for the region.
            let day = new.map_or_else(
                || {
                    offers
                        .iter()
                        .filter(|o| read.contains(&(o.offer_code.as_str(), region.as_str())))
                        .map(|o| o.published)
                        .max()
                        .unwrap_or_else(|| chrono::Utc::now().date_naive())
                },
                |n| n.as_of,
            );
            let old = row_in_force(m, region, scope, day);
            let (of, nf) = (
                old.as_ref().map(token_fields).unwrap_or_default(),
                new.map(token_fields).unwrap_or_default(),
            );
            for f in of.keys().chain(nf.keys()).collect::<BTreeSet<_>>() {
                let (a, b) = (of.get(f), nf.get(f));
                let change = match (a, b) {
                    (None, Some(_)) => Change::Added,
                    (Some(_), None) => Change::Removed,
                    (Some(x), Some(y)) if x != y => Change::Changed,
                    _ => continue,
                };
                diff.push(FieldDiff {
                    model: m.key.clone(),
                    region: region.clone(),
                    scope,
                    field: f.clone(),
                    change,
                    old: a.map(|d| d.normalize().to_string()),
                    new: b.map(|d| d.normalize().to_string()),
                });
            }
            let rows = m.prices.entry((region.clone(), scope)).or_default();
            match (old, new) {
                (None, None) => {}
                (None, Some(n)) => rows.push(n.clone()),
                (Some(o), n) if of != nf && o.as_of < day => {
                    // A newer offer: the old row stays for the requests made before its
                    // publication day; the feed's row applies from that day (none: AWS lists no
                    // price now).
                    for r in rows.iter_mut() {
                        if *r == o && r.valid_from.is_none_or(|f| f < day) {
                            r.valid_until = Some(day);
                        }
                    }
                    if let Some(n) = n {
                        let mut n = with_extras(n, &o);
                        n.valid_from = Some(day);
                        n.valid_until = o.valid_until.filter(|u| *u > day);
                        rows.push(n);
                    }
                }
                (Some(o), None) if of != nf => {
                    // The same (or an older) publication lists no price here: the row is dropped.
                    rows.retain(|r| *r != o);
                }
                (Some(o), Some(n)) => {
                    // The same prices, or the same publication read again: the feed's values,
                    // undated where the row was.
                    for r in rows.iter_mut() {
                        if *r == o {
                            *r = PriceRow {
                                valid_from: o.valid_from,
                                valid_until: o.valid_until,
                                note: o.note.clone(),
                                ..with_extras(n, &o)
                            };
                        }
                    }
                }
                (Some(_), None) => {}
            }
            rows.sort_by_key(|r| r.valid_from);
            if rows.is_empty() {
                m.prices.remove(&(region.clone(), scope));
            }
        }
    }
    let offers_out = offers
        .iter()
        .map(|o| OfferOut {
            offer: o.offer_code.clone(),
            version: o.version.clone(),
            published: o.published,
            regions: o
                .rates
                .iter()
                .map(|r| r.region.clone())
                .chain(o.unmapped.iter().map(|u| u.region.clone()))
                .filter(|r| !r.is_empty())
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect(),
            rates: o.rates.len(),
            unmapped: o.unmapped.len(),
        })
        .collect();
    diff.sort();
    SyncResult {
        offers: offers_out,
        diff,
        unknown_models: unknown
            .into_iter()
            .map(|(name, (regions, skus))| UnknownModel {
                name,
                regions: regions.into_iter().collect(),
                skus,
            })
            .collect(),
        unmapped,
        conflicts,
        billing_names_added,
        catalog: models,
    }
}

fn empty_row(o: &Offer, region: &str, scope: Scope) -> PriceRow {
    PriceRow {
        regions: vec![region.to_string()],
        scope,
        standard: TokenRates::default(),
        long_context: TokenRates::default(),
        batch: TokenRates::default(),
        flex: TokenRates::default(),
        priority: TokenRates::default(),
        reserved_input_1k_tpm_month: None,
        reserved_output_1k_tpm_month: None,
        provisioned_no_commit_hour: None,
        provisioned_1_month_hour: None,
        provisioned_6_month_hour: None,
        source: format!("AWS Price List {} {} ({region})", o.offer_code, o.version),
        as_of: o.published,
        valid_from: None,
        valid_until: None,
        note: None,
        origin: "pricing sync".into(),
        built_in: true,
    }
}

/// The feed's token rates with the old row's fields the feed does not carry (provisioned,
/// reserved) kept; its note describes the old row, so it stays there.
fn with_extras(new: &PriceRow, old: &PriceRow) -> PriceRow {
    PriceRow {
        reserved_input_1k_tpm_month: old.reserved_input_1k_tpm_month,
        reserved_output_1k_tpm_month: old.reserved_output_1k_tpm_month,
        provisioned_no_commit_hour: old.provisioned_no_commit_hour,
        provisioned_1_month_hour: old.provisioned_1_month_hour,
        provisioned_6_month_hour: old.provisioned_6_month_hour,
        ..new.clone()
    }
}

/// A TOML basic string.
fn q(s: &str) -> String {
    serde_json::to_string(s).expect("a string serializes")
}

/// The models as one catalog file (the format `pricing check` reads).
pub fn to_toml(header: &str, models: &[&Model]) -> String {
    let mut s = String::new();
    for l in header.lines() {
        s.push_str(&format!("# {l}\n"));
    }
    for m in models {
        s.push_str(&format!(
            "\n[[model]]\nkey = {}\nname = {}\nprovider = {}\n",
            q(&m.key),
            q(&m.name),
            q(&m.provider)
        ));
        let list = |v: &[String]| v.iter().map(|x| q(x)).collect::<Vec<_>>().join(", ");
        s.push_str(&format!("ids = [{}]\n", list(&m.ids)));
        if !m.feed_names.is_empty() {
            s.push_str(&format!("feed_names = [{}]\n", list(&m.feed_names)));
        }
        if !m.billing_names.is_empty() {
            s.push_str(&format!("billing_names = [{}]\n", list(&m.billing_names)));
        }
        if let Some(t) = m.long_context_threshold {
            s.push_str(&format!("long_context_threshold = {t}\n"));
        }
        if let Some(t) = m.tpm_per_unit {
            s.push_str(&format!("tpm_per_unit = {t}\n"));
        }
        if let Some(d) = m.end_of_life {
            s.push_str(&format!("end_of_life = \"{d}\"\n"));
        }
        s.push_str(&format!(
            "source = {}\nas_of = \"{}\"\n",
            q(&m.source),
            m.as_of
        ));
        // Rows with the same content share one [[model.price]] with their regions listed.
        let mut rows: Vec<(Vec<String>, &PriceRow)> = vec![];
        for (region, row) in m.rows() {
            let same = |r: &&PriceRow| {
                let mut a = (*r).clone();
                a.regions = row.regions.clone();
                a == *row
            };
            match rows.iter_mut().find(|(_, r)| same(r)) {
                Some((regions, _)) => regions.push(region.to_string()),
                None => rows.push((vec![region.to_string()], row)),
            }
        }
        for (regions, r) in rows {
            s.push_str(&format!(
                "[[model.price]]\nregions = [{}]\n",
                list(&regions)
            ));
            if r.scope != Scope::Regional {
                s.push_str(&format!("scope = \"{}\"\n", r.scope.as_str()));
            }
            s.push_str(&format!(
                "source = {}\nas_of = \"{}\"\n",
                q(&r.source),
                r.as_of
            ));
            if let Some(d) = r.valid_from {
                s.push_str(&format!("valid_from = \"{d}\"\n"));
            }
            if let Some(d) = r.valid_until {
                s.push_str(&format!("valid_until = \"{d}\"\n"));
            }
            if let Some(n) = &r.note {
                s.push_str(&format!("note = {}\n", q(n)));
            }
            for (k, v) in token_fields(r) {
                s.push_str(&format!("{k} = \"{}\"\n", v.normalize()));
            }
            for (k, v) in r.capacity_rates() {
                s.push_str(&format!("{k} = \"{}\"\n", v.normalize()));
            }
        }
    }
    s
}
