//! The distributor's monthly market data file (`docs/import-formats.md`): one row per SKU and month, plus
//! each month's `ALL` row with the market totals of every brand in the region.

use std::collections::BTreeMap;

use synergy_domain::CatalogueView;
use synergy_information::MonthSubmission;
use synergy_proto::events::information::{MarketTotals, SkuLine};
use synergy_proto::{Cases, SkuId, YearMonth, Yuan};

use crate::error::{ImportErrors, Parsed, Problems, RowError, Warning};
use crate::fields::{Fields, keep};
use crate::format::Format;
use crate::header;
use crate::limits::Limits;
use crate::table::{self, Source};

/// The market data header, in the order templates write it.
pub const MARKET_DATA_COLUMNS: [&str; 8] = [
    "period",
    "sku",
    "volume_cases",
    "revenue_yuan",
    "closing_stock_cases",
    "outlets_stocking",
    "outlets_selling",
    "avg_retail_price_yuan",
];

const PERIOD: usize = 0;
const SKU: usize = 1;
const VOLUME: usize = 2;
const REVENUE: usize = 3;
const CLOSING_STOCK: usize = 4;
const STOCKING: usize = 5;
const SELLING: usize = 6;
const AVG_PRICE: usize = 7;

/// Reads a market data file into one [`MonthSubmission`] per month, months in order and
/// each month's lines sorted by SKU, or lists every bad row.
///
/// With a catalogue, every SKU must be registered in it. What needs the recorded history
/// or the clock (a month that has not ended, a correction without a reason) is left to
/// the information context.
///
/// The market-total row is recognised by its SKU `ALL` in any letter case.
///
/// Reads within the default [`Limits`]; see [`parse_market_data_within`].
pub fn parse_market_data(
    bytes: &[u8],
    format: Format,
    catalogue: Option<&CatalogueView>,
) -> Result<Vec<MonthSubmission>, ImportErrors> {
    parse_market_data_within(bytes, format, catalogue, &Limits::DEFAULT)
}

/// [`parse_market_data`] within the given limits: a file past any of them is refused
/// with the limit's rule code, naming where it was crossed.
pub fn parse_market_data_within(
    bytes: &[u8],
    format: Format,
    catalogue: Option<&CatalogueView>,
    limits: &Limits,
) -> Result<Vec<MonthSubmission>, ImportErrors> {
    read_market_data(Source::file(bytes, format), catalogue, limits).map(|parsed| parsed.value)
}

/// Reads market data from a file or from rows of cells in [`MARKET_DATA_COLUMNS`] order,
/// with one set of rules and messages for both; says which sheet of a workbook it read and
/// which columns it ignored.
pub fn read_market_data(
    source: Source<'_>,
    catalogue: Option<&CatalogueView>,
    limits: &Limits,
) -> Result<Parsed<Vec<MonthSubmission>>, ImportErrors> {
    let sheet = table::read_source(source, &MARKET_DATA_COLUMNS, limits)?;
    let name = sheet.name.as_deref();
    let (value, warnings) = submissions(&sheet, catalogue).map_err(|e| e.in_sheet(name))?;
    Ok(Parsed {
        value,
        sheet: sheet.name,
        warnings,
    })
}

fn submissions(
    sheet: &table::Sheet,
    catalogue: Option<&CatalogueView>,
) -> Result<(Vec<MonthSubmission>, Vec<Warning>), ImportErrors> {
    let (header, rows) = header::split_header(sheet, &MARKET_DATA_COLUMNS)?;
    if rows.is_empty() {
        return Err(ImportErrors::single(RowError::row(
            header.line,
            "import.no_rows",
            "the file has a header but no data rows; give one row per SKU and month, and \
             each month's ALL row",
        )));
    }

    let mut errors = Problems::new();
    let mut months: BTreeMap<YearMonth, MonthRows> = BTreeMap::new();
    // An ALL row whose period is unreadable belongs to some month; its period error
    // already explains why that month lacks totals, so "no ALL row" would only add noise.
    let mut total_without_month = false;
    for row in rows {
        header.check_stray_cells(row, &mut errors);
        let fields = Fields {
            row,
            positions: &header.positions,
            names: &MARKET_DATA_COLUMNS,
        };
        let parsed = parse_row(fields, catalogue, &mut errors);
        let (month, kind) = match (parsed.month, parsed.kind) {
            (Some(month), Some(kind)) => (month, kind),
            (None, Some(Kind::Total(_))) => {
                total_without_month = true;
                continue;
            }
            _ => continue,
        };
        let line = row.line;
        let group = months.entry(month).or_insert_with(|| MonthRows::new(line));
        match kind {
            Kind::Total(totals) => {
                if let Some((first, _)) = &group.total {
                    errors.push(RowError::at(
                        line,
                        "sku",
                        "market_data.one_all_row_per_month",
                        format!(
                            "{month} already has its ALL row on line {first}; give the market \
                             totals once per month"
                        ),
                    ));
                } else {
                    group.total = Some((line, totals));
                }
            }
            Kind::Sku(sku, values) => {
                if let Some(first) = group.skus.get(&sku) {
                    errors.push(RowError::at(
                        line,
                        "sku",
                        "market_data.one_line_per_sku",
                        format!(
                            "{month} already has a row for {sku} on line {first}; give one row \
                             per SKU and month"
                        ),
                    ));
                } else {
                    group.skus.insert(sku, line);
                    if let Some(values) = values {
                        group.lines.push((line, values));
                    }
                }
            }
        }
    }

    for (month, group) in &months {
        check_against_totals(*month, group, !total_without_month, &mut errors);
    }
    if let Some(rejected) = errors.finish() {
        return Err(rejected);
    }

    let mut submissions = Vec::with_capacity(months.len());
    for (month, group) in months {
        // No errors means every month has exactly one ALL row that parsed.
        let Some((_, Some(market))) = group.total else {
            continue;
        };
        let mut lines: Vec<SkuLine> = group.lines.into_iter().map(|(_, l)| l).collect();
        lines.sort_by(|a, b| a.sku.cmp(&b.sku));
        submissions.push(MonthSubmission {
            month,
            lines,
            market,
        });
    }
    Ok((submissions, header.warnings))
}

