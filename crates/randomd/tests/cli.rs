//! The `randomd` command line: key management end to end, and every kind of bad input gives a clear
//! one-line error and a failing exit status, never a panic.

mod common;

use std::path::Path;
use std::process::{Command, Output};

fn randomd(data_dir: &Path, args: &[&str]) -> Output {
    common::randomd_command()
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .output()
        .expect("randomd runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn assert_clear_failure(output: &Output, expected: &str) {
    let stderr = text(&output.stderr);
    assert!(!output.status.success(), "succeeded: {stderr}");
    assert!(stderr.contains(expected), "expected {expected:?} in: {stderr}");
    assert!(!stderr.contains("panicked"), "panic: {stderr}");
}

#[test]
fn keys_are_created_listed_shown_paused_and_started() {
    let dir = tempfile::tempdir().expect("temp dir");
    let created = randomd(
        dir.path(),
        &[
            "keys",
            "create",
            "--name",
            "alice",
            "--bits",
            "5000",
            "--requests",
            "7",
        ],
    );
    assert!(created.status.success(), "{}", text(&created.stderr));
    let key = text(&created.stdout).trim().to_owned();
    assert!(randomd::keys::looks_like_key(&key), "{key}");

    let listed = text(&randomd(dir.path(), &["keys", "list"]).stdout);
    assert!(
        listed.contains("alice") && listed.contains("running") && listed.contains("5000/5000"),
        "{listed}"
    );
    assert!(!listed.contains(&key), "the full key must not be shown again");

    let shown = text(&randomd(dir.path(), &["keys", "show", &key]).stdout);
    assert!(
        shown.contains("alice") && shown.contains(&randomd::keys::published_hash(&key)),
        "{shown}"
    );

    assert!(randomd(dir.path(), &["keys", "pause", "1"]).status.success());
    assert!(text(&randomd(dir.path(), &["keys", "show", "1"]).stdout).contains("paused"));
    assert!(randomd(dir.path(), &["keys", "stop", &key]).status.success());
    assert!(text(&randomd(dir.path(), &["keys", "show", "1"]).stdout).contains("stopped"));
    assert!(randomd(dir.path(), &["keys", "start", "1"]).status.success());
    assert!(text(&randomd(dir.path(), &["keys", "show", "1"]).stdout).contains("running"));
}

#[test]
fn keys_set_changes_allowances_and_list_json_shows_them() {
    let dir = tempfile::tempdir().expect("temp dir");
    let created = randomd(
        dir.path(),
        &[
            "keys",
            "create",
            "--name",
            "bob",
            "--bits",
            "100",
            "--requests",
            "5",
        ],
    );
    assert!(created.status.success(), "{}", text(&created.stderr));
    let key = text(&created.stdout).trim().to_owned();
    let set = randomd(dir.path(), &["keys", "set", "1", "--bits", "2500"]);
    assert!(set.status.success(), "{}", text(&set.stderr));
    assert_eq!(text(&set.stdout), "key 1: 2500 bits and 5 requests a day\n");
    let set = randomd(dir.path(), &["keys", "set", &key, "--requests", "9"]);
    assert!(set.status.success(), "{}", text(&set.stderr));

    let listed = randomd(dir.path(), &["keys", "list", "--json"]);
    assert!(listed.status.success(), "{}", text(&listed.stderr));
    let keys: serde_json::Value = serde_json::from_slice(&listed.stdout).expect("JSON");
    let bob = &keys.as_array().expect("an array")[0];
    assert_eq!(bob["id"], 1);
    assert_eq!(bob["name"], "bob");
    assert_eq!(bob["status"], "running");
    assert_eq!(bob["daily_bits"], 2500);
    assert_eq!(bob["daily_requests"], 9);
    assert_eq!(bob["bits_left"], 2500);
    assert_eq!(bob["key_prefix"].as_str().map(|p| key.starts_with(p)), Some(true));
    assert!(
        !text(&listed.stdout).contains(&key),
        "the key itself is never listed"
    );

    // Nothing to change, a negative allowance, an unknown key: clear errors.
    let nothing = randomd(dir.path(), &["keys", "set", "1"]);
    assert_clear_failure(&nothing, "give --bits, --requests or both");
    assert_eq!(nothing.status.code(), Some(2));
    assert_clear_failure(&randomd(dir.path(), &["keys", "set", "1", "--bits=-5"]), "--bits");
    assert_clear_failure(
        &randomd(dir.path(), &["keys", "set", "42", "--bits", "5"]),
        "no key \"42\"",
    );
}

/// Settings that cannot work stop randomd before it starts anything, with one line naming the
/// problem and exit status 2.
#[test]
fn bad_settings_and_tls_files_exit_with_status_2() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("randomd.toml");
    let garbage = dir.path().join("garbage.pem");
    std::fs::write(
        &garbage,
        "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n",
    )
    .expect("write");
    let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).expect("certificate");
    let cert = dir.path().join("cert.pem");
    std::fs::write(&cert, certified.cert.pem()).expect("write");
    let other_key = rcgen::KeyPair::generate().expect("key").serialize_pem();
    let mismatched = dir.path().join("other-key.pem");
    std::fs::write(&mismatched, other_key).expect("write");
    let missing = dir.path().join("missing.pem");
    let (cert, garbage, mismatched, missing) = (
        cert.to_str().expect("utf-8"),
        garbage.to_str().expect("utf-8"),
        mismatched.to_str().expect("utf-8"),
        missing.to_str().expect("utf-8"),
    );
    let cases: Vec<(Vec<&str>, &str, &str)> = vec![
        (vec![], "playground = 3\n", "line 1, playground: invalid type"),
        (
            vec![],
            "tls_certificate = \"x\"\n",
            "unknown field `tls_certificate`",
        ),
        (vec!["--tls-cert", cert], "", "tls_cert is set but tls_key is not"),
        (
            vec!["--tls-cert", garbage, "--tls-key", mismatched],
            "",
            "TLS: certificate chain",
        ),
        (
            vec!["--tls-cert", cert, "--tls-key", missing],
            "",
            "TLS: private key",
        ),
        (
            vec!["--tls-cert", cert, "--tls-key", mismatched],
            "",
            "TLS: certificate and key do not make a TLS identity",
        ),
    ];
    for (flags, file, expected) in cases {
        std::fs::write(&config, file).expect("write");
        let mut args = vec![
            "--config",
            config.to_str().expect("utf-8"),
            "--listen",
            "127.0.0.1:0",
        ];
        args.extend(flags);
        let output = randomd(dir.path(), &args);
        assert_clear_failure(&output, expected);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{args:?}: {}",
            text(&output.stderr)
        );
        assert_eq!(
            text(&output.stderr).lines().count(),
            1,
            "one line: {}",
            text(&output.stderr)
        );
        assert!(
            !dir.path().join("randomd.sqlite3").exists(),
            "nothing was started: {args:?}"
        );
    }
}

