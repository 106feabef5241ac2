//! The conversation rules R1–R11 enforced by a real relay: routing, waiting, returning, ending,
//! operating hours, timers. Each test names the rule it checks; the clock steps and the message
//! reader shared by its submodules live here.

mod ending;
mod hours;
mod races;
mod routing;
mod stored;
mod waiting;

use serde_json::Value;
use std::time::Duration;

const MINUTE: Duration = Duration::from_secs(60);
const HOUR: Duration = Duration::from_secs(3600);

fn texts_and_kinds(messages: &Value) -> Vec<(String, Option<String>)> {
    messages
        .as_array()
        .expect("messages")
        .iter()
        .map(|m| {
            (
                m["text"].as_str().unwrap_or_default().to_owned(),
                m["system_kind"].as_str().map(str::to_owned),
            )
        })
        .collect()
}
