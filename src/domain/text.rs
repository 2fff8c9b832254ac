//! What text the service accepts: no control characters (Unicode category Cc) but tab, newline
//! and carriage return. PostgreSQL cannot store NUL at all, and the others belong in nothing a
//! person types; refusing them at the edge keeps both backends (and `db copy`) alike.

/// The same rule as a JSON Schema `pattern` (ECMA 262), stated on every free-text string of the
/// OpenAPI document: no C0 control but tab (U+0009), newline (U+000A) and carriage return
/// (U+000D), no DEL, no C1 control. A unit test holds it to `forbidden_control`.
pub const PLAIN_TEXT_PATTERN: &str = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*$";

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
    #[test]
    fn the_documented_pattern_refuses_exactly_the_forbidden_controls() {
        let pattern = regex::Regex::new(super::PLAIN_TEXT_PATTERN).unwrap();
        for c in (0u32..0x3000).filter_map(char::from_u32) {
            let text = format!("a{c}b");
            assert_eq!(
                pattern.is_match(&text),
                super::forbidden_control(&text).is_none(),
                "U+{:04X}",
                c as u32
            );
        }
    }

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
