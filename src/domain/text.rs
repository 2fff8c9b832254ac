//! What text the service accepts: no control characters (Unicode category Cc) but tab, newline
//! and carriage return. PostgreSQL cannot store NUL at all, and the others belong in nothing a
//! person types; refusing them at the edge keeps both backends (and `db copy`) alike.

/// The first control character in `s` that is not allowed, if any.
pub fn forbidden_control(s: &str) -> Option<char> {
    s.chars()
        .find(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
}

/// The message for a field holding `c`.
pub fn control_message(c: char) -> crate::i18n::Msg {
    crate::msg!(ControlCharacter, codepoint = format!("{:04X}", c as u32))
}

/// The same, for a control character in an object key or a parameter name.
pub fn control_message_in(c: char, code: crate::i18n::Code) -> crate::i18n::Msg {
    crate::i18n::Msg::new(code).arg("codepoint", format!("{:04X}", c as u32))
}

#[cfg(test)]
mod tests {
    use super::forbidden_control;

    #[test]
    fn control_characters_but_tab_newline_and_carriage_return_are_forbidden() {
        for c in ['\u{0}', '\u{7}', '\u{1b}', '\u{7f}', '\u{85}', '\u{9f}'] {
            assert_eq!(forbidden_control(&format!("a{c}b")), Some(c));
        }
        assert_eq!(forbidden_control("regel 1\r\n\tregel 2 — é ✓"), None);
        // Format characters (Cf) are not Cc.
        assert_eq!(forbidden_control("a\u{200b}b"), None);
    }
}
