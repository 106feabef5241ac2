//! Sizes of what a site's visitors download: the loader and the widget app.

use crate::report::{Row, row};
use std::io::Write;
use std::path::Path;

pub fn gzip(bytes: &[u8]) -> usize {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let _ = encoder.write_all(bytes);
    encoder.finish().map(|v| v.len()).unwrap_or(0)
}

pub fn brotli(bytes: &[u8]) -> usize {
    let mut out = Vec::new();
    let params = brotli::enc::BrotliEncoderParams {
        quality: 11,
        ..Default::default()
    };
    let _ = brotli::BrotliCompress(&mut &bytes[..], &mut out, &params);
    out.len()
}

pub fn sizes(widget_dist: &Path, loader: &Path) -> anyhow::Result<Vec<Row>> {
    let loader = std::fs::read(loader)?;
    let mut app = Vec::new();
    let mut raw = 0;
    let mut gz = 0;
    let mut br = 0;
    for entry in std::fs::read_dir(widget_dist)? {
        let path = entry?.path();
        if matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("wasm" | "js" | "css")
        ) {
            let bytes = std::fs::read(&path)?;
            raw += bytes.len();
            gz += gzip(&bytes);
            br += brotli(&bytes);
            app.push(path);
        }
    }
    Ok(vec![
        row(
            "loader tetap.js (raw / gzip / brotli)",
            format!(
                "{} / {} / {} B",
                loader.len(),
                gzip(&loader),
                brotli(&loader)
            ),
            "≤ 5 KB gzip",
            String::new(),
        ),
        row(
            "widget app wasm+js+css (raw / gzip / brotli)",
            format!("{raw} / {gz} / {br} B"),
            "≤ 150 KB gzip",
            String::new(),
        ),
    ])
}
