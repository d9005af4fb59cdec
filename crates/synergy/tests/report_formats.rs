//! Reports as people take them away, through the `synergy` binary: an issued version in
//! every format, a workbook, a CSV for Excel and the three languages.

use std::ffi::OsStr;
use std::io::Cursor;
use std::path::Path;

use calamine::{Data, Reader, Xlsx};

mod common;

use common::{ok, succeeds, synergy};

/// The bytes a command that must succeed writes to standard output.
fn bytes<S: AsRef<OsStr>>(data: &Path, args: &[S]) -> Vec<u8> {
    succeeds(data, args).stdout
}

const REPORT: [&str; 7] = [
    "report",
    "--partnership",
    "hongyun-changzhi",
    "--period",
    "2008-H1",
    "--as-of",
    "2008-07-15",
];

/// `synergy report` of the demo's H1 with `extra` arguments.
fn report(extra: &[&str]) -> Vec<String> {
    REPORT
        .iter()
        .chain(extra)
        .map(|a| (*a).to_owned())
        .collect()
}

/// The demo's data, kept in a directory, with the H1 market report issued as version 1.
fn issued_demo() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let data = common::demo_data(dir.path());
    let issued = ok(&data, &report(&["--issue"]));
    assert!(issued.contains("issued version 1"), "{issued}");
    (dir, data)
}

#[test]
fn an_issued_version_renders_in_every_format() {
    let (_dir, data) = issued_demo();
    let version = |format: &str| report(&["--version", "1", "--format", format]);
    let json = ok(&data, &version("json"));
    assert!(json.contains("\"version\":1"), "{json}");

    let md = ok(&data, &version("md"));
    assert!(
        md.starts_with("# 市场分析 — hongyun-changzhi — 2008-H1\n\n第 1 版 · 截至 2008-07-15"),
        "{md}"
    );
    assert!(md.contains("| 销量占有率 | 22.63 % |"), "{md}");
    let html = ok(&data, &version("html"));
    assert!(
        html.starts_with("<!DOCTYPE html>") && html.contains("第 1 版"),
        "{html}"
    );
    let csv = ok(&data, &version("csv"));
    assert!(csv.starts_with("scope,id,key,value\n"), "{csv}");
    assert!(csv.contains("report,hongyun-changzhi,version,1\n"), "{csv}");
    assert!(
        csv.contains("partnership,hongyun-changzhi,volume_share_pct,22.63\n"),
        "{csv}"
    );

    // The live report, once computed again, is the version as it was frozen.
    let live = ok(&data, &report(&["--format", "md"]));
    assert_eq!(live.replacen("实时", "第 1 版", 1), md);

    let out = synergy(&data, &report(&["--version", "2", "--format", "md"]));
    assert!(!out.status.success(), "no version 2");
}

#[test]
fn a_workbook_has_a_sheet_per_table_with_numbers_as_numbers() {
    let (dir, data) = issued_demo();
    // To standard output when it is no terminal (here a pipe)…
    let piped = bytes(&data, &report(&["--format", "xlsx", "--lang", "en"]));
    assert!(piped.starts_with(b"PK\x03\x04"));
    // … or to --out, an issued version too.
    let file = dir.path().join("v1.xlsx");
    let printed = bytes(
        &data,
        &report(&[
            "--version",
            "1",
            "--format",
            "xlsx",
            "--out",
            file.to_str().unwrap(),
        ]),
    );
    assert!(printed.is_empty());
    let mut book = Xlsx::new(Cursor::new(std::fs::read(&file).unwrap())).unwrap();
    let names = book.sheet_names();
    for sheet in ["关键指标", "品牌", "规格", "月度", "改进建议"] {
        assert!(names.iter().any(|n| n == sheet), "{sheet} in {names:?}");
    }
    let skus = book.worksheet_range("规格").unwrap();
    assert_eq!(skus.get_value((0, 0)), Some(&Data::String("规格".into())));
    assert_eq!(skus.get_value((0, 1)), Some(&Data::String("名称".into())));
    assert_eq!(
        skus.get_value((0, 2)),
        Some(&Data::String("销量(箱)".into()))
    );
    assert_eq!(
        skus.get_value((2, 0)),
        Some(&Data::String("hongyun-hard".into()))
    );
    assert_eq!(
        skus.get_value((2, 1)),
        Some(&Data::String("紅雲(硬)".into()))
    );
    assert_eq!(skus.get_value((2, 2)), Some(&Data::Float(3333.0)));
    // ¥63,278,251.00 as yuan and 4.93 % as its fraction.
    assert_eq!(skus.get_value((2, 3)), Some(&Data::Float(63_278_251.0)));
    assert_eq!(skus.get_value((2, 4)), Some(&Data::Float(0.0493)));

    let mut english = Xlsx::new(Cursor::new(piped)).unwrap();
    assert!(english.sheet_names().iter().any(|n| n == "Headline KPIs"));
    let kpis = english.worksheet_range("Headline KPIs").unwrap();
    assert_eq!(
        kpis.get_value((1, 0)),
        Some(&Data::String("volume (cases)".into()))
    );
    assert_eq!(kpis.get_value((1, 1)), Some(&Data::Float(15300.0)));
}

#[test]
fn csv_takes_a_bom_for_excel_and_the_language_changes_only_what_people_read() {
    let (_dir, data) = issued_demo();
    let plain = bytes(&data, &report(&["--format", "csv"]));
    let bom = bytes(&data, &report(&["--format", "csv", "--bom"]));
    assert_eq!(&bom[..3], b"\xEF\xBB\xBF");
    assert_eq!(bom[3..], plain[..]);
    // The CSV and the JSON are for programs: the same in every language.
    assert_eq!(
        bytes(&data, &report(&["--format", "csv", "--lang", "en"])),
        plain
    );
    assert_eq!(
        bytes(&data, &report(&["--format", "json", "--lang", "zh-TW"])),
        bytes(&data, &report(&["--format", "json"]))
    );

    let tw = ok(&data, &report(&["--lang", "zh-TW"]));
    assert!(tw.contains("| 銷售額 | 2.17 億元 |"), "{tw}");
    let en = ok(&data, &report(&["--lang", "en"]));
    assert!(en.contains("| revenue | ¥217,000,000.00 |"), "{en}");
    let fresh = tempfile::tempdir().unwrap();
    let demo = ok(
        &fresh.path().join("d"),
        &["demo", "--kind", "review", "--lang", "en"],
    );
    assert!(
        demo.starts_with("# Review pack — hongyun-changzhi — 2008-H1"),
        "{demo}"
    );
    assert!(demo.contains("### Why did we win or lose?"), "{demo}");

    let err = synergy(&data, &report(&["--format", "md", "--bom"]));
    assert!(!err.status.success());
    assert!(String::from_utf8_lossy(&err.stderr).contains("--bom is for --format csv"));
    let err = synergy(&data, &report(&["--lang", "fr"]));
    assert_eq!(err.status.code(), Some(2), "a usage error");
    assert!(
        String::from_utf8_lossy(&err.stderr).contains("use zh-CN, zh-TW or en"),
        "{}",
        String::from_utf8_lossy(&err.stderr)
    );
}
