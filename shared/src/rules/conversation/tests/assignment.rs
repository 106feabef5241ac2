//! How a conversation gets its agent and loses it: it starts queued (R9), accepting and routing
//! (R10), and an agent going offline.

use super::*;

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
        online: true,
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
