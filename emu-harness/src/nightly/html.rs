//! `report.html`: one self-contained page (inline CSS, script and SVG; the report's JSON
//! embedded; a content security policy that forbids fetching anything). The headline, trend
//! charts over the last nights, per-function code-size changes, failures with their commands
//! and disassembly in collapsible details, and every record in a sortable, filterable table.

use super::diff::Diff;
use super::history::Night;
use super::markdown::headline_line;
use super::record::Record;
use super::NightReport;
use std::fmt::Write;

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// Markdown's `**bold**` of the headline, as HTML.
fn bold(s: &str) -> String {
    let mut out = String::new();
    for (i, part) in esc(s).split("**").enumerate() {
        if i % 2 == 1 {
            let _ = write!(out, "<b>{part}</b>");
        } else {
            out.push_str(part);
        }
    }
    out
}

const COLORS: [&str; 8] =
    ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"];

/// A line chart of `series` over `labels` (the nights), as inline SVG.
fn line_chart(title: &str, labels: &[String], series: &[(String, Vec<Option<f64>>)]) -> String {
    let (w, h, left, bottom, top) = (560.0, 220.0, 60.0, 30.0, 24.0);
    let values: Vec<f64> = series.iter().flat_map(|(_, v)| v.iter().flatten().copied()).collect();
    let max = values.iter().copied().fold(f64::MIN, f64::max);
    let min = values.iter().copied().fold(f64::MAX, f64::min).min(0.0);
    let span = if values.is_empty() || max <= min { 1.0 } else { max - min };
    let n = labels.len().max(1);
    let x = |i: usize| left + (w - left - 10.0) * if n == 1 { 0.5 } else { i as f64 / (n - 1) as f64 };
    let y = |v: f64| top + (h - top - bottom) * (1.0 - (v - min) / span);
    let mut svg = format!(
        "<svg class=\"chart\" role=\"img\" viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\"><title>{}</title>\
         <text x=\"{left}\" y=\"14\" class=\"t\">{}</text>",
        esc(title),
        esc(title)
    );
    let _ = write!(
        svg,
        "<line x1=\"{left}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" class=\"axis\"/><line x1=\"{left}\" y1=\"{top}\" x2=\"{left}\" y2=\"{}\" class=\"axis\"/>",
        h - bottom,
        w - 10.0,
        h - bottom,
        h - bottom
    );
    if values.is_empty() {
        let _ = write!(
            svg,
            "<text x=\"{}\" y=\"{}\" class=\"l\">no data in these nights</text>",
            left + 20.0,
            h / 2.0
        );
    } else {
        let _ = write!(
            svg,
            "<text x=\"{}\" y=\"{}\" class=\"l\" text-anchor=\"end\">{}</text>",
            left - 4.0,
            top + 4.0,
            short(max)
        );
        let _ = write!(
            svg,
            "<text x=\"{}\" y=\"{}\" class=\"l\" text-anchor=\"end\">{}</text>",
            left - 4.0,
            h - bottom,
            short(min)
        );
    }
    if let (Some(first), Some(last)) = (labels.first(), labels.last()) {
        let _ = write!(svg, "<text x=\"{left}\" y=\"{}\" class=\"l\">{}</text>", h - 8.0, esc(first));
        let _ = write!(
            svg,
            "<text x=\"{}\" y=\"{}\" class=\"l\" text-anchor=\"end\">{}</text>",
            w - 10.0,
            h - 8.0,
            esc(last)
        );
    }
    for (k, (name, vs)) in series.iter().enumerate() {
        let color = COLORS[k % COLORS.len()];
        let points: Vec<String> = vs
            .iter()
            .enumerate()
            .filter_map(|(i, v)| v.map(|v| format!("{:.1},{:.1}", x(i), y(v))))
            .collect();
        if points.len() > 1 {
            let _ = write!(
                svg,
                "<polyline fill=\"none\" stroke=\"{color}\" stroke-width=\"2\" points=\"{}\"/>",
                points.join(" ")
            );
        }
        for (i, v) in vs.iter().enumerate() {
            if let Some(v) = v {
                let _ = write!(
                    svg,
                    "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"3\" fill=\"{color}\"><title>{} {}: {}</title></circle>",
                    x(i),
                    y(*v),
                    esc(name),
                    esc(&labels[i]),
                    short(*v)
                );
            }
        }
        let _ = write!(
            svg,
            "<text x=\"{}\" y=\"{}\" class=\"l\" fill=\"{color}\">{}</text>",
            left + 8.0 + (k % 4) as f64 * 120.0,
            top + 10.0 + (k / 4) as f64 * 12.0,
            esc(name)
        );
    }
    svg.push_str("</svg>");
    svg
}

