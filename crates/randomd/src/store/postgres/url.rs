//! A PostgreSQL connection URL, checked when the settings are read and shown without its password.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use tokio_postgres::config::Host;

/// How long a connection attempt may take unless the URL says otherwise (`connect_timeout=`).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// How long sent data may go unacknowledged, and an idle connection unprobed, before the connection
/// is dropped: a server that vanishes from the network fails calls within seconds, not after the
/// kernel's retransmission limit of about 15 minutes. Used unless the URL sets them.
const TCP_USER_TIMEOUT: Duration = Duration::from_secs(10);
const KEEPALIVES_IDLE: Duration = Duration::from_secs(30);

/// A parsed `postgres://` or `postgresql://` URL.
#[derive(Clone)]
pub struct PostgresUrl {
    config: tokio_postgres::Config,
    tls: super::tls::TlsSettings,
    shown: String,
}

impl PostgresUrl {
    /// True if `text` names a PostgreSQL server rather than a file.
    pub fn is_postgres(text: &str) -> bool {
        text.starts_with("postgres://") || text.starts_with("postgresql://")
    }

    /// Parses a URL; the error says what is wrong without repeating a password.
    pub fn parse(text: &str) -> Result<PostgresUrl, String> {
        let (rest, tls) = super::tls::split_url(text).map_err(|e| format!("{}: {e}", redact(text)))?;
        let mut config = tokio_postgres::Config::from_str(&rest).map_err(|e| {
            format!(
                "malformed PostgreSQL URL {} ({e}); expected postgres://user[:password]@host[:port]/dbname",
                redact(text)
            )
        })?;
        if config.get_hosts().is_empty() {
            return Err(format!(
                "the PostgreSQL URL {} names no host (e.g. postgres://user@127.0.0.1:5432/randomd)",
                redact(text)
            ));
        }
        config.ssl_mode(tls.mode.driver_mode());
        // Checked now, so that a missing or broken sslrootcert is an error when settings are read.
        super::tls::client_config(&tls)?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        if config.get_tcp_user_timeout().is_none() {
            config.tcp_user_timeout(TCP_USER_TIMEOUT);
        }
        if !text.contains("keepalives_idle") {
            config.keepalives_idle(KEEPALIVES_IDLE);
        }
        if config.get_application_name().is_none() {
            config.application_name("randomd");
        }
        let shown = describe(&config);
        Ok(PostgresUrl { config, tls, shown })
    }

    /// The driver's configuration.
    pub fn config(&self) -> &tokio_postgres::Config {
        &self.config
    }

    /// The TLS connector the URL's `sslmode` and `sslrootcert` ask for.
    pub fn connector(&self) -> Result<tokio_postgres_rustls::MakeRustlsConnect, String> {
        super::tls::connector(&self.tls)
    }
}

impl fmt::Display for PostgresUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.shown)
    }
}

impl fmt::Debug for PostgresUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PostgresUrl({})", self.shown)
    }
}

/// `postgres://user@host:port/dbname`, never the password.
fn describe(config: &tokio_postgres::Config) -> String {
    let user = config.get_user().map(|u| format!("{u}@")).unwrap_or_default();
    let ports = config.get_ports();
    let hosts: Vec<String> = config
        .get_hosts()
        .iter()
        .enumerate()
        .map(|(i, host)| {
            let name = match host {
                Host::Tcp(name) => name.clone(),
                #[cfg(unix)]
                Host::Unix(path) => path.display().to_string(),
            };
            let port = ports.get(i).or(ports.first()).copied().unwrap_or(5432);
            format!("{name}:{port}")
        })
        .collect();
    let dbname = config.get_dbname().unwrap_or("");
    format!("postgres://{user}{}/{dbname}", hosts.join(","))
}

/// The URL with any password between `user:` and `@` replaced, for error messages.
fn redact(text: &str) -> String {
    let Some((scheme, rest)) = text.split_once("://") else {
        return text.to_owned();
    };
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split(':').next().unwrap_or("");
            let hidden = if userinfo.contains(':') { ":***" } else { "" };
            format!("{scheme}://{user}{hidden}@{host}{tail}")
        }
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_checked_and_passwords_never_shown() {
        let url = PostgresUrl::parse("postgres://alice:s3cret@db.example:6432/randomd").unwrap();
        assert_eq!(url.to_string(), "postgres://alice@db.example:6432/randomd");
        assert_eq!(url.config().get_connect_timeout(), Some(&CONNECT_TIMEOUT));
        assert!(PostgresUrl::parse("postgresql://127.0.0.1/x").is_ok());

        for (text, expected) in [
            ("postgres://alice:s3cret@db:notaport/x", "malformed"),
            (
                "postgres://alice:s3cret@db/x?sslmode=sometimes",
                "unknown sslmode",
            ),
            (
                "postgres://alice:s3cret@db/x?sslmode=verify-full&sslrootcert=/nonexistent.pem",
                "sslrootcert",
            ),
            ("postgres:///x", "names no host"),
        ] {
            let error = PostgresUrl::parse(text).unwrap_err();
            assert!(error.contains(expected), "{text}: {error}");
            assert!(!error.contains("s3cret"), "{error}");
        }
        assert!(PostgresUrl::is_postgres("postgres://h/d") && PostgresUrl::is_postgres("postgresql://h/d"));
        assert!(!PostgresUrl::is_postgres("/var/lib/randomd.sqlite3"));
    }
}
