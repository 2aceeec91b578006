//! The words notifications are made of: people's names and quoted titles.

use commons_identity::entity::user;
use sea_orm::{ConnectionTrait, EntityTrait};
use uuid::Uuid;

use crate::error::Error;

/// Longest title quoted in full; longer ones are cut with an ellipsis.
const MAX_QUOTED: usize = 80;

/// How a person is called in a notification: their display name, or their username;
/// "Someone" when the platform acted or the account is gone.
pub(crate) async fn name_of(tx: &impl ConnectionTrait, user_id: Option<Uuid>) -> Result<String, Error> {
    let Some(user_id) = user_id else {
        return Ok("Someone".into());
    };
    Ok(user::Entity::find_by_id(user_id)
        .one(tx)
        .await?
        .map(|u| {
            u.display_name
                .filter(|n| !n.trim().is_empty())
                .unwrap_or(u.username)
        })
        .unwrap_or_else(|| "Someone".into()))
}

/// `“Spring cleanup”`, cut short when long.
pub(crate) fn quoted(title: &str) -> String {
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
    use super::quoted;

    #[test]
    fn titles_are_quoted_and_long_ones_cut() {
        assert_eq!(quoted(" Spring cleanup "), "“Spring cleanup”");
        let long = "a".repeat(200);
        let cut = quoted(&long);
        assert_eq!(cut.chars().count(), 80 + 2);
        assert!(cut.ends_with("…”"));
    }
}
