//! The html report's charts, drawn with plotters as inline SVG: the share trend with the
//! year before, volume against target by brand, and the brand mix.
//!
//! Figures stay exact integers until a pixel is computed from them; ticks come from
//! [`axis::Axis`] and are written from those integers. Text is laid out from an estimate of
//! its width (plotters' SVG backend knows no font metrics either, and a pure crate reads no
//! font files): an em per CJK character and 0.6 em per other one, which errs wide, so
//! labels placed apart by the estimate stay apart on screen. A partnership with many
//! brands shows its [`TOP_BRANDS`] largest and sums the rest as "others", each brand in
//! its own colour ([`colour`]), with legends that wrap into rows.

pub mod axis;
pub mod colour;

use std::ops::Range;

use plotters::coord::Shift;
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint};
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::exact::{format_units, round_div};
use crate::figure::{Figure, Unit, group_thousands};
use crate::locale::Texts;
use crate::report::Report;
use axis::Axis;

/// Brands shown by name; the rest are summed as one "others".
pub const TOP_BRANDS: usize = 8;

/// Every word the charts print, in one place: `Labels::of` reads them from the page's
/// language (the `chart-*` messages of `locales/*.ftl`); a caller may pass its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Labels {
    pub share_title: String,
    pub volume_title: String,
    pub mix_title: String,
    pub volume: String,
    pub target: String,
    /// The brands past the top ones, summed; followed by their count.
    pub others: String,
    /// After the earlier period's name in the share chart's legend.
    pub year_before: String,
}

impl Labels {
    /// The labels in `t`'s language.
    pub fn of(t: &Texts) -> Labels {
        Labels {
            share_title: t.text("chart-share-title"),
            volume_title: t.text("chart-volume-title"),
            mix_title: t.text("chart-mix-title"),
            volume: t.text("chart-volume"),
            target: t.text("chart-target"),
            others: t.text("chart-others"),
            year_before: t.text("chart-year-before"),
        }
    }
}

const W: i32 = 720;
const PAD: i32 = 16;
const TEXT: f64 = 11.0;
const TITLE: f64 = 13.0;
/// A legend's row and the gap between its entries.
const ROW: i32 = 18;
const GAP: i32 = 18;
const SWATCH: i32 = 22;
const INK: RGBColor = RGBColor(0x33, 0x33, 0x33);
const GRID: RGBColor = RGBColor(0xdd, 0xdd, 0xdd);
const THIS_YEAR: RGBColor = RGBColor(0x00, 0x67, 0xa5);
const YEAR_BEFORE: RGBColor = RGBColor(0x8c, 0xa9, 0xc4);

/// The pixels `text` takes at `px`, erring wide (see the module's doc).
pub fn text_width(text: &str, px: f64) -> i32 {
    let ems: f64 = text
        .chars()
        .map(|c| if u32::from(c) >= 0x2e80 { 1.0 } else { 0.6 })
        .sum();
    // A label is a few dozen characters: far inside i32.
    (ems * px).ceil() as i32
}

/// plotters writes `font-size` as its size ÷ 1.24 (its points to CSS pixels).
fn font(px: f64) -> TextStyle<'static> {
    ("sans-serif", px * 1.24).into_font().color(&INK)
}

fn anchored(px: f64, h: HPos, v: VPos) -> TextStyle<'static> {
    font(px).pos(Pos::new(h, v))
}

fn bold(px: f64) -> TextStyle<'static> {
    ("sans-serif", px * 1.24)
        .into_font()
        .style(FontStyle::Bold)
        .color(&INK)
        .pos(Pos::new(HPos::Left, VPos::Top))
}

/// The report's charts as inline SVG documents: share trend (with the year before), volume
/// against target by brand, brand mix; each only where the report has its figures.
pub fn charts(report: &Report, labels: &Labels) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(svg) = share_trend(report, labels) {
        out.push(svg);
    }
    let brands = ranked(report);
    let all: Vec<&str> = report.brands.iter().map(|r| r.id.as_str()).collect();
    if brands
        .iter()
        .any(|b| b.volume.is_some() || b.target.is_some())
    {
        out.extend(volume_vs_target(&top(&brands, TOP_BRANDS), &all, labels));
    }
    let sold: Vec<Brand> = brands
        .into_iter()
        .filter(|b| b.volume.is_some_and(|v| v > 0))
        .collect();
    if !sold.is_empty() {
        out.extend(mix(&top(&sold, TOP_BRANDS), &all, labels));
    }
    out
}

fn units(f: Option<&Figure>) -> Option<i128> {
    match f {
        Some(Figure::Amount { units, .. }) => Some(*units),
        _ => None,
    }
}

