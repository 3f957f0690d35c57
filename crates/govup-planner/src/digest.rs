//! SHA-256 digests, the byte half of a patch's identity.

use sha2::{Digest, Sha256 as Hasher};
use std::fmt;

const HEX_DIGITS: &[u8; 16] = b"0123456789abcdef";

#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Sha256(pub [u8; 32]);

impl Sha256 {
    pub fn of(bytes: &[u8]) -> Sha256 {
        Sha256(Hasher::digest(bytes).into())
    }

    pub fn to_hex(&self) -> String {
        // The digits are ASCII, so this borrows, then copies the 64 bytes once.
        String::from_utf8_lossy(&self.hex_digits()).into_owned()
    }

    /// Lowercase hex by table lookup: a plan or an apply prints and compares thousands of
    /// digests, and `{:02x}` per byte costs 32 trips through the formatting machinery each.
    fn hex_digits(&self) -> [u8; 64] {
        let mut digits = [0; 64];
        for (pair, byte) in digits.chunks_exact_mut(2).zip(self.0) {
            pair[0] = HEX_DIGITS[usize::from(byte >> 4)];
            pair[1] = HEX_DIGITS[usize::from(byte & 0x0f)];
        }
        digits
    }
}

impl fmt::Display for Sha256 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&String::from_utf8_lossy(&self.hex_digits()))
    }
}

impl fmt::Debug for Sha256 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Sha256({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::Sha256;

    #[test]
    fn hex_of_empty_input() {
        assert_eq!(
            Sha256::of(b"").to_hex(),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn hex_of_every_byte_value_matches_formatting() {
        let every: Vec<u8> = (0..=u8::MAX).collect();
        for chunk in every.chunks_exact(32) {
            let mut bytes = [0; 32];
            bytes.copy_from_slice(chunk);
            let digest = Sha256(bytes);
            let expected: String = chunk.iter().map(|b| format!("{b:02x}")).collect();
            assert_eq!(digest.to_hex(), expected);
            assert_eq!(digest.to_string(), expected);
            assert_eq!(format!("{digest:?}"), format!("Sha256({expected})"));
        }
    }
}
