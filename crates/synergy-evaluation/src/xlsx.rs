//! The report as a workbook: a sheet per table of its [layout](crate::layout), every
//! column whole (a spreadsheet scrolls), figures as numbers in their unit's format.
//!
//! A figure becomes a floating-point cell only here, from its exact decimal text: the
//! report keeps integer units, so `22.63 %` is the cell 0.2263 shown as `22.63%` and
//! ¥217,000,000.00 the cell 217000000 shown with 2 decimals.

use rust_xlsxwriter::{Format as CellFormat, FormatAlign, Workbook, XlsxError};

use crate::exact::format_units;
use crate::figure::{Figure, Unit};
use crate::layout::{self, Block, Cell, Width};
use crate::locale::{Lang, Texts};
use crate::report::Report;

/// Excel's limit on a sheet name.
const SHEET_NAME_CHARS: usize = 31;

/// A sheet name Excel takes: no `[]:*?/\`, at most 31 characters, unique in the book.
fn sheet_name(title: &str, taken: &mut Vec<String>) -> String {
    let clean: String = title
        .chars()
        .map(|c| if "[]:*?/\\".contains(c) { ' ' } else { c })
        .collect();
    let clean = clean.trim().trim_matches('\'');
    let base: String = clean.chars().take(SHEET_NAME_CHARS).collect();
    let mut name = if base.is_empty() {
        "sheet".to_owned()
    } else {
        base
    };
    let mut n = 2;
    while taken.iter().any(|t| t.eq_ignore_ascii_case(&name)) {
        let suffix = format!(" {n}");
        let keep = SHEET_NAME_CHARS - suffix.chars().count();
        name = clean.chars().take(keep).collect::<String>() + &suffix;
        n += 1;
    }
    taken.push(name.clone());
    name
}

/// How wide a text shows: CJK characters take two columns.
fn display_width(s: &str) -> usize {
    s.chars()
        .map(|c| if (c as u32) >= 0x2E80 { 2 } else { 1 })
        .sum()
}

/// The cell's number and Excel number format; `None` for a text or null.
fn number(cell: &Cell) -> Option<(f64, &'static str)> {
    let Cell::Figure { figure, signed } = cell else {
        return None;
    };
    let (text, format) = match figure {
        Figure::Count(n) => (n.to_string(), "#,##0"),
        Figure::Amount { units, unit } => {
            let plain = format_units(*units, unit.scale(), false);
            match unit {
                // A percentage is stored as its fraction, so Excel's `%` shows it.
                Unit::Percent => (
                    format_units(*units, unit.scale() + 2, false),
                    if *signed {
                        "+0.00%;-0.00%;0.00%"
                    } else {
                        "0.00%"
                    },
                ),
                Unit::Yuan => (plain, "#,##0.00"),
                Unit::Cases if units % 1000 == 0 => (plain, "#,##0"),
                Unit::Cases => (plain, "#,##0.000"),
                Unit::Points => (plain, "+0.00;-0.00;0.00"),
                Unit::Ratio => (plain, "0.00"),
            }
        }
        _ => return None,
    };
    text.parse().ok().map(|n| (n, format))
}

/// The workbook's bytes, its words in `lang`.
pub fn to_xlsx(report: &Report, lang: Lang) -> Result<Vec<u8>, XlsxError> {
    let t = &Texts::new(lang);
    let mut book = Workbook::new();
    let bold = CellFormat::new()
        .set_bold()
        .set_text_wrap()
        .set_align(FormatAlign::Top);
    let mut taken = Vec::new();
    for block in layout::document(report, Width::Sheet, t) {
        let Block::Table(table) = block else {
            continue;
        };
        let sheet = book.add_worksheet();
        sheet.set_name(sheet_name(&table.title, &mut taken))?;
        let mut widths: Vec<usize> = table
            .head
            .iter()
            .map(|h| display_width(h).min(24))
            .collect();
        for (col, head) in table.head.iter().enumerate() {
            let col = u16::try_from(col).unwrap_or(u16::MAX);
            sheet.write_string_with_format(0, col, head, &bold)?;
        }
        for (r, row) in table.rows.iter().enumerate() {
            let r = u32::try_from(r + 1).unwrap_or(u32::MAX);
            for (c, cell) in row.iter().enumerate() {
                let col = u16::try_from(c).unwrap_or(u16::MAX);
                match number(cell) {
                    Some((n, format)) => {
                        sheet.write_number_with_format(
                            r,
                            col,
                            n,
                            &CellFormat::new().set_num_format(format),
                        )?;
                    }
                    None => {
                        let text = match cell {
                            Cell::Figure {
                                figure: Figure::Null,
                                ..
                            } => String::new(),
                            other => other.show(t),
                        };
                        if !text.is_empty() {
                            sheet.write_string(r, col, &text)?;
                        }
                    }
                }
                // A number shows with its separators and decimals, not in 萬.
                let shown = match cell {
                    Cell::Figure { figure, .. } => figure.human(),
                    Cell::Text(text) => text.clone(),
                };
                if let Some(w) = widths.get_mut(c) {
                    *w = (*w).max(display_width(&shown));
                }
            }
        }
        for (c, w) in widths.into_iter().enumerate() {
            let col = u16::try_from(c).unwrap_or(u16::MAX);
            sheet.set_column_width(col, (w.clamp(8, 60) + 2) as f64)?;
        }
        sheet.set_freeze_panes(1, 0)?;
    }
    if taken.is_empty() {
        book.add_worksheet().set_name("report")?;
    }
    book.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exact::Ratio;

    #[test]
    fn sheet_names_are_cut_cleaned_and_unique() {
        let mut taken = Vec::new();
        assert_eq!(
            sheet_name("品牌 Brands (1/2)", &mut taken),
            "品牌 Brands (1 2)"
        );
        let long = "agenda information_gathered and more words";
        assert_eq!(sheet_name(long, &mut taken).chars().count(), 31);
        let again = sheet_name(long, &mut taken);
        assert!(
            again.ends_with(" 2") && again.chars().count() == 31,
            "{again}"
        );
    }

    #[test]
    fn figures_become_numbers_in_their_unit() {
        let cell = |figure, signed| Cell::Figure { figure, signed };
        let pct = Figure::percent(Ratio::new(15_300, 67_610));
        assert_eq!(number(&cell(pct, false)), Some((0.2263, "0.00%")));
        let yuan = Figure::yuan(Some(21_700_000_012));
        assert_eq!(
            number(&cell(yuan, false)),
            Some((217_000_000.12, "#,##0.00"))
        );
        assert_eq!(
            number(&cell(Figure::cases(Some(1_500)), false)),
            Some((1.5, "#,##0.000"))
        );
        assert_eq!(number(&cell(Figure::Null, false)), None);
        assert_eq!(number(&Cell::Text("x".into())), None);
    }
}
