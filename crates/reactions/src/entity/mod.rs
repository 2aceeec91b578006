//! A reaction per person, resource and kind; a counter per resource and kind.

pub mod reaction;
pub mod reaction_count;
