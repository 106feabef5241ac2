//! How large a fault run is: chosen at run time by `TETAP_FAULT_SCALE`.

/// The environment variable that selects the [`Scale`] of the fault tests.
pub(crate) const SCALE_VARIABLE: &str = "TETAP_FAULT_SCALE";

/// How many customers write at once and how many messages each sends: one place for both fault
/// tests, so the scale is chosen at run time without a second copy of any test.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Scale {
    pub(crate) customers: usize,
    pub(crate) messages_each: usize,
}

impl Scale {
    /// 20 × 50 = 1,000 messages: quick enough for every `cargo xtask test`.
    pub(crate) const DEFAULT: Scale = Scale {
        customers: 20,
        messages_each: 50,
    };
    /// 50 × 200 = 10,000 messages: the bench figure, run by `cargo xtask bench`.
    pub(crate) const BENCH: Scale = Scale {
        customers: 50,
        messages_each: 200,
    };

    /// [`Scale::DEFAULT`] when `TETAP_FAULT_SCALE` is unset, else the scale it names. Any other
    /// value panics: a typo must not quietly run the small scale and pass as the large one.
    pub(crate) fn from_env() -> Scale {
        let value = match std::env::var_os(SCALE_VARIABLE) {
            None => return Scale::DEFAULT,
            Some(value) => value,
        };
        value.to_str().and_then(Scale::named).unwrap_or_else(|| {
            let (small, large) = (Scale::DEFAULT, Scale::BENCH);
            panic!(
                "{SCALE_VARIABLE}={value:?} is not a fault scale: leave it unset (or `default`) \
                 for {} customers × {} messages, or set `bench` for {} × {}",
                small.customers, small.messages_each, large.customers, large.messages_each
            )
        })
    }

    pub(crate) fn named(name: &str) -> Option<Scale> {
        match name {
            "default" => Some(Scale::DEFAULT),
            "bench" => Some(Scale::BENCH),
            _ => None,
        }
    }

    /// Every message of every customer.
    pub(crate) fn total(self) -> usize {
        self.customers * self.messages_each
    }

    /// The number of acknowledgements that makes `percent` of [`Scale::total`], rounded down.
    pub(crate) fn acks_at(self, percent: usize) -> usize {
        self.total() * percent / 100
    }
}
