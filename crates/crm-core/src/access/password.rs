//! Password hashing with argon2id (ACL-7).

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};

use crate::error::FieldError;

pub const MIN_LENGTH: usize = 8;

pub fn check_strength(password: &str) -> Result<(), FieldError> {
    if password.chars().count() < MIN_LENGTH {
        Err(FieldError::with_param("password", "too_short", MIN_LENGTH))
    } else if password.len() > 1024 {
        Err(FieldError::with_param("password", "too_long", 1024))
    } else {
        Ok(())
    }
}

pub fn hash(password: &str) -> Result<String, crate::Error> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| crate::Error::Store(crate::store::StoreError::Other(e.to_string().into())))
}

pub fn verify(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

/// A hash to verify against when the user does not exist, so both cases take the same time.
pub fn decoy_hash() -> &'static str {
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$9Q8J5Hn1yDTMJSxmV3fI6Ae3mCQX0/A5aXnIhKb4vGg"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_password_only() {
        let h = hash("correct horse").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify("correct horse", &h));
        assert!(!verify("wrong horse", &h));
        assert!(!verify("anything", decoy_hash()));
    }
}
