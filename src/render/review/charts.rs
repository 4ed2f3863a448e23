//! The review's charts as inline SVG (plotters' SVG backend; the browser draws the text): daily
//! spend stacked by model with last month's line, spend by model and by identity as bars, and
//! computed against billed per day. Colours step in lightness as well as hue, so the series stay
//! apart in greyscale print; dollars become f64 only here, as pixel positions.

use plotters::coord::ranged1d::SegmentValue;
use plotters::prelude::*;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

use crate::output::review::Review;

/// Dark to light, alternating hue: apart in colour and in grey.
const PALETTE: [RGBColor; 8] = [
    RGBColor(0x1f, 0x3b, 0x73),
    RGBColor(0xe0, 0x8e, 0x2b),
    RGBColor(0x4f, 0x8f, 0xd1),
    RGBColor(0x7a, 0x2e, 0x0e),
    RGBColor(0xa8, 0xd0, 0x8d),
    RGBColor(0x55, 0x55, 0x55),
    RGBColor(0xf3, 0xd9, 0x8b),
    RGBColor(0xbb, 0xbb, 0xbb),
];

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

fn f(d: Decimal) -> f64 {
    d.to_f64().unwrap_or(0.0)
}

fn dollars(v: &f64) -> String {
    if *v >= 100.0 {
        format!("${v:.0}")
    } else {
        format!("${v:.2}")
    }
}

/// Draws into an SVG string of `w` x `h` pixels.
fn svg(
    w: u32,
    h: u32,
    draw: impl FnOnce(&DrawingArea<SVGBackend, plotters::coord::Shift>) -> Result<()>,
) -> String {
    let mut buf = String::new();
    {
        let root = SVGBackend::with_string(&mut buf, (w, h)).into_drawing_area();
        let drawn = root
            .fill(&WHITE)
            .map_err(|e| e.to_string().into())
            .and_then(|_| draw(&root))
            .and_then(|_| root.present().map_err(|e| e.to_string().into()));
        if let Err(e) = drawn {
            return format!(
                "<p>chart not drawn: {}</p>",
                crate::io::clean(&e.to_string())
            );
        }
    }
    buf
}

fn short(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let cut: String = s.chars().take(n.saturating_sub(1)).collect();
        format!("{cut}…")
    }
}

/// Daily spend stacked by model, with last month's daily total as a line.
pub fn daily(r: &Review) -> String {
    let days = r.daily.len().max(1) as u32;
    let top = r
        .daily
        .iter()
        .map(|d| f(d.usd.0).max(d.previous_usd.map_or(0.0, |p| f(p.0))))
        .fold(0.0f64, f64::max)
        .max(0.01)
        * 2.0; // headroom for the legend above the bars
    let models: Vec<String> = r
        .daily
        .first()
        .map(|d| d.by_model.iter().map(|(m, _)| m.clone()).collect())
        .unwrap_or_default();
    let models: Vec<String> = {
        let mut all = models;
        for d in &r.daily {
            for (m, _) in &d.by_model {
                if !all.contains(m) {
                    all.push(m.clone());
                }
            }
        }
        all
    };
    svg(900, 380, |root| {
        let mut chart = ChartBuilder::on(root)
            .caption(
                format!("Daily spend, {} (USD)", r.month),
                ("sans-serif", 18),
            )
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(64)
            .build_cartesian_2d((1u32..days).into_segmented(), 0f64..top)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_desc("day of the month")
            .y_desc("USD")
            .y_label_formatter(&dollars)
            .x_labels(days as usize)
            .x_label_formatter(&|v| match v {
                SegmentValue::CenterOf(d) | SegmentValue::Exact(d) => d.to_string(),
                SegmentValue::Last => String::new(),
            })
            .draw()?;
        for (i, m) in models.iter().enumerate() {
            let colour = PALETTE[i % PALETTE.len()];
            let bars: Vec<Rectangle<(SegmentValue<u32>, f64)>> = r
                .daily
                .iter()
                .enumerate()
                .map(|(k, d)| {
                    let below: f64 = d
                        .by_model
                        .iter()
                        .take_while(|(x, _)| x != m)
                        .map(|(_, v)| f(v.0))
                        .sum();
                    let v = d
                        .by_model
                        .iter()
                        .find(|(x, _)| x == m)
                        .map_or(0.0, |(_, v)| f(v.0));
                    let day = k as u32 + 1;
                    let mut rect = Rectangle::new(
                        [
                            (SegmentValue::Exact(day), below),
                            (SegmentValue::Exact(day + 1), below + v),
                        ],
                        colour.filled(),
                    );
                    rect.set_margin(0, 0, 3, 3);
                    rect
                })
                .collect();
            chart
                .draw_series(bars)?
                .label(short(m, 36))
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 6), (x + 12, y + 6)], colour.filled())
                });
        }
        if r.daily.iter().any(|d| d.previous_usd.is_some()) {
            let line: Vec<(SegmentValue<u32>, f64)> = r
                .daily
                .iter()
                .enumerate()
                .filter_map(|(k, d)| {
                    Some((SegmentValue::CenterOf(k as u32 + 1), f(d.previous_usd?.0)))
                })
                .collect();
            chart
                .draw_series(LineSeries::new(line, BLACK.stroke_width(2)))?
                .label(format!(
                    "{} (total)",
                    r.previous_month.as_deref().unwrap_or("last month")
                ))
                .legend(|(x, y)| {
                    PathElement::new(vec![(x, y), (x + 14, y)], BLACK.stroke_width(2))
                });
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK)
            .label_font(("sans-serif", 12))
            .draw()?;
        Ok(())
    })
}

