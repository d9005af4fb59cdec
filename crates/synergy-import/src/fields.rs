//! Reading one cell as a typed value, with a refusal that names the column and says what
//! to write instead.

use synergy_proto::{AmountError, BrandId, Cases, SkuId, YearMonth, Yuan};

use crate::error::{Problems, RowError};
use crate::table::{Cell, Row};

/// One data row and the position of each of its columns.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fields<'r> {
    pub(crate) row: &'r Row,
    pub(crate) positions: &'r [usize],
    pub(crate) names: &'static [&'static str],
}

impl<'r> Fields<'r> {
    fn cell(&self, column: usize) -> &'r Cell {
        self.row.cell(self.positions[column])
    }

    fn error(&self, column: usize, rule: &'static str, reason: impl Into<String>) -> RowError {
        RowError::at(self.row.line, self.names[column], rule, reason)
    }

    /// The cell's text, or `None` if it is empty.
    pub(crate) fn optional_text(
        &self,
        column: usize,
        expected: &str,
    ) -> Result<Option<&'r str>, RowError> {
        self.cell(column)
            .text(expected)
            .map_err(|why| self.error(column, "import.cell_type", why))
    }

    pub(crate) fn text(&self, column: usize, expected: &str) -> Result<&'r str, RowError> {
        self.optional_text(column, expected)?.ok_or_else(|| {
            self.error(
                column,
                "import.required",
                format!("{} is empty; give {expected}", self.names[column]),
            )
        })
    }

    fn is_number_cell(&self, column: usize) -> bool {
        matches!(self.cell(column), Cell::Number(_))
    }

    fn amount<T>(
        &self,
        column: usize,
        unit: Unit,
        parse: fn(&str) -> Result<T, AmountError>,
    ) -> Result<Option<T>, RowError> {
        let Some(text) = self.optional_text(column, unit.expected)? else {
            return Ok(None);
        };
        parse(text).map(Some).map_err(|e| {
            let (rule, mut reason) = amount_reason(text, &e, unit);
            if rule == "import.too_many_decimals" && self.is_number_cell(column) {
                // A formula result or a pasted figure: say so, since the sheet may display
                // a rounded value that is not what it stores.
                reason.push_str(&format!(
                    "; the cell stores exactly {text} even if it shows fewer decimals: round it \
                     in the sheet (ROUND(…, {})) so nothing is rounded silently here",
                    unit.scale
                ));
            }
            self.error(column, rule, reason)
        })
    }

    pub(crate) fn optional_cases(&self, column: usize) -> Result<Option<Cases>, RowError> {
        self.amount(column, CASES, Cases::parse)
    }

    pub(crate) fn cases(&self, column: usize) -> Result<Cases, RowError> {
        self.optional_cases(column)?
            .ok_or_else(|| self.required(column, CASES.expected))
    }

    pub(crate) fn optional_yuan(&self, column: usize) -> Result<Option<Yuan>, RowError> {
        self.amount(column, YUAN, Yuan::parse)
    }

    pub(crate) fn yuan(&self, column: usize) -> Result<Yuan, RowError> {
        self.optional_yuan(column)?
            .ok_or_else(|| self.required(column, YUAN.expected))
    }

    fn required(&self, column: usize, expected: &str) -> RowError {
        self.error(
            column,
            "import.required",
            format!("{} is empty; give {expected}", self.names[column]),
        )
    }

    /// A count of outlets: a whole, non-negative number.
    pub(crate) fn optional_count(&self, column: usize) -> Result<Option<u32>, RowError> {
        let expected = "a whole number of outlets";
        let Some(text) = self.optional_text(column, expected)? else {
            return Ok(None);
        };
        parse_count(text)
            .map(Some)
            .map_err(|(rule, reason)| self.error(column, rule, reason))
    }

    pub(crate) fn count(&self, column: usize) -> Result<u32, RowError> {
        self.optional_count(column)?
            .ok_or_else(|| self.required(column, "a whole number of outlets"))
    }

    /// A calendar month written as text, `YYYY-MM`.
    pub(crate) fn month(&self, column: usize) -> Result<YearMonth, RowError> {
        let text = match self.cell(column) {
            Cell::Date(date) => {
                let month: String = date.chars().take(7).collect();
                return Err(self.error(
                    column,
                    "import.period_as_text",
                    format!(
                        "the period cell holds a date ({date}) instead of text; format the \
                         period column as Text and type the month as {month}"
                    ),
                ));
            }
            Cell::Number(n) => {
                return Err(self.error(
                    column,
                    "import.period_as_text",
                    format!(
                        "the period cell holds the number {n} instead of text; format the period \
                         column as Text and type months like 2008-06"
                    ),
                ));
            }
            _ => self.text(column, "the month, e.g. 2008-06")?,
        };
        text.parse::<YearMonth>().map_err(|_| {
            let reason = match text.parse::<synergy_proto::Period>() {
                Ok(period) => format!(
                    "{period} is a {}, not a month; give one row per month, e.g. {}",
                    period_kind_name(period),
                    period.first_month()
                ),
                Err(_) => format!("{text:?} is not a month; write it as YYYY-MM, e.g. 2008-06"),
            };
            self.error(column, "import.period_is_month", reason)
        })
    }

    pub(crate) fn sku(&self, column: usize) -> Result<SkuId, RowError> {
        let text = self.text(column, "the SKU code")?;
        SkuId::new(text).map_err(|e| self.error(column, "import.invalid_id", e.to_string()))
    }

    pub(crate) fn brand(&self, column: usize) -> Result<BrandId, RowError> {
        let text = self.text(column, "the brand code")?;
        BrandId::new(text).map_err(|e| self.error(column, "import.invalid_id", e.to_string()))
    }

    pub(crate) fn report(&self, column: usize, rule: &'static str, reason: String) -> RowError {
        self.error(column, rule, reason)
    }
}

