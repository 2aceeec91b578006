//! Checking free-text input: trimmed, length-limited, empty meaning "none". Each crate's error
//! takes a [`TextError`] as a `BAD_USER_INPUT` on the named field.

/// A text input that is missing or too long.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TextError {
    pub field: &'static str,
    pub message: String,
}

/// Trims `value`; `None` when empty; an error naming `field` when longer than `max` characters
/// or holding a control character (see [`control_character`]).
pub fn optional(field: &'static str, value: Option<&str>, max: usize) -> Result<Option<String>, TextError> {
    let Some(value) = value.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    if let Some(c) = control_character(value) {
        return Err(TextError {
            field,
            message: control_message(field, c),
        });
    }
    if value.chars().count() > max {
        return Err(TextError {
            field,
            message: format!("{field} must be at most {max} characters"),
        });
    }
    Ok(Some(value.to_owned()))
}

/// Like [`optional`], but an empty value is an error too.
pub fn required(field: &'static str, value: &str, max: usize) -> Result<String, TextError> {
    optional(field, Some(value), max)?.ok_or_else(|| TextError {
        field,
        message: format!("{field} must not be empty"),
    })
}

/// The first character no text of ours holds: a control character other than tab, line feed
/// and carriage return. NUL above all, which PostgreSQL cannot store in text; the others are
/// invisible and only ever junk or mischief.
pub fn control_character(value: &str) -> Option<char> {
    value
        .chars()
        .find(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
}

/// What a person is told about `c` in `field`.
pub fn control_message(field: &str, c: char) -> String {
    format!(
        "{field} contains a control character (U+{:04X}); only tab and line breaks are allowed",
        u32::from(c)
    )
}

/// Like [`optional`], but cut to `max` characters instead of refused: for values the client
/// does not choose (a user agent, a referrer) that we keep only as a hint.
pub fn clipped(value: Option<&str>, max: usize) -> Option<String> {
    let value = value.map(str::trim).filter(|v| !v.is_empty())?;
    let kept: String = value.chars().filter(|c| !c.is_control()).take(max).collect();
    Some(kept).filter(|v| !v.is_empty())
}

/// A zone of the IANA time zone database (`UTC`, `Asia/Almaty`,
/// `America/Argentina/Buenos_Aires`), in its canonical spelling; `UTC` when absent.
pub fn timezone(field: &'static str, value: Option<&str>) -> Result<String, TextError> {
    let Some(zone) = optional(field, value, 64)? else {
        return Ok("UTC".into());
    };
    match zone.parse::<chrono_tz::Tz>() {
        Ok(known) => Ok(known.name().to_owned()),
        Err(_) => Err(TextError {
            field,
            message: format!("{zone} is not a time zone; use an IANA name such as Europe/Saratov"),
        }),
    }
}

/// An `https://` or `http://` URL of at most 2048 characters, or none.
pub fn optional_url(field: &'static str, value: Option<&str>) -> Result<Option<String>, TextError> {
    let url = optional(field, value, 2048)?;
    if let Some(url) = &url
        && !(url.starts_with("https://") || url.starts_with("http://"))
    {
        return Err(TextError {
            field,
            message: format!("{field} must start with https:// or http://"),
        });
    }
    Ok(url)
}

/// Longest title [`quoted`] in full; longer ones are cut with an ellipsis.
const MAX_QUOTED: usize = 80;

/// `“Spring cleanup”`, cut short when long: a title as a sentence told to people quotes it.
pub fn quoted(title: &str) -> String {
    let title = title.trim();
    if title.chars().count() > MAX_QUOTED {
        let cut: String = title.chars().take(MAX_QUOTED - 1).collect();
        format!("“{}…”", cut.trim_end())
    } else {
        format!("“{title}”")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_zones_are_checked_against_the_database() {
        assert_eq!(timezone("timezone", None).as_deref(), Ok("UTC"));
        assert_eq!(
            timezone("timezone", Some("Asia/Almaty")).as_deref(),
            Ok("Asia/Almaty")
        );
        assert!(
            timezone("timezone", Some("Mars/Olympus_Mons")).is_err(),
            "well-formed, unknown"
        );
        assert!(timezone("timezone", Some("asia/almaty")).is_err());
    }

    #[test]
    fn control_characters_are_refused_but_tabs_and_line_breaks_kept() {
        assert_eq!(
            required("title", "Spring\tcleanup\r\nday", 100).as_deref(),
            Ok("Spring\tcleanup\r\nday")
        );
        let refused = required("title", "Spring\0cleanup", 100).expect_err("NUL");
        assert_eq!(refused.field, "title");
        assert!(refused.message.contains("U+0000"), "{}", refused.message);
        assert!(optional("bio", Some("a\u{1b}[31mred"), 100).is_err());
        assert!(optional("bio", Some("a\u{85}b"), 100).is_err(), "C1 controls too");
        assert_eq!(clipped(Some("curl\0/8"), 10).as_deref(), Some("curl/8"));
    }

    #[test]
    fn titles_are_quoted_and_long_ones_cut() {
        assert_eq!(quoted(" Spring cleanup "), "“Spring cleanup”");
        let cut = quoted(&"a".repeat(200));
        assert_eq!(cut.chars().count(), 80 + 2);
        assert!(cut.ends_with("…”"));
    }
}
