//! TLS through rustls, for URLs that ask for it with `sslmode`.
//!
//! The modes follow libpq, because operators copy their URLs from libpq tools:
//! `require` encrypts without checking the certificate (unless `sslrootcert` names a CA, which
//! makes it `verify-ca`), `verify-ca` checks the chain but not the host name, `verify-full` checks
//! both. Trust anchors are the file named by `sslrootcert` or else the Mozilla roots compiled in;
//! the system store is never read, so the outcome does not depend on the machine.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};
use tokio_postgres_rustls::MakeRustlsConnect;

/// What `sslmode` (and `sslrootcert`) asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TlsMode {
    /// No `sslmode`, or `disable`, `allow`, `prefer`: plain TCP.
    Off,
    /// `require` without `sslrootcert`: encrypted, certificate unchecked.
    Encrypt,
    /// `verify-ca`, or `require` with `sslrootcert`: the chain must lead to a trusted root.
    VerifyCa(Option<PathBuf>),
    /// `verify-full`: the chain and the host name.
    VerifyFull(Option<PathBuf>),
}

impl TlsMode {
    /// Reads libpq's `sslmode` and `sslrootcert` values.
    pub fn from_params(
        sslmode: Option<&str>,
        rootcert: Option<PathBuf>,
    ) -> Result<TlsMode, String> {
        Ok(match sslmode.unwrap_or("disable") {
            "disable" | "allow" | "prefer" => TlsMode::Off,
            "require" if rootcert.is_none() => TlsMode::Encrypt,
            "require" | "verify-ca" => TlsMode::VerifyCa(rootcert),
            "verify-full" => TlsMode::VerifyFull(rootcert),
            other => {
                return Err(format!(
                    "invalid sslmode \"{other}\" (expected disable, allow, prefer, require, verify-ca or verify-full)"
                ))
            }
        })
    }
}

/// The rustls connector for `mode`; None for [`TlsMode::Off`].
pub fn connector(mode: &TlsMode) -> Result<Option<MakeRustlsConnect>, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("cannot set up tls: {e}"))?;
    let verifier: Arc<dyn ServerCertVerifier> = match mode {
        TlsMode::Off => return Ok(None),
        TlsMode::Encrypt => Arc::new(EncryptOnly { provider }),
        TlsMode::VerifyCa(root) => Arc::new(ChainOnly {
            inner: webpki_verifier(root.as_deref(), provider)?,
        }),
        TlsMode::VerifyFull(root) => webpki_verifier(root.as_deref(), provider)?,
    };
    let config = builder
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    Ok(Some(MakeRustlsConnect::new(config)))
}

fn webpki_verifier(
    root: Option<&Path>,
    provider: Arc<CryptoProvider>,
) -> Result<Arc<WebPkiServerVerifier>, String> {
    let mut roots = RootCertStore::empty();
    match root {
        Some(path) => {
            let certs = CertificateDer::pem_file_iter(path)
                .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
                .map_err(|e| format!("cannot read sslrootcert {}: {e}", path.display()))?;
            let (added, _) = roots.add_parsable_certificates(certs);
            if added == 0 {
                return Err(format!(
                    "sslrootcert {} holds no usable certificate",
                    path.display()
                ));
            }
        }
        None => roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
    }
    WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider)
        .build()
        .map_err(|e| format!("cannot set up tls: {e}"))
}

/// `sslmode=require`: any certificate, but the handshake signatures are still checked so the
/// session is bound to the key the server presented.
struct EncryptOnly {
    provider: Arc<CryptoProvider>,
}

impl fmt::Debug for EncryptOnly {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("EncryptOnly")
    }
}

impl ServerCertVerifier for EncryptOnly {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
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
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// `sslmode=verify-ca`: the full webpki check, except that a name mismatch is accepted.
#[derive(Debug)]
struct ChainOnly {
    inner: Arc<WebPkiServerVerifier>,
}

impl ServerCertVerifier for ChainOnly {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self.inner.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        ) {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sslmode_values_follow_libpq() {
        assert_eq!(TlsMode::from_params(None, None), Ok(TlsMode::Off));
        for off in ["disable", "allow", "prefer"] {
            assert_eq!(TlsMode::from_params(Some(off), None), Ok(TlsMode::Off));
        }
        assert_eq!(
            TlsMode::from_params(Some("require"), None),
            Ok(TlsMode::Encrypt)
        );
        let ca = PathBuf::from("/etc/ca.pem");
        assert_eq!(
            TlsMode::from_params(Some("require"), Some(ca.clone())),
            Ok(TlsMode::VerifyCa(Some(ca.clone())))
        );
        assert_eq!(
            TlsMode::from_params(Some("verify-ca"), None),
            Ok(TlsMode::VerifyCa(None))
        );
        assert_eq!(
            TlsMode::from_params(Some("verify-full"), Some(ca.clone())),
            Ok(TlsMode::VerifyFull(Some(ca)))
        );
        let err = TlsMode::from_params(Some("yes"), None).unwrap_err();
        assert!(err.starts_with("invalid sslmode \"yes\""), "{err}");
    }

    #[test]
    fn connectors_build_for_every_mode() {
        assert!(connector(&TlsMode::Off).unwrap().is_none());
        for mode in [
            TlsMode::Encrypt,
            TlsMode::VerifyCa(None),
            TlsMode::VerifyFull(None),
        ] {
            assert!(connector(&mode).unwrap().is_some(), "{mode:?}");
        }
    }

    #[test]
    fn unreadable_root_certificate_is_named() {
        let mode = TlsMode::VerifyFull(Some(PathBuf::from("/nonexistent/ca.pem")));
        let err = connector(&mode).err().unwrap();
        assert!(
            err.starts_with("cannot read sslrootcert /nonexistent/ca.pem"),
            "{err}"
        );
    }
}
