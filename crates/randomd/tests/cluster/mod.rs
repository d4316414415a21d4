//! A throwaway PostgreSQL cluster for fault and TLS tests: `initdb` in a temporary directory, a
//! server on a free loopback port that the test may stop and start at will (the shared server on
//! 5432 is never touched). Run as root, PostgreSQL's programs run as the `postgres` user.
#![allow(dead_code)]

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;

fn pg_bin() -> Option<PathBuf> {
    let dir = std::fs::read_dir("/usr/lib/postgresql").ok()?;
    let mut versions: Vec<PathBuf> = dir.filter_map(|e| e.ok()).map(|e| e.path().join("bin")).collect();
    versions.sort();
    versions.into_iter().rev().find(|bin| bin.join("initdb").exists())
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// Runs a PostgreSQL program, as `postgres` when we are root (the server refuses to run as root).
fn run(bin: &Path, program: &str, args: &[&str]) {
    let mut command = if is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(bin.join(program));
        c
    } else {
        Command::new(bin.join(program))
    };
    let output = command.args(args).output().expect("run a PostgreSQL program");
    assert!(
        output.status.success(),
        "{program} {args:?}: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

pub struct Cluster {
    bin: PathBuf,
    data: PathBuf,
    options: String,
    pub port: u16,
    _dir: tempfile::TempDir,
    pub ca: PathBuf,
    pub other_ca: PathBuf,
}

impl Cluster {
    /// `postgres://postgres@127.0.0.1:PORT/postgres`.
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// Stops the server (`pg_ctl stop -m fast`: sessions are ended, as at a planned restart).
    pub fn stop(&self) {
        let data = self.data.to_string_lossy().into_owned();
        run(&self.bin, "pg_ctl", &["-D", &data, "-m", "fast", "-w", "stop"]);
    }

    /// Starts it again.
    pub fn start(&self) {
        let data = self.data.to_string_lossy().into_owned();
        let log = self._dir.path().join("log").to_string_lossy().into_owned();
        run(
            &self.bin,
            "pg_ctl",
            &["-D", &data, "-o", &self.options, "-l", &log, "-w", "start"],
        );
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let data = self.data.to_string_lossy().into_owned();
        run(
            &self.bin,
            "pg_ctl",
            &["-D", &data, "-m", "immediate", "-w", "stop"],
        );
    }
}

fn chown_to_postgres(path: &Path) {
    if is_root() {
        let status = Command::new("chown")
            .args(["-R", "postgres:postgres"])
            .arg(path)
            .status()
            .expect("chown");
        assert!(status.success());
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .expect("a free port")
        .local_addr()
        .expect("address")
        .port()
}

fn ca(name: &str) -> (rcgen::Certificate, rcgen::KeyPair, rcgen::CertificateParams) {
    let key = rcgen::KeyPair::generate().expect("key");
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("params");
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    params.distinguished_name.push(rcgen::DnType::CommonName, name);
    (params.self_signed(&key).expect("CA"), key, params)
}

/// A cluster with TLS on (`ssl`), a CA and a server certificate for "localhost", accepting only
/// TLS connections over TCP; or, without `ssl`, plain TCP only.
pub fn start_cluster(ssl: bool) -> Option<Cluster> {
    let bin = pg_bin()?;
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    // The CA, a server certificate for "localhost" only, and a CA that signed nothing here.
    let (ca_cert, ca_key, ca_params) = ca("randomd test CA");
    let (other_cert, _, _) = ca("another CA");
    let server_key = rcgen::KeyPair::generate().expect("key");
    let server_params = rcgen::CertificateParams::new(vec!["localhost".to_owned()]).expect("params");
    let issuer = rcgen::Issuer::from_params(&ca_params, &ca_key);
    let server_cert = server_params
        .signed_by(&server_key, &issuer)
        .expect("server certificate");
    let ca = dir.path().join("ca.pem");
    let other_ca = dir.path().join("other-ca.pem");
    std::fs::write(&ca, ca_cert.pem()).expect("write");
    std::fs::write(&other_ca, other_cert.pem()).expect("write");
    std::fs::create_dir(&data).expect("mkdir");
    chown_to_postgres(dir.path());
    let data_text = data.to_string_lossy().into_owned();
    run(
        &bin,
        "initdb",
        &["-D", &data_text, "-U", "postgres", "--auth=trust", "-N"],
    );
    std::fs::write(data.join("server.crt"), server_cert.pem()).expect("write");
    std::fs::write(data.join("server.key"), server_key.serialize_pem()).expect("write");
    std::fs::write(
        data.join("pg_hba.conf"),
        if ssl {
            "local all all trust\nhostssl all all 127.0.0.1/32 trust\nhostnossl all all 127.0.0.1/32 reject\n"
        } else {
            "local all all trust\nhost all all 127.0.0.1/32 trust\n"
        },
    )
    .expect("write");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(data.join("server.key"), std::fs::Permissions::from_mode(0o600))
            .expect("chmod");
    }
    chown_to_postgres(&data);
    let port = free_port();
    let options = format!(
        "-p {port} -k {} -c listen_addresses=127.0.0.1 -c ssl={} -c fsync=off -c max_connections=100",
        dir.path().display(),
        if ssl { "on" } else { "off" }
    );
    let cluster = Cluster {
        bin,
        data,
        options,
        port,
        _dir: dir,
        ca,
        other_ca,
    };
    cluster.start();
    Some(cluster)
}
