//! French administrative identifiers the payroll data carries: the SIREN/SIRET of
//! an employer (Luhn key, with La Poste's historical exception) and the NIR
//! ("numéro de sécurité sociale") of an employee (key modulo 97, Corsica
//! included). The demo generator builds valid ones with these functions, and
//! checks of imported or typed data can reuse them.

/// The SIREN of La Poste, whose establishments' SIRETs do not follow the Luhn
/// rule: for them the sum of the 14 digits must be a multiple of 5 instead.
pub const LA_POSTE_SIREN: &str = "356000000";

/// Whether `digits` is a non-empty string of ASCII digits whose Luhn sum is a
/// multiple of 10 (the last digit being the key).
pub fn luhn_is_valid(digits: &str) -> bool {
    !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && luhn_sum(digits.bytes(), false).is_multiple_of(10)
}

/// The Luhn key to append to `payload` (ASCII digits) so that the whole passes
/// [`luhn_is_valid`]; `None` when `payload` is empty or holds anything but digits.
pub fn luhn_check_digit(payload: &str) -> Option<u8> {
    if payload.is_empty() || !payload.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // The key will sit in the rightmost, undoubled position, so the payload's
    // rightmost digit is doubled.
    let sum = luhn_sum(payload.bytes(), true);
    Some(((10 - sum % 10) % 10) as u8)
}

/// Sum of the Luhn digits of `digits`, from the right; the rightmost digit is
/// doubled when `double_first` is set.
fn luhn_sum(digits: impl DoubleEndedIterator<Item = u8>, double_first: bool) -> u32 {
    digits
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if (i % 2 == 0) == double_first {
                let twice = d * 2;
                if twice > 9 { twice - 9 } else { twice }
            } else {
                d
            }
        })
        .sum()
}

/// Whether `s` is a valid SIREN: 9 ASCII digits with a valid Luhn key.
pub fn siren_is_valid(s: &str) -> bool {
    s.len() == 9 && luhn_is_valid(s)
}

/// Whether `s` is a valid SIRET: 14 ASCII digits with a valid Luhn key, or, for
/// La Poste (SIREN 356000000), digits summing to a multiple of 5.
pub fn siret_is_valid(s: &str) -> bool {
    if s.len() != 14 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    if luhn_is_valid(s) {
        return true;
    }
    s.starts_with(LA_POSTE_SIREN)
        && s.bytes()
            .map(|b| u32::from(b - b'0'))
            .sum::<u32>()
            .is_multiple_of(5)
}

/// The 2-digit key of a NIR from its first 13 characters: 97 − (n mod 97).
///
/// For Corsica, whose department is written `2A` or `2B`, `n` is read with `2A`
/// replaced by `19` less 1 000 000, and `2B` by `18` less 2 000 000 (the rule of
/// the Assurance maladie). `None` unless `first13` is 13 ASCII digits, or 13
/// characters with `2A`/`2B` in the department position (6th and 7th).
pub fn nir_key(first13: &str) -> Option<u8> {
    let bytes = first13.as_bytes();
    if bytes.len() != 13 {
        return None;
    }
    let mut corsica_offset = 0;
    let mut n: u64 = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let digit = match (i, b) {
            (_, b'0'..=b'9') => u64::from(b - b'0'),
            (6, b'A' | b'a') if bytes[5] == b'2' => {
                corsica_offset = 1_000_000;
                // "2A" reads as "19": fix the 2 already added.
                n -= 1;
                9
            }
            (6, b'B' | b'b') if bytes[5] == b'2' => {
                corsica_offset = 2_000_000;
                n -= 1;
                8
            }
            _ => return None,
        };
        n = n * 10 + digit;
    }
    let n = n - corsica_offset;
    Some((97 - n % 97) as u8)
}

