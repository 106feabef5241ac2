//! Floors measured in the same run: what this machine's disk allows a durable commit.

use crate::report::percentiles;
use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

/// One small append and `fdatasync` at a time in `dir` (where the store lives), for about a
/// second: the cost of the one flush a durable commit cannot avoid. Returns (fsyncs/s, p50, p99).
pub fn fsync(dir: &Path) -> anyhow::Result<(f64, Duration, Duration)> {
    let path = dir.join("fsync-floor");
    let mut file = std::fs::File::create(&path)?;
    let block = [7u8; 4096];
    let mut samples = Vec::new();
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(1) || samples.len() < 20 {
        let at = Instant::now();
        file.write_all(&block)?;
        file.sync_data()?;
        samples.push(at.elapsed());
    }
    let rate = samples.len() as f64 / started.elapsed().as_secs_f64();
    drop(file);
    std::fs::remove_file(&path)?;
    let (p50, p99, _) = percentiles(samples);
    Ok((rate, p50, p99))
}
