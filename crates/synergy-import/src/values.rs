//! How a cell's contents read as the exact values an import records: the decimal a
//! spreadsheet's binary number stands for, a figure typed as text with thousands
//! separators or full-width digits, and a month written the ways spreadsheets show one
//! (`docs/import-formats.md`, "Spreadsheets as people write them").

use std::borrow::Cow;

use synergy_proto::YearMonth;

/// The significant digits a spreadsheet keeps of a number and shows at most: Excel stores
/// what is typed to this precision, so a decimal with no more digits was typed as such.
pub(crate) const SPREADSHEET_DIGITS: usize = 15;

/// Why a number cell does not stand for one decimal of a column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Ambiguous {
    /// The shortest decimal that reads back to the stored number.
    pub(crate) stored: String,
}

/// The decimal a number cell stands for in a column of `scale` decimals.
///
/// The shortest decimal that reads back to the stored float is what was typed whenever it
/// has at most [`SPREADSHEET_DIGITS`] significant digits, and is taken as it is (its
/// decimals are checked by the column). Longer, it is the noise of binary arithmetic
/// (`1200.4999999999998` for 1200.5): it is rounded to [`SPREADSHEET_DIGITS`] digits,
/// which is what the spreadsheet shows, and taken when the column's decimals lie within
/// those digits, so the rounding cannot choose between two values the column tells apart.
/// Otherwise no decimal is unambiguous and the cell is refused.
pub(crate) fn float_decimal(value: f64, scale: u32) -> Result<String, Ambiguous> {
    // Rust prints the shortest decimal that parses back to the same f64, never with an
    // exponent.
    let shortest = format!("{value}");
    if significant_digits(&shortest) <= SPREADSHEET_DIGITS {
        return Ok(shortest);
    }
    let rounded = plain_decimal(&format!("{value:.*e}", SPREADSHEET_DIGITS - 1));
    let int_digits = rounded
        .trim_start_matches('-')
        .split('.')
        .next()
        .unwrap_or("")
        .trim_start_matches('0')
        .len();
    if int_digits + scale as usize > SPREADSHEET_DIGITS {
        return Err(Ambiguous { stored: shortest });
    }
    Ok(rounded)
}

/// Digits from the first non-zero one to the last non-zero one.
fn significant_digits(decimal: &str) -> usize {
    let digits: Vec<u8> = decimal.bytes().filter(u8::is_ascii_digit).collect();
    let first = digits.iter().position(|d| *d != b'0');
    let last = digits.iter().rposition(|d| *d != b'0');
    match (first, last) {
        (Some(first), Some(last)) => last - first + 1,
        _ => 0,
    }
}

/// `d.ddde±x` (Rust's `{:e}`) as a plain decimal without trailing zeros.
fn plain_decimal(scientific: &str) -> String {
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((scientific, "0"));
    let exponent: i64 = exponent.parse().unwrap_or(0);
    let (negative, mantissa) = match mantissa.strip_prefix('-') {
        Some(m) => (true, m),
        None => (false, mantissa),
    };
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    // The mantissa has one digit before its point: the decimal point sits after
    // 1 + exponent digits.
    let point = 1 + exponent;
    let (int, frac) = if point <= 0 {
        let zeros = usize::try_from(-point).unwrap_or(0);
        ("0".to_owned(), format!("{}{digits}", "0".repeat(zeros)))
    } else {
        let point = usize::try_from(point).unwrap_or(0);
        if point >= digits.len() {
            (
                format!("{digits}{}", "0".repeat(point - digits.len())),
                String::new(),
            )
        } else {
            (digits[..point].to_owned(), digits[point..].to_owned())
        }
    };
    let frac = frac.trim_end_matches('0');
    let int = match int.trim_start_matches('0') {
        "" => "0",
        int => int,
    };
    let sign = if negative && (int != "0" || !frac.is_empty()) {
        "-"
    } else {
        ""
    };
    if frac.is_empty() {
        format!("{sign}{int}")
    } else {
        format!("{sign}{int}.{frac}")
    }
}

/// Full-width digits, point, comma and minus (an input method's full-width mode) as their
/// ASCII selves.
fn ascii_digits(text: &str) -> Cow<'_, str> {
    let full_width = |c: char| matches!(c, '０'..='９' | '．' | '，' | '－');
    if !text.chars().any(full_width) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars()
            .map(|c| match c {
                '０'..='９' => char::from(b'0' + (c as u32 - '０' as u32) as u8),
                '．' => '.',
                '，' => ',',
                '－' => '-',
                c => c,
            })
            .collect(),
    )
}

/// Characters that group thousands in a figure typed as text.
const GROUP_SEPARATORS: [char; 5] = [',', ' ', '\u{a0}', '\u{202f}', '\u{2009}'];

