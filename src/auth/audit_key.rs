//! The key that signs audit checkpoints: Ed25519, kept in a file outside the database
//! (`AUDIT_SIGNING_KEY_FILE`, PKCS#8 in PEM, as `openssl genpkey -algorithm ed25519` writes it),
//! so that someone who can rewrite the database cannot also sign a checkpoint for what they
//! wrote. On SQLite a key file is generated beside the database file on first start; on
//! PostgreSQL it is required (instances must share it).

use std::path::{Path, PathBuf};

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{ED25519, Ed25519KeyPair, KeyPair, UnparsedPublicKey};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;

pub struct AuditKey {
    pair: Ed25519KeyPair,
    /// Where it was read from, for the log.
    pub path: PathBuf,
}

const PEM_LABEL: &str = "PRIVATE KEY";

fn pem(der: &[u8]) -> String {
    let body = B64.encode(der);
    let lines: Vec<&str> = body
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).expect("base64 is ASCII"))
        .collect();
    format!(
        "-----BEGIN {PEM_LABEL}-----\n{}\n-----END {PEM_LABEL}-----\n",
        lines.join("\n")
    )
}

fn der_of(pem: &str) -> Result<Vec<u8>, String> {
    let begin = format!("-----BEGIN {PEM_LABEL}-----");
    let end = format!("-----END {PEM_LABEL}-----");
    let start = pem
        .find(&begin)
        .ok_or_else(|| format!("no `{begin}` block"))?
        + begin.len();
    let stop = pem[start..]
        .find(&end)
        .ok_or_else(|| format!("no `{end}` line"))?
        + start;
    let body: String = pem[start..stop].split_whitespace().collect();
    B64.decode(body).map_err(|e| format!("not base64: {e}"))
}

impl AuditKey {
    /// Reads the key at `path`.
    pub fn load(path: &Path) -> Result<AuditKey, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read AUDIT_SIGNING_KEY_FILE {}: {e}", path.display()))?;
        let der = der_of(&text).map_err(|e| {
            format!(
                "AUDIT_SIGNING_KEY_FILE {} is not a PEM private key: {e}",
                path.display()
            )
        })?;
        let pair = Ed25519KeyPair::from_pkcs8_maybe_unchecked(&der).map_err(|e| {
            format!(
                "AUDIT_SIGNING_KEY_FILE {} is not an Ed25519 key ({e}); make one with `openssl genpkey -algorithm ed25519 -out {}`",
                path.display(),
                path.display()
            )
        })?;
        Ok(AuditKey {
            pair,
            path: path.to_path_buf(),
        })
    }

    /// Reads the key at `path`, first creating it (readable by this user only) when there is
    /// none.
    pub fn load_or_generate(path: &Path) -> Result<AuditKey, String> {
        if !path.exists() {
            let doc = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new())
                .map_err(|_| "cannot generate an Ed25519 key".to_string())?;
            write_private(path, &pem(doc.as_ref()))
                .map_err(|e| format!("cannot write the audit key {}: {e}", path.display()))?;
            log::warn!(
                "generated the audit signing key {} (back it up apart from the database: it \
                 signs the audit checkpoints)",
                path.display()
            );
        }
        Self::load(path)
    }

    /// The public key, base64 (32 bytes raw Ed25519), for auditors.
    pub fn public_key(&self) -> String {
        B64.encode(self.pair.public_key().as_ref())
    }

    /// A short name of the public key: the first 16 hex digits of its SHA-256.
    pub fn key_id(&self) -> String {
        crate::domain::sha256_hex(self.pair.public_key().as_ref())[..16].to_string()
    }

    /// The signature of `message`, base64.
    pub fn sign(&self, message: &[u8]) -> String {
        B64.encode(self.pair.sign(message).as_ref())
    }

    /// Whether `signature` (base64) is this key's signature of `message`.
    pub fn verifies(&self, message: &[u8], signature: &str) -> bool {
        let Ok(sig) = B64.decode(signature.trim()) else {
            return false;
        };
        UnparsedPublicKey::new(&ED25519, self.pair.public_key().as_ref())
            .verify(message, &sig)
            .is_ok()
    }
}

#[cfg(unix)]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(text.as_bytes())?;
    f.sync_all()
}

#[cfg(not(unix))]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    std::fs::write(path, text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generated_key_reloads_signs_and_verifies_and_a_wrong_signature_fails() {
        let dir = tempfile_dir();
        let path = dir.join("audit-key.pem");
        let a = AuditKey::load_or_generate(&path).unwrap();
        let b = AuditKey::load(&path).unwrap();
        assert_eq!(a.public_key(), b.public_key());
        let sig = a.sign(b"seq=1");
        assert!(b.verifies(b"seq=1", &sig));
        assert!(!b.verifies(b"seq=2", &sig));
        assert!(!b.verifies(b"seq=1", "bm90IGEgc2lnbmF0dXJl"));
        std::fs::write(dir.join("bad.pem"), "hello").unwrap();
        assert!(AuditKey::load(&dir.join("bad.pem")).is_err());
        let _ = std::fs::remove_dir_all(dir);
    }

    fn tempfile_dir() -> PathBuf {
        let d = std::env::temp_dir().join(format!("ke-audit-key-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&d).unwrap();
        d
    }
}
