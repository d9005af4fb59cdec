//! The command-line front end of the declared commands ([`synergy_runtime::commands`]):
//! each declaration is a subcommand `synergy <group> <name>` with one flag per field, its
//! help taken from the field's doc and its value checked against the field's shape before
//! anything runs. Adding a command to a context's declarations adds it here.
//!
//! A free text declared [`from_file`](Field::from_file) (a Markdown report) also takes
//! `--<flag>-file PATH`: the file is read up to the declared bytes and must be UTF-8, or
//! clap refuses the flag with the reason before anything runs.

use std::io::Read;

use clap::builder::{PossibleValuesParser, ValueParser};
use clap::{Arg, ArgAction, ArgGroup, ArgMatches};
use synergy_domain::contract::{CommandSpec, Field, Kind, Record, Values, Who};
use synergy_proto::OrgId;
use synergy_proto::Uuid;
use synergy_runtime::commands;

use crate::cli::{Built, DefaultActor};

/// One declared command as the command line gave it: which one, and its flags' values.
#[derive(Debug, Clone)]
pub struct DeclaredCmd {
    pub spec: &'static CommandSpec,
    pub values: Values,
    /// `--idempotency-key`, which every declared command takes.
    pub idempotency_key: Option<Uuid>,
}

/// The id of the `--idempotency-key` argument, which no declared field may be named.
const IDEMPOTENCY_KEY: &str = "@idempotency-key";

/// `--idempotency-key UUID`: what makes a retry after a timeout safe.
fn idempotency_key() -> Arg {
    Arg::new(IDEMPOTENCY_KEY)
        .long("idempotency-key")
        .value_name("UUID")
        .action(ArgAction::Set)
        .value_parser(clap::value_parser!(Uuid))
        .help(
            "Record the command at most once: running it again with the same key (a UUID) \
             after a timeout or a lost connection records nothing new. Without it, a fresh key",
        )
}

impl DeclaredCmd {
    /// The command and who acts by default.
    pub fn build(&self) -> anyhow::Result<Built> {
        let command = commands::bind(self.spec, &self.values)
            .map_err(|e| anyhow::anyhow!("[invalid] {e}"))?;
        let actor = match self.spec.who {
            Who::Only(side) | Who::Either(side) => DefaultActor::Side(side),
            Who::Signatory => {
                let manufacturer = self
                    .values
                    .get("manufacturer")
                    .and_then(|v| v.as_str())
                    .unwrap_or_default();
                DefaultActor::Org(manufacturer.parse::<OrgId>()?)
            }
            Who::Proposal => DefaultActor::Named,
        };
        Ok(Built {
            command,
            actor,
            idempotency_key: self.idempotency_key,
        })
    }
}

fn arg(field: &'static Field) -> Arg {
    let arg = Arg::new(field.name)
        .long(field.cli_flag())
        .help(field.doc)
        .required(field.required)
        .action(ArgAction::Set);
    match field.kind {
        Kind::Text(shape) => arg
            .value_name(shape.value_name())
            .value_parser(ValueParser::new(
                move |text: &str| -> Result<String, String> {
                    if shape.accepts(text) {
                        Ok(text.to_owned())
                    } else {
                        Err(format!("expected {}", shape.expected()))
                    }
                },
            )),
        Kind::Free => arg.value_name("TEXT"),
        Kind::Whole { min, max } => arg
            .value_name("N")
            .value_parser(clap::value_parser!(i64).range(min..=max)),
        Kind::Choice(choices) => {
            arg.value_parser(PossibleValuesParser::new(choices.iter().map(|c| {
                // The command line has always spelled values kebab-case too.
                let value = clap::builder::PossibleValue::new(c.value).help(c.doc);
                if c.value.contains('_') {
                    value.alias(c.value.replace('_', "-"))
                } else {
                    value
                }
            })))
        }
        Kind::Flag => arg.action(ArgAction::SetTrue).required(false),
        Kind::List(shape) => arg
            .action(ArgAction::Append)
            .value_name(shape.map_or("TEXT", |s| s.value_name()))
            .value_parser(ValueParser::new(
                move |text: &str| -> Result<String, String> {
                    match shape {
                        Some(shape) if !shape.accepts(text) => {
                            Err(format!("expected {}", shape.expected()))
                        }
                        _ => Ok(text.to_owned()),
                    }
                },
            ))
            .help(format!("{} (repeatable)", field.doc)),
        Kind::Records(record) => arg
            .action(ArgAction::Append)
            .value_name(record.form)
            .value_parser(ValueParser::new(move |text: &str| {
                record_value(record, text)
            }))
            .help(format!("{}: {}, repeatable", field.doc, record.form)),
    }
}

