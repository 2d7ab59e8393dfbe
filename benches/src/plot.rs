//! The sweep's outputs: a Markdown table and an SVG plot (plotters) of cost
//! against flow count, for sanso and the linear baselines.

use std::fmt::Write as _;
use std::path::Path;

use plotters::prelude::*;

use crate::kernel::{PathCosts, Variant};
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

/// The established path and the spoofed flood, one row per measurement
/// that has them (empty when none has): sender CPU ns per packet and the
/// ratios `docs/benchmarks.md` reports.
pub fn paths_markdown_table(results: &[Measurement]) -> String {
    let rows: Vec<(usize, &PathCosts)> = results
        .iter()
        .filter_map(|m| Some((m.flows, m.paths.as_ref()?)))
        .collect();
    paths_table(&rows)
}

/// [`paths_markdown_table`] of (flows, paths) rows.
pub fn paths_table(rows: &[(usize, &PathCosts)]) -> String {
    let mut out = String::new();
    if rows.is_empty() {
        return out;
    }
    out.push_str("| flows | established sanso ns/pkt | without marks ns/pkt | conntrack ns/pkt | sanso/conntrack | sanso/without marks | sent | received | new connections | ended |\n");
    out.push_str("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (flows, p) in rows {
        let e = &p.established_check;
        let (s, w, c) = (
            p.established("sanso"),
            p.established("sanso-without-marks"),
            p.established("conntrack"),
        );
        if p.established.is_some() {
            let _ = writeln!(
                out,
                "| {flows} | {s:.0} | {w:.0} | {c:.0} | {:.2}x | {:.2}x | {} | {} | {} | {} |",
                s / c,
                s / w,
                e.sent,
                e.received,
                e.new_connections,
                e.ended
            );
        } else {
            let _ = writeln!(out, "| {flows} | - | - | - | - | - | - | - | - | - |");
        }
    }
    out.push('\n');
    out.push_str("| flows | spoofed sanso ns/pkt | anti-spoofing after conntrack ns/pkt | empty ns/pkt | conntrack ns/pkt | sanso/empty | after-conntrack/empty | sanso/conntrack | sent | counted as spoofed |\n");
    out.push_str("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (flows, p) in rows {
        let (s, a, e, c) = (
            p.spoofed("sanso"),
            p.spoofed("sanso-antispoof-after-conntrack"),
            p.spoofed("empty"),
            p.spoofed("conntrack"),
        );
        let _ = writeln!(
            out,
            "| {flows} | {s:.0} | {a:.0} | {e:.0} | {c:.0} | {:.2}x | {:.2}x | {:.2}x | {} | {} |",
            s / e,
            a / e,
            s / c,
            p.spoofed_check.sent,
            p.spoofed_check.counted
        );
    }
    if rows.iter().any(|(_, p)| p.throughput.is_some()) {
        out.push('\n');
        out.push_str("| flows | TCP sanso Mbit/s | conntrack Mbit/s | no ruleset Mbit/s | sanso/conntrack | conntrack/no ruleset | bytes read | new connections | ended |\n");
        out.push_str("|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (flows, p) in rows {
            let Some(t) = &p.throughput else {
                let _ = writeln!(out, "| {flows} | - | - | - | - | - | - | - | - |");
                continue;
            };
            let (s, c, n) = (
                t.bits_per_s("sanso") / 1e6,
                t.bits_per_s("conntrack") / 1e6,
                t.bits_per_s("none") / 1e6,
            );
            let _ = writeln!(
                out,
                "| {flows} | {s:.0} | {c:.0} | {n:.0} | {:.2}x | {:.2}x | {} | {} | {} |",
                s / c,
                c / n,
                t.check.bytes,
                t.check.new_connections,
                t.check.ended
            );
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::{EstablishedCheck, SpoofedCheck, Throughput, ThroughputCheck};

    #[test]
    fn paths_table_has_a_row_per_measurement_in_each_table() {
        let p = PathCosts {
            established: Some([
                ("sanso", 5500.0),
                ("sanso-without-marks", 5000.0),
                ("conntrack", 4400.0),
            ]),
            established_check: EstablishedCheck {
                sent: 1000,
                received: 1001,
                new_connections: 5,
                ended: 0,
            },
            spoofed: [
                ("sanso", 3000.0),
                ("sanso-antispoof-after-conntrack", 3600.0),
                ("empty", 2500.0),
                ("conntrack", 3500.0),
            ],
            spoofed_check: SpoofedCheck {
                sent: 900,
                counted: 900,
            },
            throughput: Some(Throughput {
                bits_per_s: [("sanso", 9.5e9), ("conntrack", 1e10), ("none", 1.25e10)],
                check: ThroughputCheck {
                    bytes: 4_000_000,
                    new_connections: 5,
                    ended: 0,
                },
            }),
            rounds: 5,
        };
        let without = PathCosts {
            established: None,
            throughput: None,
            ..p.clone()
        };
        let table = paths_table(&[(100, &p), (1000, &without)]);
        assert!(
            table.contains("| 100 | 5500 | 5000 | 4400 | 1.25x | 1.10x | 1000 | 1001 | 5 | 0 |"),
            "{table}"
        );
        assert!(table.contains("| 1000 | - | - |"), "{table}");
        assert!(
            table.contains(
                "| 100 | 3000 | 3600 | 2500 | 3500 | 1.20x | 1.44x | 0.86x | 900 | 900 |"
            ),
            "{table}"
        );
        assert!(
            table.contains("| 100 | 9500 | 10000 | 12500 | 0.95x | 0.80x | 4000000 | 5 | 0 |"),
            "{table}"
        );
        assert!(
            table.contains("| 1000 | - | - | - | - | - | - | - | - |"),
            "{table}"
        );
        assert_eq!(table.lines().filter(|l| l.starts_with("| 1")).count(), 6);
        assert!(paths_table(&[]).is_empty());
    }
}
