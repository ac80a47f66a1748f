//! Connecting to PostgreSQL the way libpq users expect: a `--dsn` (URL or `key=value`
//! string) or the `PG*` environment variables, and `sslmode` `disable`, `prefer`, `require`,
//! `verify-ca` or `verify-full` with TLS through rustls. Passwords never appear in anything
//! this module prints or returns as an error.

use std::sync::Arc;

use anyhow::{anyhow, bail, Context, Result};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use tokio_postgres::config::{Host, SslMode as PgSslMode};
use tokio_postgres::{Client, Config};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SslMode {
    Disable,
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

impl SslMode {
    pub fn as_str(self) -> &'static str {
        match self {
            SslMode::Disable => "disable",
            SslMode::Prefer => "prefer",
            SslMode::Require => "require",
            SslMode::VerifyCa => "verify-ca",
            SslMode::VerifyFull => "verify-full",
        }
    }

    fn parse(s: &str) -> Result<Self> {
        Ok(match s {
            "disable" | "allow" => SslMode::Disable,
            "prefer" => SslMode::Prefer,
            "require" => SslMode::Require,
            "verify-ca" => SslMode::VerifyCa,
            "verify-full" => SslMode::VerifyFull,
            other => {
                bail!("sslmode must be disable, prefer, require, verify-ca or verify-full, not {other:?}")
            }
        })
    }
}

/// Where and how to connect.
pub struct Target {
    pub config: Config,
    pub sslmode: SslMode,
    pub sslrootcert: Option<String>,
}

impl Target {
    /// From `--dsn` when given, else from the `PG*` environment variables (libpq's defaults
    /// for what neither sets).
    pub fn resolve(dsn: Option<&str>) -> Result<Target> {
        let (mut rest, mut sslmode, mut sslrootcert) = match dsn {
            Some(dsn) => split_tls_params(dsn)?,
            None => (String::new(), None, None),
        };
        let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        if dsn.is_none() {
            let mut parts = Vec::new();
            for (var, key) in [
                ("PGHOST", "host"),
                ("PGPORT", "port"),
                ("PGUSER", "user"),
                ("PGPASSWORD", "password"),
                ("PGDATABASE", "dbname"),
                ("PGAPPNAME", "application_name"),
                ("PGCONNECT_TIMEOUT", "connect_timeout"),
            ] {
                if let Some(v) = env(var) {
                    parts.push(format!("{key}='{}'", v.replace('\\', "\\\\").replace('\'', "\\'")));
                }
            }
            rest = parts.join(" ");
        }
        sslmode = sslmode.or_else(|| env("PGSSLMODE"));
        sslrootcert = sslrootcert.or_else(|| env("PGSSLROOTCERT"));
        let mut config: Config = if rest.trim().is_empty() {
            Config::new()
        } else {
            rest.parse().map_err(|e| anyhow!("cannot read the connection settings: {e}"))?
        };
        if config.get_hosts().is_empty() {
            config.host("/var/run/postgresql");
        }
        if config.get_ports().is_empty() {
            config.port(5432);
        }
        if config.get_user().is_none() {
            config.user(env("USER").unwrap_or_else(|| "postgres".into()));
        }
        if config.get_dbname().is_none() {
            let user = config.get_user().unwrap_or("postgres").to_owned();
            config.dbname(&user);
        }
        let sslmode = SslMode::parse(sslmode.as_deref().unwrap_or("prefer"))?;
        config.ssl_mode(match sslmode {
            SslMode::Disable => PgSslMode::Disable,
            SslMode::Prefer => PgSslMode::Prefer,
            _ => PgSslMode::Require,
        });
        Ok(Target { config, sslmode, sslrootcert })
    }

    /// `host=… port=… dbname=… user=… sslmode=…`, never the password.
    pub fn describe(&self) -> String {
        let host = match self.config.get_hosts().first() {
            Some(Host::Tcp(h)) => h.clone(),
            #[cfg(unix)]
            Some(Host::Unix(p)) => p.display().to_string(),
            None => String::new(),
        };
        format!(
            "host={host} port={} dbname={} user={} sslmode={}",
            self.config.get_ports().first().copied().unwrap_or(5432),
            self.config.get_dbname().unwrap_or(""),
            self.config.get_user().unwrap_or(""),
            self.sslmode.as_str()
        )
    }

    /// Connects and spawns the connection task.
    pub async fn connect(&self) -> Result<Client> {
        let describe = self.describe();
        let fail = |e: tokio_postgres::Error| {
            // tokio-postgres errors never carry the password; say where we tried, and why
            // (the causes: the TLS handshake's own reason sits below its error).
            let mut why = e.to_string();
            let mut source = std::error::Error::source(&e);
            while let Some(cause) = source {
                why.push_str(": ");
                why.push_str(&cause.to_string());
                source = cause.source();
            }
            let hint = if why.contains("certificate") || why.contains("UnknownIssuer") {
                "; sslrootcert must be the CA that signed the server's certificate"
            } else {
                ""
            };
            anyhow!("cannot connect to PostgreSQL ({describe}): {why}{hint}")
        };
        // libpq never uses TLS over a Unix socket; neither do we.
        let unix_socket = self.config.get_hosts().iter().all(|h| !matches!(h, Host::Tcp(_)));
        if self.sslmode == SslMode::Disable || unix_socket {
            let (client, connection) = self.config.connect(tokio_postgres::NoTls).await.map_err(fail)?;
            tokio::spawn(connection);
            return Ok(client);
        }
        let tls = tokio_postgres_rustls::MakeRustlsConnect::new(self.tls_config()?);
        let (client, connection) = self.config.connect(tls).await.map_err(fail)?;
        tokio::spawn(connection);
        Ok(client)
    }

