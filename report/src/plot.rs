use plotters::coord::ranged1d::ValueFormatter;
use plotters::coord::Shift;
use plotters::prelude::*;
use std::ops::Range;

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

/// Decimals that tell apart ticks about a tenth of `span` apart (None: by magnitude).
fn tick_decimals(span: Option<f64>) -> Option<usize> {
    span.filter(|s| *s > 0.0 && s.is_finite())
        .map(|s| (-(s / 10.0).log10()).ceil().clamp(0.0, 6.0) as usize)
}

/// A tick value without needless digits: 8000, 37.5, 0.125.
fn tick(v: f64, decimals: Option<usize>) -> String {
    let s = match decimals {
        Some(d) => format!("{v:.d$}"),
        None if v.abs() >= 100.0 => format!("{v:.0}"),
        None if v.abs() >= 10.0 => format!("{v:.1}"),
        None => format!("{v:.3}"),
    };
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// What every chart of one plot shares, whatever its axis types.
struct PlotSpec<'a> {
    x: &'a Axis,
    y: &'a Axis,
    series: &'a [Series],
    /// Tick decimals per axis (see [`tick_decimals`]).
    x_decimals: Option<usize>,
    y_decimals: Option<usize>,
}

/// A point label to draw: its point in pixels, its text and colour.
struct PointLabel {
    at: (i32, i32),
    text: String,
    color: RGBColor,
}

/// A placed point label's box in pixels.
#[derive(Clone, Copy)]
struct LabelBox {
    left: i32,
    top: i32,
    width: i32,
    height: i32,
}

impl LabelBox {
    fn overlaps(&self, q: &LabelBox) -> bool {
        self.left < q.left + q.width
            && q.left < self.left + self.width
            && self.top < q.top + q.height
            && q.top < self.top + self.height
    }
}

/// Both axes' data ranges, x widened on the right when any series has point labels.
fn plot_ranges(x: &Axis, y: &Axis, series: &[Series]) -> ((f64, f64), (f64, f64)) {
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
    ((x0, x1), (y0, y1))
}

/// A series' points that can be drawn: finite, and positive on a log axis.
fn drawable_points(s: &Series, x: &Axis, y: &Axis) -> Vec<(f64, f64)> {
    s.points
        .iter()
        .copied()
        .filter(|p| {
            p.0.is_finite() && p.1.is_finite() && (!x.log || p.0 > 0.0) && (!y.log || p.1 > 0.0)
        })
        .collect()
}

/// Draws one series (line, legend entry, markers); returns its point labels.
fn plot_series<'a, X, Y>(
    chart: &mut ChartContext<'a, SVGBackend<'a>, Cartesian2d<X, Y>>,
    s: &'a Series,
    plot: &PlotSpec,
) -> Result<Vec<PointLabel>, String>
where
    X: Ranged<ValueType = f64> + ValueFormatter<f64>,
    Y: Ranged<ValueType = f64> + ValueFormatter<f64>,
{
    let c = COLORS[s.color % COLORS.len()];
    let pts = drawable_points(s, plot.x, plot.y);
    let line = if s.line { pts.clone() } else { Vec::new() };
    chart
        .draw_series(LineSeries::new(line, c.stroke_width(2)))
        .map_err(|e| e.to_string())?
        .label(s.name.as_str())
        .legend(move |(lx, ly)| {
            if s.line {
                PathElement::new(vec![(lx, ly), (lx + 20, ly)], c.stroke_width(2))
            } else {
                PathElement::new(vec![(lx + 8, ly), (lx + 12, ly)], c.stroke_width(8))
            }
        });
    if s.markers {
        chart
            .draw_series(pts.iter().map(|p| Circle::new(*p, 4, c.filled())))
            .map_err(|e| e.to_string())?;
    }
    Ok(pts
        .iter()
        .zip(&s.labels)
        .map(|(p, l)| PointLabel {
            at: chart.backend_coord(p),
            text: l.clone(),
            color: c,
        })
        .collect())
}

/// Point label boxes, in order: each beside its point, moved down (or up) until it
/// overlaps no label placed before it.
fn place_labels(labels: &[PointLabel]) -> Vec<LabelBox> {
    let mut placed: Vec<LabelBox> = Vec::new();
    for l in labels {
        let (px, py) = l.at;
        let width = 7 * l.text.chars().count() as i32;
        let box_at = |dy: i32| LabelBox {
            left: px + 4,
            top: py + dy - 12,
            width,
            height: 13,
        };
        let free = |b: &LabelBox| !placed.iter().any(|q| b.overlaps(q));
        let dy = (0..16)
            .flat_map(|k| [k * 13, -k * 13])
            .find(|dy| free(&box_at(*dy)))
            .unwrap_or(0);
        placed.push(box_at(dy));
    }
    placed
}

