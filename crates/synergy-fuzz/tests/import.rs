//! The CSV and XLSX importers over random bytes, mutated valid files and mutated zip
//! containers (each part's XML edited, then zipped again) — workbooks of one sheet and of
//! several, as people write them (date cells, Chinese headers, text figures), read with
//! and without a chosen sheet — and CSV cells shaped like dates and grouped figures:
//! never a panic, each case within its allocation bound, and a rejection that holds on to
//! a bounded answer.

use std::io::{Read as _, Write as _};
use std::sync::OnceLock;

use proptest::prelude::*;
use synergy_fuzz::mutate::{apply, edits};
use synergy_fuzz::{config, within};
use synergy_import::{
    Format, ImportErrors, Limits, Source, parse_catalogue, parse_market_data, read_catalogue,
    read_market_data,
};

/// What one case may allocate: the inputs are at most a few hundred KiB inflated, far
/// below the default limits, so any more would be a reader running away.
const CASE_BOUND: usize = 256 << 20;
/// What a rejection may hold on to: 1,000 listed rows of short reasons, and the counts.
const ANSWER_BOUND: usize = 4 << 20;

const MARKET: &str = "period,sku,volume_cases,revenue_yuan,closing_stock_cases,outlets_stocking,outlets_selling,avg_retail_price_yuan
2008-06,hy-soft,900,12000000,280,2600,2300,190
2008-06,ALL,11300,121000000,,5200,,
";
const CATALOGUE: &str = "brand,sku,name,price_class,guide_price_yuan
hongyun,hy-soft,紅雲(軟),2,190.00
hongyun,hy-hard,紅雲(硬),一類,230
";

fn workbook(text: &str) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (r, line) in text.lines().enumerate() {
        for (c, cell) in line.split(',').enumerate() {
            if let Ok(n) = cell.parse::<f64>() {
                sheet.write_number(r as u32, c as u16, n).unwrap();
            } else if !cell.is_empty() {
                sheet.write_string(r as u32, c as u16, cell).unwrap();
            }
        }
    }
    book.save_to_buffer().unwrap()
}

/// Two sheets that both start with the market data header.
fn two_sheets() -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    for name in ["五月", "六月"] {
        let sheet = book.add_worksheet().set_name(name).unwrap();
        for (r, line) in MARKET.lines().enumerate() {
            for (c, cell) in line.split(',').enumerate() {
                sheet.write_string(r as u32, c as u16, cell).unwrap();
            }
        }
    }
    book.save_to_buffer().unwrap()
}

/// The seeds: market data and a catalogue on one sheet; market data as Excel writes it
/// (a notes sheet, then dates, Chinese headers, a 備註 column, float noise, grouped
/// text figures); two sheets with the header.
fn seeds() -> &'static [Vec<u8>; 4] {
    static SEEDS: OnceLock<[Vec<u8>; 4]> = OnceLock::new();
    SEEDS.get_or_init(|| {
        [
            workbook(MARKET),
            workbook(CATALOGUE),
            synergy_testkit::spreadsheets::market_data_as_excel_writes_it(MARKET, "數據").unwrap(),
            two_sheets(),
        ]
    })
}

/// Each part of a zip archive, inflated.
fn parts(book: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(book)).unwrap();
    (0..archive.len())
        .map(|i| {
            let mut part = archive.by_index(i).unwrap();
            let mut bytes = Vec::new();
            part.read_to_end(&mut bytes).unwrap();
            (part.name().unwrap().into_owned(), bytes)
        })
        .collect()
}

fn zip_parts(parts: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, bytes) in parts {
        out.start_file(name.as_str(), options).unwrap();
        out.write_all(bytes).unwrap();
    }
    out.finish().unwrap().into_inner()
}

