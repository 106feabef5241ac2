//! Every state × event pair of the state machine, and one test per rule it carries.

use super::*;
use ConversationState::{Active, Closed, Open, Waiting};

fn facts(mode: Mode, state: ConversationState) -> Facts {
    let assigned = matches!(state, Active | Waiting | Closed).then(|| "anna".to_owned());
    Facts {
        mode,
        state,
        agent: assigned.clone(),
        affinity_agent: assigned,
        keep_same_agent: mode == Mode::Persistent,
        has_waiting_timeout: false,
        returned_notified: false,
    }
}

fn anna() -> String {
    "anna".into()
}

fn all_events() -> Vec<(&'static str, Event)> {
    vec![
        (
            "customer message",
            Event::CustomerMessage { agent_online: true },
        ),
        ("customer opened", Event::CustomerOpened),
        ("customer end", Event::CustomerEnd),
        ("customer left", Event::CustomerLeft),
        ("customer back", Event::CustomerBack),
        (
            "agent message",
            Event::AgentMessage {
                agent: anna(),
                in_workstreams: true,
                has_capacity: true,
            },
        ),
        (
            "agent accept",
            Event::AgentAccept {
                agent: anna(),
                in_workstreams: true,
                has_capacity: true,
            },
        ),
        ("agent wait", Event::AgentWait { agent: anna() }),
        (
            "agent end",
            Event::AgentEnd {
                agent: anna(),
                in_workstreams: true,
            },
        ),
        ("agent offline", Event::AgentOffline { agent: anna() }),
        ("assign", Event::Assign { agent: anna() }),
        ("waiting timeout", Event::TimerDue(Timer::WaitingTimeout)),
        ("affinity grace", Event::TimerDue(Timer::AffinityGrace)),
        ("reconnect grace", Event::TimerDue(Timer::ReconnectGrace)),
    ]
}

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

#[test]
fn r4_customer_cannot_end_persistent() {
    for state in [Open, Active, Waiting] {
        assert_eq!(
            apply(&facts(Mode::Persistent, state), &Event::CustomerEnd),
            Err(RuleError::CustomerCannotEnd)
        );
    }
}

#[test]
fn r4_either_side_ends_a_live_conversation() {
    let by_customer = apply(&facts(Mode::Live, Active), &Event::CustomerEnd).expect("ends");
    assert_eq!(by_customer.state, Closed);
    assert!(
        by_customer
            .effects
            .contains(&Effect::System(SystemKind::Ended))
    );
    assert!(
        by_customer.effects.contains(&Effect::Route),
        "capacity freed"
    );
    let by_agent = apply(
        &facts(Mode::Live, Active),
        &Event::AgentEnd {
            agent: anna(),
            in_workstreams: true,
        },
    )
    .expect("ends");
    assert_eq!(by_agent.state, Closed);
}

#[test]
fn r6_wait_parks_a_persistent_conversation_and_frees_capacity() {
    let mut active = facts(Mode::Persistent, Active);
    active.returned_notified = true;
    let parked = apply(&active, &Event::AgentWait { agent: anna() }).expect("parks");
    assert_eq!(parked.state, Waiting);
    assert_eq!(parked.agent.as_deref(), Some("anna"), "still hers");
    assert!(!parked.returned_notified, "a new waiting period starts");
    assert_eq!(parked.effects, vec![Effect::Route]);
}

#[test]
fn r6_wait_in_live_mode_returns_the_conversation_to_the_queue() {
    let requeued = apply(
        &facts(Mode::Live, Active),
        &Event::AgentWait { agent: anna() },
    )
    .expect("requeues");
    assert_eq!((requeued.state, requeued.agent), (Open, None));
    assert!(requeued.effects.contains(&Effect::Route));
}

#[test]
fn r6_only_the_assigned_agent_can_park_a_conversation() {
    let budi = Event::AgentWait {
        agent: "budi".into(),
    };
    assert_eq!(
        apply(&facts(Mode::Persistent, Active), &budi),
        Err(RuleError::NotYours)
    );
}

#[test]
fn r7_opening_the_widget_on_a_waiting_conversation_notifies_its_agent_once() {
    let waiting = facts(Mode::Persistent, Waiting);
    let first = apply(&waiting, &Event::CustomerOpened).expect("ok");
    assert_eq!(
        first.effects,
        vec![Effect::Notify {
            agent: anna(),
            notice: AgentNotice::CustomerReturned
        }]
    );
    assert!(first.returned_notified);
    let mut notified = waiting.clone();
    notified.returned_notified = true;
    let second = apply(&notified, &Event::CustomerOpened).expect("ok");
    assert!(second.effects.is_empty(), "one notice per waiting period");
}

#[test]
fn r7_a_customer_message_picks_a_waiting_conversation_up_with_its_agent() {
    let back = apply(
        &facts(Mode::Persistent, Waiting),
        &Event::CustomerMessage { agent_online: true },
    )
    .expect("back");
    assert_eq!((back.state, back.agent.as_deref()), (Active, Some("anna")));
    assert!(back.effects.contains(&Effect::Notify {
        agent: anna(),
        notice: AgentNotice::CustomerReturned
    }));
    assert!(
        back.effects
            .contains(&Effect::CancelTimer(Timer::WaitingTimeout))
    );
}

#[test]
fn r7_the_agent_can_pick_a_waiting_conversation_up_themselves() {
    let accepted = apply(
        &facts(Mode::Persistent, Waiting),
        &Event::AgentAccept {
            agent: anna(),
            in_workstreams: true,
            has_capacity: false,
        },
    )
    .expect("accepted");
    assert_eq!(accepted.state, Active);
}

