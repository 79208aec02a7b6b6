use rand::RngCore;
use sha2::{Digest, Sha256};

/// A new random secret for a session, API token or setup link (256 bits, hex).
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// Tokens are stored only as their SHA-256, so a leaked database grants no sessions.
/// A fast hash suffices: the tokens are random, not guessable like passwords.
pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}
