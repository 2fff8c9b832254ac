//! Dutch and English: the language a request asked for, and every text the API writes to
//! people, kept in one catalogue keyed by stable codes (`messages`) and one table of labels for
//! the code lists (`labels`). The bottom layer: it names no other part of the crate.
//!
//! Dutch is the default (the programme's users work in Dutch); a client asks for English with
//! `Accept-Language`. Codes never change with the language, so a client branches on `code`, never
//! on text.

pub mod labels;
pub mod messages;

use std::fmt;

pub use messages::Code;

/// A language the API answers in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lang {
    Nl,
    En,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::Nl, Lang::En];

    /// The language tag, as `Content-Language` carries it.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::Nl => "nl",
            Lang::En => "en",
        }
    }

    /// The best language this API speaks among an `Accept-Language` value's preferences
    /// (`nl`, `nl-BE`, `en-GB;q=0.8`…), highest q first and, among equals, the first listed;
    /// `None` when it names neither Dutch nor English (or nothing, or only `*`). A malformed
    /// item is skipped rather than spoiling the others: actix's typed header would refuse the
    /// whole value, and keeps `q=0` (“not this one”) items.
    pub fn preferred(accept_language: &str) -> Option<Lang> {
        let mut ranked: Vec<(u16, usize, &str)> = Vec::new();
        for (i, part) in accept_language.split(',').enumerate() {
            let mut pieces = part.split(';');
            let tag = pieces.next().unwrap_or_default().trim();
            if tag.is_empty() || tag.len() > 35 {
                continue;
            }
            let mut q = 1000u16;
            for p in pieces {
                let p = p.trim();
                if let Some(v) = p.strip_prefix("q=").or_else(|| p.strip_prefix("Q=")) {
                    q = match v.trim().parse::<f32>() {
                        Ok(v) if (0.0..=1.0).contains(&v) => (v * 1000.0).round() as u16,
                        _ => 0,
                    };
                }
            }
            if q > 0 {
                ranked.push((q, i, tag));
            }
        }
        ranked.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        ranked.into_iter().find_map(|(_, _, tag)| {
            let primary = tag.split(['-', '_']).next().unwrap_or_default();
            if primary.eq_ignore_ascii_case("nl") {
                Some(Lang::Nl)
            } else if primary.eq_ignore_ascii_case("en") {
                Some(Lang::En)
            } else {
                None
            }
        })
    }

    /// The language of an answer: the preferred one, else Dutch.
    pub fn negotiate(accept_language: Option<&str>) -> Lang {
        accept_language
            .and_then(Lang::preferred)
            .unwrap_or(Lang::Nl)
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.tag())
    }
}

tokio::task_local! {
    /// The language of the request being answered (set once per request by the server).
    static LANG: Lang;
}

/// The language of the request being answered; Dutch outside a request.
pub fn current() -> Lang {
    LANG.try_with(|l| *l).unwrap_or(Lang::Nl)
}

/// Runs `f` answering in `lang`: every message rendered inside it (errors, field messages)
/// speaks that language.
pub async fn speaking<F: std::future::Future>(lang: Lang, f: F) -> F::Output {
    LANG.scope(lang, f).await
}

/// A value filled into a message: verbatim (a code, a number, a field name) or another message
/// rendered in the same language (the name of an object, a nested reason).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Arg {
    Text(String),
    Msg(Box<Msg>),
}

/// A message: a stable code and the values its text names. Rendered only when answered, in the
/// language asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Msg {
    code: Code,
    args: Vec<(&'static str, Arg)>,
}

impl Msg {
    pub fn new(code: Code) -> Msg {
        Msg {
            code,
            args: Vec::new(),
        }
    }

    /// Fills `{name}` with `value`.
    pub fn arg(mut self, name: &'static str, value: impl fmt::Display) -> Msg {
        self.args.push((name, Arg::Text(value.to_string())));
        self
    }

    /// Fills `{name}` with another message, rendered in the same language.
    pub fn arg_msg(mut self, name: &'static str, value: Msg) -> Msg {
        self.args.push((name, Arg::Msg(Box::new(value))));
        self
    }

    pub fn code(&self) -> Code {
        self.code
    }

