//! The text shapes of field values: ids, dates, months, periods, decimal amounts, counts.
//! The command contract checks every text field against its shape, and the HTTP front end
//! states each as a pattern in its OpenAPI document, so the document says exactly what is
//! accepted. The values proto writes in JSON state the same shapes where they share one.

/// A text shape a field accepts: ids, dates, months, periods, decimal amounts, counts.
/// The HTTP front end states each as a pattern in the OpenAPI document, and the command
/// contract checks it, so the document says exactly what is accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// An id token: 1–64 of `A-Z a-z 0-9 _ -`.
    Id,
    /// `YYYY-MM-DD`, years 1900–9999.
    Date,
    /// `YYYY-MM`.
    Month,
    /// A month, quarter (`2008-Q2`), half (`2008-H1`) or year (`2008`).
    Period,
    /// Cases: up to 15 whole digits and 3 decimals.
    Cases,
    /// Yuan: up to 16 whole digits and 2 decimals (fen).
    Yuan,
    /// A percentage: up to 3 whole digits and 2 decimals.
    Percent,
    /// A whole count of outlets: up to 9 digits.
    Count,
    /// A price class, 1 (一類) to 5 (五類).
    PriceClass,
    /// A hyphenated UUID.
    Uuid,
    /// Text with at least one character.
    NonEmpty,
    /// An IANA time zone name, e.g. `America/New_York`: 1–64 of `A-Z a-z 0-9 _ + - /`.
    /// Whether the zone exists is the context's rule, which names it.
    TimeZone,
}

const YEAR: &str = "(19[0-9]{2}|[2-9][0-9]{3})";
const MM: &str = "(0[1-9]|1[0-2])";
/// "Nothing follows": both this and `$` mean end of text in ECMA regexes, but
/// Python-dialect tools (schemathesis) let `$` match before a final newline and would
/// otherwise call `"2008\n"` valid.
pub(crate) const END: &str = r"(?![\s\S])";

impl Shape {
    /// The ECMA regex that states this shape.
    pub fn pattern(self) -> String {
        let body = match self {
            Shape::Id => "[A-Za-z0-9_-]{1,64}".to_owned(),
            Shape::Date => format!("{YEAR}-{MM}-(0[1-9]|[12][0-9]|3[01])"),
            Shape::Month => format!("{YEAR}-{MM}"),
            Shape::Period => format!("{YEAR}(-{MM}|-Q[1-4]|-H[12])?"),
            Shape::Cases => r"[0-9]{1,15}(\.[0-9]{1,3})?".to_owned(),
            Shape::Yuan => r"[0-9]{1,16}(\.[0-9]{1,2})?".to_owned(),
            Shape::Percent => r"[0-9]{1,3}(\.[0-9]{1,2})?".to_owned(),
            Shape::Count => "[0-9]{1,9}".to_owned(),
            Shape::PriceClass => "[1-5]".to_owned(),
            Shape::Uuid => "[0-9A-Fa-f]{8}(-[0-9A-Fa-f]{4}){3}-[0-9A-Fa-f]{12}".to_owned(),
            Shape::NonEmpty => return r"^[\s\S]".to_owned(),
            Shape::TimeZone => "[A-Za-z0-9_+/-]{1,64}".to_owned(),
        };
        format!("^{body}{END}")
    }