/// One record written `first<sep>second` (`hongyun-soft=1200.5`), as the JSON object the
/// declaration reads, each part checked against its field.
fn record_value(record: &'static Record, text: &str) -> Result<RecordValue, String> {
    let [first, second] = record.fields;
    let wrong = || format!("write {}, e.g. {}", record.form, record.example);
    let (a, b) = text.split_once(record.sep).ok_or_else(wrong)?;
    let mut object = Values::new();
    for (field, part) in [(first, a), (second, b)] {
        let value = match field.kind {
            Kind::Text(shape) if !shape.accepts(part) => {
                return Err(format!("{}: expected {}", field.name, shape.expected()));
            }
            Kind::Whole { min, max } => {
                let n: i64 = part.parse().map_err(|_| wrong())?;
                if !(min..=max).contains(&n) {
                    return Err(format!("{}: expected {min} to {max}", field.name));
                }
                serde_json::Value::from(n)
            }
            _ => serde_json::Value::from(part),
        };
        object.insert(field.name.to_owned(), value);
    }
    Ok(RecordValue(object))
}

/// A parsed [`Kind::Records`] value (clap stores values by type).
#[derive(Debug, Clone)]
struct RecordValue(Values);

/// The id of the argument that reads `field` from a file.
fn file_id(field: &Field) -> String {
    format!("{}@file", field.name)
}

/// The field's flag, and for a field read from a file the `--<flag>-file` beside it (the
/// two are one [`either`] group).
fn args(field: &'static Field) -> Vec<Arg> {
    let Some(max) = field.file_bytes else {
        return vec![arg(field)];
    };
    let from_file = Arg::new(file_id(field))
        .long(format!("{}-file", field.cli_flag()))
        .value_name("PATH")
        .action(ArgAction::Set)
        .help(format!(
            "{}, read from this file instead of --{} (UTF-8, at most {max} bytes; - reads \
             standard input)",
            field.doc,
            field.cli_flag()
        ))
        .value_parser(ValueParser::new(move |path: &str| read_text(path, max)));
    vec![arg(field).required(false), from_file]
}

/// For a field read from a file, its two flags as one group: never both, and one of them
/// when the field is required.
fn either(field: &'static Field) -> Option<ArgGroup> {
    field.file_bytes?;
    Some(
        ArgGroup::new(format!("{}@either", field.name))
            .args([field.name.to_owned(), file_id(field)])
            .required(field.required),
    )
}

/// The UTF-8 text of the file at `path` (`-`: standard input), read up to `max` bytes: a
/// longer file is refused, not cut.
fn read_text(path: &str, max: usize) -> Result<String, String> {
    let limit = u64::try_from(max).unwrap_or(u64::MAX).saturating_add(1);
    let mut bytes = Vec::new();
    let read = if path == "-" {
        std::io::stdin().lock().take(limit).read_to_end(&mut bytes)
    } else {
        std::fs::File::open(path).and_then(|f| f.take(limit).read_to_end(&mut bytes))
    };
    read.map_err(|e| format!("cannot read {path}: {e}"))?;
    if bytes.len() > max {
        return Err(format!(
            "{path} is larger than {max} bytes, more than the text may hold; shorten it"
        ));
    }
    String::from_utf8(bytes).map_err(|e| {
        format!(
            "{path} is not UTF-8 text (byte {} is not UTF-8); save it as UTF-8",
            e.utf8_error().valid_up_to()
        )
    })
}

fn subcommand(spec: &'static CommandSpec) -> clap::Command {
    let rest = spec.doc.lines().skip(1).collect::<Vec<_>>().join(" ");
    // clap's convention, as the derived subcommands: no full stop after the summary.
    let mut cmd = clap::Command::new(spec.cli[1]).about(spec.summary().trim_end_matches('.'));
    if !rest.is_empty() {
        cmd = cmd.long_about(format!("{}\n\n{rest}", spec.summary()));
    }
    cmd.args(spec.fields.iter().flat_map(args))
        .arg(idempotency_key())
        .groups(spec.fields.iter().filter_map(either))
}

