//! Exact rational arithmetic for KPIs: i128 numerators and denominators, rounding half
//! away from zero only when a figure is displayed.
//!
//! Every KPI is either an exact integer sum of proto amounts or a ratio of two such sums.
//! Nothing here uses floats, so the same model always yields the same digits.

use std::cmp::Ordering;

/// `num / den` with `den > 0`, kept unreduced unless reduction is needed to stay in range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ratio {
    num: i128,
    den: i128,
}

fn gcd(mut a: i128, mut b: i128) -> i128 {
    a = a.abs();
    b = b.abs();
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

impl Ratio {
    /// `None` when `den` is zero: a KPI over an empty base is null, never 0.
    pub fn new(num: i128, den: i128) -> Option<Self> {
        match den.cmp(&0) {
            Ordering::Equal => None,
            Ordering::Greater => Some(Self { num, den }),
            Ordering::Less => Some(Self {
                num: num.checked_neg()?,
                den: den.checked_neg()?,
            }),
        }
    }

    pub fn num(self) -> i128 {
        self.num
    }

    pub fn den(self) -> i128 {
        self.den
    }

    fn reduced(self) -> Self {
        let g = gcd(self.num, self.den).max(1);
        Self {
            num: self.num / g,
            den: self.den / g,
        }
    }

    /// The ratio multiplied by an integer factor (e.g. 100 for a percentage).
    pub fn times(self, factor: i128) -> Option<Self> {
        let r = self.reduced();
        Some(Self {
            num: r.num.checked_mul(factor)?,
            den: r.den,
        })
    }

    /// `self − other`, exact.
    pub fn minus(self, other: Ratio) -> Option<Self> {
        self.plus(Ratio {
            num: other.num.checked_neg()?,
            den: other.den,
        })
    }

    /// `self + other`, exact; `None` only if the common denominator leaves i128.
    pub fn plus(self, other: Ratio) -> Option<Self> {
        let (a, b) = (self.reduced(), other.reduced());
        let g = gcd(a.den, b.den);
        let lcm = (a.den / g).checked_mul(b.den)?;
        let num = a
            .num
            .checked_mul(lcm / a.den)?
            .checked_add(b.num.checked_mul(lcm / b.den)?)?;
        Some(Self { num, den: lcm }.reduced())
    }

    /// `self × other`, exact; `None` only if the product leaves i128 after reduction.
    pub fn times_ratio(self, other: Ratio) -> Option<Self> {
        let (a, b) = (self.reduced(), other.reduced());
        // Cross-reduce first so that products stay small.
        let g1 = gcd(a.num, b.den).max(1);
        let g2 = gcd(b.num, a.den).max(1);
        Ratio::new(
            (a.num / g1).checked_mul(b.num / g2)?,
            (a.den / g2).checked_mul(b.den / g1)?,
        )
    }

    /// The smallest integer not below the value.
    pub fn ceil(self) -> i128 {
        let q = self.num.div_euclid(self.den);
        if self.num.rem_euclid(self.den) == 0 {
            q
        } else {
            q + 1
        }
    }

    /// The value rounded half away from zero to `scale` decimals, as units of `10^-scale`.
    pub fn round(self, scale: u32) -> Option<i128> {
        round_div(self.num, self.den, scale)
    }

    /// Compares with `other` exactly (cross-multiplied).
    pub fn cmp_exact(self, other: Ratio) -> Option<Ordering> {
        let (a, b) = (self.reduced(), other.reduced());
        Some(a.num.checked_mul(b.den)?.cmp(&b.num.checked_mul(a.den)?))
    }
}

/// The unweighted mean of exact ratios (coverage and active selling over several months).
///
/// The sum is exact while the common denominator fits in i128, which holds for any real
/// outlet counts. Past that, each term is taken to 24 decimals (floor), which can only
/// misplace a result lying within `n·10^-24` of a rounding boundary; that case is
/// documented rather than hidden behind a big-integer dependency.
pub fn mean(ratios: &[Ratio]) -> Option<Ratio> {
    let n = i128::try_from(ratios.len()).ok()?;
    let first = *ratios.first()?;
    let exact = ratios[1..]
        .iter()
        .try_fold(first, |acc, r| acc.plus(*r))
        .and_then(|sum| Ratio::new(sum.num, sum.den.checked_mul(n)?));
    if exact.is_some() {
        return exact;
    }
    const SCALE: i128 = 1_000_000_000_000_000_000_000_000;
    let mut sum: i128 = 0;
    for r in ratios {
        let term = r.num.checked_mul(SCALE).map(|x| x.div_euclid(r.den))?;
        sum = sum.checked_add(term)?;
    }
    Ratio::new(sum, SCALE.checked_mul(n)?)
}

/// `num / den` rounded half away from zero to `scale` decimals; `None` for a zero
/// denominator (or a result outside i128).
pub fn round_div(num: i128, den: i128, scale: u32) -> Option<i128> {
    if den == 0 {
        return None;
    }
    let (num, den) = if den < 0 {
        (num.checked_neg()?, den.checked_neg()?)
    } else {
        (num, den)
    };
    let scaled = num.checked_mul(10_i128.checked_pow(scale)?)?;
    let q = scaled / den;
    let r = scaled % den;
    if r.checked_abs()?.checked_mul(2)? >= den {
        q.checked_add(scaled.signum())
    } else {
        Some(q)
    }
}

/// Writes `units` of `10^-scale` with exactly `scale` decimals (`trim`: drop trailing
/// zeros and a bare point, for cases which carry "at most 3 decimals").
pub fn format_units(units: i128, scale: u32, trim: bool) -> String {
    let sign = if units < 0 { "-" } else { "" };
    let abs = units.unsigned_abs();
    if scale == 0 {
        return format!("{sign}{abs}");
    }
    let div = 10_u128.pow(scale);
    let mut frac = format!("{:0width$}", abs % div, width = scale as usize);
    if trim {
        while frac.ends_with('0') {
            frac.pop();
        }
    }
    if frac.is_empty() {
        format!("{sign}{}", abs / div)
    } else {
        format!("{sign}{}.{frac}", abs / div)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounds_half_away_from_zero() {
        assert_eq!(round_div(12345, 1000, 2), Some(1235));
        assert_eq!(round_div(-12345, 1000, 2), Some(-1235));
        assert_eq!(round_div(12344, 1000, 2), Some(1234));
        assert_eq!(round_div(-12344, 1000, 2), Some(-1234));
        assert_eq!(round_div(1, 8, 2), Some(13), "0.125 rounds up");
        assert_eq!(round_div(-1, 8, 2), Some(-13), "-0.125 rounds down");
        assert_eq!(round_div(1, -8, 2), Some(-13));
        assert_eq!(round_div(1, 3, 2), Some(33));
        assert_eq!(round_div(2, 3, 2), Some(67));
        assert_eq!(round_div(5, 0, 2), None);
    }

    #[test]
    fn golden_shares_round_exactly() {
        // 15,300 ÷ 67,610 × 100 = 22.6298…
        let share = Ratio::new(15_300, 67_610).unwrap().times(100).unwrap();
        assert_eq!(share.round(2), Some(2263));
        // (15,300 − 11,800) ÷ 11,800 × 100 = 29.6610…
        let yoy = Ratio::new(3_500, 11_800).unwrap().times(100).unwrap();
        assert_eq!(yoy.round(2), Some(2966));
        // (217 − 154) ÷ 154 × 100 = 40.9090…
        assert_eq!(Ratio::new(6_300, 154).unwrap().round(2), Some(4091));
    }

    #[test]
    fn mean_of_ratios_is_exact() {
        let m = mean(&[Ratio::new(1, 3).unwrap(), Ratio::new(1, 6).unwrap()]).unwrap();
        assert_eq!(
            m.cmp_exact(Ratio::new(1, 4).unwrap()),
            Some(Ordering::Equal)
        );
        assert_eq!(m.times(100).unwrap().round(2), Some(2500));
        assert_eq!(mean(&[]), None);
        // Denominators whose lcm overflows i128 still give the right digits.
        let big: Vec<Ratio> = [
            1_000_000_007_i128,
            1_000_000_009,
            1_000_000_021,
            1_000_000_033,
            1_000_000_087,
        ]
        .iter()
        .map(|d| Ratio::new(d / 2, *d).unwrap())
        .collect();
        let m = mean(&big).unwrap();
        assert_eq!(m.times(100).unwrap().round(2), Some(5000));
    }

    #[test]
    fn formats_units() {
        assert_eq!(format_units(15_300_000, 3, true), "15300");
        assert_eq!(format_units(15_300_500, 3, true), "15300.5");
        assert_eq!(format_units(21_700_000_000, 2, false), "217000000.00");
        assert_eq!(format_units(-5, 2, false), "-0.05");
        assert_eq!(format_units(0, 2, false), "0.00");
        assert_eq!(format_units(7, 0, false), "7");
    }
}