#[test]
fn pubkey_prints_a_pem_public_key_and_keeps_the_private_key_private() {
    let dir = tempfile::tempdir().expect("temp dir");
    let output = randomd(dir.path(), &["pubkey"]);
    assert!(output.status.success());
    let pem = text(&output.stdout);
    assert!(pem.starts_with("-----BEGIN PUBLIC KEY-----\n") && pem.ends_with("-----END PUBLIC KEY-----\n"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join("signing-key.pem"))
            .expect("key file")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    assert_eq!(
        text(&randomd(dir.path(), &["pubkey"]).stdout),
        pem,
        "the same key on the next run"
    );
}

#[test]
fn bad_arguments_are_clear_errors() {
    let dir = tempfile::tempdir().expect("temp dir");
    let cases: &[(&[&str], &str)] = &[
        (&["serve", "--listen", "nonsense"], "invalid value 'nonsense'"),
        (&["serve", "--entropy", "dice"], "invalid value 'dice'"),
        (&["serve", "--daily-bits", "many"], "invalid value 'many'"),
        (&["keys", "create", "--bits", "-5"], "-5"),
        (&["keys", "pause", "999"], "no key \"999\""),
        (
            &["keys", "show", "00000000-0000-0000-0000-000000000000"],
            "no key",
        ),
        (&["keys", "explode"], "unrecognized subcommand"),
        (&["frobnicate"], "unrecognized subcommand"),
        (
            &["--config", "/nonexistent/randomd.toml", "keys", "list"],
            "cannot read /nonexistent/randomd.toml",
        ),
    ];
    for (args, expected) in cases {
        assert_clear_failure(&randomd(dir.path(), args), expected);
    }
}

#[test]
fn bad_files_are_clear_errors_and_change_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("randomd.toml");
    std::fs::write(&config, "listen = \"127.0.0.1:0\"\nlisten_typo = 1\n").expect("write");
    assert_clear_failure(
        &randomd(
            dir.path(),
            &["--config", config.to_str().expect("utf-8"), "serve"],
        ),
        "unknown field",
    );

    let key = dir.path().join("garbage.pem");
    std::fs::write(
        &key,
        "-----BEGIN PRIVATE KEY-----\nnot base64\n-----END PRIVATE KEY-----\n",
    )
    .expect("write");
    assert_clear_failure(
        &randomd(
            dir.path(),
            &["--signing-key", key.to_str().expect("utf-8"), "pubkey"],
        ),
        "signing key",
    );
    assert_eq!(
        std::fs::read_to_string(&key).expect("still there"),
        "-----BEGIN PRIVATE KEY-----\nnot base64\n-----END PRIVATE KEY-----\n",
        "a bad key file is never overwritten"
    );

    let database = dir.path().join("corrupt.sqlite3");
    std::fs::write(&database, vec![0x42u8; 8192]).expect("write");
    assert_clear_failure(
        &randomd(
            dir.path(),
            &["--database", database.to_str().expect("utf-8"), "keys", "list"],
        ),
        "randomd:",
    );
    assert_eq!(
        std::fs::read(&database).expect("still there"),
        vec![0x42u8; 8192],
        "not overwritten"
    );

    assert_clear_failure(
        &randomd(
            dir.path(),
            &["--database", "/proc/randomd/db.sqlite3", "keys", "list"],
        ),
        "cannot",
    );
}