/// Both importers on `bytes` as `format`: no panic, within the bounds.
fn import(bytes: &[u8], format: Format) {
    // The workbook reader's own panics (an overflow in a debug build) are caught by the
    // importer; printing them without a backtrace keeps the symbol cache the default hook
    // would load (tens of MiB, kept for the process) out of the cases' allocation.
    static QUIET: std::sync::Once = std::sync::Once::new();
    QUIET.call_once(|| std::panic::set_hook(Box::new(|info| eprintln!("{info}"))));
    let check = |result: Result<(), ImportErrors>, held: usize| {
        if let Err(errors) = &result {
            assert!(!errors.is_empty());
            assert!(errors.total >= errors.len());
            assert!(
                errors.rows_with_errors <= synergy_import::LISTED_ROWS || errors.is_truncated()
            );
        }
        assert!(held < ANSWER_BOUND, "a rejection holds {held} bytes");
    };
    let (result, held) = within(CASE_BOUND, || {
        parse_market_data(bytes, format, None).map(drop)
    });
    check(result, held);
    let (result, held) = within(CASE_BOUND, || parse_catalogue(bytes, format).map(drop));
    check(result, held);
    // A chosen sheet, as `--sheet` and `?sheet=` choose it.
    for sheet in ["數據", "六月", "Sheet1"] {
        let source = Source::File {
            bytes,
            format,
            sheet: Some(sheet),
        };
        let (result, held) = within(CASE_BOUND, || {
            read_market_data(source, None, &Limits::DEFAULT).map(drop)
        });
        check(result, held);
        let (result, held) = within(CASE_BOUND, || {
            read_catalogue(source, &Limits::DEFAULT).map(drop)
        });
        check(result, held);
    }
}

/// Cell references and values that stress a sheet reader: far corners, overflowing
/// columns and rows, and odd types.
fn xml_fragment() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        Just(b"XFD1048576".to_vec()),
        Just(b"AAAAAAAAAAAAA1".to_vec()),
        Just(b"A99999999999".to_vec()),
        Just(b"A0".to_vec()),
        Just(b"<c r=\"ZZ9\" t=\"s\"><v>999999</v></c>".to_vec()),
        Just(b"<c r=\"B2\" t=\"inlineStr\"><is><t>x</t></is></c>".to_vec()),
        Just(b"<row r=\"4294967295\">".to_vec()),
        Just(b"<dimension ref=\"A1:XFD1048576\"/>".to_vec()),
        Just(b"<c r=\"C3\" t=\"e\"><v>#DIV/0!</v></c>".to_vec()),
        Just(b"<c r=\"D4\" t=\"d\"><v>2008-06-01T00:00:00</v></c>".to_vec()),
        Just(b"<c r=\"E5\" s=\"99\"><v>1e308</v></c>".to_vec()),
        Just(b"<c r=\"A2\" s=\"1\"><v>-1e308</v></c>".to_vec()),
        Just(b"<c r=\"A3\" s=\"1\"><v>2958466.5</v></c>".to_vec()),
        Just(b"<c r=\"A4\" s=\"1\"><v>NaN</v></c>".to_vec()),
        Just(b"<c r=\"A5\" t=\"d\"><v>T25:99:99</v></c>".to_vec()),
        Just(b"<c r=\"A6\" t=\"d\"><v>2008-02-30T00:00:00+08:00</v></c>".to_vec()),
        Just(b"<workbookPr date1904=\"1\"/>".to_vec()),
        Just(
            "<sheet name=\"數\" sheetId=\"9\" r:id=\"rId9\"/>"
                .as_bytes()
                .to_vec()
        ),
        Just(b"&#x0;&amp;&lt;".to_vec()),
        proptest::collection::vec(any::<u8>(), 1..32),
    ]
}

/// Rows as the sheet XML numbers them (1-based): mostly near the top, sometimes anywhere,
/// past the sheet's last row, or 0 (invalid).
fn row() -> impl Strategy<Value = u32> {
    prop_oneof![6 => 1u32..64, 2 => 1u32..=1_048_576, 1 => Just(0u32), 1 => any::<u32>()]
}

