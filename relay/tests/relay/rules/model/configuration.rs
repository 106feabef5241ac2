//! The model's relay configuration: two workstreams (persistent `support`, live `sales`), three
//! agents of small capacity and six customers, so capacity runs out within a few steps.

/// The customers and their workstream: three persistent, three live.
pub const CUSTOMERS: [(&str, &str); 6] = [
    ("p0", "support"),
    ("p1", "support"),
    ("p2", "support"),
    ("l0", "sales"),
    ("l1", "sales"),
    ("l2", "sales"),
];
/// The configured agents (capacities 2, 1, 1: full is reached in a few steps).
pub const AGENTS: [&str; 3] = ["anna", "budi", "cici"];

/// The customers' token issuer (the `shop` auth settings).
pub const ISSUER: &str = "https://shop.test";
/// A well-formed PHC string: nobody signs in here, the configuration only checks its form.
const HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$Yk1nXgdSjAh2Mb3mBvJWdfvKS1lGPa7n2KEKkn2dF3M";

/// The configuration of a relay whose store is `database_url`.
pub fn config_text(database_url: &str) -> String {
    let key = crate::relay::support::fixture("shop-rsa-public.pem");
    let agent = |id: &str, capacity: u32, workstreams: &str| {
        format!(
            "[[agent]]\nid = \"{id}\"\nname = \"{id}\"\npassword_hash = \"{HASH}\"\n\
             capacity = {capacity}\nworkstreams = [{workstreams}]\n"
        )
    };
    format!(
        r#"
[server]
listen = "127.0.0.1:0"
database_url = "{database_url}"

[[auth]]
id = "shop"
issuer = "{ISSUER}"
audience = "tetap"
public_key_file = "{key}"

[[workstream]]
id = "support"
mode = "persistent"
auth = "shop"
allowed_origins = ["https://shop.test"]

[[workstream]]
id = "sales"
mode = "live"
auth = "shop"
allowed_origins = ["https://shop.test"]

{anna}
{budi}
{cici}"#,
        key = key.display(),
        anna = agent("anna", 2, r#""support", "sales""#),
        budi = agent("budi", 1, r#""sales", "support""#),
        cici = agent("cici", 1, r#""support""#),
    )
}
