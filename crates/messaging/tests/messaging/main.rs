//! MS1 and MS2 at the service level: one private conversation per pair however it is started,
//! department groups for the organization's members, messages newest first, read markers that
//! never move back, attachments of one's own, and notifications handled exactly once, as the
//! recipients' settings allow, pushed through the provider.

mod conversations;
mod notifications;
mod support;