/// The legend's corner: the one of the plotting area (`xr`, `yr` in pixels) holding
/// the fewest points and labels.
fn legend_corner(
    (xr, yr): (Range<i32>, Range<i32>),
    labels: &[PointLabel],
    placed: &[LabelBox],
) -> SeriesLabelPosition {
    let (w, h) = (xr.end - xr.start, yr.end - yr.start);
    let corners = [
        (SeriesLabelPosition::LowerRight, true, false),
        (SeriesLabelPosition::UpperRight, true, true),
        (SeriesLabelPosition::UpperLeft, false, true),
        (SeriesLabelPosition::LowerLeft, false, false),
    ];
    let in_corner = |(px, py): (i32, i32), right: bool, upper: bool| {
        let fx = f64::from(px - xr.start) / f64::from(w.max(1));
        let fy = f64::from(py - yr.start) / f64::from(h.max(1));
        (if right { fx > 0.55 } else { fx < 0.45 }) && (if upper { fy < 0.4 } else { fy > 0.6 })
    };
    let mut marks: Vec<(i32, i32)> = labels.iter().map(|l| l.at).collect();
    marks.extend(placed.iter().map(|b| (b.left + b.width / 2, b.top)));
    corners
        .iter()
        .min_by_key(|(_, r, u)| marks.iter().filter(|m| in_corner(**m, *r, *u)).count())
        .map_or(SeriesLabelPosition::LowerRight, |c| c.0.clone())
}

/// Draws the mesh, the series, their point labels (on `root`) and the legend.
fn draw_chart<'a, X, Y>(
    root: &DrawingArea<SVGBackend<'a>, Shift>,
    mut chart: ChartContext<'a, SVGBackend<'a>, Cartesian2d<X, Y>>,
    plot: &PlotSpec<'a>,
) -> Result<(), String>
where
    X: Ranged<ValueType = f64> + ValueFormatter<f64>,
    Y: Ranged<ValueType = f64> + ValueFormatter<f64>,
{
    chart
        .configure_mesh()
        .x_label_formatter(&|v| tick(*v, plot.x_decimals))
        .y_label_formatter(&|v| tick(*v, plot.y_decimals))
        .x_desc(plot.x.label.as_str())
        .y_desc(plot.y.label.as_str())
        .axis_desc_style(("sans-serif", 16))
        .draw()
        .map_err(|e| e.to_string())?;
    let mut labels = Vec::new();
    for s in plot.series {
        labels.extend(plot_series(&mut chart, s, plot)?);
    }
    let placed = place_labels(&labels);
    for (l, b) in labels.iter().zip(&placed) {
        root.draw(&Text::new(
            l.text.clone(),
            (b.left, b.top),
            ("sans-serif", 12).into_font().color(&l.color),
        ))
        .map_err(|e| e.to_string())?;
    }
    let legend = legend_corner(chart.plotting_area().get_pixel_range(), &labels, &placed);
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.3))
        .position(legend)
        .label_font(("sans-serif", 14))
        .draw()
        .map_err(|e| e.to_string())
}

/// A line plot as an SVG document (deterministic bytes for the same input).
pub fn line_plot(title: &str, x: &Axis, y: &Axis, series: &[Series]) -> Result<String, String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (800, 520)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let ((x0, x1), (y0, y1)) = plot_ranges(x, y, series);
        let mut b = ChartBuilder::on(&root);
        b.caption(title, ("sans-serif", 22))
            .margin(16)
            .x_label_area_size(48)
            .y_label_area_size(70);
        let plot = PlotSpec {
            x,
            y,
            series,
            x_decimals: tick_decimals((!x.log).then_some(x1 - x0)),
            y_decimals: tick_decimals((!y.log).then_some(y1 - y0)),
        };
        match (x.log, y.log) {
            (false, false) => draw_chart(
                &root,
                b.build_cartesian_2d(x0..x1, y0..y1)
                    .map_err(|e| e.to_string())?,
                &plot,
            )?,
            (true, false) => draw_chart(
                &root,
                b.build_cartesian_2d((x0..x1).log_scale(), y0..y1)
                    .map_err(|e| e.to_string())?,
                &plot,
            )?,
            (false, true) => draw_chart(
                &root,
                b.build_cartesian_2d(x0..x1, (y0..y1).log_scale())
                    .map_err(|e| e.to_string())?,
                &plot,
            )?,
            (true, true) => draw_chart(
                &root,
                b.build_cartesian_2d((x0..x1).log_scale(), (y0..y1).log_scale())
                    .map_err(|e| e.to_string())?,
                &plot,
            )?,
        }
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(svg)
}

#[cfg(test)]
mod tests {
    use super::{tick, tick_decimals};

    #[test]
    fn ticks_have_the_digits_their_spacing_needs() {
        let d = tick_decimals(Some(0.55));
        assert_eq!(d, Some(2));
        assert_eq!(tick(92.45, d), "92.45");
        assert_eq!(tick(92.5, d), "92.5");
        let d = tick_decimals(Some(16000.0));
        assert_eq!(tick(8000.0, d), "8000");
        assert_eq!(tick(1000.0, None), "1000");
        assert_eq!(tick(0.125, None), "0.125");
    }
}
