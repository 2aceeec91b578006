//! Conversations, their participants and messages (MS1); notifications, their settings and
//! push tokens (MS2).

pub mod conversation;
pub mod message;
pub mod notification;
pub mod notification_setting;
pub mod participant;
pub mod push_token;
