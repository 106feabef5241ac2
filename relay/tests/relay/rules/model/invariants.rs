//! What must hold after every step, read back from the store's rows (not from what the decisions
//! returned): capacity (R8, R10), who may hold an `active` conversation (R8, R10, the paragraph on
//! presence) and one conversation per customer (R2).

use super::world::World;

/// Returns the first broken invariant, described.
pub fn check(world: &mut World) -> Result<(), String> {
    within_capacity(world)?;
    active_means_an_online_agent_or_r8(world)?;
    one_conversation_per_customer(world)?;
    // Conversations that left an offline agent are no longer R8's to keep.
    let still_theirs: Vec<_> = world
        .kept_while_offline
        .keys()
        .map(|agent| (agent.clone(), world.theirs(agent)))
        .collect();
    for (agent, theirs) in still_theirs {
        if let Some(kept) = world.kept_while_offline.get_mut(&agent) {
            kept.retain(|id| theirs.contains(id));
        }
    }
    Ok(())
}

fn rows<T>(
    world: &World,
    sql: &str,
    read: impl FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
) -> Vec<T> {
    let mut statement = world.db.prepare(sql).expect("query");
    let rows = statement.query_map([], read).expect("rows");
    rows.collect::<Result<_, _>>().expect("read")
}

/// (a) R10: an agent never holds more `active` conversations than their capacity, R8's own-agent
/// returns (`capacity_exempt`) aside.
fn within_capacity(world: &World) -> Result<(), String> {
    let loads = rows(
        world,
        "SELECT agent_id, count(*) FROM conversations \
         WHERE state = 'active' AND capacity_exempt = 0 GROUP BY agent_id",
        |row| Ok((row.get::<_, Option<String>>(0)?, row.get::<_, u32>(1)?)),
    );
    for (agent, load) in loads {
        let agent = agent.ok_or("an active conversation without an agent")?;
        let capacity = world
            .state
            .config
            .agent(&agent)
            .map_or(0, |agent| agent.capacity);
        if load > capacity {
            return Err(format!(
                "{agent} holds {load} active conversations (not R8's returns), capacity {capacity}"
            ));
        }
    }
    Ok(())
}

/// (b) R10 and the presence paragraph: an `active` live conversation's agent is online; an
/// `active` persistent one may have an offline agent only as R8 (it was theirs when they went
/// offline and stayed theirs).
fn active_means_an_online_agent_or_r8(world: &World) -> Result<(), String> {
    let active = rows(
        world,
        "SELECT c.id, c.mode, c.agent_id, coalesce(a.presence, 'offline') \
         FROM conversations AS c LEFT JOIN agents AS a ON a.id = c.agent_id \
         WHERE c.state = 'active'",
        |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, Option<String>>(2)?,
                row.get::<_, String>(3)?,
            ))
        },
    );
    for (id, mode, agent, presence) in active {
        let agent = agent.ok_or_else(|| format!("active {id} has no agent"))?;
        if presence == "online" {
            continue;
        }
        let kept = world
            .kept_while_offline
            .get(&agent)
            .is_some_and(|kept| kept.contains(&id));
        if mode == "live" || !kept {
            return Err(format!(
                "{mode} {id} is active with {agent}, who is offline (kept by R8: {kept})"
            ));
        }
    }
    Ok(())
}

/// (c) R2: at most one conversation that is not closed per customer identity and workstream.
fn one_conversation_per_customer(world: &World) -> Result<(), String> {
    let doubled = rows(
        world,
        "SELECT subject, workstream, count(*) FROM conversations WHERE state <> 'closed' \
         GROUP BY issuer, subject, workstream HAVING count(*) > 1",
        |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, u32>(2)?,
            ))
        },
    );
    match doubled.first() {
        Some((subject, workstream, count)) => Err(format!(
            "{subject} has {count} conversations in {workstream} that are not closed"
        )),
        None => Ok(()),
    }
}