#[test]
fn bad_database_urls_and_unreachable_servers_are_clear_one_line_errors() {
    let dir = tempfile::tempdir().expect("temp dir");
    let started = std::time::Instant::now();
    // Nothing listens on port 1: the error names the server, never the password.
    let unreachable = randomd(
        dir.path(),
        &[
            "--database",
            "postgres://randomd:s3cret@127.0.0.1:1/randomd",
            "keys",
            "list",
        ],
    );
    assert_clear_failure(
        &unreachable,
        "cannot connect to PostgreSQL at postgres://randomd@127.0.0.1:1/randomd",
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(30));
    let stderr = text(&unreachable.stderr);
    assert!(!stderr.contains("s3cret"), "{stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    let serve = randomd(
        dir.path(),
        &[
            "--database",
            "postgres://127.0.0.1:1/randomd",
            "serve",
            "--listen",
            "127.0.0.1:0",
        ],
    );
    assert_clear_failure(&serve, "cannot connect to PostgreSQL");

    let cases: &[(&[&str], &str)] = &[
        (
            &[
                "--database",
                "postgres://randomd:s3cret@db:notaport/x",
                "keys",
                "list",
            ],
            "malformed PostgreSQL URL",
        ),
        (
            &["--database", "mysql://db/randomd", "keys", "list"],
            "unsupported database URL scheme",
        ),
        (
            &[
                "--database",
                "postgresql://db/x?sslmode=sometimes",
                "keys",
                "list",
            ],
            "unknown sslmode",
        ),
        (
            &[
                "--database",
                "postgresql://db/x?sslmode=verify-full&sslrootcert=/nonexistent/ca.pem",
                "keys",
                "list",
            ],
            "sslrootcert",
        ),
    ];
    for (args, expected) in cases {
        let output = randomd(dir.path(), args);
        assert_clear_failure(&output, expected);
        assert!(!text(&output.stderr).contains("s3cret"));
    }

    // The same checks apply to the environment variable and the config file.
    let by_env = common::randomd_command()
        .args(["keys", "list"])
        .env("RANDOMD_DATABASE", "postgres://u@h:99999/d")
        .output()
        .expect("randomd runs");
    assert_clear_failure(&by_env, "malformed PostgreSQL URL");
    let help = common::randomd_command()
        .arg("--help")
        .env("RANDOMD_DATABASE", "postgres://randomd:s3cret@db/randomd")
        .output()
        .expect("randomd runs");
    assert!(help.status.success());
    assert!(
        !text(&help.stdout).contains("s3cret"),
        "--help shows the password"
    );
    let config = dir.path().join("randomd.toml");
    std::fs::write(&config, "database = \"postgres://u@h:port/d\"\n").expect("write");
    assert_clear_failure(
        &randomd(
            dir.path(),
            &["--config", config.to_str().expect("utf-8"), "keys", "list"],
        ),
        "malformed PostgreSQL URL",
    );
}

