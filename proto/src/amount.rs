//! Exact quantities: volume in thousandths of a case, money in fen, shares in basis points.
//!
//! Events never carry floats. Each type is an `i64` count of its smallest unit with
//! checked arithmetic, parsed from and displayed as a decimal string
//! (`"15300.5"` cases, `"217000000.00"` yuan).

use std::fmt;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AmountError {
    #[error(
        "{value:?} is not a number; write digits with an optional '.' and up to {scale} decimals"
    )]
    Syntax { value: String, scale: u32 },
    #[error("{value:?} has more than {scale} decimals")]
    TooManyDecimals { value: String, scale: u32 },
    #[error("{value:?} is negative; {what} cannot be negative")]
    Negative { value: String, what: &'static str },
    #[error("{value:?} is too large")]
    Overflow { value: String },
    #[error("arithmetic overflow in {what}")]
    ArithmeticOverflow { what: &'static str },
}

/// Parses a decimal string into an integer count of `10^-scale` units.
///
/// Accepts an optional leading `-` (only when `allow_negative`), digits, and an optional
/// `.` followed by at most `scale` digits. Thousands separators, exponents and `+` are
/// refused: a spreadsheet cell that needs them is ambiguous.
pub fn parse_fixed(
    s: &str,
    scale: u32,
    allow_negative: bool,
    what: &'static str,
) -> Result<i64, AmountError> {
    let syntax = || AmountError::Syntax {
        value: s.to_owned(),
        scale,
    };
    let trimmed = s.trim();
    let (negative, body) = match trimmed.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, trimmed),
    };
    let (int, frac) = match body.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (body, None),
    };
    let all_digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
    if !all_digits(int) || frac.is_some_and(|f| !all_digits(f)) {
        return Err(syntax());
    }
    if int.is_empty() && frac.is_none_or(str::is_empty) {
        return Err(syntax());
    }
    let frac = frac.unwrap_or("");
    let frac_trimmed = frac.trim_end_matches('0');
    if frac_trimmed.len() > scale as usize {
        return Err(AmountError::TooManyDecimals {
            value: s.to_owned(),
            scale,
        });
    }
    let overflow = || AmountError::Overflow {
        value: s.to_owned(),
    };
    let mut units: i64 = 0;
    for b in int.bytes() {
        units = units
            .checked_mul(10)
            .and_then(|u| u.checked_add(i64::from(b - b'0')))
            .ok_or_else(overflow)?;
    }
    units = units.checked_mul(10_i64.pow(scale)).ok_or_else(overflow)?;
    let mut frac_units: i64 = 0;
    for (i, b) in frac_trimmed.bytes().enumerate() {
        frac_units += i64::from(b - b'0') * 10_i64.pow(scale - 1 - i as u32);
    }
    units = units.checked_add(frac_units).ok_or_else(overflow)?;
    if negative && units != 0 {
        if !allow_negative {
            return Err(AmountError::Negative {
                value: s.to_owned(),
                what,
            });
        }
        units = -units;
    }
    Ok(units)
}

/// Writes `units` of `10^-scale` as a decimal with exactly `scale` decimals.
pub fn format_fixed(f: &mut fmt::Formatter<'_>, units: i64, scale: u32) -> fmt::Result {
    let div = 10_i128.pow(scale);
    let u = i128::from(units);
    let sign = if u < 0 { "-" } else { "" };
    let abs = u.abs();
    if scale == 0 {
        write!(f, "{sign}{abs}")
    } else {
        write!(
            f,
            "{sign}{}.{:0width$}",
            abs / div,
            abs % div,
            width = scale as usize
        )
    }
}

