//! A deployment of service processes on one NATS URL and the analyst's steps against it:
//! sign the partnership, import the catalogue, import months, read reports.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail, ensure};
use tempfile::TempDir;

use crate::market::{Catalogue, MarketData, Month};
use crate::process::{Cli, CliOutput, ServiceProcess};
use crate::report::Report;

pub const PARTNERSHIP: &str = "hongyun-changzhi";
pub const MANUFACTURER: &str = "hongyun";
pub const DISTRIBUTOR: &str = "changzhi-tobacco";

/// The six services, one process each (and one NATS user each in `deploy/nats/accounts.conf`).
pub const SIX_SERVICES: [&str; 6] = [
    "strategy",
    "marketing",
    "brand",
    "information",
    "support",
    "evaluation",
];

/// Service processes sharing one NATS URL, each with its own data dir, plus the CLI.
#[derive(Debug)]
pub struct Deployment {
    pub services: Vec<ServiceProcess>,
    pub cli: Cli,
    nats: String,
    log: String,
    // Dropped after the processes (fields drop in order), so no service writes into a
    // removed directory.
    dir: TempDir,
}

impl Deployment {
    /// Starts one process per entry of `services` (`serve <entry>`), named after it, each
    /// waited for until `ready`.
    pub fn start(nats: &str, services: &[&str], log: &str) -> anyhow::Result<Deployment> {
        let dir = tempfile::Builder::new().prefix("synergy-e2e-").tempdir()?;
        let cli = Cli::new(nats, &dir.path().join("cli"));
        let mut deployment = Deployment {
            services: Vec::new(),
            cli,
            nats: nats.to_owned(),
            log: log.to_owned(),
            dir,
        };
        for service in services {
            deployment.add(service, service)?;
        }
        Ok(deployment)
    }

    /// Starts another process `serve <service>` named `name` (a replica, say).
    pub fn add(&mut self, name: &str, service: &str) -> anyhow::Result<&mut ServiceProcess> {
        let data = self.dir.path().join(name);
        let process = ServiceProcess::start(name, service, &self.nats, &data, &self.log)?;
        self.services.push(process);
        let last = self.services.len() - 1;
        Ok(&mut self.services[last])
    }

    /// Starts another process `serve <service> <args…>` named `name`.
    pub fn add_with(
        &mut self,
        name: &str,
        service: &str,
        args: &[&str],
    ) -> anyhow::Result<&mut ServiceProcess> {
        let data = self.dir.path().join(name);
        let process =
            ServiceProcess::start_with(name, service, &self.nats, &data, &self.log, args)?;
        self.services.push(process);
        let last = self.services.len() - 1;
        Ok(&mut self.services[last])
    }

    pub fn service(&mut self, name: &str) -> anyhow::Result<&mut ServiceProcess> {
        self.services
            .iter_mut()
            .find(|s| s.name() == name)
            .with_context(|| format!("no service process named {name}"))
    }

    /// A directory for the files the analyst imports.
    pub fn files(&self) -> PathBuf {
        self.dir.path().join("files")
    }

    /// Runs `scenario` on this deployment; on a failure, prints every service's stderr
    /// tail before handing the error back.
    pub fn run<T>(
        &mut self,
        scenario: impl FnOnce(&mut Deployment) -> anyhow::Result<T>,
    ) -> anyhow::Result<T> {
        let result = scenario(self);
        if result.is_err() {
            eprintln!("{}", self.diagnostics());
        }
        result
    }

