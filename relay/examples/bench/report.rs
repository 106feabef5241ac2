//! The benchmark's table: rows of figure, budget and floor, printed and written to a report.

use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

/// One figure.
pub struct Row {
    metric: String,
    value: String,
    budget: String,
    floor: String,
}

pub fn row(metric: &str, value: String, budget: &str, floor: String) -> Row {
    Row {
        metric: metric.into(),
        value,
        budget: budget.into(),
        floor,
    }
}

impl Row {
    /// The same figure with its metric named after `engine` (`PostgreSQL: …`).
    pub fn on(mut self, engine: &str) -> Row {
        self.metric = format!("{engine}: {}", self.metric);
        self
    }
}

/// p50, p99 and p99.9 of `samples` (which must not be empty).
pub fn percentiles(mut samples: Vec<Duration>) -> (Duration, Duration, Duration) {
    samples.sort();
    let at = |p: f64| samples[((samples.len() as f64 - 1.0) * p) as usize];
    (at(0.50), at(0.99), at(0.999))
}

/// Milliseconds with two decimals.
pub fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1000.0)
}

/// The table in Markdown.
fn table(rows: &[Row]) -> String {
    let mut text = String::from("| metric | value | budget | floor |\n|---|---|---|---|\n");
    for r in rows {
        let _ = writeln!(
            text,
            "| {} | {} | {} | {} |",
            r.metric, r.value, r.budget, r.floor
        );
    }
    text
}

/// Prints the table and writes the report (the table plus how the run was made).
pub fn finish(rows: &[Row], path: &Path, scale: &str, pinning: &str) -> anyhow::Result<()> {
    let table = table(rows);
    print!("{table}");
    let report = format!("# Tetap benchmark\n\nScale: {scale}. {pinning}\n\n{table}");
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(path, report)?;
    println!("report: {}", path.display());
    Ok(())
}
