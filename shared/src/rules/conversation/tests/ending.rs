//! How conversations close: who may end them (R4), that closed stays closed, the waiting
//! timeout (R9) and the live reconnect grace (R11).

use super::*;

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
