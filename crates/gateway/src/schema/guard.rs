//! Bounds what one document may cost before async-graphql parses and validates it, on every
//! path (POST, GET and each WebSocket subscribe run [`QueryGuard`] first).
//!
//! - The parser recurses once per `[` or `{` of a value with no limit of its own, so ~1,500
//!   nested list brackets overflow a worker's stack and abort the process. [`nesting_exceeds`]
//!   scans the raw text (outside strings and comments) in one pass and refuses it first.
//! - Validation (complexity, depth, recursive depth) walks into a fragment at every spread, so
//!   fragments that each spread the previous twice cost 2^n. [`expanded_sizes`] measures each
//!   fragment once and refuses a document whose operations, expanded, are too large.
//!
//! - A string input holding a control character (NUL above all, which PostgreSQL cannot
//!   store or compare) is `BAD_USER_INPUT` naming the argument or variable, whatever field it
//!   goes to: a login email, a lookup, a filter. Services refuse them too (core's text
//!   checks), for programs that link the crates; this covers the inputs no text check sees.
//!
//! - Depth is counted here too, so that the standard introspection query (15 deep) passes
//!   while other operations keep the configured limit: async-graphql's own limit is raised to
//!   [`MAX_INTROSPECTION_DEPTH`] and stays as the backstop.
//!
//! The first two refusals carry the codes of the limits they stand in front of
//! (`QUERY_TOO_DEEP`, `QUERY_TOO_COMPLEX`), and the document parsed here is kept in the
//! request, so it is parsed once.

use std::collections::HashMap;

use async_graphql::parser::types::{Directive, ExecutableDocument, Selection, SelectionSet};
use async_graphql::{Name, Positioned, Request, ServerError, Variables};
use async_graphql_value::{ConstValue, Value};
use commons_core::{ErrorCode, text};

use super::extension::with_code;

/// How deep `{`, `[` and `(` may nest in a document's text: far above any real query (the
/// depth limit stops selections at 12) and far below what overflows the parser's stack
/// (~300 levels in a debug build, ~1,500 in a release build).
pub const MAX_NESTING: usize = 64;

/// A fragment spread inside a fragment inside … at most this deep (async-graphql's own
/// recursive-depth limit is 32 too).
const MAX_FRAGMENT_CHAIN: usize = 32;

/// How deep an operation that only introspects may nest fields: the standard introspection
/// query (graphql-js's `getIntrospectionQuery`, which GraphiQL's docs and codegen tools send)
/// is 15 deep. Introspection is cheap however deep, and its depth is bounded by this.
pub const MAX_INTROSPECTION_DEPTH: usize = 20;

/// The limits one document is held to.
#[derive(Clone, Copy, Debug)]
pub struct QueryGuard {
    pub max_nesting: usize,
    /// Fields nested in fields, for operations that read more than the schema.
    pub max_depth: usize,
    /// Fields, fragment spreads and inline fragments of one operation, fragments expanded.
    pub max_selections: usize,
    /// Nodes of argument values (a list counts one, plus its items), fragments expanded.
    pub max_values: usize,
}

impl QueryGuard {
    /// The configured depth, and limits proportionate to the complexity limit: an operation
    /// expanding to ten times as many selections as it may cost is refused before validation
    /// counts its cost.
    pub fn new(max_depth: usize, max_complexity: usize) -> QueryGuard {
        QueryGuard {
            max_nesting: MAX_NESTING,
            max_depth,
            max_selections: max_complexity.saturating_mul(10).max(1000),
            max_values: 1 << 20,
        }
    }

    /// The refusal for text nested too deep to parse safely; `None` when it may be parsed.
    pub fn check_text(&self, query: &str) -> Option<ServerError> {
        nesting_exceeds(query, self.max_nesting).then(|| {
            with_code(
                ServerError::new(
                    format!("the document nests brackets more than {} deep", self.max_nesting),
                    None,
                ),
                ErrorCode::QueryTooDeep,
            )
        })
    }

    /// The part of [`QueryGuard::check`] that depends on the variables, not the document: what
    /// a document already checked still needs with each request's variables.
    pub fn check_variables(request: &Request) -> Result<(), ServerError> {
        match control_in_variables(&request.variables) {
            Some((input, c)) => Err(control_refused(&input, c)),
            None => Ok(()),
        }
    }

