//! Shared test helpers. Include with `mod support;` from a test file.
//! Each test binary uses a different subset, hence the `dead_code` allowance.
#![allow(dead_code)]

pub mod data_dir;
pub mod edit;
pub mod fetching;
pub mod http_server;
pub mod pages;
pub mod pty;
pub mod wait;

#[allow(unused_imports)]
pub use http_server::{gzip, gzip_bomb, refused_url, Body, Gauge, Request, Response, TestServer};
#[allow(unused_imports)]
pub use pages::ARTICLE_PAGE;