macro_rules! fixed_amount {
    ($(#[$meta:meta])* $name:ident, $scale:expr, $what:literal) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
        pub struct $name(i64);

        const _: () = {
            /// The postcard form: the count of smallest units.
            #[derive(Serialize, Deserialize)]
            struct Raw(i64);
            impl From<$name> for Raw {
                fn from(x: $name) -> Raw {
                    Raw(x.0)
                }
            }
            impl From<Raw> for $name {
                fn from(r: Raw) -> $name {
                    $name(r.0)
                }
            }
            // In JSON a decimal string ("1250.5"), so no client loses digits to floats.
            crate::text_serde::text_serde!($name, Raw, $name::parse_signed);
        };

        impl $name {
            /// Decimal places of the smallest unit.
            pub const SCALE: u32 = $scale;
            /// Smallest units per whole unit.
            pub const ONE: i64 = 10_i64.pow($scale);
            pub const ZERO: Self = Self(0);

            /// From a count of smallest units.
            pub const fn from_units(units: i64) -> Self {
                Self(units)
            }
            /// From whole units; `None` on overflow.
            pub fn from_whole(whole: i64) -> Option<Self> {
                whole.checked_mul(Self::ONE).map(Self)
            }
            pub const fn units(self) -> i64 {
                self.0
            }
            pub const fn is_negative(self) -> bool {
                self.0 < 0
            }
            pub fn checked_add(self, other: Self) -> Option<Self> {
                self.0.checked_add(other.0).map(Self)
            }
            pub fn checked_sub(self, other: Self) -> Option<Self> {
                self.0.checked_sub(other.0).map(Self)
            }
            pub fn checked_mul(self, factor: i64) -> Option<Self> {
                self.0.checked_mul(factor).map(Self)
            }
            /// Sums, failing on overflow.
            pub fn checked_sum<I: IntoIterator<Item = Self>>(items: I) -> Result<Self, AmountError> {
                items.into_iter().try_fold(Self::ZERO, |acc, x| {
                    acc.checked_add(x).ok_or(AmountError::ArithmeticOverflow { what: $what })
                })
            }
            /// Parses a non-negative decimal string.
            pub fn parse(s: &str) -> Result<Self, AmountError> {
                parse_fixed(s, $scale, false, $what).map(Self)
            }
            /// Parses a decimal string that may be negative (deltas, restatements).
            pub fn parse_signed(s: &str) -> Result<Self, AmountError> {
                parse_fixed(s, $scale, true, $what).map(Self)
            }
        }

        impl std::str::FromStr for $name {
            type Err = AmountError;
            fn from_str(s: &str) -> Result<Self, AmountError> {
                Self::parse(s)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                format_fixed(f, self.0, $scale)
            }
        }
    };
}

fixed_amount!(
    /// A volume in cases (箱), exact to a thousandth of a case. 1 case = 250 cartons.
    Cases,
    3,
    "a volume in cases"
);
fixed_amount!(
    /// An amount of money in yuan (元), exact to the fen.
    Yuan,
    2,
    "an amount in yuan"
);
fixed_amount!(
    /// A percentage exact to a hundredth of a point (basis points): `22.63` is 2263.
    Percent,
    2,
    "a percentage"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_cases_and_yuan() {
        assert_eq!(Cases::parse("15300").unwrap().units(), 15_300_000);
        assert_eq!(Cases::parse("0.001").unwrap().units(), 1);
        assert_eq!(Cases::parse("2.5").unwrap().units(), 2_500);
        assert_eq!(Cases::parse(".5").unwrap().units(), 500);
        assert_eq!(Cases::parse("5.").unwrap().units(), 5_000);
        assert_eq!(
            Cases::parse("1.2500").unwrap().units(),
            1_250,
            "trailing zeros are fine"
        );
        assert_eq!(Yuan::parse("217000000").unwrap().units(), 21_700_000_000);
        assert_eq!(Yuan::parse("12.34").unwrap().to_string(), "12.34");
        assert_eq!(Cases::parse("-0").unwrap(), Cases::ZERO);
    }

    #[test]
    fn refuses_bad_decimals() {
        assert!(matches!(
            Cases::parse("1.0001"),
            Err(AmountError::TooManyDecimals { scale: 3, .. })
        ));
        assert!(matches!(
            Yuan::parse("0.001"),
            Err(AmountError::TooManyDecimals { .. })
        ));
        assert!(matches!(
            Cases::parse("-1"),
            Err(AmountError::Negative { .. })
        ));
        assert_eq!(Cases::parse_signed("-1.5").unwrap().units(), -1_500);
        for bad in ["", ".", "1,000", "1e3", "+1", "abc", "1.2.3", "--1", " "] {
            assert!(Cases::parse(bad).is_err(), "{bad:?}");
        }
        assert!(matches!(
            Yuan::parse("99999999999999999999"),
            Err(AmountError::Overflow { .. })
        ));
        assert!(matches!(
            Yuan::parse("92233720368547758.08"),
            Err(AmountError::Overflow { .. })
        ));
        assert_eq!(
            Yuan::parse("92233720368547758.07").unwrap().units(),
            i64::MAX
        );
    }

    #[test]
    fn displays_exact() {
        assert_eq!(Cases::from_units(15_300_000).to_string(), "15300.000");
        assert_eq!(Cases::from_units(-1).to_string(), "-0.001");
        assert_eq!(
            Yuan::from_units(i64::MIN).to_string(),
            "-92233720368547758.08"
        );
    }

    #[test]
    fn checked_arithmetic() {
        let a = Cases::from_units(i64::MAX);
        assert_eq!(a.checked_add(Cases::from_units(1)), None);
        assert!(Cases::checked_sum([a, Cases::from_units(1)]).is_err());
        assert_eq!(
            Cases::checked_sum([Cases::from_units(1), Cases::from_units(2)]).unwrap(),
            Cases::from_units(3)
        );
    }
}
