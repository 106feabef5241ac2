//! The widget page's URL parameters (`/widget/?workstream=ID&host=ORIGIN&locale=&theme=&color=`).
//! A token never travels in the URL: it comes from the host page by `postMessage`.

use web_sys::UrlSearchParams;

/// What the loader put in the frame's URL.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Params {
    pub workstream: String,
    /// The host page's origin, as the loader saw `location.origin`.
    pub host: String,
    pub locale: Option<String>,
    pub theme: Theme,
    /// A safe CSS colour for `--tetap-color`, if one was given.
    pub color: Option<String>,
}

/// The colour scheme asked for by `data-theme`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Theme {
    Light,
    Dark,
    /// Follow `prefers-color-scheme`.
    #[default]
    Auto,
}

impl Theme {
    /// The value of the document's `data-theme` attribute.
    pub fn as_str(self) -> &'static str {
        match self {
            Theme::Light => "light",
            Theme::Dark => "dark",
            Theme::Auto => "auto",
        }
    }
}

impl Params {
    /// Parses a query string such as `?workstream=support&host=https%3A%2F%2Fshop.example`.
    pub fn parse(search: &str) -> Self {
        let Ok(query) = UrlSearchParams::new_with_str(search) else {
            return Self::default();
        };
        let get = |name: &str| query.get(name).filter(|value| !value.is_empty());
        Params {
            workstream: get("workstream").unwrap_or_default(),
            host: get("host")
                .map(|host| normalize_origin(&host))
                .unwrap_or_default(),
            locale: get("locale"),
            theme: match get("theme").as_deref() {
                Some("light") => Theme::Light,
                Some("dark") => Theme::Dark,
                _ => Theme::Auto,
            },
            color: get("color").and_then(|color| sanitize_color(&color)),
        }
    }
}

/// An origin without a trailing slash, so `https://a.example/` and `https://a.example` compare equal.
pub fn normalize_origin(origin: &str) -> String {
    origin.trim().trim_end_matches('/').to_owned()
}

/// Accepts `#rgb`, `#rgba`, `#rrggbb`, `#rrggbbaa` or a plain colour name; anything else (which
/// could smuggle other CSS into the custom property) is dropped.
pub fn sanitize_color(color: &str) -> Option<String> {
    let color = color.trim();
    let ok = match color.strip_prefix('#') {
        Some(hex) => {
            matches!(hex.len(), 3 | 4 | 6 | 8) && hex.chars().all(|c| c.is_ascii_hexdigit())
        }
        None => (1..=32).contains(&color.len()) && color.chars().all(|c| c.is_ascii_alphabetic()),
    };
    ok.then(|| color.to_owned())
}
