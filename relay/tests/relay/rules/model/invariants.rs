//! What must hold after every step, read back from the store's rows (not from what the decisions
//! returned): capacity (R8, R10), who may hold an `active` conversation (R8, R10, the paragraph on
//! presence) and one conversation per customer (R2). One SQL string per invariant serves both
//! engines; every column is read as text (`super::rows`).

use super::rows::Row;
use super::world::World;

/// Returns the first broken invariant, described.
pub async fn check(world: &mut World) -> Result<(), String> {
    within_capacity(world).await?;
    active_means_an_online_agent_or_r8(world).await?;
    one_conversation_per_customer(world).await?;
    // Conversations that left an offline agent are no longer R8's to keep.
    let mut still_theirs = Vec::new();
    for agent in world.kept_while_offline.keys() {
        still_theirs.push((agent.clone(), world.theirs(agent).await));
    }
    for (agent, theirs) in still_theirs {
        if let Some(kept) = world.kept_while_offline.get_mut(&agent) {
            kept.retain(|id| theirs.contains(id));
        }
    }
    Ok(())
}

async fn rows(world: &World, sql: &str) -> Vec<Row> {
    world.db.query(sql, &[]).await
}

/// Column `i` of `row`, which is never NULL.
fn text(row: &mut Row, i: usize) -> String {
    row[i]
        .take()
        .unwrap_or_else(|| panic!("column {i} is NULL"))
}

/// Column `i` of `row`, a count.
fn count(row: &mut Row, i: usize) -> u32 {
    text(row, i).parse().expect("a count")
}

/// (a) R10: an agent never holds more `active` conversations than their capacity, R8's own-agent
/// returns (`capacity_exempt`) aside.
async fn within_capacity(world: &World) -> Result<(), String> {
    // `NOT capacity_exempt`: SQLite's 0/1 and PostgreSQL's BOOLEAN alike.
    let loads = rows(
        world,
        "SELECT agent_id, count(*) FROM conversations \
         WHERE state = 'active' AND NOT capacity_exempt GROUP BY agent_id",
    )
    .await;
    for mut row in loads {
        let (agent, load) = (row[0].take(), count(&mut row, 1));
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
async fn active_means_an_online_agent_or_r8(world: &World) -> Result<(), String> {
    let active = rows(
        world,
        "SELECT c.id, c.mode, c.agent_id, coalesce(a.presence, 'offline') \
         FROM conversations AS c LEFT JOIN agents AS a ON a.id = c.agent_id \
         WHERE c.state = 'active'",
    )
    .await;
    for mut row in active {
        let (id, mode) = (text(&mut row, 0), text(&mut row, 1));
        let (agent, presence) = (row[2].take(), text(&mut row, 3));
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
async fn one_conversation_per_customer(world: &World) -> Result<(), String> {
    let doubled = rows(
        world,
        "SELECT subject, workstream, count(*) FROM conversations WHERE state <> 'closed' \
         GROUP BY issuer, subject, workstream HAVING count(*) > 1",
    )
    .await;
    match doubled.into_iter().next() {
        Some(mut row) => {
            let (subject, workstream) = (text(&mut row, 0), text(&mut row, 1));
            let count = count(&mut row, 2);
            Err(format!(
                "{subject} has {count} conversations in {workstream} that are not closed"
            ))
        }
        None => Ok(()),
    }
}
