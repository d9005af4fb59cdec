//! The imports of the command line (`catalogue import`, `market-data import`) and the
//! templates they are filled from: the file read within its limits, the rows prepared by
//! the one import of the runtime (`synergy_runtime::import`), and one summary line.

use super::*;

/// Reads an import file, at most one byte past the limit (the parser refuses that one).
fn read_file(file: &Path, limits: &synergy_import::Limits) -> anyhow::Result<Vec<u8>> {
    use std::io::Read as _;
    let cap = u64::try_from(limits.file_bytes)
        .unwrap_or(u64::MAX)
        .saturating_add(1);
    let mut bytes = Vec::new();
    std::fs::File::open(file)
        .and_then(|f| f.take(cap).read_to_end(&mut bytes))
        .with_context(|| format!("cannot read {}", file.display()))?;
    Ok(bytes)
}

/// An import the command line asked for: the file, its options, who acts, the limits.
pub(super) struct Import<'a> {
    pub(super) file: &'a Path,
    pub(super) options: &'a ImportOptions,
    pub(super) act_as: Option<OrgId>,
    pub(super) limits: &'a synergy_import::Limits,
}

impl<'a> Import<'a> {
    pub(super) fn new(
        file: &'a Path,
        options: &'a ImportOptions,
        act_as: Option<OrgId>,
        limits: &'a synergy_import::Limits,
    ) -> Self {
        Self {
            file,
            options,
            act_as,
            limits,
        }
    }

    /// The file's bytes as the importer reads them: the format sniffed from the bytes and
    /// the file's name, and the sheet the options chose.
    fn source<'b>(&'b self, bytes: &'b [u8]) -> synergy_import::Source<'b> {
        synergy_import::Source::File {
            bytes,
            format: synergy_import::Format::sniff(bytes, self.file.to_str()),
            sheet: self.options.sheet.as_deref(),
        }
    }
}

pub(super) async fn import_catalogue(
    api: &dyn Api,
    partnership: PartnershipId,
    import: Import<'_>,
) -> anyhow::Result<ExitCode> {
    let bytes = read_file(import.file, import.limits)?;
    let source = import.source(&bytes);
    let prepared = match import::catalogue(partnership.clone(), source, import.limits) {
        Ok(prepared) => prepared,
        Err(errors) => return rejected(import.file, &errors),
    };
    let who = &DefaultActor::Side(Side::Manufacturer);
    let who = principal(api, &partnership, who, import.act_as.clone()).await?;
    execute_import(api, &import, &prepared, who).await
}

pub(super) async fn import_market_data(
    api: &dyn Api,
    partnership: PartnershipId,
    reason: Option<String>,
    import: Import<'_>,
) -> anyhow::Result<ExitCode> {
    let bytes = read_file(import.file, import.limits)?;
    let source = import.source(&bytes);
    let prepared =
        match import::market_data(api, partnership.clone(), source, reason, import.limits).await {
            Ok(prepared) => prepared,
            Err(import::ImportError::Rejected(errors)) => return rejected(import.file, &errors),
            Err(import::ImportError::Api(e)) => return Err(e.into()),
        };
    let who = &DefaultActor::Side(Side::Distributor);
    let who = principal(api, &partnership, who, import.act_as.clone()).await?;
    execute_import(api, &import, &prepared, who).await
}

/// Warns of what the file holds that is ignored (on stderr), then records the import, or
/// with `--check` says what it would record, in one line naming the file.
async fn execute_import(
    api: &dyn Api,
    import: &Import<'_>,
    prepared: &import::Prepared,
    who: Principal,
) -> anyhow::Result<ExitCode> {
    for warning in &prepared.warnings {
        eprintln!("warning: {warning}");
    }
    let key = import.options.idempotency_key.unwrap_or_else(Uuid::now_v7);
    let request = prepared.request(who, import.options.check).with_key(key);
    let o = match api.execute(request).await {
        Ok(o) => o,
        Err(e) => return Ok(failed(&e, key)),
    };
    let file = match &prepared.sheet {
        Some(sheet) => format!("{}, sheet {sheet:?}", import.file.display()),
        None => import.file.display().to_string(),
    };
    let held = Held::of(&prepared.command);
    let line = if o.duplicate || o.events.is_empty() {
        format!("{file}: {}", outcome_line(&o))
    } else if import.options.check {
        format!(
            "{file}: {}{} ({}; {}, version {} → {}); nothing was recorded",
            held.changed(&o.events, "would be recorded"),
            held.extent(),
            events_summary(&o.events),
            o.stream,
            o.version - o.events.len() as u64,
            o.version
        )
    } else {
        format!(
            "{file}: {}{} ({} at {}; {}, version {})",
            held.changed(&o.events, "recorded"),
            held.extent(),
            events_summary(&o.events),
            position(o.position),
            o.stream,
            o.version
        )
    };
    if import.options.check {
        println!("check: {line}");
    } else {
        println!("{line}");
    }
    Ok(ExitCode::SUCCESS)
}