fn short(v: f64) -> String {
    if v.abs() >= 1e6 {
        format!("{:.2}M", v / 1e6)
    } else if v.abs() >= 1e4 {
        format!("{:.1}k", v / 1e3)
    } else if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}

/// Horizontal bars of signed values (code-size deltas), largest first.
fn bar_chart(title: &str, bars: &[(String, f64)]) -> String {
    let (w, row) = (760.0, 16.0);
    let h = 28.0 + row * bars.len().max(1) as f64;
    let max = bars.iter().map(|(_, v)| v.abs()).fold(1.0, f64::max);
    let mid = 520.0;
    let scale = 200.0 / max;
    let mut svg = format!(
        "<svg class=\"chart\" role=\"img\" viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\"><title>{}</title><text x=\"4\" y=\"14\" class=\"t\">{}</text>",
        esc(title),
        esc(title)
    );
    if bars.is_empty() {
        svg.push_str("<text x=\"4\" y=\"36\" class=\"l\">no function changed</text>");
    }
    for (i, (label, v)) in bars.iter().enumerate() {
        let y = 22.0 + row * i as f64;
        let len = v.abs() * scale;
        let (x, color) = if *v >= 0.0 { (mid, "#d62728") } else { (mid - len, "#2ca02c") };
        let _ = write!(
            svg,
            "<text x=\"{}\" y=\"{}\" class=\"l\" text-anchor=\"end\">{}</text><rect x=\"{x:.1}\" y=\"{y}\" width=\"{len:.1}\" height=\"{}\" fill=\"{color}\"><title>{}: {:+}</title></rect><text x=\"{:.1}\" y=\"{}\" class=\"l\">{:+}</text>",
            mid - 210.0,
            y + 11.0,
            esc(label),
            row - 3.0,
            esc(label),
            v,
            mid + 6.0 + if *v >= 0.0 { len } else { 0.0 },
            y + 11.0,
            v
        );
    }
    svg.push_str("</svg>");
    svg
}

/// Tonight appended to the history: the trend charts.
fn trends(report: &NightReport, history: &[Night]) -> String {
    let mut nights: Vec<Night> = history.to_vec();
    nights.push(super::history::night_of(report));
    let labels: Vec<String> = nights.iter().map(|n| n.date.clone()).collect();
    let series = |name: &str, f: &dyn Fn(&Night) -> Option<f64>| {
        (name.to_string(), nights.iter().map(f).collect::<Vec<_>>())
    };
    let mut out = String::new();
    out.push_str(&line_chart(
        "Cases and failures per night",
        &labels,
        &[
            series("cases", &|n| Some(n.cases as f64)),
            series("mismatches", &|n| Some(n.mismatches as f64)),
            series("errors", &|n| Some(n.errors as f64)),
        ],
    ));
    let per_config = |f: &dyn Fn(&Night, &str) -> Option<f64>| -> Vec<(String, Vec<Option<f64>>)> {
        report.configurations.iter().map(|c| (c.clone(), nights.iter().map(|n| f(n, c)).collect())).collect()
    };
    out.push_str(&line_chart(
        "Total code bytes per configuration",
        &labels,
        &per_config(&|n, c| n.code_bytes.get(c).map(|v| *v as f64)),
    ));
    out.push_str(&line_chart(
        "Executed instructions per configuration (sum of per-function means)",
        &labels,
        &per_config(&|n, c| n.executed.get(c).map(|v| *v as f64)),
    ));
    out.push_str(&line_chart(
        "Campaign: executions per second and findings",
        &labels,
        &[
            series("executions/s", &|n| n.campaign_executions_per_second),
            series("findings", &|n| n.campaign_findings.map(|f| f as f64)),
        ],
    ));
    out
}

