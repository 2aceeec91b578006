//! Checking free-text input: trimmed, length-limited, empty meaning "none". Each crate's error
//! takes a [`TextError`] as a `BAD_USER_INPUT` on the named field.

/// A text input that is missing or too long.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TextError {
    pub field: &'static str,
    pub message: String,
}

/// Trims `value`; `None` when empty; an error naming `field` when longer than `max` characters.
pub fn optional(field: &'static str, value: Option<&str>, max: usize) -> Result<Option<String>, TextError> {
    let Some(value) = value.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
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

/// Like [`optional`], but cut to `max` characters instead of refused: for values the client
/// does not choose (a user agent, a referrer) that we keep only as a hint.
pub fn clipped(value: Option<&str>, max: usize) -> Option<String> {
    let value = value.map(str::trim).filter(|v| !v.is_empty())?;
    Some(value.chars().take(max).collect())
}

/// An IANA-shaped zone name (`UTC`, `Asia/Almaty`, `America/Argentina/Buenos_Aires`), `UTC`
/// when absent. The shape is checked, not the zone database: clients pick zones from their
/// own list.
pub fn timezone(field: &'static str, value: Option<&str>) -> Result<String, TextError> {
    let Some(zone) = optional(field, value, 64)? else {
        return Ok("UTC".into());
    };
    let well_formed = zone.split('/').all(|part| {
        !part.is_empty()
            && part
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "_-+".contains(c))
    }) && zone.starts_with(|c: char| c.is_ascii_uppercase());
    if !well_formed {
        return Err(TextError {
            field,
            message: "use an IANA time zone name such as Europe/Saratov".into(),
        });
    }
    Ok(zone)
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