/// A brand's volume and target, in thousandths of a case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Brand {
    pub id: String,
    pub volume: Option<i128>,
    pub target: Option<i128>,
}

/// The report's brands, largest volume first (a brand without data last), then by id.
fn ranked(report: &Report) -> Vec<Brand> {
    let mut brands: Vec<Brand> = report
        .brands
        .iter()
        .map(|r| Brand {
            id: r.id.clone(),
            volume: units(r.kpis.get("volume_cases")),
            target: units(r.kpis.get("target_volume_cases")),
        })
        .collect();
    brands.sort_by(|a, b| b.volume.cmp(&a.volume).then_with(|| a.id.cmp(&b.id)));
    brands
}

/// A row of a chart: one brand, or the brands past the top ones summed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shown {
    Brand(Brand),
    Others {
        count: usize,
        volume: Option<i128>,
        target: Option<i128>,
    },
}

impl Shown {
    fn volume(&self) -> Option<i128> {
        match self {
            Shown::Brand(b) => b.volume,
            Shown::Others { volume, .. } => *volume,
        }
    }

    fn target(&self) -> Option<i128> {
        match self {
            Shown::Brand(b) => b.target,
            Shown::Others { target, .. } => *target,
        }
    }

    fn name(&self, labels: &Labels) -> String {
        match self {
            Shown::Brand(b) => b.id.clone(),
            Shown::Others { count, .. } => format!("{} ({count})", labels.others),
        }
    }
}

/// The first `n` of `ranked` by name and the rest summed exactly as "others" (a lone rest
/// is shown by name: "others (1)" would hide it for nothing).
pub fn top(ranked: &[Brand], n: usize) -> Vec<Shown> {
    if ranked.len() <= n + 1 {
        return ranked.iter().cloned().map(Shown::Brand).collect();
    }
    let (head, rest) = ranked.split_at(n);
    let sum = |f: fn(&Brand) -> Option<i128>| {
        rest.iter()
            .filter_map(f)
            .fold(None, |acc: Option<i128>, v| {
                Some(acc.unwrap_or(0).saturating_add(v))
            })
    };
    let mut shown: Vec<Shown> = head.iter().cloned().map(Shown::Brand).collect();
    shown.push(Shown::Others {
        count: rest.len(),
        volume: sum(|b| b.volume),
        target: sum(|b| b.target),
    });
    shown
}

/// The colour of each row: its brand's, or grey for the others.
fn colours(rows: &[Shown], all: &[&str]) -> Vec<RGBColor> {
    let ids: Vec<&str> = rows
        .iter()
        .filter_map(|r| match r {
            Shown::Brand(b) => Some(b.id.as_str()),
            Shown::Others { .. } => None,
        })
        .collect();
    let mut slots = colour::slots(all, &ids).into_iter();
    rows.iter()
        .map(|r| match r {
            Shown::Brand(_) => colour::PALETTE[slots.next().unwrap_or(0)],
            Shown::Others { .. } => colour::OTHERS,
        })
        .collect()
}

/// An exact figure of `scale` decimals written with `decimals` of them, grouped.
fn written(units: i128, scale: u32, decimals: u32) -> String {
    let dropped = 10_i128.pow(scale.saturating_sub(decimals));
    let text = format_units(units / dropped, decimals.min(scale), false);
    group_thousands(&text)
}

/// A legend entry: how its swatch is drawn, and its text.
enum Key {
    Line(RGBColor),
    Dashed(RGBColor),
    Box(RGBColor),
    /// The bars of several brands: a square of each of the first few colours.
    Boxes(Vec<RGBColor>),
    Marker,
}

/// Lays `entries` out in rows that fit the width from `x0`, returning each entry's
/// position and the height taken.
fn legend_layout(entries: &[(Key, String)], x0: i32) -> (Vec<(i32, i32)>, i32) {
    let mut at = Vec::with_capacity(entries.len());
    let (mut x, mut y) = (x0, 0);
    for (_, text) in entries {
        let w = SWATCH + 6 + text_width(text, TEXT);
        if x > x0 && x + w > W - PAD {
            x = x0;
            y += ROW;
        }
        at.push((x, y));
        x += w + GAP;
    }
    (at, if entries.is_empty() { 0 } else { y + ROW })
}

/// A plotters axis with exactly the given ticks (its own would pick others) and no
/// minor ones.
struct Ticked {
    range: Range<f64>,
    ticks: Vec<f64>,
}

impl Ticked {
    fn new(range: Range<f64>, ticks: impl IntoIterator<Item = f64>) -> Ticked {
        Ticked {
            range,
            ticks: ticks.into_iter().collect(),
        }
    }

