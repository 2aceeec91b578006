//! A reaction per person, resource and kind; a counter per resource and kind; comments.

pub mod comment;
pub mod rating;
pub mod reaction;
pub mod reaction_count;
