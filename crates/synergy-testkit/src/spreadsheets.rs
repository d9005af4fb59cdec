//! Workbooks as people write them, for the tests of "spreadsheets as people write them"
//! (`docs/import-formats.md`) and for the samples in `docs/examples/`: a market data CSV
//! turned into the workbook Excel makes of it when the months are typed into General
//! cells and the figures pasted from elsewhere.

use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook};

/// The Chinese header a distributor writes for each column of the import (Traditional,
/// some with units), or `None` to keep the name.
fn chinese(column: &str) -> &'static str {
    match column {
        "period" => "期間",
        "sku" => "規格",
        "volume_cases" => "銷量（箱）",
        "revenue_yuan" => "銷售額（元）",
        "closing_stock_cases" => "期末庫存",
        "outlets_stocking" => "鋪貨戶數",
        "outlets_selling" => "動銷戶數",
        "avg_retail_price_yuan" => "平均零售價",
        _ => "?",
    }
}

/// `value` as Excel would store it after arithmetic: the next float up, the noise that
/// makes 1200.5 read back as `1200.5000000000002` (0 stays 0, as arithmetic leaves it).
fn with_noise(value: f64) -> f64 {
    if value == 0.0 {
        return value;
    }
    f64::from_bits(value.to_bits() + 1)
}

/// `1234567.5` as `1,234,567.5`.
fn grouped(text: &str) -> String {
    let (int, frac) = text
        .split_once('.')
        .map_or((text, None), |(i, f)| (i, Some(f)));
    let mut out = String::new();
    for (i, digit) in int.chars().enumerate() {
        if i > 0 && (int.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    match frac {
        Some(frac) => format!("{out}.{frac}"),
        None => out,
    }
}

/// The market data of `csv` (the import's own header and layout) as a workbook Excel
/// writes: a `說明` notes sheet first, then sheet `sheet` with the header in Chinese, a
/// 備註 column of remarks after `sku`, each month a date cell (formatted `yyyy-mm`, on the
/// month's first day, or its 28th every third row), figures as numbers — with float
/// noise on every second one and as text grouped by commas on every fifth. The bytes are
/// the same for the same input.
pub fn market_data_as_excel_writes_it(csv: &str, sheet: &str) -> anyhow::Result<Vec<u8>> {
    let mut workbook = Workbook::new();
    workbook.set_properties(
        &DocProperties::new().set_creation_datetime(&ExcelDateTime::from_ymd(2008, 7, 1)?),
    );
    let month = Format::new().set_num_format("yyyy-mm");
    let bold = Format::new().set_bold();

    let notes = workbook.add_worksheet();
    notes.set_name("說明")?;
    notes.write_string_with_format(0, 0, "填表說明", &bold)?;
    notes.write_string(1, 0, "每月每個規格一行，另加全市場（ALL）一行。")?;

    let data = workbook.add_worksheet();
    data.set_name(sheet)?;
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap_or_default().split(',').collect();
    // The remarks column goes right after the SKU.
    let remarks_at = header.iter().position(|c| *c == "sku").map_or(2, |i| i + 1);
    let column = |i: usize| u16::try_from(if i < remarks_at { i } else { i + 1 }).unwrap_or(0);
    for (i, name) in header.iter().enumerate() {
        data.write_string_with_format(0, column(i), chinese(name), &bold)?;
    }
    data.write_string_with_format(0, u16::try_from(remarks_at)?, "備註", &bold)?;
    let mut figure = 0usize;
    for (r, line) in lines.enumerate() {
        let row = u32::try_from(r)? + 1;
        for (i, cell) in line.split(',').enumerate() {
            if cell.is_empty() {
                continue;
            }
            let col = column(i);
            if header.get(i) == Some(&"period") {
                let (y, m) = cell.split_once('-').unwrap_or((cell, "1"));
                let day = if r % 3 == 2 { 28 } else { 1 };
                let date = ExcelDateTime::from_ymd(y.parse()?, m.parse()?, day)?;
                data.write_datetime_with_format(row, col, &date, &month)?;
            } else if let Ok(value) = cell.parse::<f64>() {
                figure += 1;
                if figure.is_multiple_of(5) {
                    data.write_string(row, col, grouped(cell))?;
                } else if figure.is_multiple_of(2) {
                    data.write_number(row, col, with_noise(value))?;
                } else {
                    data.write_number(row, col, value)?;
                }
            } else {
                data.write_string(row, col, cell)?;
            }
        }
        if r % 4 == 1 {
            data.write_string(row, u16::try_from(remarks_at)?, "已核對")?;
        }
    }
    Ok(workbook.save_to_buffer()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(grouped("1234567.5"), "1,234,567.5");
        assert_eq!(grouped("123"), "123");
        assert_eq!(grouped("1000"), "1,000");
    }

    #[test]
    fn the_same_csv_writes_the_same_bytes() {
        let csv = "period,sku,volume_cases\n2008-06,ALL,11300\n";
        assert_eq!(
            market_data_as_excel_writes_it(csv, "六月").unwrap(),
            market_data_as_excel_writes_it(csv, "六月").unwrap()
        );
    }
}
