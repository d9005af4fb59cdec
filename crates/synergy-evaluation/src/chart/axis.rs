//! Nice axes: a few round ticks around the data, in the report's exact integer units.

/// Ticks from `lo` to `hi` every `step`, in units of `10^-scale` of the figure drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Axis {
    pub lo: i128,
    pub hi: i128,
    pub step: i128,
}

/// Fewest and most intervals between ticks: 4 to 8 ticks.
const MIN_INTERVALS: i128 = 3;
const MAX_INTERVALS: i128 = 7;

impl Axis {
    /// Ticks around `min ..= max` (either order): the finest step of 1, 2, 2.5 or 5 × 10^k
    /// units that needs at most 8 ticks, widened to at least 4. Non-negative data keeps a
    /// non-negative axis, so a share never shows a tick below 0 %.
    pub fn around(min: i128, max: i128) -> Axis {
        let (min, max) = if min <= max { (min, max) } else { (max, min) };
        let fallback = Axis {
            lo: min,
            hi: max.max(min.saturating_add(1)),
            step: max.saturating_sub(min).max(1),
        };
        let Some(axis) = steps().find_map(|step| {
            let lo = min.div_euclid(step).checked_mul(step)?;
            let hi = max
                .checked_neg()?
                .div_euclid(step)
                .checked_mul(step)?
                .checked_neg()?;
            ((hi - lo) / step <= MAX_INTERVALS).then_some(Axis { lo, hi, step })
        }) else {
            return fallback;
        };
        let mut axis = axis;
        let mut up = true;
        while axis.intervals() < MIN_INTERVALS {
            // Widen on both sides in turn, never below zero for data that is not.
            if up || (min >= 0 && axis.lo - axis.step < 0) {
                axis.hi = axis.hi.saturating_add(axis.step);
            } else {
                axis.lo = axis.lo.saturating_sub(axis.step);
            }
            up = !up;
        }
        axis
    }

    /// From zero (or the lowest negative value) to the data: bars start at zero, or their
    /// lengths would lie.
    pub fn from_zero(max: i128) -> Axis {
        Axis::around(0.min(max), 0.max(max))
    }

    pub fn intervals(&self) -> i128 {
        (self.hi - self.lo) / self.step
    }

    pub fn ticks(&self) -> impl Iterator<Item = i128> + '_ {
        (0..=self.intervals()).map(|i| self.lo + i * self.step)
    }

    /// The fewest decimals (of `scale`) that write every tick exactly.
    pub fn decimals(&self, scale: u32) -> u32 {
        let mut d = scale;
        let mut step = self.step;
        let mut lo = self.lo;
        while d > 0 && step % 10 == 0 && lo % 10 == 0 {
            step /= 10;
            lo /= 10;
            d -= 1;
        }
        d
    }
}

/// Nice steps in ascending order: 1, 2, 5, then 10, 20, 25, 50 × 10^k (2.5 units is no
/// whole number of units).
fn steps() -> impl Iterator<Item = i128> {
    [1, 2, 5].into_iter().chain((0..36u32).flat_map(|k| {
        let p = 10_i128.pow(k);
        [10 * p, 20 * p, 25 * p, 50 * p]
    }))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// 1, 2, 2.5 or 5 × 10^k: with trailing zeros dropped, 1, 2, 25 or 5.
    fn nice(step: i128) -> bool {
        let mut s = step;
        while s % 10 == 0 {
            s /= 10;
        }
        matches!(s, 1 | 2 | 5) || (s == 25 && step >= 25)
    }

    #[test]
    fn a_share_from_22_25_to_23_21_gets_ticks_around_it_not_from_zero() {
        let axis = Axis::around(2225, 2321);
        assert_eq!(
            axis,
            Axis {
                lo: 2220,
                hi: 2340,
                step: 20
            }
        );
        assert_eq!(axis.ticks().count(), 7);
        assert_eq!(axis.decimals(2), 1, "22.2, 22.4, … 23.4");
    }

    #[test]
    fn one_value_still_gets_four_ticks_and_a_share_of_zero_none_below_it() {
        let axis = Axis::around(2263, 2263);
        assert_eq!(axis.ticks().count(), 4);
        assert!(axis.lo <= 2263 && axis.hi >= 2263);
        let zero = Axis::around(0, 0);
        assert_eq!((zero.lo, zero.ticks().count()), (0, 4));
    }

    #[test]
    fn bars_start_at_zero() {
        let axis = Axis::from_zero(75_357_000);
        assert_eq!((axis.lo, axis.hi, axis.step), (0, 80_000_000, 20_000_000));
        assert_eq!(axis.decimals(3), 0);
    }

    proptest! {
        #[test]
        fn ticks_cover_the_data_with_four_to_eight_nice_steps(
            a in -1_000_000_000_000_i128..1_000_000_000_000,
            b in -1_000_000_000_000_i128..1_000_000_000_000,
        ) {
            let axis = Axis::around(a, b);
            let (min, max) = (a.min(b), a.max(b));
            prop_assert!(axis.lo <= min && axis.hi >= max, "{axis:?} covers {min}..{max}");
            prop_assert!((4..=8).contains(&axis.ticks().count()), "{axis:?}");
            prop_assert!(nice(axis.step), "{axis:?}");
            prop_assert_eq!(axis.lo % axis.step, 0);
            prop_assert_eq!(axis.hi % axis.step, 0);
            // Around the data, not from a far-off zero: at most three steps beyond it.
            prop_assert!(min - axis.lo <= 3 * axis.step && axis.hi - max <= 3 * axis.step);
            if min >= 0 {
                prop_assert!(axis.lo >= 0);
            }
        }
    }
}
