//! Alerts from the command line: `synergy alerts record` records what the data makes
//! today once, a second run records nothing, and `synergy show alerts` reads them.

mod common;

use common::{ok, signed_p1};
use serde_json::Value;

#[test]
fn alerts_are_recorded_once_from_the_command_line_and_read_back() {
    let (_dir, data) = signed_p1();
    // Signed 2007-12-18 and no market data since: every month ended is late.
    let first = ok(&data, &["alerts", "record", "--partnership", "p1"]);
    assert!(first.contains("ExceptionRaised"), "{first}");
    let again = ok(&data, &["alerts", "record", "--partnership", "p1"]);
    assert!(!again.contains("ExceptionRaised"), "{again}");

    let shown: Value =
        serde_json::from_str(&ok(&data, &["show", "alerts", "--partnership", "p1"])).unwrap();
    let open = shown["open"].as_array().unwrap();
    assert!(open.len() > 200, "{} months late since 2007-12", open.len());
    assert_eq!(open.len(), shown["log"].as_array().unwrap().len());
    assert!(open.iter().all(|a| a["rule"] == "data_late"), "{shown}");
    assert_eq!(open[0]["period"], "2007-12");
    assert_eq!(open[0]["subject"], "2007-12");
    assert_eq!(open[0]["value"], Value::Null);
    assert_eq!(open[0]["threshold"], "2008-01-10");
    assert_eq!(
        open[0]["message"],
        "2007-12 market data not submitted; it was due by 2008-01-10"
    );
}