    /// Checks the text, then the parsed document's expanded size. A document that does not
    /// parse passes here, so that the parser reports it as usual.
    pub fn check(&self, request: &mut Request) -> Result<(), ServerError> {
        if let Some(refused) = self.check_text(&request.query) {
            return Err(refused);
        }
        Self::check_variables(request)?;
        let Ok(document) = request.parsed_query() else {
            return Ok(());
        };
        let sizes = expanded_sizes(document, MAX_FRAGMENT_CHAIN);
        let too_big = sizes.as_ref().is_none_or(|sizes| {
            sizes
                .iter()
                .any(|s| s.selections > self.max_selections || s.values > self.max_values)
        });
        if too_big {
            return Err(with_code(
                ServerError::new("the document is too large once its fragments are expanded", None),
                ErrorCode::QueryTooComplex,
            ));
        }
        let too_deep = sizes
            .into_iter()
            .flatten()
            .zip(document.operations.iter())
            .find_map(|(size, (_, operation))| {
                let limit = if only_introspects(&operation.node.selection_set.node) {
                    MAX_INTROSPECTION_DEPTH
                } else {
                    self.max_depth
                };
                (size.depth > limit).then_some((size.depth, limit))
            });
        if let Some((depth, limit)) = too_deep {
            return Err(with_code(
                ServerError::new(
                    format!("the query nests fields {depth} deep; at most {limit} are allowed"),
                    None,
                ),
                ErrorCode::QueryTooDeep,
            ));
        }
        match control_in_document(document) {
            Some((input, c)) => Err(control_refused(&input, c)),
            None => Ok(()),
        }
    }
}