/// The rows of one month, as far as they could be read.
#[derive(Debug)]
struct MonthRows {
    first_line: usize,
    /// The `ALL` row's line and totals (`None` if its figures were bad).
    total: Option<(usize, Option<MarketTotals>)>,
    /// Each SKU's first line, for duplicates.
    skus: BTreeMap<SkuId, usize>,
    /// SKU rows whose figures all parsed.
    lines: Vec<(usize, SkuLine)>,
}

impl MonthRows {
    fn new(first_line: usize) -> Self {
        Self {
            first_line,
            total: None,
            skus: BTreeMap::new(),
            lines: Vec::new(),
        }
    }
}

#[derive(Debug)]
enum Kind {
    Total(Option<MarketTotals>),
    Sku(SkuId, Option<SkuLine>),
}

#[derive(Debug)]
struct ParsedRow {
    month: Option<YearMonth>,
    /// What the row is, if its SKU could be read; the figures only if all of them could.
    kind: Option<Kind>,
}

fn is_market_total(text: &str) -> bool {
    text.eq_ignore_ascii_case(SkuId::MARKET_TOTAL)
}

fn parse_row(f: Fields<'_>, catalogue: Option<&CatalogueView>, errors: &mut Problems) -> ParsedRow {
    let month = keep(f.month(PERIOD), errors);
    let kind = match f.optional_text(SKU, "the SKU code") {
        Ok(Some(text)) if is_market_total(text) => Some(Kind::Total(parse_totals(f, errors))),
        Ok(Some(_)) => {
            let sku = keep(f.sku(SKU), errors);
            if let (Some(sku), Some(catalogue)) = (&sku, catalogue)
                && !catalogue.skus.contains_key(sku)
            {
                errors.push(unregistered(f, sku, catalogue));
            }
            let values = parse_line_figures(f, errors);
            sku.map(|sku| {
                let line = values.map(|v| SkuLine {
                    sku: sku.clone(),
                    volume: v.volume,
                    revenue: v.revenue,
                    closing_stock: v.closing_stock,
                    outlets_stocking: v.stocking,
                    outlets_selling: v.selling,
                    avg_retail_price: v.avg_price,
                });
                Kind::Sku(sku, line)
            })
        }
        unreadable_or_empty => {
            errors.push(match unreadable_or_empty {
                Err(e) => e,
                Ok(_) => f.report(
                    SKU,
                    "import.required",
                    "sku is empty; give the SKU code, or ALL for the market totals".into(),
                ),
            });
            // Which figures are required depends on whether this is the ALL row, which
            // cannot be told; check only what every row needs, so no guess adds noise.
            parse_totals(f, errors);
            None
        }
    };
    ParsedRow { month, kind }
}

#[derive(Debug, Clone, Copy)]
struct LineFigures {
    volume: Cases,
    revenue: Yuan,
    closing_stock: Cases,
    stocking: u32,
    selling: u32,
    avg_price: Yuan,
}

fn parse_line_figures(f: Fields<'_>, errors: &mut Problems) -> Option<LineFigures> {
    let volume = keep(f.cases(VOLUME), errors);
    let revenue = keep(f.yuan(REVENUE), errors);
    let closing_stock = keep(f.cases(CLOSING_STOCK), errors);
    let stocking = keep(f.count(STOCKING), errors);
    let selling = keep(f.count(SELLING), errors);
    let avg_price = keep(f.yuan(AVG_PRICE), errors);
    if let (Some(stocking), Some(selling)) = (stocking, selling)
        && selling > stocking
    {
        errors.push(f.report(
            SELLING,
            "market_data.selling_within_stocking",
            format!(
                "sold in {selling} outlets but stocked in only {stocking}; an outlet that sells \
                 the SKU must stock it"
            ),
        ));
    }
    Some(LineFigures {
        volume: volume?,
        revenue: revenue?,
        closing_stock: closing_stock?,
        stocking: stocking?,
        selling: selling?,
        avg_price: avg_price?,
    })
}