    fn of(axis: &Axis) -> Ticked {
        let f = |v: i128| v as f64;
        Ticked::new(f(axis.lo)..f(axis.hi), axis.ticks().map(f))
    }
}

impl Ranged for Ticked {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        let span = self.range.end - self.range.start;
        if span <= 0.0 {
            return limit.0;
        }
        let share = (value - self.range.start) / span;
        // Pixels: a chart is a few hundred wide.
        limit.0 + (f64::from(limit.1 - limit.0) * share).round() as i32
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            self.ticks.clone()
        }
    }

    fn range(&self) -> Range<f64> {
        self.range.clone()
    }
}

type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;
type Drawn = Result<(), DrawingAreaErrorKind<std::io::Error>>;

fn draw_legend(area: &Area<'_>, entries: &[(Key, String)], x0: i32, top: i32) -> Drawn {
    let (at, _) = legend_layout(entries, x0);
    for ((key, text), (x, y)) in entries.iter().zip(at) {
        let mid = top + y + ROW / 2;
        match key {
            Key::Line(c) => {
                area.draw(&PathElement::new(
                    vec![(x, mid), (x + SWATCH, mid)],
                    c.stroke_width(2),
                ))?;
            }
            Key::Dashed(c) => {
                area.draw(&DashedPathElement::new(
                    vec![(x, mid), (x + SWATCH, mid)],
                    5,
                    3,
                    c.stroke_width(2),
                ))?;
            }
            Key::Box(c) => {
                area.draw(&Rectangle::new(
                    [(x + 6, mid - 5), (x + 16, mid + 5)],
                    c.filled(),
                ))?;
            }
            Key::Boxes(cs) => {
                for (i, c) in (0..).zip(cs.iter().take(3)) {
                    area.draw(&Rectangle::new(
                        [(x + 7 * i, mid - 5), (x + 7 * i + 6, mid + 5)],
                        c.filled(),
                    ))?;
                }
            }
            Key::Marker => {
                area.draw(&Rectangle::new(
                    [(x + 10, mid - 7), (x + 12, mid + 7)],
                    INK.filled(),
                ))?;
            }
        }
        area.draw(&Text::new(
            text.clone(),
            (x + SWATCH + 6, mid),
            anchored(TEXT, HPos::Left, VPos::Center),
        ))?;
    }
    Ok(())
}