impl clap::FromArgMatches for DeclaredCmd {
    fn from_arg_matches(matches: &ArgMatches) -> Result<Self, clap::Error> {
        let missing = || clap::Error::new(clap::error::ErrorKind::MissingSubcommand);
        let (group, matches) = matches.subcommand().ok_or_else(missing)?;
        let (name, matches) = matches.subcommand().ok_or_else(missing)?;
        let spec = commands::all()
            .find(|s| s.cli == [group, name])
            .ok_or_else(|| clap::Error::new(clap::error::ErrorKind::InvalidSubcommand))?;
        let mut values = Values::new();
        for field in spec.fields {
            let value = match field.kind {
                Kind::Whole { .. } => matches
                    .get_one::<i64>(field.name)
                    .map(|n| serde_json::Value::from(*n)),
                Kind::Flag => Some(serde_json::Value::from(matches.get_flag(field.name))),
                Kind::List(_) => matches.get_many::<String>(field.name).map(|items| {
                    serde_json::Value::from(items.map(String::as_str).collect::<Vec<_>>())
                }),
                Kind::Records(_) => matches.get_many::<RecordValue>(field.name).map(|items| {
                    serde_json::Value::from(
                        items
                            .map(|r| serde_json::Value::Object(r.0.clone()))
                            .collect::<Vec<_>>(),
                    )
                }),
                // The kebab-case alias names the same value.
                Kind::Choice(_) => matches
                    .get_one::<String>(field.name)
                    .map(|s| serde_json::Value::from(s.replace('-', "_"))),
                _ => matches
                    .get_one::<String>(field.name)
                    .or_else(|| {
                        field
                            .file_bytes
                            .and_then(|_| matches.get_one::<String>(&file_id(field)))
                    })
                    .map(|s| serde_json::Value::from(s.as_str())),
            };
            if let Some(value) = value {
                values.insert(field.name.to_owned(), value);
            }
        }
        Ok(DeclaredCmd {
            spec,
            values,
            idempotency_key: matches.get_one::<Uuid>(IDEMPOTENCY_KEY).copied(),
        })
    }

    fn update_from_arg_matches(&mut self, matches: &ArgMatches) -> Result<(), clap::Error> {
        *self = Self::from_arg_matches(matches)?;
        Ok(())
    }
}

impl clap::Subcommand for DeclaredCmd {
    fn augment_subcommands(mut cmd: clap::Command) -> clap::Command {
        for (group, doc) in commands::cli_groups() {
            let children = commands::all()
                .filter(|s| s.cli[0] == group)
                .map(subcommand);
            cmd = cmd.subcommand(
                clap::Command::new(group)
                    .about(doc.trim_end_matches('.'))
                    .subcommand_required(true)
                    .arg_required_else_help(true)
                    .subcommands(children),
            );
        }
        cmd
    }

    fn augment_subcommands_for_update(cmd: clap::Command) -> clap::Command {
        Self::augment_subcommands(cmd)
    }

    fn has_subcommand(name: &str) -> bool {
        commands::cli_groups().any(|(group, _)| group == name)
    }
}

/// A subcommand of a declared group: one of its declared commands, or a read the group
/// offers beside them (`partnership list`).
#[derive(Debug, Clone)]
pub enum Grouped {
    Command(DeclaredCmd),
    ListPartnerships(crate::portfolio::ListArgs),
}

impl clap::FromArgMatches for Grouped {
    fn from_arg_matches(matches: &ArgMatches) -> Result<Self, clap::Error> {
        if let Some(("partnership", group)) = matches.subcommand()
            && let Some(("list", list)) = group.subcommand()
        {
            return crate::portfolio::ListArgs::from_arg_matches(list)
                .map(Grouped::ListPartnerships);
        }
        DeclaredCmd::from_arg_matches(matches).map(Grouped::Command)
    }

    fn update_from_arg_matches(&mut self, matches: &ArgMatches) -> Result<(), clap::Error> {
        *self = Self::from_arg_matches(matches)?;
        Ok(())
    }
}

impl clap::Subcommand for Grouped {
    fn augment_subcommands(cmd: clap::Command) -> clap::Command {
        DeclaredCmd::augment_subcommands(cmd).mut_subcommand("partnership", |group| {
            group.subcommand(
                <crate::portfolio::ListArgs as clap::Args>::augment_args(clap::Command::new(
                    "list",
                ))
                .about(
                    "List every partnership an organisation is a party of: proposed, signed \
                     or terminated, with counterparty, region, signing day and time zone",
                ),
            )
        })
    }

    fn augment_subcommands_for_update(cmd: clap::Command) -> clap::Command {
        Self::augment_subcommands(cmd)
    }

    fn has_subcommand(name: &str) -> bool {
        DeclaredCmd::has_subcommand(name)
    }
}
