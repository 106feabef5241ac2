//! Parking a conversation (R6), the customer coming back to it (R7) and going back to the same
//! agent, or to anyone once the agent's grace is over (R8).

use super::*;

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
            online: false,
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