/// Whether `s` is a valid NIR: 15 characters, a sex digit (1 or 2, or 3, 4, 7, 8
/// for provisional numbers), then 12 characters as [`nir_key`] accepts them, then
/// the 2-digit key.
pub fn nir_is_valid(s: &str) -> bool {
    if s.len() != 15 || !s.is_ascii() {
        return false;
    }
    let (first13, key) = s.split_at(13);
    if !matches!(
        first13.as_bytes()[0],
        b'1' | b'2' | b'3' | b'4' | b'7' | b'8'
    ) {
        return false;
    }
    if !key.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let Ok(key) = key.parse::<u8>() else {
        return false;
    };
    nir_key(first13) == Some(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_sirets_are_valid() {
        // IBM France, Google France, La Poste (head office, Luhn-valid).
        for s in ["73282932000074", "44306184100047", "35600000000048"] {
            assert!(siret_is_valid(s), "{s}");
        }
        assert!(siren_is_valid("732829320"));
        assert!(siren_is_valid("552081317"));
    }

    #[test]
    fn la_poste_sirets_may_skip_luhn_when_their_digits_sum_to_a_multiple_of_5() {
        assert!(!luhn_is_valid("35600000052135"));
        assert!(siret_is_valid("35600000052135"));
        // The same digits outside La Poste's SIREN are refused.
        assert!(!siret_is_valid("35600100052125"));
        // La Poste, neither Luhn nor a multiple of 5.
        assert!(!siret_is_valid("35600000000049"));
    }

    #[test]
    fn bad_sirets_are_refused() {
        for s in [
            "73282932000075",
            "7328293200007",
            "732829320000740",
            "7328293200007A",
            "",
            "54210765100030",
        ] {
            assert!(!siret_is_valid(s), "{s}");
        }
    }

    #[test]
    fn check_digits_complete_valid_numbers() {
        assert_eq!(luhn_check_digit("7328293200007"), Some(4));
        assert_eq!(luhn_check_digit("73282932"), Some(0));
        assert_eq!(luhn_check_digit("55208131"), Some(7));
        assert_eq!(luhn_check_digit(""), None);
        assert_eq!(luhn_check_digit("12a"), None);
        // Every payload gets exactly one valid key.
        for payload in ["0", "1", "42", "123456789", "9999999999999"] {
            let key = luhn_check_digit(payload).expect("digits");
            let valid: Vec<u8> = (0..10)
                .filter(|d| luhn_is_valid(&format!("{payload}{d}")))
                .collect();
            assert_eq!(valid, vec![key], "{payload}");
        }
    }

    #[test]
    fn nir_keys_follow_the_modulo_97_rule() {
        // The example of the French Wikipedia article "Numéro de sécurité sociale".
        assert_eq!(nir_key("2550814168025"), Some(38));
        assert!(nir_is_valid("255081416802538"));
        assert!(!nir_is_valid("255081416802539"));
        assert_eq!(nir_key("1840376451089"), Some(96));
        assert!(nir_is_valid("184037645108996"));
    }

    #[test]
    fn corsican_nirs_use_the_replacement_rule() {
        // 2A: 1850319123456 − 1 000 000; 2B: 1850318123456 − 2 000 000.
        assert_eq!(nir_key("185032A123456"), Some(28));
        assert_eq!(nir_key("185032B123456"), Some(82));
        assert_eq!(
            nir_key("185032A123456"),
            Some((97 - (1_850_319_123_456_u64 - 1_000_000) % 97) as u8)
        );
        assert!(nir_is_valid("185032A12345628"));
        assert!(nir_is_valid("185032B12345682"));
        assert!(nir_is_valid("185032b12345682"));
        assert!(!nir_is_valid("185032A12345682"));
        // A letter anywhere else is refused.
        assert_eq!(nir_key("18503A2123456"), None);
        assert_eq!(nir_key("185033A123456"), None);
    }

    #[test]
    fn malformed_nirs_are_refused() {
        for s in [
            "",
            "25508141680253",
            "2550814168025380",
            "555081416802538",
            "25508141680253X",
            "2550814168025 8",
            "2550814168025é",
        ] {
            assert!(!nir_is_valid(s), "{s:?}");
        }
        assert_eq!(nir_key("255081416802"), None);
    }
}
