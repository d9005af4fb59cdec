//! Writing catalogues and market data back as CSV in the import layout: for templates,
//! exports, and to prove that what is parsed is what was written.

use synergy_brand::SkuEntry;
use synergy_information::MonthSubmission;
use synergy_proto::SkuId;

use crate::catalogue::CATALOGUE_COLUMNS;
use crate::market_data::MARKET_DATA_COLUMNS;

/// The catalogue as CSV text (header first, `\n` line ends, quoted where needed).
pub fn catalogue_csv(entries: &[SkuEntry]) -> String {
    let mut out = String::new();
    push_record(&mut out, CATALOGUE_COLUMNS.iter().copied());
    for e in entries {
        push_record(
            &mut out,
            [
                e.brand.as_str(),
                e.sku.as_str(),
                e.name.as_str(),
                &e.price_class.to_string(),
                &e.guide_price.to_string(),
            ],
        );
    }
    out
}

/// Market data as CSV text: each month's SKU rows, then its `ALL` row, months in the given
/// order. The `ALL` row leaves the figures the market totals do not carry empty.
pub fn market_data_csv(months: &[MonthSubmission]) -> String {
    let mut out = String::new();
    push_record(&mut out, MARKET_DATA_COLUMNS.iter().copied());
    for m in months {
        let period = m.month.to_string();
        for l in &m.lines {
            push_record(
                &mut out,
                [
                    period.as_str(),
                    l.sku.as_str(),
                    &l.volume.to_string(),
                    &l.revenue.to_string(),
                    &l.closing_stock.to_string(),
                    &l.outlets_stocking.to_string(),
                    &l.outlets_selling.to_string(),
                    &l.avg_retail_price.to_string(),
                ],
            );
        }
        push_record(
            &mut out,
            [
                period.as_str(),
                SkuId::MARKET_TOTAL,
                &m.market.volume.to_string(),
                &m.market.revenue.to_string(),
                "",
                &m.market.active_outlets.to_string(),
                "",
                "",
            ],
        );
    }
    out
}

pub(crate) fn push_record<'a>(out: &mut String, fields: impl IntoIterator<Item = &'a str>) {
    for (i, field) in fields.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        if field.contains([',', '"', '\n', '\r']) {
            out.push('"');
            out.push_str(&field.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(field);
        }
    }
    out.push('\n');
}