    /// Every service's stderr tail, for a failure message.
    pub fn diagnostics(&self) -> String {
        self.services
            .iter()
            .map(|s| format!("--- {} ---\n{}", s.name(), s.stderr_tail()))
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Signs the partnership and imports the generated catalogue.
    pub fn sign_and_register_catalogue(&self) -> anyhow::Result<()> {
        let out = self.cli.ok(&[
            "partnership",
            "sign",
            "--id",
            PARTNERSHIP,
            "--manufacturer",
            MANUFACTURER,
            "--distributor",
            DISTRIBUTOR,
            "--region",
            "山西省長治市",
            "--signed-on",
            "2006-12-18",
        ])?;
        ensure!(out.contains("PartnershipSigned"), "sign printed: {out}");
        let file = write(&self.files(), "catalogue.csv", &Catalogue::csv())?;
        let out = self.cli.ok(&[
            "catalogue",
            "import",
            "--partnership",
            PARTNERSHIP,
            path(&file)?,
        ])?;
        ensure!(
            out.contains("SkuRegistered"),
            "catalogue import printed: {out}"
        );
        Ok(())
    }

    /// Imports one month's file; the output, successful or not.
    pub fn import_month(&self, month: &Month) -> anyhow::Result<CliOutput> {
        let file = write(
            &self.files(),
            &format!("market-{}.csv", month.period()),
            &month.csv(),
        )?;
        self.cli.run(&[
            "market-data",
            "import",
            "--partnership",
            PARTNERSHIP,
            path(&file)?,
        ])
    }

    /// Imports several months as one file; requires success.
    pub fn import_months(&self, name: &str, months: &[Month]) -> anyhow::Result<String> {
        let file = write(&self.files(), name, &MarketData::csv_of(months))?;
        self.cli.ok(&[
            "market-data",
            "import",
            "--partnership",
            PARTNERSHIP,
            path(&file)?,
        ])
    }

    /// `report --format json` of the market kind for `period`.
    pub fn report(&self, period: &str) -> anyhow::Result<Report> {
        let text = self.cli.ok(&[
            "report",
            "--partnership",
            PARTNERSHIP,
            "--period",
            period,
            "--format",
            "json",
        ])?;
        Report::parse(&text)
    }

    /// The partnership's commits from the log's start, one line each, as `tail` lists them.
    fn whole_log(&self) -> anyhow::Result<String> {
        self.cli.ok(&[
            "tail",
            "--from",
            "0",
            "--no-follow",
            "--partnership",
            PARTNERSHIP,
        ])
    }

    /// Every `ReportIssued` the log holds for the partnership, as `<stream> v<version>`, in
    /// log order (a version recorded twice is listed twice).
    pub fn issued_versions(&self) -> anyhow::Result<Vec<String>> {
        let out = self.whole_log()?;
        Ok(out
            .lines()
            .filter(|line| line.contains("ReportIssued"))
            .map(|line| {
                line.split_whitespace()
                    .skip(2)
                    .take(2)
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect())
    }

    /// The positions of the commits `tail --from 0 --no-follow` lists for the partnership
    /// that the parties' commands recorded: the reports evaluation issues by itself
    /// meanwhile (its `evaluation/…/report:…` streams, `docs/reports.md`) are left out, and
    /// checked to hold each version once.
    pub fn commit_positions(&self) -> anyhow::Result<Vec<u64>> {
        let out = self.whole_log()?;
        let mut positions: Vec<u64> = Vec::new();
        let mut issued: Vec<(&str, &str)> = Vec::new();
        for line in out.lines() {
            let mut words = line.split_whitespace();
            // Positions print as `@N`, then the day, the stream and the version.
            let first = words.next().unwrap_or("");
            let Ok(position) = first.trim_start_matches('@').parse::<u64>() else {
                bail!("tail printed a line without a position: {line}");
            };
            let (stream, version) = (words.nth(1).unwrap_or(""), words.next().unwrap_or(""));
            if stream.starts_with("evaluation/") {
                issued.push((stream, version));
                continue;
            }
            // One line per event; a commit of several events repeats its position.
            if positions.last() != Some(&position) {
                positions.push(position);
            }
        }
        let listed = issued.len();
        issued.sort_unstable();
        issued.dedup();
        ensure!(
            issued.len() == listed,
            "an issued version is recorded twice: {out}"
        );
        Ok(positions)
    }
}

/// The position a successful command printed (`recorded … at POS (…)`).
pub fn recorded_position(stdout: &str) -> Option<u64> {
    let rest = stdout.split(" at ").nth(1)?;
    rest.split_whitespace()
        .next()?
        .trim_start_matches('@')
        .parse()
        .ok()
}

fn write(dir: &Path, name: &str, text: &str) -> anyhow::Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    let file = dir.join(name);
    std::fs::write(&file, text).with_context(|| format!("cannot write {}", file.display()))?;
    Ok(file)
}

fn path(file: &Path) -> anyhow::Result<&str> {
    file.to_str()
        .with_context(|| format!("{} is not UTF-8", file.display()))
}

/// Checks a report's volume, revenue, market and closing-stock figures, every SKU's
/// volume and every month of its series against sums computed from `data`.
pub fn check_market_figures(
    report: &Report,
    data: &MarketData,
    period: &str,
) -> anyhow::Result<()> {
    use crate::report::units;
    let t = data.totals(period);
    ensure!(t.months > 0, "no generated months in {period}");
    let pairs = [
        ("volume_cases", t.volume_cases),
        ("revenue_yuan", t.revenue_yuan),
        ("market_volume_cases", t.market_volume_cases),
        ("market_revenue_yuan", t.market_revenue_yuan),
        ("closing_stock_cases", t.closing_stock_cases),
    ];
    for (key, expected) in pairs {
        let got = report.must(key)?;
        ensure!(
            got == units(expected),
            "{period} {key}: report says {got}/1000, the data sums to {expected}"
        );
    }
    for sku in Catalogue::SKUS {
        let expected = data.sku_volume(period, sku.sku);
        let got = report.sku_kpi(sku.sku, "volume_cases")?;
        ensure!(
            got == Some(units(expected)),
            "{period} {} volume: report says {got:?}/1000, the data sums to {expected}",
            sku.sku
        );
    }
    let months: Vec<String> = data.period(period).iter().map(|m| m.period()).collect();
    ensure!(
        report.series_months() == months,
        "{period} series months {:?}, expected {months:?}",
        report.series_months()
    );
    for m in data.period(period) {
        let got = report.series(&m.period(), "volume_cases")?;
        ensure!(
            got == Some(units(m.volume_cases())),
            "{} volume in the {period} series: {got:?}/1000, expected {}",
            m.period(),
            m.volume_cases()
        );
    }
    Ok(())
}