/// A `RANDOMD_DATABASE` the inner test below finds set: a malformed URL, so any randomd that reads
/// it fails at once, naming it.
const BOGUS_DATABASE: &str = "postgres://exported@h:99999/by-the-shell";

/// Variables exported in the shell that runs the tests never reach a randomd a test starts: this
/// runs the test binary again, only the test below, with bogus `RANDOMD_*` variables set.
#[test]
fn exported_randomd_variables_never_reach_a_test_randomd() {
    let inner = "a_randomd_started_by_the_test_helper_ignores_randomd_variables";
    let output = Command::new(std::env::current_exe().expect("the test binary"))
        .args(["--exact", inner, "--nocapture", "--test-threads", "1"])
        .env("RANDOMD_DATABASE", BOGUS_DATABASE)
        .env("RANDOMD_CONFIG", "/nonexistent/randomd.toml")
        .env("RANDOMD_LISTEN", "not an address")
        .output()
        .expect("the test binary runs");
    let stdout = text(&output.stdout);
    assert!(output.status.success(), "{stdout}{}", text(&output.stderr));
    assert!(
        stdout.contains("1 passed"),
        "the inner test did not run: {stdout}"
    );
    assert!(
        stdout.contains("the bogus RANDOMD_DATABASE is live"),
        "the inner test did not see the variables: {stdout}"
    );
}

/// Run alone it checks the helper in a clean environment; run by the test above, it first shows
/// that the exported variable is live (a randomd started without the helper reads it and fails),
/// then that a randomd started through the helper does not read it.
#[test]
fn a_randomd_started_by_the_test_helper_ignores_randomd_variables() {
    let dir = tempfile::tempdir().expect("temp dir");
    if std::env::var_os("RANDOMD_DATABASE").is_some_and(|value| value == BOGUS_DATABASE) {
        // Only RANDOMD_DATABASE is left, so the failure names it.
        let unprotected = Command::new(env!("CARGO_BIN_EXE_randomd"))
            .env_remove("RANDOMD_CONFIG")
            .env_remove("RANDOMD_LISTEN")
            .arg("--data-dir")
            .arg(dir.path())
            .args(["keys", "list"])
            .output()
            .expect("randomd runs");
        assert_clear_failure(&unprotected, "malformed PostgreSQL URL");
        println!("the bogus RANDOMD_DATABASE is live");
    }
    let listed = randomd(dir.path(), &["keys", "list"]);
    assert!(listed.status.success(), "{}", text(&listed.stderr));
    assert!(
        dir.path().join("randomd.sqlite3").exists(),
        "the data directory's SQLite database was used"
    );
}

/// deploy/randomd.service passes `systemd-analyze verify` (Debian's systemd; scripts/test.sh
/// installs it) with ExecStart pointed at this build, and keeps its hardening.
#[test]
fn the_systemd_unit_verifies() {
    let unit = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../deploy/randomd.service"
    ))
    .expect("deploy/randomd.service");
    for setting in [
        "DynamicUser=yes",
        "NoNewPrivileges=yes",
        "ProtectSystem=strict",
        "PrivateTmp=yes",
        "SystemCallFilter=@system-service",
        "RestartPreventExitStatus=2",
        "ExecReload=/bin/kill -HUP $MAINPID",
    ] {
        assert!(unit.contains(setting), "{setting} is missing from the unit");
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("randomd.service");
    std::fs::write(
        &path,
        unit.replace("/usr/local/bin/randomd", env!("CARGO_BIN_EXE_randomd")),
    )
    .expect("write");
    let output = Command::new("systemd-analyze")
        .arg("verify")
        .arg(&path)
        .output()
        .expect("systemd-analyze (apt-get install systemd; scripts/test.sh does it)");
    let messages = format!("{}{}", text(&output.stdout), text(&output.stderr));
    assert!(
        output.status.success() && messages.trim().is_empty(),
        "systemd-analyze verify: {messages}"
    );
}
