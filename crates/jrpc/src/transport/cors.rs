//! Cross-origin resource sharing for the HTTP transport: lets a browser page on another origin
//! call the server (and read its pages) when the operator allows that origin. Off by default.
//!
//! A preflight (`OPTIONS` with `Origin` and `Access-Control-Request-Method`) from an allowed origin
//! is answered `204` with `Access-Control-Allow-Origin`, `-Methods`, `-Headers` and `-Max-Age`;
//! other responses to an allowed origin carry `Access-Control-Allow-Origin` and `Vary: Origin`.
//! A request from any other origin gets no `Access-Control-*` header (the browser then refuses
//! the page access), and a request without `Origin` is served exactly as without CORS.

use std::time::Duration;

use bytes::Bytes;
use http::header::{
    HeaderValue, ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS, ACCESS_CONTROL_ALLOW_ORIGIN,
    ACCESS_CONTROL_MAX_AGE, ACCESS_CONTROL_REQUEST_METHOD, ORIGIN, VARY,
};
use http::{HeaderMap, Method, Response, StatusCode};
use http_body_util::Full;

/// Which browser origins may call the server, set with `HttpConfig::cors`.
///
/// ```
/// use jrpc::http::{Cors, HttpConfig};
/// let config = HttpConfig {
///     cors: Some(Cors::origins(["https://playground.open-rpc.org", "http://localhost:3000"])),
///     ..HttpConfig::default()
/// };
/// let anyone = Cors::any().max_age(std::time::Duration::from_secs(3600));
/// # let _ = (config, anyone);
/// ```
#[derive(Debug, Clone)]
pub struct Cors {
    origins: Origins,
    allow_headers: HeaderValue,
    max_age: HeaderValue,
}

#[derive(Debug, Clone)]
enum Origins {
    Any,
    List(Vec<String>),
}

impl Cors {
    /// Any origin (answered `Access-Control-Allow-Origin: *`; no credentials).
    pub fn any() -> Self {
        Cors::with(Origins::Any)
    }

    /// Only these origins, each as a browser sends it: scheme, host and port if not the default,
    /// e.g. `https://example.com` or `http://localhost:3000` (compared ignoring ASCII case).
    pub fn origins<I>(origins: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        let origins = origins
            .into_iter()
            .map(|origin| origin.into().trim_end_matches('/').to_owned())
            .collect();
        Cors::with(Origins::List(origins))
    }

    fn with(origins: Origins) -> Self {
        Cors {
            origins,
            allow_headers: HeaderValue::from_static("content-type"),
            max_age: HeaderValue::from_static("600"),
        }
    }

    /// How long a browser may cache a preflight's answer (10 minutes by default).
    pub fn max_age(mut self, max_age: Duration) -> Self {
        self.max_age = HeaderValue::from(max_age.as_secs());
        self
    }

    /// The request headers a page may send, answered to preflights (`content-type` by default;
    /// give them all, e.g. `["content-type", "authorization"]`). Names that are not valid header
    /// names are left out.
    pub fn allow_headers<'a>(mut self, names: impl IntoIterator<Item = &'a str>) -> Self {
        let names: Vec<&str> = names
            .into_iter()
            .filter(|name| http::HeaderName::from_bytes(name.as_bytes()).is_ok())
            .collect();
        if let Ok(value) = HeaderValue::from_str(&names.join(", ")) {
            self.allow_headers = value;
        }
        self
    }

    /// The `Access-Control-Allow-Origin` value for a request's `Origin`, if it is allowed.
    fn allow(&self, origin: &HeaderValue) -> Option<HeaderValue> {
        match &self.origins {
            Origins::Any => Some(HeaderValue::from_static("*")),
            Origins::List(list) => {
                let sent = origin.to_str().ok()?;
                list.iter()
                    .any(|allowed| allowed.eq_ignore_ascii_case(sent))
                    .then(|| origin.clone())
            }
        }
    }

    /// What CORS makes of a request on a served path: the answer to a preflight, or what to add
    /// to the response.
    pub(crate) fn inspect(
        &self,
        method: &Method,
        headers: &HeaderMap,
        allow_methods: &'static str,
    ) -> Verdict {
        let Some(origin) = headers.get(ORIGIN) else {
            return Verdict::Untouched;
        };
        let allowed = self.allow(origin);
        let preflight = method == Method::OPTIONS && headers.contains_key(ACCESS_CONTROL_REQUEST_METHOD);
        match (allowed, preflight) {
            (Some(allowed), true) => {
                let mut response = Response::new(Full::new(Bytes::new()));
                *response.status_mut() = StatusCode::NO_CONTENT;
                let headers = response.headers_mut();
                headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, allowed);
                headers.insert(
                    ACCESS_CONTROL_ALLOW_METHODS,
                    HeaderValue::from_static(allow_methods),
                );
                headers.insert(ACCESS_CONTROL_ALLOW_HEADERS, self.allow_headers.clone());
                headers.insert(ACCESS_CONTROL_MAX_AGE, self.max_age.clone());
                headers.insert(VARY, HeaderValue::from_static("Origin"));
                Verdict::Preflight(response)
            }
            (allowed, _) => Verdict::Decorate(allowed),
        }
    }
}

/// What to do with a request, CORS-wise.
#[derive(Debug)]
pub(crate) enum Verdict {
    /// No `Origin`: serve it as if CORS were off.
    Untouched,
    /// A preflight from an allowed origin, answered here.
    Preflight(Response<Full<Bytes>>),
    /// Serve it, then add `Vary: Origin` and, for an allowed origin, this
    /// `Access-Control-Allow-Origin`.
    Decorate(Option<HeaderValue>),
}

/// Adds what [`Verdict::Decorate`] asks for to a response.
pub(crate) fn decorate<B>(response: &mut Response<B>, allowed: Option<HeaderValue>) {
    let headers = response.headers_mut();
    headers.append(VARY, HeaderValue::from_static("Origin"));
    if let Some(allowed) = allowed {
        headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, allowed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        pairs
            .iter()
            .map(|(name, value)| {
                (
                    http::HeaderName::from_static(name),
                    HeaderValue::from_static(value),
                )
            })
            .collect()
    }

    #[test]
    fn origins_are_matched_exactly_but_for_case_and_a_trailing_slash() {
        let cors = Cors::origins(["https://a.example/", "http://localhost:3000"]);
        let allowed = |origin: &'static str| cors.allow(&HeaderValue::from_static(origin)).is_some();
        assert!(allowed("https://a.example"));
        assert!(allowed("HTTPS://A.EXAMPLE"));
        assert!(allowed("http://localhost:3000"));
        assert!(!allowed("http://localhost:3001"));
        assert!(!allowed("https://a.example.evil"));
        assert!(!allowed("null"));
    }

    #[test]
    fn verdicts() {
        let cors = Cors::origins(["https://a.example"]);
        let preflight = headers(&[
            ("origin", "https://a.example"),
            ("access-control-request-method", "POST"),
        ]);
        assert!(matches!(
            cors.inspect(&Method::OPTIONS, &preflight, "POST"),
            Verdict::Preflight(_)
        ));
        let other = headers(&[
            ("origin", "https://b.example"),
            ("access-control-request-method", "POST"),
        ]);
        assert!(matches!(
            cors.inspect(&Method::OPTIONS, &other, "POST"),
            Verdict::Decorate(None)
        ));
        assert!(matches!(
            cors.inspect(&Method::POST, &HeaderMap::new(), "POST"),
            Verdict::Untouched
        ));
    }
}
