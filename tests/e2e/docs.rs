//! Documents that are generated from the code stay equal to it.

/// ARCHITECTURE.md prints the permission matrix of crates/orgs/src/permission.rs.
#[test]
fn architecture_md_prints_the_permission_matrix() {
    let doc =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/ARCHITECTURE.md")).unwrap_or_default();
    let printed = doc
        .split("<!-- permission-matrix -->\n")
        .nth(1)
        .and_then(|rest| rest.split("<!-- /permission-matrix -->").next())
        .unwrap_or_default();
    assert_eq!(
        printed,
        commons_orgs::permission::markdown_table(),
        "paste commons_orgs::permission::markdown_table() into ARCHITECTURE.md"
    );
}
