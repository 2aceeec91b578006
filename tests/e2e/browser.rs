//! GraphiQL in a real browser (issue 15, 5): the page renders from the server alone (no CDN),
//! a query runs, and the docs explorer lists the schema, which needs the standard
//! introspection query to pass the depth limit.
//!
//! Needs Chromium (Debian's `chromium`, or `COMMONS_CHROMIUM`). Without it the test says so
//! and passes, so that `cargo test` works on a fresh machine; `.ci/run` installs Chromium and
//! sets `COMMONS_REQUIRE_BROWSER=1`, under which a missing browser fails.

use std::time::Duration;

use crate::common::TestServer;
use crate::common::browser::{Browser, chromium};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graphiql_works_in_a_real_browser() {
    let Some(executable) = chromium() else {
        assert!(
            std::env::var_os("COMMONS_REQUIRE_BROWSER").is_none(),
            "COMMONS_REQUIRE_BROWSER is set but no Chromium was found (apt-get install chromium)"
        );
        eprintln!("skipped: no Chromium on this machine (apt-get install chromium to run it)");
        return;
    };
    let server = TestServer::start().await;
    let mut browser = Browser::start(&executable).await;
    let wait = Duration::from_secs(30);

    browser.open(&format!("{}/", server.url)).await;
    let rendered = browser
        .wait_for("!!document.querySelector('.graphiql-container')", wait)
        .await;
    assert_eq!(rendered, true, "GraphiQL renders (not stuck on Loading…)");

    // Everything the page loaded came from the server itself.
    let loaded = browser
        .eval("performance.getEntriesByType('resource').map(e => e.name)")
        .await;
    let loaded: Vec<&str> = loaded
        .as_array()
        .map(|all| all.iter().filter_map(|v| v.as_str()).collect())
        .unwrap_or_default();
    assert!(!loaded.is_empty());
    assert!(
        loaded.iter().all(|url| url.starts_with(&server.url)),
        "no request leaves the server: {loaded:?}"
    );

    // A person types a query and runs it.
    browser
        .eval(
            "document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.setValue('{ __typename }');
             document.querySelector('.graphiql-execute-button').click(); true",
        )
        .await;
    let answer = browser
        .wait_for(
            "(() => { const r = document.querySelector('.graphiql-response .CodeMirror');
                      const text = r ? r.CodeMirror.getValue() : '';
                      return text.includes('__typename') ? text : ''; })()",
            wait,
        )
        .await;
    let answer = answer.as_str().unwrap_or_default();
    assert!(answer.contains("\"Query\""), "the query ran: {answer:?}");

    // The docs explorer loads the schema by introspection and lists the root types.
    browser
        .eval("document.querySelector('[aria-label=\"Show Documentation Explorer\"]').click(); true")
        .await;
    let docs = browser
        .wait_for(
            "(() => { const d = document.querySelector('.graphiql-doc-explorer');
                      const text = d ? d.innerText : '';
                      return text.includes('Query') && text.includes('Mutation') ? text : ''; })()",
            wait,
        )
        .await;
    let docs = docs.as_str().unwrap_or_default();
    assert!(
        docs.contains("Query") && !docs.contains("Error fetching schema"),
        "the docs explorer lists the schema: {docs:?}"
    );
}
