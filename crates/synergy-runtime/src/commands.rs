//! Every declared command of every context, for the front ends that derive from the
//! declarations (HTTP routes and their OpenAPI document, CLI subcommands, NATS verbs):
//! look a declaration up and bind field values into an [`AnyCommand`].
//!
//! A context joins by listing its [`Declarations`](synergy_domain::contract::Declarations)
//! here once; its commands then appear on every front end.

use synergy_domain::contract::{BindError, CommandSpec, Values};
use synergy_proto::Context;

use crate::AnyCommand;

/// Every declared command, context by context, in declaration order.
pub fn all() -> impl Iterator<Item = &'static CommandSpec> {
    synergy_strategy::COMMANDS.specs()
}

/// The CLI groups of the declared commands, with what each holds.
pub fn cli_groups() -> impl Iterator<Item = (&'static str, &'static str)> {
    synergy_strategy::CLI_GROUPS.iter().copied()
}

/// Checks `values` against `spec` and binds them into the command it declares.
pub fn bind(spec: &CommandSpec, values: &Values) -> Result<AnyCommand, BindError> {
    match spec.context {
        Context::Strategy => synergy_strategy::COMMANDS
            .bind(spec.verb, values)
            .map(AnyCommand::Strategy),
        other => Err(BindError::Malformed(format!(
            "the {} context declares no commands yet",
            other.as_str()
        ))),
    }
}

/// The declaration of `command`, where its context declares its commands.
pub fn spec_of(command: &AnyCommand) -> Option<&'static CommandSpec> {
    match command {
        AnyCommand::Strategy(c) => Some(synergy_strategy::COMMANDS.of(c)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_declaration_binds_through_the_registry_and_keeps_its_verb() {
        for spec in all() {
            let mut values = Values::new();
            for field in spec.fields {
                use synergy_domain::contract::Kind;
                let v = match field.kind {
                    Kind::Text(shape) => serde_json::Value::from(shape.example()),
                    Kind::Free => serde_json::Value::from("x"),
                    Kind::Whole { min, max } => serde_json::Value::from(min.max(2008).min(max)),
                    Kind::Choice(c) => serde_json::Value::from(c[0].value),
                };
                values.insert(field.name.to_owned(), v);
            }
            let command = bind(spec, &values).unwrap_or_else(|e| panic!("{spec}: {e}"));
            assert_eq!(command.context(), spec.context);
            assert_eq!(command.verb(), spec.verb);
            assert_eq!(spec_of(&command), Some(spec));
        }
    }
}
