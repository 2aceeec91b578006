//! A real browser for the tests: headless Chromium driven over the DevTools protocol (one
//! WebSocket, `Page.navigate` and `Runtime.evaluate`), enough to load a page and act in it as
//! a person would.

use std::process::Stdio;
use std::time::{Duration, Instant};

use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use tokio_tungstenite::tungstenite::Message;

type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Where Chromium is: `COMMONS_CHROMIUM`, else Debian's `chromium` on the PATH.
pub fn chromium() -> Option<String> {
    if let Ok(path) = std::env::var("COMMONS_CHROMIUM") {
        return Some(path);
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join("chromium"))
        .find(|candidate| candidate.is_file())
        .map(|found| found.to_string_lossy().into_owned())
}

pub struct Browser {
    child: Child,
    page: Socket,
    next_id: u64,
    _profile: tempfile::TempDir,
}

impl Browser {
    /// Starts headless Chromium with a fresh profile and attaches to its first tab.
    pub async fn start(executable: &str) -> Browser {
        let profile = tempfile::tempdir().expect("a profile folder");
        let mut child = Command::new(executable)
            .args([
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--remote-debugging-port=0",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg("about:blank")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("Chromium starts");
        let stderr = child.stderr.take().expect("Chromium's stderr");
        let mut lines = BufReader::new(stderr).lines();
        let browser_url = tokio::time::timeout(Duration::from_secs(30), async {
            while let Ok(Some(line)) = lines.next_line().await {
                if let Some(url) = line.strip_prefix("DevTools listening on ") {
                    return url.trim().to_owned();
                }
            }
            panic!("Chromium ended without a DevTools address");
        })
        .await
        .expect("Chromium listens within 30 s");
        // Keep reading its stderr, so a chatty browser never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        let port = browser_url
            .trim_start_matches("ws://")
            .split(['/', ':'])
            .nth(1)
            .expect("a port")
            .to_owned();
        let targets: Value = reqwest::get(format!("http://127.0.0.1:{port}/json/list"))
            .await
            .expect("the target list")
            .json()
            .await
            .expect("JSON");
        let page_url = targets
            .as_array()
            .and_then(|all| all.iter().find(|t| t["type"] == "page"))
            .and_then(|t| t["webSocketDebuggerUrl"].as_str())
            .expect("a tab")
            .to_owned();
        let (page, _) = tokio_tungstenite::connect_async(page_url)
            .await
            .expect("the tab's DevTools socket");
        Browser {
            child,
            page,
            next_id: 0,
            _profile: profile,
        }
    }

    /// Sends one DevTools command and returns its result (events in between are skipped).
    async fn call(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let command = json!({ "id": id, "method": method, "params": params });
        self.page
            .send(Message::Text(command.to_string().into()))
            .await
            .expect("command sent");
        loop {
            let frame = tokio::time::timeout(Duration::from_secs(30), self.page.next())
                .await
                .expect("an answer within 30 s")
                .expect("the socket is open")
                .expect("a frame");
            if let Message::Text(text) = frame {
                let message: Value = serde_json::from_str(&text).expect("JSON");
                if message["id"] == id {
                    assert!(message["error"].is_null(), "{method}: {message}");
                    return message["result"].clone();
                }
            }
        }
    }

    pub async fn open(&mut self, url: &str) {
        self.call("Page.navigate", json!({ "url": url })).await;
    }

    /// The value of a JavaScript expression in the page (awaited if it is a promise).
    pub async fn eval(&mut self, expression: &str) -> Value {
        let result = self
            .call(
                "Runtime.evaluate",
                json!({ "expression": expression, "returnByValue": true, "awaitPromise": true }),
            )
            .await;
        result["result"]["value"].clone()
    }

    /// Evaluates `expression` until it is truthy, up to `wait`; its last value.
    pub async fn wait_for(&mut self, expression: &str, wait: Duration) -> Value {
        let started = Instant::now();
        loop {
            let value = self.eval(expression).await;
            let truthy = !(value.is_null() || value == false || value == "" || value == 0);
            if truthy || started.elapsed() > wait {
                return value;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
    }
}
