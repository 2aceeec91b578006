//! Checking free-text input: trimmed, length-limited, empty meaning "none".

use crate::error::Error;

/// Trims `value`; `None` when empty; an error naming `field` when longer than `max` characters.
pub fn optional(field: &'static str, value: Option<&str>, max: usize) -> Result<Option<String>, Error> {
    let Some(value) = value.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    if value.chars().count() > max {
        return Err(Error::invalid(
            field,
            format!("{field} must be at most {max} characters"),
        ));
    }
    Ok(Some(value.to_owned()))
}

/// Like [`optional`], but cut to `max` characters instead of refused: for values the client
/// does not choose (a user agent, a referrer) that we keep only as a hint.
pub fn clipped(value: Option<&str>, max: usize) -> Option<String> {
    let value = value.map(str::trim).filter(|v| !v.is_empty())?;
    Some(value.chars().take(max).collect())
}