    fn tls_config(&self) -> Result<ClientConfig> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .context("TLS setup")?;
        let chain = match self.sslmode {
            SslMode::VerifyCa | SslMode::VerifyFull => Some(
                rustls::client::WebPkiServerVerifier::builder_with_provider(
                    Arc::new(self.roots()?),
                    provider.clone(),
                )
                .build()
                .context("TLS certificate verifier")?,
            ),
            _ => None,
        };
        let verifier = Verifier { provider, chain, check_name: self.sslmode == SslMode::VerifyFull };
        let config =
            builder.dangerous().with_custom_certificate_verifier(Arc::new(verifier)).with_no_client_auth();
        Ok(config)
    }

    /// The CA certificates to trust: `sslrootcert`, else `~/.postgresql/root.crt`, else the
    /// public web roots.
    fn roots(&self) -> Result<RootCertStore> {
        let mut store = RootCertStore::empty();
        let default = std::env::var("HOME").map(|h| format!("{h}/.postgresql/root.crt")).ok();
        let path = self.sslrootcert.clone().or(default.filter(|p| std::path::Path::new(p).exists()));
        match path.as_deref() {
            Some("system") | None => store.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
            Some(path) => {
                let pem = std::fs::read(path).with_context(|| format!("cannot read sslrootcert {path}"))?;
                for cert in rustls_pemfile::certs(&mut pem.as_slice()) {
                    store.add(cert.with_context(|| format!("{path} is not a PEM certificate file"))?)?;
                }
                if store.is_empty() {
                    bail!("{path} holds no certificate");
                }
            }
        }
        Ok(store)
    }
}

/// Takes `sslmode` and `sslrootcert` out of a DSN (tokio-postgres reads neither
/// `verify-ca`/`verify-full` nor root certificates) and returns the rest.
fn split_tls_params(dsn: &str) -> Result<(String, Option<String>, Option<String>)> {
    let (mut sslmode, mut sslrootcert) = (None, None);
    if dsn.starts_with("postgres://") || dsn.starts_with("postgresql://") {
        let Some((base, query)) = dsn.split_once('?') else { return Ok((dsn.to_owned(), None, None)) };
        let mut kept = Vec::new();
        for pair in query.split('&') {
            match pair.split_once('=') {
                Some(("sslmode", v)) => sslmode = Some(v.to_owned()),
                Some(("sslrootcert", v)) => sslrootcert = Some(v.replace("%2F", "/").replace("%2f", "/")),
                _ => kept.push(pair),
            }
        }
        let rest = if kept.is_empty() { base.to_owned() } else { format!("{base}?{}", kept.join("&")) };
        return Ok((rest, sslmode, sslrootcert));
    }
    let mut kept = Vec::new();
    for pair in dsn.split_whitespace() {
        match pair.split_once('=') {
            Some(("sslmode", v)) => sslmode = Some(v.trim_matches('\'').to_owned()),
            Some(("sslrootcert", v)) => sslrootcert = Some(v.trim_matches('\'').to_owned()),
            _ => kept.push(pair),
        }
    }
    Ok((kept.join(" "), sslmode, sslrootcert))
}

/// Checks the server's certificate as `sslmode` asks: not at all for `prefer` and `require`
/// (encrypted only, libpq's meaning), the chain to a trusted CA for `verify-ca`, the chain and
/// the host name for `verify-full`. Handshake signatures are always checked.
#[derive(Debug)]
struct Verifier {
    provider: Arc<rustls::crypto::CryptoProvider>,
    chain: Option<Arc<rustls::client::WebPkiServerVerifier>>,
    check_name: bool,
}

impl ServerCertVerifier for Verifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let Some(chain) = &self.chain else { return Ok(ServerCertVerified::assertion()) };
        match chain.verify_server_cert(end_entity, intermediates, server_name, ocsp, now) {
            Err(rustls::Error::InvalidCertificate(rustls::CertificateError::NotValidForName))
                if !self.check_name =>
            {
                Ok(ServerCertVerified::assertion())
            }
            other => other,
        }
    }
    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }
    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tls_parameters_come_out_of_urls_and_key_value_strings() {
        let (rest, mode, root) =
            split_tls_params("postgres://u:secret@db.example:5432/app?sslmode=verify-full&sslrootcert=%2Ftmp%2Fca.pem&application_name=x")
                .unwrap();
        assert_eq!(rest, "postgres://u:secret@db.example:5432/app?application_name=x");
        assert_eq!(mode.as_deref(), Some("verify-full"));
        assert_eq!(root.as_deref(), Some("/tmp/ca.pem"));
        let (rest, mode, _) = split_tls_params("host=db port=5433 sslmode=require dbname=app").unwrap();
        assert_eq!(rest, "host=db port=5433 dbname=app");
        assert_eq!(mode.as_deref(), Some("require"));
    }

    #[test]
    fn describe_never_shows_the_password() {
        let t = Target::resolve(Some("postgres://alice:hunter2-secret@db.example:6543/app?sslmode=require"))
            .unwrap();
        let d = t.describe();
        assert!(!d.contains("hunter2"), "{d}");
        assert!(d.contains("db.example") && d.contains("6543") && d.contains("alice"), "{d}");
        assert!(Target::resolve(Some("host=x sslmode=sometimes")).is_err());
    }
}
