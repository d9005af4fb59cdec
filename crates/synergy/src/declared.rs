//! The command-line front end of the declared commands ([`synergy_runtime::commands`]):
//! each declaration is a subcommand `synergy <group> <name>` with one flag per field, its
//! help taken from the field's doc and its value checked against the field's shape before
//! anything runs. Adding a command to a context's declarations adds it here.

use clap::builder::{PossibleValuesParser, ValueParser};
use clap::{Arg, ArgAction, ArgMatches};
use synergy_domain::contract::{CommandSpec, Field, Kind, Values, Who};
use synergy_proto::OrgId;
use synergy_runtime::commands;

use crate::cli::{Built, DefaultActor};

/// One declared command as the command line gave it: which one, and its flags' values.
#[derive(Debug, Clone)]
pub struct DeclaredCmd {
    pub spec: &'static CommandSpec,
    pub values: Values,
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
        Ok(Built { command, actor })
    }
}

fn flag(field: &Field) -> String {
    field.flag.unwrap_or(field.name).replace('_', "-")
}

fn arg(field: &'static Field) -> Arg {
    let arg = Arg::new(field.name)
        .long(flag(field))
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
        Kind::Choice(choices) => arg.value_parser(PossibleValuesParser::new(
            choices
                .iter()
                .map(|c| clap::builder::PossibleValue::new(c.value).help(c.doc)),
        )),
    }
}

fn subcommand(spec: &'static CommandSpec) -> clap::Command {
    let rest = spec.doc.lines().skip(1).collect::<Vec<_>>().join(" ");
    let mut cmd = clap::Command::new(spec.cli[1]).about(spec.summary());
    if !rest.is_empty() {
        cmd = cmd.long_about(format!("{}\n\n{rest}", spec.summary()));
    }
    cmd.args(spec.fields.iter().map(arg))
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
                _ => matches
                    .get_one::<String>(field.name)
                    .map(|s| serde_json::Value::from(s.as_str())),
            };
            if let Some(value) = value {
                values.insert(field.name.to_owned(), value);
            }
        }
        Ok(DeclaredCmd { spec, values })
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
                    .about(doc)
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
