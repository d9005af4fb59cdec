//! The samples in `docs/examples/` are what the generators write: the catalogue and the
//! market of `synergy_e2e::market` (2006-07 … 2008-05 as CSV), and June 2008 as Excel
//! writes it, first keyed and corrected (`synergy_testkit::spreadsheets`). Rewrite them
//! with `SYNERGY_BLESS_EXAMPLES=1 cargo nextest run -p synergy-e2e --test examples`.

use anyhow::{Context as _, ensure};
use synergy_e2e::binary::workspace_root;
use synergy_e2e::{Catalogue, MarketData, Month};
use synergy_testkit::spreadsheets::market_data_as_excel_writes_it;

/// Each sample's name and bytes.
fn samples() -> anyhow::Result<Vec<(&'static str, Vec<u8>)>> {
    let market = MarketData::examples();
    let history = &market.months[6..29];
    ensure!(
        history.first().map(Month::period).as_deref() == Some("2006-07")
            && history.last().map(Month::period).as_deref() == Some("2008-05"),
        "history is 2006-07 … 2008-05"
    );
    let june = market.months.last().context("30 months")?;
    ensure!(june.period() == "2008-06", "{}", june.period());
    Ok(vec![
        ("catalogue.csv", Catalogue::csv().into_bytes()),
        ("market-data.csv", MarketData::csv_of(history).into_bytes()),
        (
            "2008-06.xlsx",
            market_data_as_excel_writes_it(&june.csv(), "2008-06")?,
        ),
        (
            "2008-06-fixed.xlsx",
            market_data_as_excel_writes_it(&june.corrected().csv(), "2008-06")?,
        ),
    ])
}

#[test]
fn the_samples_are_what_the_generators_write() -> anyhow::Result<()> {
    let dir = workspace_root().join("docs/examples");
    let samples = samples()?;
    if std::env::var_os("SYNERGY_BLESS_EXAMPLES").is_some() {
        std::fs::create_dir_all(&dir)?;
        for (name, bytes) in &samples {
            std::fs::write(dir.join(name), bytes)?;
        }
    }
    let mut present: Vec<String> = std::fs::read_dir(&dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .map(|e| Ok(e?.file_name().to_string_lossy().into_owned()))
        .collect::<anyhow::Result<_>>()?;
    present.sort();
    let mut expected: Vec<String> = samples.iter().map(|(n, _)| (*n).to_owned()).collect();
    expected.push("README.md".into());
    expected.sort();
    ensure!(
        present == expected,
        "docs/examples holds {present:?}, not {expected:?}"
    );
    for (name, bytes) in &samples {
        let stored = std::fs::read(dir.join(name))?;
        ensure!(
            &stored == bytes,
            "docs/examples/{name} is not what the generator writes; rewrite the samples with \
             SYNERGY_BLESS_EXAMPLES=1"
        );
    }
    Ok(())
}