/// What an import's command holds, for its summary line.
struct Held {
    /// What one item is: `month` or `SKU`.
    unit: &'static str,
    count: usize,
    /// The first and last month, for market data.
    months: Option<(YearMonth, YearMonth)>,
    /// The SKUs the months' lines name, for market data.
    skus: usize,
}

impl Held {
    fn of(command: &AnyCommand) -> Held {
        match command {
            AnyCommand::Information(synergy_information::Command::SubmitMarketData(s)) => {
                let skus: std::collections::BTreeSet<_> = s
                    .months
                    .iter()
                    .flat_map(|m| m.lines.iter().map(|l| &l.sku))
                    .collect();
                Held {
                    unit: "month",
                    count: s.months.len(),
                    months: s
                        .months
                        .first()
                        .zip(s.months.last())
                        .map(|(a, b)| (a.month, b.month)),
                    skus: skus.len(),
                }
            }
            command => Held {
                unit: "SKU",
                count: import::count(command),
                months: None,
                skus: 0,
            },
        }
    }

    /// `24 months recorded`, or `1 of 2 months recorded (1 corrected)` when some of the
    /// file's items changed nothing: one event is one month or SKU recorded.
    fn changed(&self, events: &[std::borrow::Cow<'static, str>], verb: &str) -> String {
        let n = events.len();
        let plural = |n: usize| if n == 1 { "" } else { "s" };
        let mut text = if n == self.count {
            format!("{n} {}{} {verb}", self.unit, plural(n))
        } else {
            format!(
                "{n} of {} {}{} {verb}",
                self.count,
                self.unit,
                plural(self.count)
            )
        };
        let corrected = events.iter().filter(|e| e.ends_with("Corrected")).count();
        if corrected > 0 {
            text.push_str(&format!(" ({corrected} corrected)"));
        }
        text
    }

    /// `, 2018-01 … 2019-12, 4 SKUs` for market data; nothing for a catalogue.
    fn extent(&self) -> String {
        let plural = if self.skus == 1 { "" } else { "s" };
        match self.months {
            Some((first, last)) if first != last => {
                format!(", {first} … {last}, {} SKU{plural}", self.skus)
            }
            Some((only, _)) => format!(", {only}, {} SKU{plural}", self.skus),
            None => String::new(),
        }
    }
}

/// `synergy template`: to `--out`, or to standard output unless that is a terminal and
/// the template a workbook.
pub(super) fn write_template(args: &TemplateArgs) -> anyhow::Result<ExitCode> {
    use std::io::IsTerminal as _;
    let kind = match args.kind {
        TemplateKind::MarketData => synergy_import::ImportKind::MarketData,
        TemplateKind::Catalogue => synergy_import::ImportKind::Catalogue,
    };
    let format = match args.format {
        TemplateFormat::Xlsx => synergy_import::Format::Xlsx,
        TemplateFormat::Csv => synergy_import::Format::Csv,
    };
    let bytes = synergy_import::template(kind, format);
    match &args.out {
        Some(path) => {
            std::fs::write(path, &bytes)
                .with_context(|| format!("cannot write {}", path.display()))?;
            eprintln!("wrote the {kind} template to {}", path.display());
        }
        None if format == synergy_import::Format::Xlsx && std::io::stdout().is_terminal() => {
            bail!("an XLSX template is a binary file; give --out FILE, or --format csv")
        }
        None => std::io::stdout().lock().write_all(&bytes)?,
    }
    Ok(ExitCode::SUCCESS)
}

fn rejected(file: &Path, errors: &synergy_import::ImportErrors) -> anyhow::Result<ExitCode> {
    // The errors say themselves that nothing was recorded.
    eprintln!("{}: {errors}", file.display());
    Ok(exit_for(ErrorCode::InvalidFile))
}
