//! Password hashing with argon2id (OWASP parameters: 19 MiB, 2 passes, 1 lane).

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use rand::Rng;
use std::sync::LazyLock;

fn argon2() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).expect("static argon2 parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

pub fn hash(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    argon2()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("hashing failed: {e}"))
}

pub fn verify(password: &str, stored: &str) -> bool {
    match PasswordHash::new(stored) {
        Ok(parsed) => argon2()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// A hash no password matches, verified against when the e-mail is unknown, so an unknown
/// e-mail costs the same time as a wrong password and the two cannot be told apart.
static DUMMY_HASH: LazyLock<String> =
    LazyLock::new(|| hash("not-a-password-anyone-has").expect("hashing a constant works"));

pub fn verify_dummy(password: &str) {
    let _ = verify(password, &DUMMY_HASH);
}

/// A random password of 24 letters and digits (about 142 bits), for first-start accounts.
pub fn generate() -> String {
    rand::rng()
        .sample_iter(rand::distr::Alphanumeric)
        .take(24)
        .map(char::from)
        .collect()
}

/// A random secret of 48 bytes, hex-encoded, for the generated JWT key.
pub fn random_secret() -> String {
    let bytes: [u8; 48] = rand::rng().random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