    /// An example value.
    pub fn example(self) -> &'static str {
        match self {
            Shape::Id => "hy-soft",
            Shape::Date => "2008-06-30",
            Shape::Month => "2008-06",
            Shape::Period => "2008-H1",
            Shape::Cases => "1200.5",
            Shape::Yuan => "190.00",
            Shape::Percent => "22.50",
            Shape::Count => "2900",
            Shape::PriceClass => "2",
            Shape::Uuid => "0190a5f2-3c4d-7e8f-9a0b-1c2d3e4f5a6b",
            Shape::NonEmpty => "紅雲(軟)",
            Shape::TimeZone => "Asia/Shanghai",
        }
    }

    /// What a value of this shape is, in a sentence.
    pub fn description(self) -> &'static str {
        match self {
            Shape::Id => "An id: 1 to 64 letters, digits, '_' or '-'",
            Shape::Date => "A date YYYY-MM-DD (years 1900 to 9999)",
            Shape::Month => "A month YYYY-MM",
            Shape::Period => "A period: month 2008-06, quarter 2008-Q2, half 2008-H1 or year 2008",
            Shape::Cases => "A volume in cases, exact to a thousandth of a case",
            Shape::Yuan => "An amount in yuan, exact to the fen",
            Shape::Percent => "A percentage, exact to a hundredth of a point",
            Shape::Count => "A whole number",
            Shape::PriceClass => "A price class, 1 (一類) to 5 (五類)",
            Shape::Uuid => "A UUID in its hyphenated form",
            Shape::NonEmpty => "Text that is not empty",
            Shape::TimeZone => {
                "An IANA time zone name such as Asia/Shanghai: 1 to 64 letters, digits, '_', '+', '-' or '/'"
            }
        }
    }

    /// The value name a command line shows for a flag of this shape.
    pub fn value_name(self) -> &'static str {
        match self {
            Shape::Id => "ID",
            Shape::Date => "YYYY-MM-DD",
            Shape::Month => "YYYY-MM",
            Shape::Period => "PERIOD",
            Shape::Cases => "CASES",
            Shape::Yuan => "YUAN",
            Shape::Percent => "PERCENT",
            Shape::Count => "COUNT",
            Shape::PriceClass => "1-5",
            Shape::Uuid => "UUID",
            Shape::NonEmpty => "TEXT",
            Shape::TimeZone => "ZONE",
        }
    }

    /// Whether `text` has this shape. Ids, dates, months and periods are the proto parsers'
    /// own rules (which callers apply next); amounts, counts and UUIDs are narrower here than
    /// the parsers, which also take `.5`, `1.2500`, braces and other spellings.
    pub fn accepts(self, text: &str) -> bool {
        let digits = |s: &str, min: usize, max: usize| {
            (min..=max).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
        };
        let decimal = |whole: usize, scale: usize| match text.split_once('.') {
            Some((i, f)) => digits(i, 1, whole) && digits(f, 1, scale),
            None => digits(text, 1, whole),
        };
        match self {
            Shape::Id => text.parse::<crate::OrgId>().is_ok(),
            Shape::Date => text.parse::<crate::Date>().is_ok(),
            Shape::Month => text.parse::<crate::YearMonth>().is_ok(),
            Shape::Period => text.parse::<crate::Period>().is_ok(),
            Shape::Cases => decimal(15, 3),
            Shape::Yuan => decimal(16, 2),
            Shape::Percent => decimal(3, 2),
            Shape::Count => digits(text, 1, 9),
            Shape::PriceClass => matches!(text, "1" | "2" | "3" | "4" | "5"),
            Shape::Uuid => {
                let groups: Vec<&str> = text.split('-').collect();
                groups.len() == 5
                    && groups
                        .iter()
                        .zip([8, 4, 4, 4, 12])
                        .all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()))
            }
            Shape::NonEmpty => !text.is_empty(),
            Shape::TimeZone => {
                (1..=64).contains(&text.len())
                    && text
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"_+-/".contains(&b))
            }
        }
    }

    /// What to write instead, for an error message.
    pub fn expected(self) -> &'static str {
        match self {
            Shape::Cases => {
                "digits with an optional '.' and 1 to 3 decimals (at most 15 whole digits)"
            }
            Shape::Yuan => {
                "digits with an optional '.' and 1 or 2 decimals (at most 16 whole digits)"
            }
            Shape::Percent => {
                "digits with an optional '.' and 1 or 2 decimals (at most 3 whole digits)"
            }
            Shape::Count => "1 to 9 digits",
            _ => self.description(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_accept_what_their_patterns_state() {
        let cases: &[(Shape, &[&str], &[&str])] = &[
            (
                Shape::Id,
                &["a", "hy-soft", "A_1", &"x".repeat(64)],
                &["", "a.b", "a b", "é", &"x".repeat(65), "a\n"],
            ),
            (
                Shape::Date,
                &["1900-01-01", "2008-02-29", "9999-12-31"],
                &[
                    "1899-12-31",
                    "2007-02-29",
                    "2008-13-01",
                    "2008-1-01",
                    " 2008-01-01",
                ],
            ),
            (
                Shape::Month,
                &["2008-06", "1900-01"],
                &["2008-6", "2008-00", "0000-01"],
            ),
            (
                Shape::Period,
                &["2008", "2008-06", "2008-Q4", "2008-H2"],
                &["2008-Q5", "2008-H3", "1899", "2008-"],
            ),
            (
                Shape::Cases,
                &["0", "1200.5", "0.001", "999999999999999.999"],
                &[
                    "",
                    ".5",
                    "5.",
                    "1.2500",
                    "-1",
                    "+1",
                    "1e3",
                    "1,000",
                    "1000000000000000",
                ],
            ),
            (
                Shape::Yuan,
                &["190", "190.00", "0.5"],
                &["190.001", " 190", "190\n"],
            ),
            (Shape::Percent, &["22.50", "100", "0"], &["1000", "22.505"]),
            (
                Shape::Count,
                &["0", "999999999"],
                &["1000000000", "1.0", ""],
            ),
            (Shape::PriceClass, &["1", "5"], &["0", "6", "01"]),
            (
                Shape::Uuid,
                &["0190a5f2-3c4d-7e8f-9a0b-1c2d3e4f5a6b"],
                &[
                    "0190a5f23c4d7e8f9a0b1c2d3e4f5a6b",
                    "{0190a5f2-3c4d-7e8f-9a0b-1c2d3e4f5a6b}",
                ],
            ),
            (Shape::NonEmpty, &["x", " "], &[""]),
            (
                Shape::TimeZone,
                &[
                    "Asia/Shanghai",
                    "America/Port-au-Prince",
                    "Etc/GMT+5",
                    "UTC",
                ],
                &[
                    "",
                    " Asia/Shanghai",
                    "Asia/Shanghai\n",
                    "Asia.Shanghai",
                    &"A/".repeat(33),
                ],
            ),
        ];
        for (shape, good, bad) in cases {
            for g in *good {
                assert!(shape.accepts(g), "{shape:?} refuses {g:?}");
            }
            for b in *bad {
                assert!(!shape.accepts(b), "{shape:?} accepts {b:?}");
            }
        }
    }

    #[test]
    fn patterns_are_anchored_at_both_ends() {
        for shape in [Shape::Id, Shape::Date, Shape::Cases, Shape::Uuid] {
            let p = shape.pattern();
            assert!(p.starts_with('^') && p.ends_with(r"(?![\s\S])"), "{p}");
        }
    }
}
