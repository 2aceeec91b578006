//! Identifiers: UUID v7 everywhere, so ids sort by creation time and index well.

pub use uuid::Uuid;

/// A new UUID v7 (time-ordered).
pub fn new() -> Uuid {
    Uuid::now_v7()
}