fn failure_details(r: &Record) -> String {
    let mut out =
        format!("<details class=\"fail\"><summary><code>{}</code> — {}", esc(&r.name()), r.status.name());
    if let Some(f) = &r.failure {
        let _ = write!(out, " — <code>{}</code></summary><dl>", esc(&f.signature));
        let _ = write!(
            out,
            "<dt>expected</dt><dd>{}</dd><dt>actual</dt><dd>{}</dd>",
            esc(&f.expected),
            esc(&f.actual)
        );
        if let Some(s) = &f.state {
            let _ = write!(out, "<dt>state</dt><dd><pre>{}</pre></dd>", esc(s));
        }
        if !f.rerun.is_empty() {
            let _ = write!(out, "<dt>re-run</dt><dd><code>{}</code></dd>", esc(&f.rerun));
        }
        if let Some(reduce) = &f.reduce {
            let _ = write!(out, "<dt>reduce</dt><dd><code>{}</code></dd>", esc(reduce));
        }
        if r.repeated == Some(false) {
            out.push_str("<dt>flaky</dt><dd>did not fail when run again</dd>");
        }
        out.push_str("</dl>");
    } else {
        out.push_str("</summary>");
    }
    if !r.disassembly.is_empty() {
        let _ = write!(
            out,
            "<details><summary>disassembly</summary><pre>{}</pre></details>",
            esc(&r.disassembly.join("\n"))
        );
    }
    out.push_str("</details>\n");
    out
}

const STYLE: &str = "body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222}h1{font-size:1.4em}\
h2{font-size:1.15em;margin-top:1.6em}code,pre{font:12px ui-monospace,monospace}pre{background:#f6f6f6;padding:.5em;overflow:auto}\
.charts{display:flex;flex-wrap:wrap;gap:12px}.chart{border:1px solid #ddd;background:#fff}.t{font:bold 12px sans-serif}.l{font:10px sans-serif}\
.axis{stroke:#999}table{border-collapse:collapse;font-size:12px}th,td{border:1px solid #ddd;padding:2px 6px;text-align:left}\
th{background:#eee;cursor:pointer;user-select:none}tr.mismatch td,tr.error td{background:#fde8e8}details.fail{margin:.3em 0}\
dt{font-weight:bold}dd{margin:0 0 .3em 1em}#filter{margin:.5em 0;width:30em;padding:3px}.headline{font-size:1.05em}";

/// Sorting by a clicked header (numbers as numbers) and filtering rows by text.
const SCRIPT: &str = "(function(){var t=document.getElementById('records');if(!t)return;\
var body=t.tBodies[0];var rows=Array.prototype.slice.call(body.rows);\
document.getElementById('filter').addEventListener('input',function(e){var q=e.target.value.toLowerCase();\
var shown=0;rows.forEach(function(r){var v=r.textContent.toLowerCase().indexOf(q)>=0;r.style.display=v?'':'none';if(v)shown++;});\
document.getElementById('shown').textContent=shown;});\
Array.prototype.forEach.call(t.tHead.rows[0].cells,function(th,i){var asc=true;th.addEventListener('click',function(){\
rows.sort(function(a,b){var x=a.cells[i].textContent,y=b.cells[i].textContent,nx=parseFloat(x),ny=parseFloat(y);\
var c=(!isNaN(nx)&&!isNaN(ny))?nx-ny:x.localeCompare(y);return asc?c:-c;});asc=!asc;\
rows.forEach(function(r){body.appendChild(r);});});});\
document.getElementById('shown').textContent=rows.length;document.body.setAttribute('data-ready','1');})();";

