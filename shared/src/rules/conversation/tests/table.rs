//! The whole state × event table, once per mode, so that no pair is left undefined.

use super::*;

/// The expected outcome: the new state, or the refusal's code.
fn outcome(result: Result<Transition, RuleError>) -> Result<ConversationState, &'static str> {
    result.map(|t| t.state).map_err(|e| e.code())
}

#[test]
fn every_state_and_event_of_a_persistent_conversation_has_a_defined_outcome() {
    let ok = Ok;
    let closed = Err("conversation_closed");
    let cannot_end = Err("customer_cannot_end");
    // Columns: open, active, waiting, closed.
    let table: [(&str, [Result<ConversationState, &str>; 4]); 14] = [
        (
            "customer message",
            [ok(Open), ok(Active), ok(Active), closed],
        ),
        (
            "customer opened",
            [ok(Open), ok(Active), ok(Waiting), ok(Closed)],
        ),
        (
            "customer end",
            [cannot_end, cannot_end, cannot_end, cannot_end],
        ),
        (
            "customer left",
            [ok(Open), ok(Active), ok(Waiting), ok(Closed)],
        ),
        (
            "customer back",
            [ok(Open), ok(Active), ok(Waiting), ok(Closed)],
        ),
        (
            "agent message",
            [ok(Active), ok(Active), ok(Active), closed],
        ),
        ("agent accept", [ok(Active), ok(Active), ok(Active), closed]),
        (
            "agent wait",
            [Err("wrong_state"), ok(Waiting), ok(Waiting), closed],
        ),
        ("agent end", [ok(Closed), ok(Closed), ok(Closed), closed]),
        (
            "agent offline",
            [ok(Open), ok(Active), ok(Waiting), ok(Closed)],
        ),
        (
            "assign",
            [ok(Active), Err("wrong_state"), Err("wrong_state"), closed],
        ),
        (
            "waiting timeout",
            [ok(Open), ok(Active), ok(Closed), ok(Closed)],
        ),
        (
            "affinity grace",
            [ok(Open), ok(Active), ok(Waiting), ok(Closed)],
        ),
        (
            "reconnect grace",
            [ok(Open), ok(Active), ok(Waiting), ok(Closed)],
        ),
    ];
    check_table(Mode::Persistent, &table);
}

#[test]
fn every_state_and_event_of_a_live_conversation_has_a_defined_outcome() {
    let ok = Ok;
    let closed = Err("conversation_closed");
    // Live conversations are never `waiting`; the column checks the machine stays total anyway.
    let table: [(&str, [Result<ConversationState, &str>; 4]); 14] = [
        ("customer message", [ok(Open), ok(Active), ok(Open), closed]),
        (
            "customer opened",
            [ok(Open), ok(Active), ok(Waiting), ok(Closed)],
        ),
        ("customer end", [ok(Closed), ok(Closed), ok(Closed), closed]),
        (
            "customer left",
            [ok(Open), ok(Active), ok(Waiting), ok(Closed)],
        ),
        (
            "customer back",
            [ok(Open), ok(Active), ok(Waiting), ok(Closed)],
        ),
        (
            "agent message",
            [ok(Active), ok(Active), ok(Active), closed],
        ),
        ("agent accept", [ok(Active), ok(Active), ok(Active), closed]),
        (
            "agent wait",
            [Err("wrong_state"), ok(Open), ok(Waiting), closed],
        ),
        ("agent end", [ok(Closed), ok(Closed), ok(Closed), closed]),
        (
            "agent offline",
            [ok(Open), ok(Open), ok(Waiting), ok(Closed)],
        ),
        (
            "assign",
            [ok(Active), Err("wrong_state"), Err("wrong_state"), closed],
        ),
        (
            "waiting timeout",
            [ok(Open), ok(Active), ok(Closed), ok(Closed)],
        ),
        (
            "affinity grace",
            [ok(Open), ok(Active), ok(Waiting), ok(Closed)],
        ),
        (
            "reconnect grace",
            [ok(Closed), ok(Closed), ok(Closed), ok(Closed)],
        ),
    ];
    check_table(Mode::Live, &table);
}

fn check_table(mode: Mode, table: &[(&str, [Result<ConversationState, &str>; 4])]) {
    let events = all_events();
    assert_eq!(table.len(), events.len(), "the table covers every event");
    for ((name, expected), (event_name, event)) in table.iter().zip(events) {
        assert_eq!(*name, event_name);
        for (state, expected) in [Open, Active, Waiting, Closed].into_iter().zip(expected) {
            let got = outcome(apply(&facts(mode, state), &event));
            assert_eq!(got, *expected, "{mode:?} {state:?} + {name}");
        }
    }
}
