//! End-to-end tests: the real server on 127.0.0.1:0 (in-process, or the `commons` binary as a
//! child process), driven over HTTP and WebSocket as a frontend or an operator would. One
//! binary: each test binary links the whole dependency tree, so one keeps CI fast and its
//! disk small.

mod common;

mod admin;
mod auth;
mod browser;
mod cancelled;
mod cli;
mod clients;
mod docs;
mod events;
mod examples;
mod fuzz;
mod governance;
mod http;
mod live;
mod messaging;
mod orgs;
mod payments;
mod reactions;
mod replay;
mod resources;
mod sales;
mod schema;
