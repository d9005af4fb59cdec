//! Three small inline SVG charts for the HTML report: a line (share trend), paired bars
//! (volume vs target) and a 100 % stacked bar (brand mix).
//!
//! Hand-written rather than a charting crate: a few dozen lines, integer coordinates (the
//! same report always gives the same bytes), no font files — text uses the generic
//! `sans-serif` family that every browser resolves.

use std::fmt::Write as _;

use crate::exact::format_units;

const W: i128 = 640;
const H: i128 = 240;
const LEFT: i128 = 56;
const RIGHT: i128 = 16;
const TOP: i128 = 32;
const BOTTOM: i128 = 40;
const PALETTE: [&str; 6] = [
    "#c0392b", "#2e86c1", "#28b463", "#d68910", "#7d3c98", "#566573",
];

/// Escapes text for SVG/HTML content and attributes.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn open(title: &str) -> String {
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {H}" width="{W}" height="{H}" role="img" aria-label="{t}" font-family="sans-serif" font-size="11"><title>{t}</title><text x="{LEFT}" y="18" font-size="13" font-weight="bold">{t}</text>"#,
        t = escape(title)
    );
    let _ = write!(
        s,
        r##"<line x1="{LEFT}" y1="{y}" x2="{x2}" y2="{y}" stroke="#444"/>"##,
        y = H - BOTTOM,
        x2 = W - RIGHT
    );
    s
}

fn plot_h() -> i128 {
    H - TOP - BOTTOM
}

/// y pixel of `v` on a 0..=max axis.
fn y_of(v: i128, max: i128) -> i128 {
    if max <= 0 {
        return H - BOTTOM;
    }
    H - BOTTOM - v.clamp(0, max) * plot_h() / max
}

fn axis_max(values: impl Iterator<Item = i128>) -> i128 {
    values.max().unwrap_or(0).max(1)
}

/// A line over labelled points; `None` points break the line. Values are units of
/// `10^-scale`, labelled with `suffix`.
pub fn line_chart(
    title: &str,
    points: &[(String, Option<i128>)],
    scale: u32,
    suffix: &str,
) -> String {
    let mut s = open(title);
    let max = axis_max(points.iter().filter_map(|p| p.1));
    let _ = write!(
        s,
        r#"<text x="{x}" y="{y}" text-anchor="end">{v}{suffix}</text><text x="{x}" y="{y0}" text-anchor="end">0</text>"#,
        x = LEFT - 4,
        y = TOP + 4,
        y0 = H - BOTTOM,
        v = format_units(max, scale, true)
    );
    let n = i128::try_from(points.len()).unwrap_or(1).max(1);
    let step = (W - LEFT - RIGHT) / n;
    let mut path: Vec<String> = Vec::new();
    let mut pen_down = false;
    for (i, (label, v)) in points.iter().enumerate() {
        let x = LEFT + step * i128::try_from(i).unwrap_or(0) + step / 2;
        let _ = write!(
            s,
            r#"<text x="{x}" y="{y}" text-anchor="middle">{l}</text>"#,
            y = H - BOTTOM + 16,
            l = escape(label)
        );
        let Some(v) = v else {
            // A missing month breaks the line instead of pretending it was zero.
            pen_down = false;
            continue;
        };
        let y = y_of(*v, max);
        path.push(format!("{}{x} {y}", if pen_down { "L" } else { "M" }));
        pen_down = true;
        let _ = write!(
            s,
            r#"<circle cx="{x}" cy="{y}" r="3" fill="{c}"><title>{l}: {t}{suffix}</title></circle>"#,
            c = PALETTE[0],
            l = escape(label),
            t = format_units(*v, scale, false)
        );
    }
    if !path.is_empty() {
        let _ = write!(
            s,
            r#"<path d="{d}" fill="none" stroke="{c}" stroke-width="2"/>"#,
            d = path.join(" "),
            c = PALETTE[0]
        );
    }
    s.push_str("</svg>");
    s
}