/// Columns, 0-based: mostly the first few, sometimes up to XFD and past it.
fn column() -> impl Strategy<Value = u32> {
    prop_oneof![6 => 0u32..12, 2 => 0u32..16_384, 1 => 16_384u32..1_000_000]
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn random_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..4096), xlsx in any::<bool>()) {
        import(&bytes, if xlsx { Format::Xlsx } else { Format::Csv });
        // Behind a zip signature, the workbook reader sees it.
        let mut zipped = b"PK\x03\x04".to_vec();
        zipped.extend_from_slice(&bytes);
        import(&zipped, Format::Xlsx);
    }

    #[test]
    fn mutated_csv(market in any::<bool>(), edits in edits()) {
        let seed = if market { MARKET } else { CATALOGUE };
        import(&apply(seed.as_bytes(), &edits), Format::Csv);
    }

    /// CSV cells shaped as people type months and figures: dates with any separators
    /// and digits (full-width ones too), figures grouped any way.
    #[test]
    fn months_and_figures_as_typed(
        rows in proptest::collection::vec(
            (
                "[0-9０-９]{0,5}[-/年.]?[0-9]{0,3}[-/月]?[0-9]{0,3}[日T ]?[0-9:.Z+]{0,10}",
                proptest::collection::vec("[-0-9,. ０-９，．\u{a0}]{0,24}", 6),
            ),
            1..40,
        ),
        header in proptest::sample::select(vec![
            "period,sku,volume_cases,revenue_yuan,closing_stock_cases,outlets_stocking,outlets_selling,avg_retail_price_yuan",
            "期間,規格,銷量（箱）,銷售額,期末庫存,鋪貨戶數,動銷戶數,平均零售價,備註",
        ]),
    ) {
        let mut csv = format!("{header}\n");
        for (period, figures) in &rows {
            let quoted: Vec<String> = figures.iter().map(|f| format!("\"{f}\"")).collect();
            csv.push_str(&format!("{period},hy-soft,{}\n", quoted.join(",")));
        }
        import(csv.as_bytes(), Format::Csv);
    }

    #[test]
    fn mutated_workbook_bytes(which in 0usize..4, edits in edits()) {
        import(&apply(&seeds()[which], &edits), Format::Xlsx);
    }

    #[test]
    fn mutated_workbook_parts(
        which in 0usize..4,
        part in any::<usize>(),
        edits in edits(),
        at in any::<usize>(),
        fragment in xml_fragment(),
    ) {
        let mut parts = parts(&seeds()[which]);
        let index = part % parts.len();
        let xml = &mut parts[index].1;
        let mut edited = apply(xml, &edits);
        let at = at % (edited.len() + 1);
        edited.splice(at..at, fragment);
        *xml = edited;
        import(&zip_parts(&parts), Format::Xlsx);
    }

    /// A first sheet written here, cells in any order, anywhere (even past the sheet's
    /// last row or column), duplicates included.
    #[test]
    fn sheets_with_cells_anywhere(
        which in 0usize..4,
        cells in proptest::collection::vec((row(), column(), "[a-z0-9 ]{0,12}"), 1..60),
        declared in any::<bool>(),
    ) {
        let mut sheet = String::from(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">"#,
        );
        if declared {
            sheet.push_str(r#"<dimension ref="A1:XFD1048576"/>"#);
        }
        sheet.push_str("<sheetData>");
        for (r, c, text) in &cells {
            sheet.push_str(&format!(
                r#"<row r="{r}"><c r="{}{r}" t="inlineStr"><is><t>{text}</t></is></c></row>"#,
                column_name(*c)
            ));
        }
        sheet.push_str("</sheetData></worksheet>");
        let mut parts = parts(&seeds()[which]);
        for (name, bytes) in &mut parts {
            if name == "xl/worksheets/sheet1.xml" {
                *bytes = sheet.clone().into_bytes();
            }
        }
        import(&zip_parts(&parts), Format::Xlsx);
    }
}

fn column_name(index: u32) -> String {
    let mut n = u64::from(index) + 1;
    let mut letters = Vec::new();
    while n > 0 {
        letters.push(b'A' + ((n - 1) % 26) as u8);
        n = (n - 1) / 26;
    }
    letters.reverse();
    String::from_utf8(letters).unwrap()
}