#[test]
fn r8_a_returning_customer_waits_for_an_offline_agent_then_anyone() {
    let queued = apply(
        &facts(Mode::Persistent, Waiting),
        &Event::CustomerMessage {
            agent_online: false,
        },
    )
    .expect("queued");
    assert_eq!((queued.state, queued.agent.as_deref()), (Open, None));
    assert_eq!(queued.affinity_agent.as_deref(), Some("anna"));
    assert!(
        queued
            .effects
            .contains(&Effect::StartTimer(Timer::AffinityGrace))
    );
    let open = Facts {
        state: Open,
        agent: None,
        affinity_agent: Some(anna()),
        ..facts(Mode::Persistent, Open)
    };
    let anyone = apply(&open, &Event::TimerDue(Timer::AffinityGrace)).expect("grace over");
    assert_eq!(anyone.affinity_agent, None);
    assert!(anyone.effects.contains(&Effect::Route));
}

#[test]
fn r8_without_keep_same_agent_a_returning_customer_goes_to_anyone() {
    let mut waiting = facts(Mode::Persistent, Waiting);
    waiting.keep_same_agent = false;
    let queued = apply(&waiting, &Event::CustomerMessage { agent_online: true }).expect("queued");
    assert_eq!((queued.state, queued.affinity_agent), (Open, None));
}

#[test]
fn r9_a_closed_conversation_is_never_reopened() {
    let closed = facts(Mode::Persistent, Closed);
    for (name, event) in all_events() {
        if let Ok(t) = apply(&closed, &event) {
            assert_eq!(t.state, Closed, "{name}");
        }
    }
}

#[test]
fn r9_the_waiting_timeout_is_off_unless_configured() {
    let park = Event::AgentWait { agent: anna() };
    let parked = apply(&facts(Mode::Persistent, Active), &park).expect("parks");
    assert!(
        !parked
            .effects
            .contains(&Effect::StartTimer(Timer::WaitingTimeout))
    );
    let mut with_timeout = facts(Mode::Persistent, Active);
    with_timeout.has_waiting_timeout = true;
    let parked = apply(&with_timeout, &park).expect("parks");
    assert!(
        parked
            .effects
            .contains(&Effect::StartTimer(Timer::WaitingTimeout))
    );
    let timed_out = apply(
        &facts(Mode::Persistent, Waiting),
        &Event::TimerDue(Timer::WaitingTimeout),
    )
    .expect("closes");
    assert_eq!(timed_out.state, Closed);
    assert!(
        timed_out
            .effects
            .contains(&Effect::System(SystemKind::Ended))
    );
}

#[test]
fn r9_a_conversation_starts_open_and_queued() {
    let started = start();
    assert_eq!(
        (started.state, started.effects),
        (Open, vec![Effect::Route])
    );
}

#[test]
fn r10_accepting_an_open_conversation_needs_the_workstream_and_free_capacity() {
    let open = facts(Mode::Persistent, Open);
    let accept = |in_workstreams, has_capacity| Event::AgentAccept {
        agent: anna(),
        in_workstreams,
        has_capacity,
    };
    assert_eq!(
        apply(&open, &accept(false, true)),
        Err(RuleError::NotInYourWorkstreams)
    );
    assert_eq!(
        apply(&open, &accept(true, false)),
        Err(RuleError::AtCapacity)
    );
    let taken = apply(&open, &accept(true, true)).expect("taken");
    assert_eq!(
        (taken.state, taken.affinity_agent.as_deref()),
        (Active, Some("anna"))
    );
    assert!(
        taken
            .effects
            .contains(&Effect::System(SystemKind::AgentJoined))
    );
}

#[test]
fn r10_routing_assigns_and_notifies_the_agent() {
    let assigned = apply(&facts(Mode::Live, Open), &Event::Assign { agent: anna() }).expect("ok");
    assert_eq!(assigned.state, Active);
    assert!(assigned.effects.contains(&Effect::Notify {
        agent: anna(),
        notice: AgentNotice::Assigned
    }));
}

#[test]
fn r11_a_live_customer_who_leaves_starts_the_reconnect_grace_and_persistent_never_does() {
    let live = apply(&facts(Mode::Live, Active), &Event::CustomerLeft).expect("ok");
    assert_eq!(
        live.effects,
        vec![Effect::StartTimer(Timer::ReconnectGrace)]
    );
    let back = apply(&facts(Mode::Live, Active), &Event::CustomerBack).expect("ok");
    assert_eq!(
        back.effects,
        vec![Effect::CancelTimer(Timer::ReconnectGrace)]
    );
    let persistent = apply(&facts(Mode::Persistent, Active), &Event::CustomerLeft).expect("ok");
    assert!(persistent.effects.is_empty());
    let due = apply(
        &facts(Mode::Persistent, Active),
        &Event::TimerDue(Timer::ReconnectGrace),
    )
    .expect("ok");
    assert_eq!(due.state, Active);
}

#[test]
fn presence_an_offline_agent_keeps_persistent_conversations_and_requeues_live_ones() {
    let offline = Event::AgentOffline { agent: anna() };
    let persistent = apply(&facts(Mode::Persistent, Active), &offline).expect("ok");
    assert_eq!(
        (persistent.state, persistent.agent.as_deref()),
        (Active, Some("anna"))
    );
    let live = apply(&facts(Mode::Live, Active), &offline).expect("ok");
    assert_eq!((live.state, live.agent), (Open, None));
}