/// Pairs of bars per group (e.g. volume and target per brand), with a legend.
pub fn paired_bars(
    title: &str,
    groups: &[(String, Option<i128>, Option<i128>)],
    legend: (&str, &str),
    scale: u32,
) -> String {
    let mut s = open(title);
    let max = axis_max(groups.iter().flat_map(|g| [g.1, g.2]).flatten());
    let _ = write!(
        s,
        r#"<text x="{x}" y="{y}" text-anchor="end">{v}</text>"#,
        x = LEFT - 4,
        y = TOP + 4,
        v = format_units(max, scale, true)
    );
    let n = i128::try_from(groups.len()).unwrap_or(1).max(1);
    let step = (W - LEFT - RIGHT) / n;
    let bar = (step / 3).clamp(2, 60);
    for (i, (label, a, b)) in groups.iter().enumerate() {
        let x0 = LEFT + step * i128::try_from(i).unwrap_or(0) + step / 2 - bar;
        for (j, v) in [a, b].into_iter().enumerate() {
            let Some(v) = v else { continue };
            let y = y_of(*v, max);
            let _ = write!(
                s,
                r#"<rect x="{x}" y="{y}" width="{bar}" height="{h}" fill="{c}"><title>{l}: {t}</title></rect>"#,
                x = x0 + bar * i128::try_from(j).unwrap_or(0),
                h = H - BOTTOM - y,
                c = PALETTE[j + 1],
                l = escape(label),
                t = format_units(*v, scale, true)
            );
        }
        let _ = write!(
            s,
            r#"<text x="{x}" y="{y}" text-anchor="middle">{l}</text>"#,
            x = x0 + bar,
            y = H - BOTTOM + 16,
            l = escape(label)
        );
    }
    for (j, name) in [legend.0, legend.1].into_iter().enumerate() {
        let x = W - RIGHT - 200 + 100 * i128::try_from(j).unwrap_or(0);
        let _ = write!(
            s,
            r#"<rect x="{x}" y="8" width="10" height="10" fill="{c}"/><text x="{tx}" y="17">{n}</text>"#,
            c = PALETTE[j + 1],
            tx = x + 14,
            n = escape(name)
        );
    }
    s.push_str("</svg>");
    s
}

/// One horizontal bar split by share (e.g. brand mix of volume); non-positive parts skipped.
pub fn mix_bar(title: &str, parts: &[(String, i128)]) -> String {
    let mut s = open(title);
    let total: i128 = parts.iter().map(|p| p.1.max(0)).sum();
    let width = W - LEFT - RIGHT;
    let mut x = LEFT;
    let mut acc = 0;
    for (i, (label, v)) in parts.iter().enumerate() {
        if *v <= 0 || total == 0 {
            continue;
        }
        acc += v;
        // Cumulative rounding keeps the segments summing to the full width exactly.
        let end = LEFT + acc * width / total;
        let pct = format_units(
            crate::exact::round_div(*v * 100, total, 2).unwrap_or(0),
            2,
            false,
        );
        let c = PALETTE[i % PALETTE.len()];
        let _ = write!(
            s,
            r#"<rect x="{x}" y="{y}" width="{w}" height="48" fill="{c}"><title>{l}: {pct} %</title></rect>"#,
            y = TOP + 40,
            w = end - x,
            l = escape(label)
        );
        let _ = write!(
            s,
            r#"<rect x="{lx}" y="{ly}" width="10" height="10" fill="{c}"/><text x="{tx}" y="{ty}">{l} {pct} %</text>"#,
            lx = LEFT + 150 * i128::try_from(i).unwrap_or(0),
            ly = TOP + 110,
            tx = LEFT + 14 + 150 * i128::try_from(i).unwrap_or(0),
            ty = TOP + 119,
            l = escape(label)
        );
        x = end;
    }
    s.push_str("</svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn well_formed(svg: &str) {
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assert!(svg.ends_with("</svg>"));
        assert_eq!(svg.matches("<svg").count(), 1);
        assert!(
            !svg.contains("font-face") && !svg.contains("url("),
            "no external fonts"
        );
    }

    #[test]
    fn line_chart_plots_points_and_breaks_on_gaps() {
        let pts = vec![
            ("01".to_owned(), Some(2000)),
            ("02".to_owned(), Some(1000)),
            ("03".to_owned(), None),
            ("04".to_owned(), Some(0)),
        ];
        let svg = line_chart("Share <trend>", &pts, 2, " %");
        well_formed(&svg);
        assert!(svg.contains("Share &lt;trend&gt;"));
        assert_eq!(svg.matches("<circle").count(), 3);
        // Max at the top of the plot, zero on the axis, a gap starts a new subpath.
        assert!(
            svg.contains(&format!(
                "d=\"M{} {} L{} {} M{} {}\"",
                56 + 71,
                32,
                56 + 142 + 71,
                32 + 84,
                56 + 426 + 71,
                200
            )),
            "{svg}"
        );
        assert!(svg.contains("20%") || svg.contains("20 %"));
    }

    #[test]
    fn bars_scale_to_the_largest_value() {
        let svg = paired_bars(
            "Volume vs target",
            &[
                ("a".into(), Some(1_000), Some(2_000)),
                ("b".into(), None, Some(500)),
            ],
            ("volume", "target"),
            3,
        );
        well_formed(&svg);
        assert_eq!(
            svg.matches("<rect").count(),
            3 + 2,
            "three bars and two legend keys"
        );
        assert!(
            svg.contains(r#"y="32" width="60" height="168""#),
            "the largest bar fills the plot: {svg}"
        );
    }

    #[test]
    fn mix_bar_segments_fill_the_width() {
        let svg = mix_bar("Mix", &[("x".into(), 1), ("y".into(), 2), ("z".into(), 0)]);
        well_formed(&svg);
        assert!(svg.contains(r#"x="56" y="72" width="189""#), "{svg}");
        assert!(svg.contains(r#"x="245" y="72" width="379""#), "{svg}");
        assert!(svg.contains("x 33.33 %") && svg.contains("y 66.67 %"));
    }
}
