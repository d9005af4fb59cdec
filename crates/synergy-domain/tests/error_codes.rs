//! `docs/errors.md` documents the one table of error codes; it must say what the code says.

use synergy_domain::{ErrorCode, error_code_table};

const DOC: &str = include_str!("../../../docs/errors.md");

#[test]
fn the_documented_table_is_the_table_in_code() {
    let table = error_code_table();
    assert!(
        DOC.contains(&table),
        "docs/errors.md must hold the table exactly as synergy_domain::error_code_table() \
         writes it:\n\n{table}"
    );
    // Once: no code has a second row anywhere in the page.
    for code in ErrorCode::ALL {
        let row = format!("| `{code}` |");
        assert_eq!(DOC.matches(&row).count(), 1, "{code}");
    }
}