pub fn html(report: &NightReport, history: &[Night]) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'\">\
         <title>Nightly differential report {}</title><style>{STYLE}</style></head><body>",
        esc(&report.header.date)
    );
    let _ = write!(out, "<h1>Nightly differential report, {}</h1>", esc(&report.header.date));
    let _ = write!(out, "<p class=\"headline\">{}</p>", bold(&headline_line(report)));
    out.push_str("<h2>Trends</h2><div class=\"charts\">");
    out.push_str(&trends(report, history));
    out.push_str("</div>");
    if let Some(d) = &report.deltas {
        let bars: Vec<(String, f64)> = d
            .functions
            .iter()
            .filter(|f| f.code_bytes_now != f.code_bytes_before)
            .take(25)
            .map(|f| {
                (
                    format!("{} [{}]", f.function, f.configuration),
                    f.code_bytes_now as f64 - f.code_bytes_before as f64,
                )
            })
            .collect();
        out.push_str(
            "<h2>Code-size changes per function (bytes, against the baseline)</h2><div class=\"charts\">",
        );
        out.push_str(&bar_chart("Largest code-size changes", &bars));
        out.push_str("</div>");
    }
    if let Diff::Compared { changes, .. } = &report.diff {
        out.push_str("<h2>Changes since the baseline</h2><table id=\"changes\"><thead><tr><th>change</th><th>file</th><th>function</th><th>configuration</th><th>before</th><th>now</th></tr></thead><tbody>");
        for c in changes {
            let _ = write!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                c.change.name(),
                esc(&c.file),
                esc(&c.function),
                esc(&c.configuration),
                c.before.map_or("-", |s| s.name()),
                c.now.map_or("-", |s| s.name())
            );
        }
        out.push_str("</tbody></table>");
    } else if let Diff::Incompatible { reason } = &report.diff {
        let _ = write!(out, "<p>Not compared with the baseline: {}</p>", esc(reason));
    }
    let failing: Vec<&Record> = report.failing().collect();
    let _ = write!(out, "<h2>Failures ({})</h2>", failing.len());
    for r in &failing {
        out.push_str(&failure_details(r));
    }
    let _ = write!(
        out,
        "<h2>Every record ({})</h2><input id=\"filter\" placeholder=\"filter rows (file, function, configuration, status)\"> <span id=\"shown\"></span> shown\
         <table id=\"records\"><thead><tr><th>file</th><th>function</th><th>configuration</th><th>status</th><th>code bytes</th><th>executed min</th><th>mean</th><th>max</th><th>stack bytes</th><th>spills</th></tr></thead><tbody>",
        report.records.len()
    );
    for r in &report.records {
        let class = if r.status.is_error() {
            "error"
        } else if r.status.is_failing() {
            "mismatch"
        } else {
            ""
        };
        let (mn, mean, mx) = r.executed.map_or(("".into(), "".into(), "".into()), |e| {
            (e.min.to_string(), format!("{:.1}", e.mean()), e.max.to_string())
        });
        let _ = write!(
            out,
            "<tr class=\"{class}\"><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{mn}</td><td>{mean}</td><td>{mx}</td><td>{}</td><td>{}</td></tr>",
            esc(&r.file),
            esc(&r.function),
            esc(&r.configuration),
            r.status.name(),
            r.code_bytes,
            r.stack_bytes,
            r.spills
        );
    }
    out.push_str("</tbody></table>");
    out.push_str("<h2>Stages</h2><table><thead><tr><th>stage</th><th>seconds</th></tr></thead><tbody>");
    for (stage, s) in &report.header.stages {
        let _ = write!(out, "<tr><td>{}</td><td>{s:.1}</td></tr>", esc(stage));
    }
    out.push_str("</tbody></table>");
    // The report itself, for anyone who wants more than the page shows.
    // Every `<` as a JSON escape: nothing in the data can end or confuse the script element.
    let json = report.to_json().replace('<', "\\u003c");
    let _ = write!(out, "<script type=\"application/json\" id=\"report-data\">{json}</script>");
    let _ = writeln!(out, "<script>{SCRIPT}</script></body></html>");
    out
}