    /// The text in `lang`.
    pub fn render(&self, lang: Lang) -> String {
        let template = self.code.text(lang);
        let mut out = String::with_capacity(template.len() + 16);
        let mut rest = template;
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let after = &rest[open + 1..];
            let Some(close) = after.find('}') else {
                out.push_str(&rest[open..]);
                rest = "";
                break;
            };
            let name = &after[..close];
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
                // Not a placeholder (`{legal_basis: …}` in a text): written as it stands.
                out.push('{');
                rest = after;
                continue;
            }
            match self.args.iter().find(|(n, _)| *n == name) {
                Some((_, Arg::Text(v))) => out.push_str(v),
                Some((_, Arg::Msg(m))) => out.push_str(&m.render(lang)),
                None => {
                    log::warn!("message `{}` lacks `{name}`", self.code.as_str());
                    out.push_str(&rest[open..open + close + 2]);
                }
            }
            rest = &after[close + 1..];
        }
        out.push_str(rest);
        out
    }

    /// The text in the language of the request being answered.
    pub fn text(&self) -> String {
        self.render(current())
    }
}

/// For logs: English.
impl fmt::Display for Msg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(Lang::En))
    }
}

/// In a JSON answer a message is its text, in the language of the request being answered.
impl serde::Serialize for Msg {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text())
    }
}

/// Runs `f` (synchronous) answering in `lang`, as `speaking` does for a future.
pub fn speaking_sync<R>(lang: Lang, f: impl FnOnce() -> R) -> R {
    LANG.sync_scope(lang, f)
}

impl From<Code> for Msg {
    fn from(code: Code) -> Msg {
        Msg::new(code)
    }
}

/// `a or b or c` in the message's language.
pub fn or_list<T: fmt::Display>(items: &[T]) -> Msg {
    match items {
        [] => Msg::new(Code::Verbatim).arg("text", ""),
        [one] => Msg::new(Code::Verbatim).arg("text", one),
        [first, rest @ ..] => Msg::new(Code::ListOr)
            .arg("first", first)
            .arg_msg("rest", or_list(rest)),
    }
}

/// `msg!(Code::Variant, name = value, …)`: a message with its values.
#[macro_export]
macro_rules! msg {
    ($code:ident $(, $name:ident = $value:expr)* $(,)?) => {
        $crate::i18n::Msg::new($crate::i18n::Code::$code)$(.arg(stringify!($name), $value))*
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dutch_and_english_tags_with_regions_and_weights_are_understood() {
        let p = Lang::preferred;
        assert_eq!(p("nl"), Some(Lang::Nl));
        assert_eq!(p("nl-BE"), Some(Lang::Nl));
        assert_eq!(p("en-GB"), Some(Lang::En));
        assert_eq!(p("EN-us"), Some(Lang::En));
        assert_eq!(p("nl-BE,nl;q=0.9,en;q=0.8"), Some(Lang::Nl));
        assert_eq!(p("nl;q=0.5, en"), Some(Lang::En));
        assert_eq!(p("fr-BE, en;q=0.7, nl;q=0.8"), Some(Lang::Nl));
        assert_eq!(p("fr, de"), None);
        assert_eq!(p("en;q=0, *"), None);
        assert_eq!(p("*"), None);
        assert_eq!(p(""), None);
        assert_eq!(p("en;q=0.4, nl;q=0.4"), Some(Lang::En));
        assert_eq!(p("x;;q=a, en"), Some(Lang::En));
        assert_eq!(Lang::negotiate(None), Lang::Nl);
        assert_eq!(Lang::negotiate(Some("fr")), Lang::Nl);
        assert_eq!(Lang::negotiate(Some("de, en-GB;q=0.1")), Lang::En);
    }

    #[test]
    fn a_message_renders_its_values_and_nested_messages_in_one_language() {
        let m = crate::msg!(LengthBetween, min = 1, max = 200);
        assert_eq!(m.render(Lang::En), "length must be between 1 and 200");
        assert_eq!(m.render(Lang::Nl), "de lengte moet tussen 1 en 200 liggen");
        let outer = Msg::new(Code::ScreenedText).arg_msg("what", Msg::new(Code::FindingIban));
        assert!(outer.render(Lang::Nl).contains("rekeningnummer"));
        assert!(outer.render(Lang::En).contains("bank account"));
    }

    #[test]
    fn outside_a_request_the_language_is_dutch() {
        assert_eq!(current(), Lang::Nl);
    }
}
