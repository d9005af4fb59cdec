//! Every declared command of every context, for the front ends that derive from the
//! declarations (HTTP routes and their OpenAPI document, CLI subcommands, NATS verbs):
//! look a declaration up and bind field values into an [`AnyCommand`].
//!
//! A context joins by listing its [`Declarations`](synergy_domain::contract::Declarations)
//! here once; its commands then appear on every front end. The imports (a catalogue or
//! months of market data, from a file of rows) and webhook registration (whose answer
//! carries a secret no event holds: [`crate::webhook`]) are use cases of their own, not
//! declared commands.

use synergy_domain::contract::{BindError, CommandSpec, Values};
use synergy_proto::Context;

use crate::AnyCommand;

/// Every declared command, context by context, in declaration order.
pub fn all() -> impl Iterator<Item = &'static CommandSpec> {
    synergy_strategy::COMMANDS
        .specs()
        .chain(synergy_marketing::COMMANDS.specs())
        .chain(synergy_brand::COMMANDS.specs())
        .chain(synergy_information::COMMANDS.specs())
        .chain(synergy_support::COMMANDS.specs())
        .chain(synergy_evaluation::COMMANDS.specs())
}

/// The CLI groups of the declared commands, with what each holds.
pub fn cli_groups() -> impl Iterator<Item = (&'static str, &'static str)> {
    [
        synergy_strategy::CLI_GROUPS,
        synergy_marketing::CLI_GROUPS,
        synergy_brand::CLI_GROUPS,
        synergy_information::CLI_GROUPS,
        synergy_support::CLI_GROUPS,
        synergy_evaluation::CLI_GROUPS,
    ]
    .into_iter()
    .flatten()
    .copied()
}

/// Checks `values` against `spec` and binds them into the command it declares.
pub fn bind(spec: &CommandSpec, values: &Values) -> Result<AnyCommand, BindError> {
    let verb = spec.verb;
    match spec.context {
        Context::Strategy => synergy_strategy::COMMANDS
            .bind(verb, values)
            .map(AnyCommand::Strategy),
        Context::Marketing => synergy_marketing::COMMANDS
            .bind(verb, values)
            .map(AnyCommand::Marketing),
        Context::Brand => synergy_brand::COMMANDS
            .bind(verb, values)
            .map(AnyCommand::Brand),
        Context::Information => synergy_information::COMMANDS
            .bind(verb, values)
            .map(AnyCommand::Information),
        Context::Support => synergy_support::COMMANDS
            .bind(verb, values)
            .map(AnyCommand::Support),
        Context::Evaluation => synergy_evaluation::COMMANDS
            .bind(verb, values)
            .map(AnyCommand::Evaluation),
    }
}

/// The declaration of `command`; `None` for an import.
pub fn spec_of(command: &AnyCommand) -> Option<&'static CommandSpec> {
    match command {
        AnyCommand::Strategy(c) => synergy_strategy::COMMANDS.find(c),
        AnyCommand::Marketing(c) => synergy_marketing::COMMANDS.find(c),
        AnyCommand::Brand(c) => synergy_brand::COMMANDS.find(c),
        AnyCommand::Information(c) => synergy_information::COMMANDS.find(c),
        AnyCommand::Support(c) => synergy_support::COMMANDS.find(c),
        AnyCommand::Evaluation(c) => synergy_evaluation::COMMANDS.find(c),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use synergy_domain::testing::assert_declarations;

    #[test]
    fn every_context_keeps_the_contract_of_its_declarations() {
        assert_declarations(&synergy_strategy::COMMANDS);
        assert_declarations(&synergy_marketing::COMMANDS);
        assert_declarations(&synergy_brand::COMMANDS);
        assert_declarations(&synergy_information::COMMANDS);
        assert_declarations(&synergy_support::COMMANDS);
        assert_declarations(&synergy_evaluation::COMMANDS);
    }

    #[test]
    fn every_declaration_binds_through_the_registry_and_keeps_its_verb() {
        let mut seen = std::collections::BTreeSet::new();
        for spec in all() {
            let values = synergy_domain::testing::example_values(spec.fields);
            let command = bind(spec, &values).unwrap_or_else(|e| panic!("{spec}: {e}"));
            assert_eq!(command.context(), spec.context);
            assert_eq!(command.verb(), spec.verb);
            assert_eq!(spec_of(&command), Some(spec));
            assert!(seen.insert(spec.cli), "{spec}: CLI words taken");
            assert!(
                cli_groups().any(|(group, _)| group == spec.cli[0]),
                "{spec}: no CLI group {}",
                spec.cli[0]
            );
        }
        assert_eq!(seen.len(), 52);
    }
}