/// The `ALL` row: volume, revenue and active outlets are required; the other figures may
/// be empty, and are checked but not kept when given (the market totals have no place
/// for them).
fn parse_totals(f: Fields<'_>, errors: &mut Problems) -> Option<MarketTotals> {
    let volume = keep(f.cases(VOLUME), errors);
    let revenue = keep(f.yuan(REVENUE), errors);
    keep(f.optional_cases(CLOSING_STOCK), errors);
    let active = keep(f.count(STOCKING), errors);
    let selling = keep(f.optional_count(SELLING), errors).flatten();
    keep(f.optional_yuan(AVG_PRICE), errors);
    if let (Some(active), Some(selling)) = (active, selling)
        && selling > active
    {
        errors.push(f.report(
            SELLING,
            "market_data.selling_within_stocking",
            format!(
                "the market has {active} active outlets (outlets_stocking of the ALL row) but \
                 {selling} selling outlets; selling outlets are a subset of the active ones"
            ),
        ));
    }
    Some(MarketTotals {
        volume: volume?,
        revenue: revenue?,
        active_outlets: active?,
    })
}

fn unregistered(f: Fields<'_>, sku: &SkuId, catalogue: &CatalogueView) -> RowError {
    let similar = catalogue
        .skus
        .keys()
        .find(|known| known.as_str().eq_ignore_ascii_case(sku.as_str()));
    let hint = match similar {
        Some(known) => format!(" (did you mean {known}? SKU codes are case-sensitive)"),
        None => String::new(),
    };
    f.report(
        SKU,
        "market_data.sku_registered",
        format!(
            "SKU {sku} is not registered in the partnership's catalogue{hint}; the manufacturer \
             registers it first"
        ),
    )
}

/// Checks one month's SKU rows against its `ALL` row.
fn check_against_totals(
    month: YearMonth,
    group: &MonthRows,
    report_missing_total: bool,
    errors: &mut Problems,
) {
    let (total_line, market) = match &group.total {
        None if !report_missing_total => return,
        None => {
            errors.push(RowError::row(
                group.first_line,
                "market_data.month_needs_all_row",
                format!(
                    "{month} has no ALL row; add a row with period {month} and sku ALL carrying \
                     the market totals of all brands in the region"
                ),
            ));
            return;
        }
        Some((_, None)) => return,
        Some((line, Some(market))) => (*line, market),
    };

    let mut volume_each_ok = true;
    let mut revenue_each_ok = true;
    for (line, l) in &group.lines {
        if l.outlets_stocking > market.active_outlets {
            errors.push(RowError::at(
                *line,
                "outlets_stocking",
                "market_data.stocking_within_active_outlets",
                format!(
                    "{month}: {} is stocked in {} outlets but the ALL row (line {total_line}) \
                     counts only {} active outlets in the market",
                    l.sku, l.outlets_stocking, market.active_outlets
                ),
            ));
        }
        if l.volume > market.volume {
            volume_each_ok = false;
            errors.push(RowError::at(
                *line,
                "volume_cases",
                "market_data.sku_within_market",
                format!(
                    "{month}: {} sold {} cases, more than the whole market's {} on the ALL row \
                     (line {total_line})",
                    l.sku, l.volume, market.volume
                ),
            ));
        }
        if l.revenue > market.revenue {
            revenue_each_ok = false;
            errors.push(RowError::at(
                *line,
                "revenue_yuan",
                "market_data.sku_within_market",
                format!(
                    "{month}: {} took ¥{}, more than the whole market's ¥{} on the ALL row \
                     (line {total_line})",
                    l.sku, l.revenue, market.revenue
                ),
            ));
        }
    }
    // A single line above the total already explains an excessive sum; report the sum only
    // when no line does, so each fault is named once.
    if volume_each_ok {
        let sum = Cases::checked_sum(group.lines.iter().map(|(_, l)| l.volume));
        if sum.as_ref().map_or(true, |s| *s > market.volume) {
            let shown =
                sum.map_or_else(|_| "more than can be counted".to_owned(), |s| s.to_string());
            errors.push(RowError::at(
                total_line,
                "volume_cases",
                "market_data.skus_within_market",
                format!(
                    "{month}: the SKU rows add up to {shown} cases, more than the market total \
                     of {} cases; the ALL row covers every brand, so it cannot be smaller",
                    market.volume
                ),
            ));
        }
    }
    if revenue_each_ok {
        let sum = Yuan::checked_sum(group.lines.iter().map(|(_, l)| l.revenue));
        if sum.as_ref().map_or(true, |s| *s > market.revenue) {
            let shown = sum.map_or_else(
                |_| "more than can be counted".to_owned(),
                |s| format!("¥{s}"),
            );
            errors.push(RowError::at(
                total_line,
                "revenue_yuan",
                "market_data.skus_within_market",
                format!(
                    "{month}: the SKU rows add up to {shown}, more than the market total of ¥{}; \
                     the ALL row covers every brand, so it cannot be smaller",
                    market.revenue
                ),
            ));
        }
    }
}
