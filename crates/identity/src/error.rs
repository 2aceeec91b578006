//! Everything identity can refuse, each a thing a person can be told.

use commons_core::PageError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// One message for unknown email and wrong password, so sign-in reveals no accounts.
    #[error("email or password is incorrect")]
    InvalidCredentials,
    #[error("sign in first")]
    NotSignedIn,
    #[error("the session has ended; sign in again")]
    SessionEnded,
    #[error("the refresh token is not valid; sign in again")]
    InvalidRefreshToken,
    #[error("the current password is incorrect")]
    WrongCurrentPassword,
    #[error("this account is blocked")]
    AccountBlocked,
    #[error("this account is {0}; it cannot do this until an administrator approves it")]
    AccountNotActive(&'static str),
    #[error("only platform administrators may do this")]
    AdminOnly,
    #[error("this API key may only read")]
    ReadOnlyKey,
    #[error("sign in with your password to manage API keys and bots")]
    NeedsSession,
    #[error("the API key is not valid")]
    InvalidApiKey,
    #[error("no such API key")]
    ApiKeyNotFound,
    #[error("no such bot among yours")]
    BotNotFound,
    #[error("{message}")]
    Invalid { field: &'static str, message: String },
    #[error("this email is already registered")]
    EmailTaken,
    #[error("this username is taken")]
    UsernameTaken,
    #[error("no such user")]
    UserNotFound,
    #[error("the user is {current}, so they cannot be {action}")]
    WrongStatus {
        current: &'static str,
        action: &'static str,
    },
    #[error("too many wrong passwords for this account; try again in {} min", retry_after.div_ceil(60))]
    TooManyGuesses { retry_after: u64 },
    #[error("administrators cannot block themselves")]
    CannotBlockSelf,
    #[error(transparent)]
    Page(#[from] PageError),
    #[error("password hashing failed: {0}")]
    Hashing(String),
    #[error("signing the access token failed: {0}")]
    Signing(String),
    #[error("database error: {0}")]
    Db(#[from] sea_orm::DbErr),
}

commons_core::coded_error! {
    Error {
        Unauthenticated: InvalidCredentials | NotSignedIn | SessionEnded | InvalidRefreshToken
            | WrongCurrentPassword | InvalidApiKey;
        Forbidden: AccountBlocked | AccountNotActive | AdminOnly | CannotBlockSelf | ReadOnlyKey | NeedsSession;
        Conflict: EmailTaken | UsernameTaken | WrongStatus;
        NotFound: UserNotFound | ApiKeyNotFound | BotNotFound;
        RateLimited: TooManyGuesses;
        Internal: Hashing | Signing | Db;
    }
    wraps Page;
    fields EmailTaken => "email", UsernameTaken => "username", WrongCurrentPassword => "currentPassword";
}
