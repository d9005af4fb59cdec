//! One colour per brand, the same in every report and period of a partnership.

use plotters::style::RGBColor;

/// Kelly's colours of maximum contrast, less grey (kept for "others") and white.
pub const PALETTE: [RGBColor; 12] = [
    RGBColor(0x00, 0x67, 0xa5),
    RGBColor(0xf3, 0x84, 0x00),
    RGBColor(0x00, 0x88, 0x56),
    RGBColor(0xbe, 0x00, 0x32),
    RGBColor(0x87, 0x56, 0x92),
    RGBColor(0xf3, 0xc3, 0x00),
    RGBColor(0xa1, 0xca, 0xf1),
    RGBColor(0xe6, 0x8f, 0xac),
    RGBColor(0x88, 0x2d, 0x17),
    RGBColor(0x8d, 0xb6, 0x00),
    RGBColor(0x60, 0x4e, 0x97),
    RGBColor(0xc2, 0xb2, 0x80),
];

/// The brands summed as "others".
pub const OTHERS: RGBColor = RGBColor(0x84, 0x84, 0x82);

/// FNV-1a: a hash that never changes between builds or platforms (std's may).
fn fnv1a(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

fn preferred(brand: &str) -> usize {
    // The remainder is below PALETTE.len(), so it fits.
    usize::try_from(fnv1a(brand) % PALETTE.len() as u64).unwrap_or(0)
}

/// The palette slot of each of `drawn`, given all of the partnership's brands (`all`).
///
/// Each brand prefers the slot its id hashes to; the partnership's brands, in id order,
/// take that slot or the next free one, so up to 12 brands keep distinct colours in
/// every report, whatever its period or its top brands. Past 12 the slots are dealt again,
/// and brands drawn together that still share one move on to a slot free in the chart.
pub fn slots(all: &[&str], drawn: &[&str]) -> Vec<usize> {
    let mut ids: Vec<&str> = all.iter().chain(drawn).copied().collect();
    ids.sort_unstable();
    ids.dedup();
    let mut dealt = std::collections::BTreeMap::new();
    let mut taken = [false; PALETTE.len()];
    for (i, id) in ids.iter().enumerate() {
        if i % PALETTE.len() == 0 {
            taken = [false; PALETTE.len()];
        }
        let slot = next_free(preferred(id), &taken);
        taken[slot] = true;
        dealt.insert(*id, slot);
    }
    let mut in_chart = [false; PALETTE.len()];
    let mut order: Vec<(usize, &str)> = drawn.iter().copied().enumerate().collect();
    order.sort_by_key(|(_, id)| *id);
    let mut out = vec![0; drawn.len()];
    for (at, id) in order {
        let want = dealt.get(id).copied().unwrap_or_else(|| preferred(id));
        let slot = if in_chart[want] || in_chart.iter().all(|t| *t) {
            next_free(want, &in_chart)
        } else {
            want
        };
        in_chart[slot] = true;
        out[at] = slot;
    }
    out
}

/// `from` or the first slot after it (wrapping) not taken; `from` when all are.
fn next_free(from: usize, taken: &[bool; PALETTE.len()]) -> usize {
    (0..PALETTE.len())
        .map(|k| (from + k) % PALETTE.len())
        .find(|s| !taken[*s])
        .unwrap_or(from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_brand_keeps_its_colour_whoever_is_drawn_beside_it() {
        let all = ["hongyun", "yunyan", "baisha", "yuxi", "liqun"];
        let alone = slots(&all, &["yunyan"]);
        let with_others = slots(&all, &["liqun", "hongyun", "yunyan"]);
        assert_eq!(alone[0], with_others[2]);
        let every = slots(&all, &all);
        let mut distinct = every.clone();
        distinct.sort_unstable();
        distinct.dedup();
        assert_eq!(distinct.len(), all.len(), "{every:?}");
        assert_eq!(slots(&all, &["baisha"])[0], every[2]);
    }

    #[test]
    fn brands_drawn_together_never_share_a_colour() {
        let all: Vec<String> = (0..40).map(|i| format!("brand-{i}")).collect();
        let all: Vec<&str> = all.iter().map(String::as_str).collect();
        for window in all.windows(9) {
            let mut s = slots(&all, window);
            s.sort_unstable();
            s.dedup();
            assert_eq!(s.len(), 9, "{window:?}");
        }
    }
}