fn period_kind_name(period: synergy_proto::Period) -> &'static str {
    match period {
        synergy_proto::Period::Month(_) => "month",
        synergy_proto::Period::Quarter { .. } => "quarter",
        synergy_proto::Period::Half { .. } => "half-year",
        synergy_proto::Period::Year(_) => "year",
    }
}

/// What an amount column holds, for its messages.
#[derive(Debug, Clone, Copy)]
struct Unit {
    scale: u32,
    /// "a volume in cases"
    expected: &'static str,
    /// "volumes are exact to a thousandth of a case"
    precision: &'static str,
    /// "a volume"
    noun: &'static str,
}

const CASES: Unit = Unit {
    scale: Cases::SCALE,
    expected: "a volume in cases (up to 3 decimals)",
    precision: "volumes are exact to a thousandth of a case",
    noun: "a volume",
};

const YUAN: Unit = Unit {
    scale: Yuan::SCALE,
    expected: "an amount in yuan (up to 2 decimals)",
    precision: "money is exact to the fen",
    noun: "an amount of money",
};

fn amount_reason(text: &str, error: &AmountError, unit: Unit) -> (&'static str, String) {
    match error {
        AmountError::TooManyDecimals { scale, .. } => (
            "import.too_many_decimals",
            format!("{text} has more than {scale} decimals; {}", unit.precision),
        ),
        AmountError::Negative { .. } => (
            "import.negative",
            format!("{text} is negative; {} cannot be negative", unit.noun),
        ),
        AmountError::Overflow { .. } | AmountError::ArithmeticOverflow { .. } => (
            "import.too_large",
            format!("{text} is too large to be {}", unit.noun),
        ),
        AmountError::Syntax { .. } => (
            "import.not_a_number",
            format!(
                "{text:?} is not a number; write digits with an optional '.' and up to {} \
                 decimals, without thousands separators, currency signs or units",
                unit.scale
            ),
        ),
    }
}

/// Parses a whole, non-negative count; `"2900.00"` is accepted (a spreadsheet's number
/// format), `"2900.5"` is not.
pub(crate) fn parse_count(text: &str) -> Result<u32, (&'static str, String)> {
    let not_whole = || {
        (
            "import.whole_number",
            format!("{text:?} is not a whole number of outlets; write digits only"),
        )
    };
    if text.starts_with('-') && text.len() > 1 {
        return Err((
            "import.negative",
            format!("{text} is negative; a number of outlets cannot be negative"),
        ));
    }
    let (int, frac) = text.split_once('.').unwrap_or((text, ""));
    if int.is_empty()
        || !int.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b == b'0')
    {
        return Err(not_whole());
    }
    int.parse::<u32>().map_err(|_| {
        (
            "import.too_large",
            format!("{text} is too large to be a number of outlets"),
        )
    })
}

/// Keeps a parsed value, or records why it could not be parsed.
pub(crate) fn keep<T>(result: Result<T, RowError>, errors: &mut Problems) -> Option<T> {
    match result {
        Ok(value) => Some(value),
        Err(e) => {
            errors.push(e);
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts() {
        assert_eq!(parse_count("2900"), Ok(2900));
        assert_eq!(parse_count("2900.00"), Ok(2900));
        assert_eq!(
            parse_count("2900.5").map_err(|e| e.0),
            Err("import.whole_number")
        );
        assert_eq!(parse_count("-3").map_err(|e| e.0), Err("import.negative"));
        assert_eq!(
            parse_count("1e3").map_err(|e| e.0),
            Err("import.whole_number")
        );
        assert_eq!(
            parse_count(".5").map_err(|e| e.0),
            Err("import.whole_number")
        );
        assert_eq!(
            parse_count("99999999999").map_err(|e| e.0),
            Err("import.too_large")
        );
    }
}
