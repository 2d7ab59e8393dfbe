//! The sweep's outputs: a Markdown table and an SVG plot (plotters) of cost
//! against flow count, for sanso and the linear baselines.

use std::fmt::Write as _;
use std::path::Path;

use plotters::prelude::*;

use crate::kernel::Variant;
use crate::Measurement;

/// The error and its causes, `: `-separated.
pub fn error_chain(err: &dyn std::error::Error) -> String {
    let mut out = err.to_string();
    let mut source = err.source();
    while let Some(s) = source {
        let _ = write!(out, ": {s}");
        source = s.source();
    }
    out
}

/// One row per measurement.
pub fn markdown_table(results: &[Measurement]) -> String {
    let mut out = String::new();
    out.push_str("| flows | IR elements | compile ms | classifier ns/lookup | classify_each ns/lookup | linear ns/lookup | linear/classifier | kernel sanso ns/pkt | kernel empty ns/pkt | kernel linear ns/pkt | sanso/empty | linear/sanso | kernel conntrack ns/pkt | sanso/conntrack |\n");
    out.push_str("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for m in results {
        let l = &m.lookup;
        let _ = write!(
            out,
            "| {} | {} | {:.0} | {:.1} | {:.1} | {:.0} | {:.0}x |",
            m.flows,
            m.elements,
            m.compile.total_ms,
            l.classifier_ns,
            l.batched_ns,
            l.linear_ns,
            l.linear_ns / l.classifier_ns
        );
        match &m.kernel {
            Some(k) => {
                let (s, e, lin, ct) = (
                    k.cpu(Variant::Sanso),
                    k.cpu(Variant::Empty),
                    k.cpu(Variant::Linear),
                    k.cpu(Variant::Conntrack),
                );
                let _ = writeln!(
                    out,
                    " {s:.0} | {e:.0} | {lin:.0} | {:.2}x | {:.1}x | {ct:.0} | {:.2}x |",
                    s / e,
                    lin / s,
                    s / ct
                );
            }
            None => out.push_str(" - | - | - | - | - | - | - |\n"),
        }
    }
    out
}

/// A line of the plot: label, colour, (flows, ns) points.
type Series = (&'static str, RGBColor, Vec<(f64, f64)>);

/// Writes the log-log plot of ns per packet/lookup against flow count.
pub fn write_svg(results: &[Measurement], path: &Path) -> Result<(), Box<dyn std::error::Error>> {
    let mut series: Vec<Series> = vec![
        (
            "userspace: sanso classifier (ns/lookup)",
            RGBColor(0, 114, 178),
            Vec::new(),
        ),
        (
            "userspace: sanso classify_each, batched from 256 KiB (ns/lookup)",
            RGBColor(86, 180, 233),
            Vec::new(),
        ),
        (
            "userspace: linear first match (ns/lookup)",
            RGBColor(213, 94, 0),
            Vec::new(),
        ),
        (
            "kernel: sanso ruleset (ns/packet)",
            RGBColor(0, 158, 115),
            Vec::new(),
        ),
        (
            "kernel: empty ruleset (ns/packet)",
            RGBColor(120, 120, 120),
            Vec::new(),
        ),
        (
            "kernel: one rule per flow (ns/packet)",
            RGBColor(204, 121, 167),
            Vec::new(),
        ),
    ];
    for m in results {
        let x = m.flows as f64;
        series[0].2.push((x, m.lookup.classifier_ns));
        series[1].2.push((x, m.lookup.batched_ns));
        series[2].2.push((x, m.lookup.linear_ns));
        if let Some(k) = &m.kernel {
            series[3].2.push((x, k.cpu(Variant::Sanso)));
            series[4].2.push((x, k.cpu(Variant::Empty)));
            series[5].2.push((x, k.cpu(Variant::Linear)));
        }
    }
    let points = series
        .iter()
        .flat_map(|s| s.2.iter())
        .filter(|(_, y)| y.is_finite() && *y > 0.0);
    let (mut x_max, mut y_min, mut y_max) = (10.0f64, f64::MAX, 1.0f64);
    for &(x, y) in points {
        x_max = x_max.max(x);
        y_min = y_min.min(y);
        y_max = y_max.max(y);
    }
    let y_min = if y_min == f64::MAX { 1.0 } else { y_min / 2.0 };
    let x_min = results
        .iter()
        .map(|m| m.flows as f64)
        .fold(f64::MAX, f64::min)
        .min(x_max)
        / 1.5;

    let root = SVGBackend::new(path, (900, 560)).into_drawing_area();
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(
            "sanso: cost per packet against flow count (log-log, medians)",
            ("sans-serif", 20),
        )
        .margin(16)
        .x_label_area_size(44)
        .y_label_area_size(70)
        .build_cartesian_2d(
            (x_min..x_max * 1.5).log_scale(),
            (y_min..y_max * 2.0).log_scale(),
        )?;
    chart
        .configure_mesh()
        .x_desc("flows in the policy")
        .y_desc("nanoseconds")
        .x_label_formatter(&|x| format!("{x:.0}"))
        .y_label_formatter(&|y| format!("{y:.0}"))
        .draw()?;
    for (label, color, data) in &series {
        if data.is_empty() {
            continue;
        }
        let color = *color;
        chart
            .draw_series(LineSeries::new(data.iter().copied(), color.stroke_width(2)))?
            .label(*label)
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2))
            });
        chart.draw_series(
            data.iter()
                .map(|&(x, y)| Circle::new((x, y), 4, color.filled())),
        )?;
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .draw()?;
    root.present()?;
    Ok(())
}