/// True when `{`, `[` and `(` nest deeper than `limit` outside strings, block strings and
/// comments. One pass over the bytes.
pub fn nesting_exceeds(query: &str, limit: usize) -> bool {
    let b = query.as_bytes();
    let (mut i, mut depth) = (0usize, 0usize);
    while i < b.len() {
        match b[i] {
            b'#' => {
                while i < b.len() && b[i] != b'\n' && b[i] != b'\r' {
                    i += 1;
                }
                continue;
            }
            b'"' if b[i..].starts_with(b"\"\"\"") => {
                i += 3;
                while i < b.len() {
                    if b[i..].starts_with(b"\\\"\"\"") {
                        i += 4;
                    } else if b[i..].starts_with(b"\"\"\"") {
                        i += 3;
                        break;
                    } else {
                        i += 1;
                    }
                }
                continue;
            }
            b'"' => {
                i += 1;
                while i < b.len() && !matches!(b[i], b'"' | b'\n' | b'\r') {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
                continue;
            }
            b'{' | b'[' | b'(' => {
                depth += 1;
                if depth > limit {
                    return true;
                }
            }
            b'}' | b']' | b')' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    false
}

/// How much an operation is, with every fragment spread expanded.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Size {
    pub selections: usize,
    pub values: usize,
    /// Fields nested in fields, as async-graphql's depth limit counts them.
    pub depth: usize,
}

impl Size {
    /// Side by side: counts add up, the depth is the deeper one's.
    fn add(self, other: Size) -> Size {
        Size {
            selections: self.selections.saturating_add(other.selections),
            values: self.values.saturating_add(other.values),
            depth: self.depth.max(other.depth),
        }
    }
}

/// The expanded size of each operation, in time proportional to the document: a fragment is
/// measured once and its size reused at every spread. `None` for a fragment cycle or spreads
/// chained deeper than `max_chain` (validation refuses both too, but only after expanding).
pub fn expanded_sizes(document: &ExecutableDocument, max_chain: usize) -> Option<Vec<Size>> {
    let mut walk = Walk {
        document,
        measured: HashMap::new(),
        max_chain,
    };
    document
        .operations
        .iter()
        .map(|(_, operation)| {
            let own = Size {
                selections: 0,
                depth: 0,
                values: directive_values(&operation.node.directives)
                    .saturating_add(operation.node.variable_definitions.len()),
            };
            walk.selections(&operation.node.selection_set.node, 0)
                .map(|size| size.add(own))
        })
        .collect()
}

struct Walk<'a> {
    document: &'a ExecutableDocument,
    /// Each fragment's size; `None` while it is being measured, so meeting it again is a cycle.
    measured: HashMap<&'a Name, Option<Size>>,
    max_chain: usize,
}

impl<'a> Walk<'a> {
    fn selections(&mut self, set: &'a SelectionSet, chain: usize) -> Option<Size> {
        let mut total = Size::default();
        for item in &set.items {
            let (values, inner) = match &item.node {
                Selection::Field(field) => {
                    let inner = self.selections(&field.node.selection_set.node, chain)?;
                    (
                        argument_values(&field.node.arguments)
                            .saturating_add(directive_values(&field.node.directives)),
                        Size {
                            depth: inner.depth + 1,
                            ..inner
                        },
                    )
                }
                Selection::InlineFragment(inline) => (
                    directive_values(&inline.node.directives),
                    self.selections(&inline.node.selection_set.node, chain)?,
                ),
                Selection::FragmentSpread(spread) => (
                    directive_values(&spread.node.directives),
                    self.fragment(&spread.node.fragment_name.node, chain + 1)?,
                ),
            };
            total = total
                .add(Size {
                    selections: 1,
                    values,
                    depth: 0,
                })
                .add(inner);
        }
        Some(total)
    }

    fn fragment(&mut self, name: &'a Name, chain: usize) -> Option<Size> {
        let Some((name, definition)) = self.document.fragments.get_key_value(name) else {
            // An unknown fragment: validation names it.
            return Some(Size::default());
        };
        match self.measured.get(name) {
            Some(Some(size)) => return Some(*size),
            Some(None) => return None,
            None if chain > self.max_chain => return None,
            None => {}
        }
        self.measured.insert(name, None);
        let own = Size {
            selections: 0,
            depth: 0,
            values: directive_values(&definition.node.directives),
        };
        let size = own.add(self.selections(&definition.node.selection_set.node, chain)?);
        self.measured.insert(name, Some(size));
        Some(size)
    }
}

/// Whether an operation asks only for the schema (`__schema`, `__type`, `__typename`).
fn only_introspects(set: &SelectionSet) -> bool {
    set.items.iter().all(|item| match &item.node {
        Selection::Field(field) => field.node.name.node.starts_with("__"),
        _ => false,
    })
}

fn control_refused(input: &str, c: char) -> ServerError {
    with_code(
        ServerError::new(text::control_message(input, c), None),
        ErrorCode::BadUserInput,
    )
}

fn in_const(value: &ConstValue) -> Option<char> {
    match value {
        ConstValue::String(s) => text::control_character(s),
        ConstValue::List(items) => items.iter().find_map(in_const),
        ConstValue::Object(fields) => fields.values().find_map(in_const),
        _ => None,
    }
}

/// The first variable holding a control character in a string, and that character.
fn control_in_variables(variables: &Variables) -> Option<(String, char)> {
    variables
        .iter()
        .find_map(|(name, value)| in_const(value).map(|c| (format!("${name}"), c)))
}

/// The first string written in the document (a variable's default, an argument) holding a
/// control character, named as the client wrote it. Each selection and fragment is read once.
fn control_in_document(document: &ExecutableDocument) -> Option<(String, char)> {
    fn in_value(value: &Value) -> Option<char> {
        match value {
            Value::String(s) => text::control_character(s),
            Value::List(items) => items.iter().find_map(in_value),
            Value::Object(fields) => fields.values().find_map(in_value),
            _ => None,
        }
    }
    fn in_arguments(arguments: &[(Positioned<Name>, Positioned<Value>)]) -> Option<(String, char)> {
        arguments
            .iter()
            .find_map(|(name, value)| in_value(&value.node).map(|c| (name.node.to_string(), c)))
    }
    fn in_directives(directives: &[Positioned<Directive>]) -> Option<(String, char)> {
        directives.iter().find_map(|d| in_arguments(&d.node.arguments))
    }
    fn in_selections(set: &SelectionSet) -> Option<(String, char)> {
        set.items.iter().find_map(|item| match &item.node {
            Selection::Field(field) => in_arguments(&field.node.arguments)
                .or_else(|| in_directives(&field.node.directives))
                .or_else(|| in_selections(&field.node.selection_set.node)),
            Selection::InlineFragment(inline) => in_directives(&inline.node.directives)
                .or_else(|| in_selections(&inline.node.selection_set.node)),
            Selection::FragmentSpread(spread) => in_directives(&spread.node.directives),
        })
    }
    let in_defaults = || {
        document.operations.iter().find_map(|(_, operation)| {
            operation.node.variable_definitions.iter().find_map(|definition| {
                let default = definition.node.default_value.as_ref()?;
                in_const(&default.node).map(|c| (format!("${}", definition.node.name.node), c))
            })
        })
    };
    let in_document = || {
        let in_operations = document.operations.iter().find_map(|(_, operation)| {
            in_directives(&operation.node.directives)
                .or_else(|| in_selections(&operation.node.selection_set.node))
        });
        in_operations.or_else(|| {
            document.fragments.values().find_map(|fragment| {
                in_directives(&fragment.node.directives)
                    .or_else(|| in_selections(&fragment.node.selection_set.node))
            })
        })
    };
    in_defaults().or_else(in_document)
}

fn value_nodes(value: &Value) -> usize {
    let inner = match value {
        Value::List(items) => items.iter().map(value_nodes).fold(0, usize::saturating_add),
        Value::Object(fields) => fields.values().map(value_nodes).fold(0, usize::saturating_add),
        _ => 0,
    };
    inner.saturating_add(1)
}

fn argument_values(arguments: &[(Positioned<Name>, Positioned<Value>)]) -> usize {
    arguments
        .iter()
        .map(|(_, value)| value_nodes(&value.node))
        .fold(0, usize::saturating_add)
}

fn directive_values(directives: &[Positioned<Directive>]) -> usize {
    directives
        .iter()
        .map(|directive| argument_values(&directive.node.arguments))
        .fold(0, usize::saturating_add)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn brackets_in_strings_and_comments_do_not_count() {
        let deep = |query: &str| nesting_exceeds(query, 3);
        assert!(!deep(r#"{ a(x: "[[[[[[") }"#));
        assert!(!deep("{ a(x: \"\"\"[[[[[[ \\\"\"\" [[[[\"\"\") }"));
        assert!(!deep("{ a # [[[[[[[\n }"));
        assert!(!deep(r#"{ a(x: "\"[[[[[[") }"#));
        assert!(deep(r#"{ a(x: "" [[[1]]]) }"#));
        assert!(deep("{ a(x: \"\"\"\"\"\" [[1]]) }"));
        assert!(deep("{ a(x: \"[\n[[[1]]]) }"), "a string ends at a line break");
        assert!(deep("{{{{"));
        assert!(!deep("{{{"));
    }

    /// `depth` fragments, each spreading the next twice: 2^depth fields once expanded.
    fn doubling(depth: usize) -> String {
        let mut query = String::from("query { ...F0 }\n");
        for n in 0..depth {
            query.push_str(&format!(
                "fragment F{n} on Query {{ ...F{next} ...F{next} }}\n",
                next = n + 1
            ));
        }
        query.push_str(&format!("fragment F{depth} on Query {{ me {{ id }} }}\n"));
        query
    }

    #[test]
    fn doubling_fragments_are_measured_expanded_without_expanding_them() {
        let document = async_graphql::parser::parse_query(doubling(26)).expect("parses");
        let sizes = expanded_sizes(&document, 32).expect("no cycle");
        // A level is its two spreads and the next level twice; the last is `me { id }`, so
        // level n holds 2^(28-n) - 2, and the operation its one spread of level 0 besides.
        assert_eq!(sizes[0].selections, (1 << 28) - 1);
        let guard = QueryGuard::new(12, 2000);
        let mut request = Request::new(doubling(26));
        let refused = guard.check(&mut request).expect_err("refused");
        assert!(refused.message.contains("fragments"), "{}", refused.message);
        let mut small = Request::new(doubling(3));
        assert!(guard.check(&mut small).is_ok());
    }

    #[test]
    fn a_fragment_cycle_is_refused_before_validation_loops() {
        let document = async_graphql::parser::parse_query(
            "{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }",
        )
        .expect("parses");
        assert_eq!(expanded_sizes(&document, 32), None);
    }
}
