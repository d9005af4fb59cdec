//! The strategy context's command declarations keep their contract.

#[test]
fn every_command_is_declared_once_and_binds_its_own_fields() {
    synergy_domain::testing::assert_declarations(&synergy_strategy::COMMANDS);
    assert_eq!(synergy_strategy::COMMANDS.0.len(), 13);
}
