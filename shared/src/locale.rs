//! The languages Tetap's widget and console speak, and how one is picked from what the browser
//! (or the site, through the widget's `locale` parameter) asks for.

/// A language of the user interfaces.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Locale {
    En,
    Id,
}

impl Locale {
    /// The first of `candidates` (language tags in order of preference) that we speak, by
    /// primary subtag (`id-ID` → Indonesian; `in` is its old code); English otherwise.
    pub fn pick<'a>(candidates: impl IntoIterator<Item = &'a str>) -> Self {
        for tag in candidates {
            let primary = tag
                .split(['-', '_'])
                .next()
                .unwrap_or("")
                .to_ascii_lowercase();
            match primary.as_str() {
                "en" => return Locale::En,
                "id" | "in" => return Locale::Id,
                _ => {}
            }
        }
        Locale::En
    }

    /// The BCP 47 tag, for `<html lang>` and `Intl`.
    pub fn tag(self) -> &'static str {
        match self {
            Locale::En => "en",
            Locale::Id => "id",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Locale;

    #[test]
    fn the_first_language_spoken_wins_by_primary_subtag_and_english_is_the_fallback() {
        assert_eq!(Locale::pick(["fr", "id-ID", "en"]), Locale::Id);
        assert_eq!(Locale::pick(["in"]), Locale::Id);
        assert_eq!(Locale::pick(["en_GB", "id"]), Locale::En);
        assert_eq!(Locale::pick(["fr", ""]), Locale::En);
        assert_eq!(Locale::Id.tag(), "id");
    }
}