/// A figure typed as text, as plain digits: full-width digits become ASCII, and thousands
/// grouped by one separator (`1,200.50`, `1 200.50`) are joined when every group after
/// the first has exactly three digits and the decimals have none. Anything else is
/// returned as it is, for the amount parser to refuse with its reason — so a decimal
/// comma (`1,5`) is never taken for a thousands separator.
pub(crate) fn plain_figure(text: &str) -> Cow<'_, str> {
    let ascii = ascii_digits(text);
    let body = ascii.strip_prefix('-').unwrap_or(&ascii);
    let (int, frac) = body.split_once('.').unwrap_or((body, ""));
    let Some(separator) = int.chars().find(|c| !c.is_ascii_digit()) else {
        return ascii;
    };
    if !GROUP_SEPARATORS.contains(&separator) || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return ascii;
    }
    let mut groups = int.split(separator);
    let first_ok = groups
        .next()
        .is_some_and(|g| (1..=3).contains(&g.len()) && g.bytes().all(|b| b.is_ascii_digit()));
    if !first_ok
        || !groups
            .clone()
            .all(|g| g.len() == 3 && g.bytes().all(|b| b.is_ascii_digit()))
    {
        return ascii;
    }
    let joined: String = ascii.chars().filter(|c| *c != separator).collect();
    Cow::Owned(joined)
}

/// A month written as text: `2008-06`, a date in the month (`2008-06-15`, with or without
/// a time, as ISO 8601 date-times are written), or as spreadsheets in Chinese show dates
/// (`2008/6`, `2008/6/15`, `2008年6月`, `2008年6月15日`). Digits may be full-width. `None`
/// if it is none of these, or names no real day.
pub(crate) fn month_text(text: &str) -> Option<YearMonth> {
    let text = ascii_digits(text.trim());
    let text = text.as_ref();
    if let Ok(month) = text.parse::<YearMonth>() {
        return Some(month);
    }
    let year: i32 = text
        .get(..4)?
        .parse()
        .ok()
        .filter(|_| text.as_bytes()[..4].iter().all(u8::is_ascii_digit))?;
    let rest = &text[4..];
    let (separator, rest) = ['-', '/', '年']
        .into_iter()
        .find_map(|s| rest.strip_prefix(s).map(|r| (s, r)))?;
    // ISO 8601 writes two-digit months and days; the Chinese short and long forms do not.
    let two_digits = separator == '-';
    let (month, rest) = leading_number(rest, two_digits)?;
    let rest = if separator == '年' {
        rest.strip_prefix('月')?
    } else {
        rest
    };
    let month = YearMonth::new(year, u8::try_from(month).ok()?).ok()?;
    if rest.is_empty() {
        // `2008-06` parsed above; a bare `2008/6` or `2008年6月` is the month.
        return (separator != '-').then_some(month);
    }
    let rest = match separator {
        '年' => rest,
        s => rest.strip_prefix(s)?,
    };
    let (day, rest) = leading_number(rest, two_digits)?;
    let rest = if separator == '年' {
        rest.strip_prefix('日')?
    } else {
        rest
    };
    if day == 0 || day > u32::from(month.last_day().day()) {
        return None;
    }
    is_time_of_day(rest).then_some(month)
}

/// One or two leading ASCII digits (exactly two when `two_digits`) and what follows.
fn leading_number(text: &str, two_digits: bool) -> Option<(u32, &str)> {
    let len = text.bytes().take_while(u8::is_ascii_digit).count();
    let ok = if two_digits {
        len == 2
    } else {
        (1..=2).contains(&len)
    };
    ok.then(|| (text[..len].parse().ok(), &text[len..]))
        .and_then(|(n, rest)| n.map(|n| (n, rest)))
}

/// Nothing, or a time after `T` or a space: `HH:MM`, `HH:MM:SS`, fractions of a second,
/// and `Z` or an offset such as `+08:00` — what a date-time adds to its day.
fn is_time_of_day(rest: &str) -> bool {
    let Some(time) = rest.strip_prefix(['T', ' ']) else {
        return rest.is_empty();
    };
    let time = match time.strip_suffix('Z') {
        Some(time) => time,
        None => match time.rfind(['+', '-']) {
            Some(at) if is_offset(&time[at + 1..]) => &time[..at],
            _ => time,
        },
    };
    let (clock, fraction) = time.split_once('.').unwrap_or((time, "0"));
    let parts: Vec<&str> = clock.split(':').collect();
    (2..=3).contains(&parts.len())
        && parts
            .iter()
            .all(|p| (1..=2).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit()))
        && !fraction.is_empty()
        && fraction.bytes().all(|b| b.is_ascii_digit())
}

/// `08:00` or `0800`.
fn is_offset(text: &str) -> bool {
    let digits: String = text.chars().filter(|c| *c != ':').collect();
    digits.len() == 4 && digits.bytes().all(|b| b.is_ascii_digit()) && text.len() <= 5
}

#[cfg(test)]
mod tests {
    use super::*;

    fn month(text: &str) -> Option<String> {
        month_text(text).map(|m| m.to_string())
    }

