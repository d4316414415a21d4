//! The playground: a web page that composes, checks and sends JSON-RPC messages, served beside the
//! RPC path by any [`HttpServer`](super::http::HttpServer) (`HttpConfig::with_playground`).
//!
//! Its files (`playground/`) are plain HTML, CSS and ES modules compiled into the binary, so it
//! works offline: no CDN, no fonts, no build step. `check.js` is `jrpc check`'s checker in
//! JavaScript; the rules it names are served as `rules.js`, made from the one table in
//! [`crate::wire::rules`].

use super::http::{Bytes, HttpConfig, Page};

/// Where the page is served.
pub const PATH: &str = "/playground";

const INDEX: &str = include_str!("playground/index.html");
const APP: &str = include_str!("playground/app.js");
const CHECK: &str = include_str!("playground/check.js");
const STYLE: &str = include_str!("playground/style.css");

/// The page and its files, for a server whose JSON-RPC path is `rpc_path` (the page's default URL).
pub fn pages(rpc_path: &str) -> Vec<Page> {
    // The path goes into an HTML attribute: keep only characters that need no escaping there.
    let safe: String = rpc_path
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || "/-._~%!$'()*+,;=:@".contains(*c))
        .collect();
    let index = INDEX.replace("{{RPC_PATH}}", &safe);
    let file = |name: &str, content_type: &'static str, body: &'static str| Page {
        path: format!("{PATH}/{name}"),
        content_type,
        body: Bytes::from_static(body.as_bytes()),
    };
    vec![
        Page {
            path: PATH.to_owned(),
            content_type: "text/html; charset=utf-8",
            body: Bytes::from(index),
        },
        file("app.js", "text/javascript; charset=utf-8", APP),
        file("check.js", "text/javascript; charset=utf-8", CHECK),
        Page {
            path: format!("{PATH}/rules.js"),
            content_type: "text/javascript; charset=utf-8",
            body: Bytes::from(crate::wire::rules::to_javascript()),
        },
        file("style.css", "text/css; charset=utf-8", STYLE),
    ]
}

impl HttpConfig {
    /// Also serves the playground at `/playground`, pointed at this config's RPC path.
    pub fn with_playground(mut self) -> Self {
        let pages = pages(&self.path);
        self.pages.extend(pages);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_points_at_the_rpc_path_and_lists_its_files() {
        let config = HttpConfig {
            path: "/rpc".to_owned(),
            ..HttpConfig::default()
        }
        .with_playground();
        let paths: Vec<&str> = config.pages.iter().map(|p| p.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "/playground",
                "/playground/app.js",
                "/playground/check.js",
                "/playground/rules.js",
                "/playground/style.css"
            ]
        );
        let index = std::str::from_utf8(&config.pages[0].body).unwrap();
        assert!(index.contains(r#"<meta name="jrpc-endpoint" content="/rpc">"#));
        assert!(
            !index.contains("http://") && !index.contains("https://"),
            "no external resources"
        );
    }

    #[test]
    fn markup_in_the_path_cannot_reach_the_page() {
        let index = pages(r#"/x"><script>"#);
        let index = std::str::from_utf8(&index[0].body).unwrap();
        assert!(index.contains(r#"content="/xscript">"#));
    }
}
