use plotters::prelude::*;

/// One named line (optionally with markers and point labels).
pub struct Series {
    pub name: String,
    pub points: Vec<(f64, f64)>,
    /// Draw a marker at every point (for sparse series such as a sweep frontier).
    pub markers: bool,
    /// Join the points with a line (false: a scatter of markers).
    pub line: bool,
    /// Optional label per point (same length as `points`), drawn beside the marker.
    pub labels: Vec<String>,
    /// Palette index, so one model keeps its colour across plots.
    pub color: usize,
}

/// An axis: its description and whether it is logarithmic.
pub struct Axis {
    pub label: String,
    pub log: bool,
}

const COLORS: [RGBColor; 8] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
];

fn range(vals: impl Iterator<Item = f64>, log: bool) -> (f64, f64) {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for v in vals.filter(|v| v.is_finite() && (!log || *v > 0.0)) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if !lo.is_finite() {
        return if log { (1.0, 10.0) } else { (0.0, 1.0) };
    }
    if log {
        (lo / 1.5, hi * 1.5)
    } else {
        let pad = ((hi - lo) * 0.05).max(1e-9);
        (lo - pad, hi + pad)
    }
}

/// A line plot as an SVG document (deterministic bytes for the same input).
pub fn line_plot(title: &str, x: &Axis, y: &Axis, series: &[Series]) -> Result<String, String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (800, 520)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let (x0, mut x1) = range(
            series.iter().flat_map(|s| s.points.iter().map(|p| p.0)),
            x.log,
        );
        // Room on the right for the labels of the rightmost points.
        if series.iter().any(|s| !s.labels.is_empty()) {
            x1 = if x.log {
                x1 * 1.6
            } else {
                x1 + (x1 - x0) * 0.15
            };
        }
        let (y0, y1) = range(
            series.iter().flat_map(|s| s.points.iter().map(|p| p.1)),
            y.log,
        );
        let mut b = ChartBuilder::on(&root);
        b.caption(title, ("sans-serif", 22))
            .margin(16)
            .x_label_area_size(48)
            .y_label_area_size(70);
        macro_rules! draw {
            ($chart:expr) => {{
                let mut chart = $chart.map_err(|e| e.to_string())?;
                chart
                    .configure_mesh()
                    .x_desc(x.label.as_str())
                    .y_desc(y.label.as_str())
                    .axis_desc_style(("sans-serif", 16))
                    .draw()
                    .map_err(|e| e.to_string())?;
                for s in series {
                    let c = COLORS[s.color % COLORS.len()];
                    let pts: Vec<(f64, f64)> = s
                        .points
                        .iter()
                        .copied()
                        .filter(|p| {
                            p.0.is_finite()
                                && p.1.is_finite()
                                && (!x.log || p.0 > 0.0)
                                && (!y.log || p.1 > 0.0)
                        })
                        .collect();
                    let line = if s.line { pts.clone() } else { Vec::new() };
                    chart
                        .draw_series(LineSeries::new(line, c.stroke_width(2)))
                        .map_err(|e| e.to_string())?
                        .label(s.name.as_str())
                        .legend(move |(lx, ly)| {
                            if s.line {
                                PathElement::new(vec![(lx, ly), (lx + 20, ly)], c.stroke_width(2))
                            } else {
                                PathElement::new(
                                    vec![(lx + 8, ly), (lx + 12, ly)],
                                    c.stroke_width(8),
                                )
                            }
                        });
                    if s.markers {
                        chart
                            .draw_series(pts.iter().map(|p| Circle::new(*p, 4, c.filled())))
                            .map_err(|e| e.to_string())?;
                    }
                    if !s.labels.is_empty() {
                        chart
                            .draw_series(pts.iter().zip(&s.labels).map(|(p, l)| {
                                Text::new(l.clone(), *p, ("sans-serif", 12).into_font().color(&c))
                            }))
                            .map_err(|e| e.to_string())?;
                    }
                }
                chart
                    .configure_series_labels()
                    .background_style(WHITE.mix(0.85))
                    .border_style(BLACK.mix(0.3))
                    .position(SeriesLabelPosition::LowerRight)
                    .label_font(("sans-serif", 14))
                    .draw()
                    .map_err(|e| e.to_string())?;
            }};
        }
        match (x.log, y.log) {
            (false, false) => draw!(b.build_cartesian_2d(x0..x1, y0..y1)),
            (true, false) => draw!(b.build_cartesian_2d((x0..x1).log_scale(), y0..y1)),
            (false, true) => draw!(b.build_cartesian_2d(x0..x1, (y0..y1).log_scale())),
            (true, true) => draw!(b.build_cartesian_2d((x0..x1).log_scale(), (y0..y1).log_scale())),
        }
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(svg)
}