/// Horizontal bars: `items` (label, USD) top to bottom.
pub fn bars(title: &str, items: &[(String, Decimal, String)]) -> String {
    let n = items.len().max(1) as u32;
    let top = items
        .iter()
        .map(|(_, v, _)| f(*v))
        .fold(0.0f64, f64::max)
        .max(0.01)
        * 1.15;
    let height = 80 + 28 * n;
    svg(900, height, |root| {
        let mut chart = ChartBuilder::on(root)
            .caption(title, ("sans-serif", 18))
            .margin(12)
            .x_label_area_size(30)
            .y_label_area_size(330)
            .build_cartesian_2d(0f64..top, (0u32..n).into_segmented())?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .x_label_formatter(&dollars)
            .y_labels(n as usize)
            .y_label_formatter(&|v| match v {
                SegmentValue::CenterOf(i) => n
                    .checked_sub(i + 1)
                    .and_then(|k| items.get(k as usize))
                    .map(|(l, _, _)| short(l, 56))
                    .unwrap_or_default(),
                _ => String::new(),
            })
            .draw()?;
        chart.draw_series(items.iter().enumerate().map(|(k, (_, v, _))| {
            let i = n - 1 - k as u32;
            let mut rect = Rectangle::new(
                [
                    (0.0, SegmentValue::Exact(i)),
                    (f(*v), SegmentValue::Exact(i + 1)),
                ],
                PALETTE[0].filled(),
            );
            rect.set_margin(4, 4, 0, 0);
            rect
        }))?;
        chart.draw_series(items.iter().enumerate().map(|(k, (_, v, cents))| {
            let i = n - 1 - k as u32;
            Text::new(
                format!(" {cents}"),
                (f(*v), SegmentValue::CenterOf(i)),
                ("sans-serif", 12),
            )
        }))?;
        Ok(())
    })
}

/// Computed against billed per day, as two lines.
pub fn computed_vs_billed(r: &Review) -> Option<String> {
    r.reconciliation.as_ref()?;
    let days = r.daily.len().max(1) as u32;
    let top = r
        .daily
        .iter()
        .map(|d| f(d.usd.0).max(d.billed_usd.map_or(0.0, |b| f(b.0))))
        .fold(0.0f64, f64::max)
        .max(0.01)
        * 1.1;
    Some(svg(900, 340, |root| {
        let mut chart = ChartBuilder::on(root)
            .caption("Computed against billed, per day (USD)", ("sans-serif", 18))
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(64)
            .build_cartesian_2d(1u32..days, 0f64..top)?;
        chart
            .configure_mesh()
            .x_desc("day of the month")
            .y_label_formatter(&dollars)
            .draw()?;
        let computed: Vec<(u32, f64)> = r
            .daily
            .iter()
            .enumerate()
            .map(|(k, d)| (k as u32 + 1, f(d.usd.0)))
            .collect();
        let billed: Vec<(u32, f64)> = r
            .daily
            .iter()
            .enumerate()
            .filter_map(|(k, d)| Some((k as u32 + 1, f(d.billed_usd?.0))))
            .collect();
        chart
            .draw_series(LineSeries::new(computed, PALETTE[0].stroke_width(3)))?
            .label("computed (list price)")
            .legend(|(x, y)| {
                PathElement::new(vec![(x, y), (x + 14, y)], PALETTE[0].stroke_width(3))
            });
        chart
            .draw_series(LineSeries::new(billed, PALETTE[1].stroke_width(2)))?
            .label("billed (model tokens)")
            .legend(|(x, y)| {
                PathElement::new(vec![(x, y), (x + 14, y)], PALETTE[1].stroke_width(2))
            });
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .label_font(("sans-serif", 12))
            .draw()?;
        Ok(())
    }))
}