    #[test]
    fn float_noise_is_read_as_the_decimal_a_spreadsheet_shows() {
        assert_eq!(float_decimal(1200.5, 3).as_deref(), Ok("1200.5"));
        assert_eq!(
            float_decimal(1200.4999999999998, 3).as_deref(),
            Ok("1200.5")
        );
        assert_eq!(float_decimal(0.1 + 0.2, 2).as_deref(), Ok("0.3"));
        assert_eq!(float_decimal(2900.0000000000005, 0).as_deref(), Ok("2900"));
        assert_eq!(float_decimal(-1.0000000000000002, 0).as_deref(), Ok("-1"));
        assert_eq!(
            float_decimal(1e21, 2).as_deref(),
            Ok("1000000000000000000000")
        );
        // More precision than the column allows is left for the column to refuse.
        assert_eq!(float_decimal(1200.5004, 3).as_deref(), Ok("1200.5004"));
        assert_eq!(
            float_decimal(1200.5004099999999, 3).as_deref(),
            Ok("1200.50041")
        );
        // Tiny noise stays visible: 5.55e-17 is not 0.
        assert_eq!(
            float_decimal(0.1 + 0.2 - 0.3, 3).as_deref(),
            Ok("0.0000000000000000555111512312578")
        );
        // Past 15 digits a float cannot tell fen apart: refused, never guessed.
        assert_eq!(
            float_decimal(123_456_789_012_345.66, 2),
            Err(Ambiguous {
                stored: "123456789012345.66".into()
            })
        );
        assert_eq!(
            float_decimal(12_345_678_901_234.56, 2),
            Err(Ambiguous {
                stored: "12345678901234.56".into()
            })
        );
        // Within 15 digits a 16th is noise, as the sheet shows it.
        assert_eq!(
            float_decimal(9_999_999_999_999.123, 2).as_deref(),
            Ok("9999999999999.12")
        );
    }

    proptest::proptest! {
        /// Any volume of at most 14 significant digits, stored as the float nearest to it
        /// or up to two floats away (the noise of a sum or a product), reads as itself.
        #[test]
        fn a_stored_volume_reads_as_itself_through_float_noise(
            units in 0u64..100_000_000_000_000,
            noise in -2i64..=2,
        ) {
            let decimal = format!("{}.{:03}", units / 1000, units % 1000);
            let stored: f64 = decimal.parse().unwrap();
            let noisy = if stored == 0.0 {
                stored
            } else {
                f64::from_bits(stored.to_bits().wrapping_add_signed(noise))
            };
            let read = float_decimal(noisy, 3).unwrap();
            proptest::prop_assert_eq!(
                synergy_proto::Cases::parse(&read).unwrap().units(),
                i64::try_from(units).unwrap(),
                "{} stored as {} read as {}", decimal, noisy, read
            );
        }
    }

    #[test]
    fn text_figures_lose_their_thousands_separators_and_full_width_digits() {
        assert_eq!(plain_figure("1,200.50"), "1200.50");
        assert_eq!(plain_figure("16,500,000"), "16500000");
        assert_eq!(plain_figure("1 200.5"), "1200.5");
        assert_eq!(plain_figure("1\u{a0}200"), "1200");
        assert_eq!(plain_figure("-1,200"), "-1200");
        assert_eq!(plain_figure("１２００．５"), "1200.5");
        assert_eq!(plain_figure("１，２００"), "1200");
        // Left for the parser to refuse: a decimal comma, odd groups, mixed separators.
        assert_eq!(plain_figure("1,5"), "1,5");
        assert_eq!(plain_figure("12,00"), "12,00");
        assert_eq!(plain_figure("1,200,0"), "1,200,0");
        assert_eq!(plain_figure("1,200 000"), "1,200 000");
        assert_eq!(plain_figure("1200.000,5"), "1200.000,5");
        assert_eq!(plain_figure(",200"), ",200");
        assert_eq!(plain_figure("¥1,200"), "¥1,200");
    }

    #[test]
    fn months_as_text() {
        for (text, expected) in [
            ("2008-06", "2008-06"),
            ("2008-06-01", "2008-06"),
            ("2008-06-30", "2008-06"),
            ("2008-06-15T00:00:00", "2008-06"),
            ("2008-06-15T13:45:10.250Z", "2008-06"),
            ("2008-06-15T13:45:10+08:00", "2008-06"),
            ("2008-06-15 00:00", "2008-06"),
            ("2008/6", "2008-06"),
            ("2008/06/1", "2008-06"),
            ("2008/6/15 0:00", "2008-06"),
            ("2008年6月", "2008-06"),
            ("2008年06月15日", "2008-06"),
            ("２００８-０６", "2008-06"),
            ("2008-02-29", "2008-02"),
        ] {
            assert_eq!(month(text).as_deref(), Some(expected), "{text}");
        }
        for text in [
            "2008-6",
            "2008-06-1",
            "2008-06-31",
            "2007-02-29",
            "2008-13",
            "2008/13/1",
            "2008/6/",
            "2008年6",
            "2008年6月15",
            "2008-06-15T",
            "2008-06-15T25",
            "2008-06-15 noon",
            "2008.06",
            "6/1/2008",
            "Jun-08",
            "2008-Q2",
            "200８0-6",
            "",
        ] {
            assert_eq!(month(text), None, "{text}");
        }
    }
}
