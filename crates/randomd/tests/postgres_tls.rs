//! TLS to PostgreSQL, against a throwaway PostgreSQL cluster this test creates (initdb) on a port
//! of its own, with `ssl=on`, a CA and a server certificate the test generates, and a pg_hba.conf
//! that accepts TLS connections only (`hostssl`). The shared server on 5432 is never touched.
//!
//! - `sslmode=require` connects (the server refuses anything but TLS, so TLS was used);
//! - `sslmode=disable` is refused by that server;
//! - `verify-full` with the right CA and host name connects; with another CA, or a name the
//!   certificate does not carry, it fails; `verify-ca` accepts the other name.
//!
//! Needs PostgreSQL's server programs (`initdb`, `pg_ctl`); run as root, it runs them as the
//! `postgres` user. Without them it says so and passes (set RANDOMD_REQUIRE_PG_TLS_TEST=1 to fail).

mod cluster;

use randomd::store::{Database, OpenOptions};

async fn connects(url: &str) -> Result<(), String> {
    let database = Database::parse(url)?;
    database
        .open(OpenOptions::default())
        .await
        .map(|_| ())
        .map_err(|e| e.to_string())
}

#[tokio::test]
async fn tls_to_postgresql() {
    let Some(cluster) = cluster::start_cluster(true) else {
        assert!(
            std::env::var_os("RANDOMD_REQUIRE_PG_TLS_TEST").is_none(),
            "PostgreSQL's server programs (initdb) are missing"
        );
        eprintln!("skipped: PostgreSQL's server programs (initdb, pg_ctl) are not installed");
        return;
    };
    let port = cluster.port;
    let ca = cluster.ca.display();
    let other = cluster.other_ca.display();

    connects(&format!(
        "postgres://postgres@127.0.0.1:{port}/postgres?sslmode=require"
    ))
    .await
    .expect("require connects");
    let plain = connects(&format!(
        "postgres://postgres@127.0.0.1:{port}/postgres?sslmode=disable"
    ))
    .await;
    assert!(
        plain.is_err(),
        "the server accepts TLS only, yet plain TCP connected"
    );
    connects(&format!(
        "postgres://postgres@localhost:{port}/postgres?sslmode=verify-full&sslrootcert={ca}"
    ))
    .await
    .expect("verify-full with the right CA and name connects");
    let wrong_ca = connects(&format!(
        "postgres://postgres@localhost:{port}/postgres?sslmode=verify-full&sslrootcert={other}"
    ))
    .await;
    assert!(
        wrong_ca.is_err(),
        "verify-full accepted a certificate from another CA"
    );
    let wrong_name = connects(&format!(
        "postgres://postgres@127.0.0.1:{port}/postgres?sslmode=verify-full&sslrootcert={ca}"
    ))
    .await;
    assert!(
        wrong_name.is_err(),
        "verify-full accepted a certificate for another name"
    );
    connects(&format!(
        "postgres://postgres@127.0.0.1:{port}/postgres?sslmode=verify-ca&sslrootcert={ca}"
    ))
    .await
    .expect("verify-ca ignores the name");
}