/// A chart `height` pixels tall with `title`, drawn by `body` on the whole canvas; the
/// SVG carries the title for screen readers too.
fn canvas(title: &str, height: i32, body: impl FnOnce(&Area<'_>) -> Drawn) -> Option<String> {
    let mut svg = String::new();
    {
        let size = (W.unsigned_abs(), height.unsigned_abs());
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        let drawn = root.fill(&WHITE).and_then(|()| {
            root.draw(&Text::new(title.to_owned(), (PAD, 8), bold(TITLE)))?;
            body(&root)?;
            root.present()
        });
        // Writing into a String cannot fail; an error would be a bug in the layout, and a
        // report without that chart beats no report.
        drawn.ok()?;
    }
    let open = svg.find('>')? + 1;
    svg.insert_str(
        open,
        &format!("<title>{}</title>", crate::svg::escape(title)),
    );
    Some(svg)
}

/// This year's monthly share against the same months a year before, on an axis around
/// both (not from 0 %, where a change of a point is a flat line).
fn share_trend(report: &Report, labels: &Labels) -> Option<String> {
    let scale = Unit::Percent.scale();
    let now: Vec<Option<i128>> = report
        .series
        .iter()
        .map(|p| units(p.values.get("volume_share_pct")))
        .collect();
    let before: Vec<Option<i128>> = report
        .series
        .iter()
        .map(|p| {
            let a_year_before = p.month.offset(-12)?;
            let point = report
                .series_prior_year
                .iter()
                .find(|q| q.month == a_year_before)?;
            units(point.values.get("volume_share_pct"))
        })
        .collect();
    let values: Vec<i128> = now.iter().chain(&before).flatten().copied().collect();
    if now.iter().all(Option::is_none) {
        return None;
    }
    let axis = Axis::around(*values.iter().min()?, *values.iter().max()?);
    let decimals = axis.decimals(scale);
    let months: Vec<String> = report
        .series
        .iter()
        .enumerate()
        .map(|(i, p)| {
            if i == 0 || p.month.month() == 1 {
                p.month.to_string()
            } else {
                format!("{:02}", p.month.month())
            }
        })
        .collect();
    let mut entries = vec![(Key::Line(THIS_YEAR), report.period.to_string())];
    if before.iter().any(Option::is_some) {
        let earlier = report
            .period
            .same_period_last_year()
            .map_or_else(String::new, |p| format!("{p} "));
        entries.push((
            Key::Dashed(YEAR_BEFORE),
            format!("{earlier}{}", labels.year_before),
        ));
    }
    let (_, legend_h) = legend_layout(&entries, PAD);
    let header = 30 + legend_h + 8;
    let height = header + 200;
    let tick_w = axis
        .ticks()
        .map(|t| text_width(&format!("{} %", written(t, scale, decimals)), TEXT))
        .max()
        .unwrap_or(0);
    let n = i32::try_from(now.len()).ok()?;
    canvas(&labels.share_title, height, |root| {
        draw_legend(root, &entries, PAD, 30)?;
        let (_, body) = root.split_vertically(header);
        let mut chart = ChartBuilder::on(&body)
            .margin_right(PAD + 8)
            .margin_left(PAD)
            .margin_bottom(4)
            .x_label_area_size(24)
            .y_label_area_size(tick_w + 10)
            .build_cartesian_2d(
                Ticked::new(-0.5..f64::from(n) - 0.5, (0..n).map(f64::from)),
                Ticked::of(&axis),
            )?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .bold_line_style(GRID)
            .axis_style(INK)
            .label_style(font(TEXT))
            .x_labels(months.len())
            .y_labels(usize::try_from(axis.intervals() + 1).unwrap_or(8))
            .x_label_formatter(&|x| {
                // Key points are the month indices themselves.
                let i = x.round() as usize;
                months.get(i).cloned().unwrap_or_default()
            })
            .y_label_formatter(&|y| format!("{} %", written(y.round() as i128, scale, decimals)))
            .draw()?;
        for run in runs(&before) {
            chart.draw_series(DashedLineSeries::new(
                run,
                6,
                4,
                YEAR_BEFORE.stroke_width(2),
            ))?;
        }
        for run in runs(&now) {
            chart.draw_series(LineSeries::new(run.clone(), THIS_YEAR.stroke_width(2)))?;
            chart.draw_series(
                run.into_iter()
                    .map(|p| Circle::new(p, 3, THIS_YEAR.filled())),
            )?;
        }
        Ok(())
    })
}

/// The unbroken stretches of a monthly series: a missing month breaks the line instead of
/// pretending it was zero.
fn runs(points: &[Option<i128>]) -> Vec<Vec<(f64, f64)>> {
    let mut out: Vec<Vec<(f64, f64)>> = Vec::new();
    let mut pen_down = false;
    for (i, v) in points.iter().enumerate() {
        match v {
            Some(v) => {
                let p = (i as f64, *v as f64);
                match out.last_mut() {
                    Some(run) if pen_down => run.push(p),
                    _ => out.push(vec![p]),
                }
                pen_down = true;
            }
            None => pen_down = false,
        }
    }
    out
}

const BAR_ROW: i32 = 26;

/// One row per brand (and one for the others): the volume as a bar in the brand's colour,
/// the target as a dark mark across it, both written out at the right.
fn volume_vs_target(rows: &[Shown], all: &[&str], labels: &Labels) -> Option<String> {
    let scale = Unit::Cases.scale();
    // The axis fits the brands shown by name: the others' sum would squash them into
    // slivers, so a longer others bar is cut short with a break and its figures written.
    let max = rows
        .iter()
        .filter(|r| matches!(r, Shown::Brand(_)))
        .flat_map(|r| [r.volume(), r.target()])
        .flatten()
        .max()
        .unwrap_or(0);
    let axis = Axis::from_zero(max);
    let end = axis.hi;
    let decimals = axis.decimals(scale);
    let colours = colours(rows, all);
    let names: Vec<String> = rows.iter().map(|r| r.name(labels)).collect();
    let figure = |v: Option<i128>| v.map_or_else(|| "–".to_owned(), |v| written(v, scale, 0));
    let values: Vec<String> = rows
        .iter()
        .map(|r| format!("{} / {}", figure(r.volume()), figure(r.target())))
        .collect();
    let entries = vec![
        (Key::Boxes(colours.clone()), labels.volume.clone()),
        (Key::Marker, labels.target.clone()),
    ];
    let (_, legend_h) = legend_layout(&entries, PAD);
    let header = 30 + legend_h + 8;
    let n = i32::try_from(rows.len()).unwrap_or(0);
    let height = header + n * BAR_ROW + 24 + 8;
    let name_w = names.iter().map(|s| text_width(s, TEXT)).max().unwrap_or(0);
    let value_w = values
        .iter()
        .map(|s| text_width(s, TEXT))
        .max()
        .unwrap_or(0);
    canvas(&labels.volume_title, height, |root| {
        draw_legend(root, &entries, PAD, 30)?;
        let (_, body) = root.split_vertically(header);
        let to_f = |v: i128| v as f64;
        let mut chart = ChartBuilder::on(&body)
            .margin_left(PAD)
            .margin_right(value_w + PAD + 8)
            .margin_bottom(8)
            .x_label_area_size(24)
            .y_label_area_size(name_w + 10)
            .build_cartesian_2d(
                Ticked::of(&axis),
                Ticked::new(0.0..f64::from(n), (0..n).map(|i| f64::from(i) + 0.5)),
            )?;
        // Row 0 (the largest) at the top: y runs upwards.
        let row_of = |y: f64| usize::try_from(n - 1 - y.floor() as i32).unwrap_or(0);
        chart
            .configure_mesh()
            .disable_y_mesh()
            .bold_line_style(GRID)
            .axis_style(INK)
            .label_style(font(TEXT))
            .x_labels(usize::try_from(axis.intervals() + 1).unwrap_or(8))
            .y_labels(rows.len())
            .x_label_formatter(&|x| written(x.round() as i128, scale, decimals))
            .y_label_formatter(&|y| names.get(row_of(*y)).cloned().unwrap_or_default())
            .draw()?;
        for (i, row) in rows.iter().enumerate() {
            let y = f64::from(n - 1 - i32::try_from(i).unwrap_or(0));
            if let Some(v) = row.volume() {
                chart.draw_series(std::iter::once(Rectangle::new(
                    [(0.0, y + 0.2), (to_f(v.min(end)), y + 0.8)],
                    colours[i].filled(),
                )))?;
            }
            if let Some(t) = row.target().filter(|t| *t <= end) {
                chart.draw_series(std::iter::once(PathElement::new(
                    vec![(to_f(t), y + 0.08), (to_f(t), y + 0.92)],
                    INK.stroke_width(3),
                )))?;
            }
            if row.volume().is_some_and(|v| v > end) {
                let (bx, top) = chart.backend_coord(&(to_f(end) * 0.94, y + 0.8));
                let (_, bottom) = chart.backend_coord(&(to_f(end) * 0.94, y + 0.2));
                for dx in [0, 5] {
                    root.draw(&PathElement::new(
                        vec![(bx + dx - 3, bottom + 2), (bx + dx + 3, top - 2)],
                        WHITE.stroke_width(2),
                    ))?;
                }
            }
        }
        let (x_range, _) = chart.plotting_area().get_pixel_range();
        for (i, text) in values.iter().enumerate() {
            let (_, py) =
                chart.backend_coord(&(0.0, f64::from(n - i32::try_from(i).unwrap_or(0)) - 0.5));
            root.draw(&Text::new(
                text.clone(),
                (x_range.end + 8, py),
                anchored(TEXT, HPos::Left, VPos::Center),
            ))?;
        }
        Ok(())
    })
}

/// One bar split by each brand's share of the volume, the legend giving each share.
fn mix(rows: &[Shown], all: &[&str], labels: &Labels) -> Option<String> {
    let colours = colours(rows, all);
    let volumes: Vec<i128> = rows
        .iter()
        .map(|r| r.volume().unwrap_or(0).max(0))
        .collect();
    let total: i128 = volumes.iter().sum();
    let entries: Vec<(Key, String)> = rows
        .iter()
        .zip(&volumes)
        .zip(&colours)
        .map(|((r, v), c)| {
            let pct = round_div(v * 100, total, 2).unwrap_or(0);
            (
                Key::Box(*c),
                format!("{} {} %", r.name(labels), format_units(pct, 2, false)),
            )
        })
        .collect();
    let (_, legend_h) = legend_layout(&entries, PAD);
    let bar_top = 34;
    let bar_h = 40;
    let height = bar_top + bar_h + 12 + legend_h + 8;
    canvas(&labels.mix_title, height, |root| {
        let width = i128::from(W - 2 * PAD);
        let mut acc = 0;
        let mut x = PAD;
        for (v, c) in volumes.iter().zip(&colours) {
            acc += v;
            // Cumulative rounding: the segments fill the width exactly.
            let end = PAD + i32::try_from(acc * width / total.max(1)).unwrap_or(0);
            if end > x {
                root.draw(&Rectangle::new(
                    [(x, bar_top), (end, bar_top + bar_h)],
                    c.filled(),
                ))?;
            }
            x = end;
        }
        draw_legend(root, &entries, PAD, bar_top + bar_h + 12)
    })
}

#[cfg(test)]
mod tests;
