//! A displayed figure: an exact amount already rounded to its unit's decimals, a count,
//! a text, a mix of figures, or null.
//!
//! Rounding happens once, when a [`Figure`] is made from an exact [`Ratio`]; every
//! renderer prints the same integer units, so JSON, CSV, Markdown and HTML never disagree.

use std::collections::BTreeMap;

use crate::exact::{Ratio, format_units};

/// What an amount measures, which fixes its decimals (`docs/kpis.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// Cases, at most 3 decimals (trailing zeros dropped).
    Cases,
    /// Yuan, exactly 2 decimals.
    Yuan,
    /// A percentage, 2 decimals.
    Percent,
    /// A difference of percentages, in points, 2 decimals.
    Points,
    /// A plain ratio or index (stock-to-sales, price index), 2 decimals.
    Ratio,
}

impl Unit {
    pub fn scale(self) -> u32 {
        match self {
            Unit::Cases => 3,
            Unit::Yuan | Unit::Percent | Unit::Points | Unit::Ratio => 2,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Figure {
    /// Inputs missing or a zero denominator: never shown as 0.
    Null,
    /// `units` of `10^-unit.scale()`.
    Amount {
        units: i128,
        unit: Unit,
    },
    Count(i64),
    Text(String),
    Mix(BTreeMap<String, Figure>),
}

impl Figure {
    /// A volume from thousandths of a case.
    pub fn cases(units: Option<i128>) -> Self {
        units.map_or(Figure::Null, |units| Figure::Amount {
            units,
            unit: Unit::Cases,
        })
    }

    /// Money from fen.
    pub fn yuan(fen: Option<i128>) -> Self {
        fen.map_or(Figure::Null, |units| Figure::Amount {
            units,
            unit: Unit::Yuan,
        })
    }

    /// A fraction shown as a percentage (× 100), rounded half away from zero.
    pub fn percent(fraction: Option<Ratio>) -> Self {
        Self::rounded(fraction.and_then(|r| r.times(100)), Unit::Percent)
    }

    /// A fraction of one shown as points (× 100), for share changes.
    pub fn points(fraction: Option<Ratio>) -> Self {
        Self::rounded(fraction.and_then(|r| r.times(100)), Unit::Points)
    }

    /// A plain ratio shown with 2 decimals.
    pub fn ratio(value: Option<Ratio>) -> Self {
        Self::rounded(value, Unit::Ratio)
    }

    fn rounded(value: Option<Ratio>, unit: Unit) -> Self {
        value
            .and_then(|r| r.round(unit.scale()))
            .map_or(Figure::Null, |units| Figure::Amount { units, unit })
    }

    pub fn count(n: impl TryInto<i64>) -> Self {
        n.try_into().map_or(Figure::Null, Figure::Count)
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Figure::Null)
    }

    /// The exact amount in its smallest display unit, if this is an amount.
    pub fn units(&self) -> Option<i128> {
        match self {
            Figure::Amount { units, .. } => Some(*units),
            Figure::Count(n) => Some(i128::from(*n)),
            _ => None,
        }
    }

    /// The plain decimal text (no grouping, no unit): what JSON and CSV print.
    /// `None` for null; mixes print as `key=value` pairs joined by `;`.
    pub fn plain(&self) -> Option<String> {
        match self {
            Figure::Null => None,
            Figure::Amount { units, unit } => {
                Some(format_units(*units, unit.scale(), *unit == Unit::Cases))
            }
            Figure::Count(n) => Some(n.to_string()),
            Figure::Text(t) => Some(t.clone()),
            Figure::Mix(m) => Some(
                m.iter()
                    .map(|(k, v)| format!("{k}={}", v.plain().unwrap_or_else(|| "null".into())))
                    .collect::<Vec<_>>()
                    .join(";"),
            ),
        }
    }

    /// For people: thousands separators, `¥`, `%`, `pt`; `—` for null.
    pub fn human(&self) -> String {
        match self {
            Figure::Null => "—".to_owned(),
            Figure::Amount { units, unit } => {
                let text =
                    group_thousands(&format_units(*units, unit.scale(), *unit == Unit::Cases));
                match unit {
                    Unit::Cases => text,
                    Unit::Yuan => format!("¥{text}"),
                    Unit::Percent => format!("{text} %"),
                    Unit::Points => format!("{text} pt"),
                    Unit::Ratio => text,
                }
            }
            Figure::Count(n) => group_thousands(&n.to_string()),
            Figure::Text(t) => t.clone(),
            Figure::Mix(m) => m
                .iter()
                .map(|(k, v)| format!("{k}: {}", v.human()))
                .collect::<Vec<_>>()
                .join(", "),
        }
    }

    /// Like [`human`](Self::human) with an explicit `+` on positive changes (yoy, pop).
    pub fn human_signed(&self) -> String {
        match self {
            Figure::Amount { units, .. } if *units > 0 => format!("+{}", self.human()),
            _ => self.human(),
        }
    }
}

/// `15300.5` → `15,300.5`; `-1234567.00` → `-1,234,567.00`.
pub fn group_thousands(plain: &str) -> String {
    let (sign, rest) = match plain.strip_prefix('-') {
        Some(r) => ("-", r),
        None => ("", plain),
    };
    let (int, frac) = match rest.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (rest, None),
    };
    let mut grouped = String::with_capacity(int.len() + int.len() / 3);
    for (i, ch) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    match frac {
        Some(f) => format!("{sign}{grouped}.{f}"),
        None => format!("{sign}{grouped}"),
    }
}

/// A set of KPIs by key; BTreeMap so every rendering lists them in the same order.
pub type Kpis = BTreeMap<&'static str, Figure>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_units() {
        let pct = Figure::percent(Ratio::new(15_300, 67_610));
        assert_eq!(pct.plain().as_deref(), Some("22.63"));
        assert_eq!(pct.human(), "22.63 %");
        let yuan = Figure::yuan(Some(21_700_000_000));
        assert_eq!(yuan.plain().as_deref(), Some("217000000.00"));
        assert_eq!(yuan.human(), "¥217,000,000.00");
        let cases = Figure::cases(Some(15_300_000));
        assert_eq!(cases.plain().as_deref(), Some("15300"));
        assert_eq!(cases.human(), "15,300");
        assert_eq!(Figure::cases(Some(1_500)).plain().as_deref(), Some("1.5"));
        let yoy = Figure::percent(Ratio::new(3_500, 11_800));
        assert_eq!(yoy.human_signed(), "+29.66 %");
        assert_eq!(Figure::percent(Ratio::new(1, 0)), Figure::Null);
        assert_eq!(Figure::Null.plain(), None);
        assert_eq!(Figure::Null.human(), "—");
    }

    #[test]
    fn groups_thousands() {
        assert_eq!(group_thousands("1234567.89"), "1,234,567.89");
        assert_eq!(group_thousands("-123"), "-123");
        assert_eq!(group_thousands("-1234"), "-1,234");
        assert_eq!(group_thousands("100"), "100");
        assert_eq!(group_thousands("0.5"), "0.5");
    }
}
