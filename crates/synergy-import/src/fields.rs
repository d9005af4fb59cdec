//! Reading one cell as a typed value, with a refusal that names the column and says what
//! to write instead.

use std::borrow::Cow;

use synergy_proto::{AmountError, BrandId, Cases, SkuId, YearMonth, Yuan};

use crate::error::{Problems, RowError};
use crate::table::{Cell, Row};
use crate::values::{SPREADSHEET_DIGITS, float_decimal, month_text, plain_figure};

/// A figure as a cell holds it, and as its column's parser reads it.
#[derive(Debug)]
struct Figure<'r> {
    /// What the parser reads: a number cell's decimal, a text cell's plain figure.
    decimal: Cow<'r, str>,
    /// What the cell holds: the text as typed, or the stored number's shortest decimal.
    held: &'r str,
    /// Whether the cell is a number cell (a float the sheet may show rounded).
    number: bool,
}

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

    /// The cell's figure for a column of `scale` decimals, `None` if it is empty.
    fn figure(
        &self,
        column: usize,
        scale: u32,
        expected: &str,
    ) -> Result<Option<Figure<'r>>, RowError> {
        if let Cell::Number(n) = self.cell(column) {
            let decimal = match n.float {
                None => Cow::Borrowed(n.text.as_str()),
                Some(value) => Cow::Owned(float_decimal(value, scale).map_err(|a| {
                    self.error(
                        column,
                        "import.imprecise_number",
                        format!(
                            "the cell stores the number {}, which has more digits than a \
                             spreadsheet keeps exactly ({SPREADSHEET_DIGITS}); format the cell \
                             as Text and type the figure",
                            a.stored
                        ),
                    )
                })?),
            };
            return Ok(Some(Figure {
                decimal,
                held: &n.text,
                number: true,
            }));
        }
        Ok(self.optional_text(column, expected)?.map(|text| Figure {
            decimal: plain_figure(text),
            held: text,
            number: false,
        }))
    }

    fn amount<T>(
        &self,
        column: usize,
        unit: Unit,
        parse: fn(&str) -> Result<T, AmountError>,
    ) -> Result<Option<T>, RowError> {
        let Some(figure) = self.figure(column, unit.scale, unit.expected)? else {
            return Ok(None);
        };
        parse(&figure.decimal).map(Some).map_err(|e| {
            let shown = match e {
                AmountError::Syntax { .. } => figure.held,
                _ => &figure.decimal,
            };
            let (rule, mut reason) = amount_reason(shown, &e, unit);
            if rule == "import.too_many_decimals" && figure.number {
                // A formula result or a pasted figure: say so, since the sheet may display
                // a rounded value that is not what it stores.
                reason.push_str(&format!(
                    "; the cell stores exactly {} even if it shows fewer decimals: round it \
                     in the sheet (ROUND(…, {})) so nothing is rounded silently here",
                    figure.held, unit.scale
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
        let Some(figure) = self.figure(column, 0, expected)? else {
            return Ok(None);
        };
        parse_count(&figure.decimal)
            .map(Some)
            .map_err(|(rule, reason)| self.error(column, rule, reason))
    }

    pub(crate) fn count(&self, column: usize) -> Result<u32, RowError> {
        self.optional_count(column)?
            .ok_or_else(|| self.required(column, "a whole number of outlets"))
    }

    /// A calendar month: text such as `2008-06` ([`month_text`]), or a date cell, which
    /// is the month of its day.
    pub(crate) fn month(&self, column: usize) -> Result<YearMonth, RowError> {
        let text = match self.cell(column) {
            Cell::Date(date) => {
                return month_text(date).ok_or_else(|| {
                    self.error(
                        column,
                        "import.period_is_month",
                        format!(
                            "the period cell holds the date {date}, which is no day of a month \
                             this import takes; type the month as text, e.g. 2008-06"
                        ),
                    )
                });
            }
            Cell::Number(n) => {
                return Err(self.error(
                    column,
                    "import.period_as_text",
                    format!(
                        "the period cell holds the number {} instead of a month; format the \
                         period column as Text and type months like 2008-06",
                        n.text
                    ),
                ));
            }
            _ => self.text(column, "the month, e.g. 2008-06")?,
        };
        month_text(text).ok_or_else(|| {
            let reason = match text.parse::<synergy_proto::Period>() {
                Ok(period) => format!(
                    "{period} is a {}, not a month; give one row per month, e.g. {}",
                    period_kind_name(period),
                    period.first_month()
                ),
                Err(_) => format!(
                    "{text:?} is not a month; write it as YYYY-MM, e.g. 2008-06 (a date in \
                     the month, such as 2008-06-01 or 2008/6/1, also reads as its month)"
                ),
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
                 decimals, without currency signs or units (commas may group thousands: \
                 1,200.50)",
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
