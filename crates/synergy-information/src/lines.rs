//! Validation of per-SKU volume lines, shared by forecasts, supply plans and orders.

use std::collections::BTreeMap;

use synergy_domain::{CatalogueView, DomainError};
use synergy_proto::{Cases, SkuId, events::information::VolumeLine};

/// The rule codes one kind of volume list reports under.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LineRules {
    /// What the list is, for messages ("a demand forecast").
    pub what: &'static str,
    pub lines_required: &'static str,
    pub one_line_per_sku: &'static str,
    /// Broken by a negative volume, or by a zero one when `positive` is set.
    pub volume_rule: &'static str,
    pub positive: bool,
}

/// Why a SKU the partnership's catalogue does not hold is refused.
pub(crate) fn unregistered(sku: &SkuId) -> String {
    format!(
        "SKU {sku} is not registered in the partnership's catalogue; \
         the manufacturer registers it first"
    )
}

/// The `known` check of [`check_volume_lines`] for lists of any registered SKU: one the
/// catalogue does not hold is refused under `rule`.
pub(crate) fn registered_in<'c>(
    catalogue: &'c CatalogueView,
    rule: &'static str,
) -> impl Fn(&SkuId, String) -> Result<(), DomainError> + 'c {
    move |sku, field| {
        if catalogue.skus.contains_key(sku) {
            Ok(())
        } else {
            Err(DomainError::invalid(rule, field, unregistered(sku)))
        }
    }
}

/// Field name of a line, keyed by SKU so it survives reordering: `lines[hongyun-soft]`.
pub(crate) fn line_field(sku: &SkuId) -> String {
    format!("lines[{sku}]")
}

/// Checks `lines` and returns them as a map by SKU (the normal form: sorted, one per SKU).
///
/// `known` decides whether a SKU may appear at all (registered in the catalogue, or part of
/// the order) and names the rule when it may not.
pub(crate) fn check_volume_lines(
    lines: &[VolumeLine],
    rules: LineRules,
    known: impl Fn(&SkuId, String) -> Result<(), DomainError>,
) -> Result<BTreeMap<SkuId, Cases>, DomainError> {
    if lines.is_empty() {
        return Err(DomainError::invalid(
            rules.lines_required,
            "lines",
            format!("{} needs at least one SKU line", rules.what),
        ));
    }
    let mut by_sku = BTreeMap::new();
    for line in lines {
        let field = line_field(&line.sku);
        known(&line.sku, format!("{field}.sku"))?;
        if line.volume.is_negative() || (rules.positive && line.volume == Cases::ZERO) {
            let bound = if rules.positive {
                "greater than zero"
            } else {
                "zero or more"
            };
            return Err(DomainError::invalid(
                rules.volume_rule,
                format!("{field}.volume"),
                format!(
                    "{} volume of {} is {} cases; it must be {bound}",
                    rules.what, line.sku, line.volume
                ),
            ));
        }
        if by_sku.insert(line.sku.clone(), line.volume).is_some() {
            return Err(DomainError::invalid(
                rules.one_line_per_sku,
                field,
                format!(
                    "{} lists {} more than once; give one line per SKU",
                    rules.what, line.sku
                ),
            ));
        }
    }
    Ok(by_sku)
}

/// The lines of an event, in SKU order.
pub(crate) fn to_lines(map: &BTreeMap<SkuId, Cases>) -> Vec<VolumeLine> {
    map.iter()
        .map(|(sku, volume)| VolumeLine {
            sku: sku.clone(),
            volume: *volume,
        })
        .collect()
}

/// The lines of an event as a map (events are facts; a duplicate keeps the last line).
pub(crate) fn to_map(lines: &[VolumeLine]) -> BTreeMap<SkuId, Cases> {
    lines.iter().map(|l| (l.sku.clone(), l.volume)).collect()
}
