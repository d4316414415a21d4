//! Calls over HTTP(S): one POST per message or batch, on pooled keep-alive connections.

use bytes::Bytes;
use http::header::{HeaderMap, HeaderValue, ACCEPT, CONTENT_TYPE};
use http::{Request, Uri};
use http_body_util::{BodyExt, Full, Limited};
#[cfg(feature = "tls")]
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

use super::Error;
use crate::transport::connection::{Answer, BatchAnswer};
use crate::wire::{self, Responses};

/// Plain HTTP skips the TLS connector's wrapping of every connection.
enum Pool {
    Plain(hyper_util::client::legacy::Client<HttpConnector, Full<Bytes>>),
    #[cfg(feature = "tls")]
    Tls(hyper_util::client::legacy::Client<HttpsConnector<HttpConnector>, Full<Bytes>>),
}

impl Pool {
    fn request(&self, request: Request<Full<Bytes>>) -> hyper_util::client::legacy::ResponseFuture {
        match self {
            Pool::Plain(pool) => pool.request(request),
            #[cfg(feature = "tls")]
            Pool::Tls(pool) => pool.request(request),
        }
    }
}

/// One HTTP endpoint and the pool of connections to it.
pub(crate) struct HttpLink {
    pool: Pool,
    uri: Uri,
    headers: HeaderMap,
    max_response_bytes: usize,
}

impl HttpLink {
    pub(crate) fn new(
        uri: Uri,
        headers: HeaderMap,
        tls: crate::transport::tls::ClientTls,
        max_response_bytes: usize,
    ) -> Result<HttpLink, Error> {
        let mut http = HttpConnector::new();
        http.set_nodelay(true);
        let builder = hyper_util::client::legacy::Client::builder(TokioExecutor::new());
        #[cfg(not(feature = "tls"))]
        let pool = match (uri.scheme_str() == Some("https"), tls) {
            (true, _) => {
                return Err(Error::config(
                    "https:// needs TLS, and this build of jrpc has no `tls` feature",
                ))
            }
            (false, _) => Pool::Plain(builder.build(http)),
        };
        #[cfg(feature = "tls")]
        let pool = if uri.scheme_str() == Some("https") {
            http.enforce_http(false);
            let connector = hyper_rustls::HttpsConnectorBuilder::new()
                .with_tls_config(tls)
                .https_only()
                .enable_http1()
                .enable_http2()
                .wrap_connector(http);
            Pool::Tls(builder.build(connector))
        } else {
            Pool::Plain(builder.build(http))
        };
        Ok(HttpLink {
            pool,
            uri,
            headers,
            max_response_bytes,
        })
    }

    /// Posts a message; `None` when the server sent no JSON-RPC reply (204, an empty body or a body
    /// of `null`, which servers use for notifications).
    async fn post(&self, body: Bytes) -> Result<Option<Bytes>, Error> {
        let mut request = Request::post(self.uri.clone())
            .body(Full::new(body))
            .map_err(Error::config)?;
        let headers = request.headers_mut();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        for (name, value) in &self.headers {
            headers.insert(name.clone(), value.clone());
        }
        let response = self.pool.request(request).await.map_err(|error| {
            use std::error::Error as _;
            match error.source() {
                Some(source) => Error::transport(format!("{error}: {source}")),
                None => Error::transport(error),
            }
        })?;
        let status = response.status();
        let body = Limited::new(response.into_body(), self.max_response_bytes)
            .collect()
            .await
            .map_err(|error| {
                if error.is::<http_body_util::LengthLimitError>() {
                    Error::invalid_reply(format!(
                        "the reply exceeds the limit of {} bytes",
                        self.max_response_bytes
                    ))
                } else {
                    Error::transport(error)
                }
            })?
            .to_bytes();
        let text = body.trim_ascii();
        if status.is_success() {
            return Ok((!text.is_empty() && text != b"null").then_some(body));
        }
        // Some servers send JSON-RPC errors with a 4xx or 5xx status: the error object says more.
        let is_response = std::str::from_utf8(text).is_ok_and(|text| wire::parse_responses(text).is_ok());
        if is_response {
            return Ok(Some(body));
        }
        let excerpt = String::from_utf8_lossy(&text[..text.len().min(200)]).into_owned();
        Err(Error::transport(format!("HTTP {status}: {excerpt}")))
    }

    /// Sends one call and reads its answer.
    pub(crate) async fn call(&self, id: &str, message: Bytes) -> Result<Answer, Error> {
        let body = self
            .post(message)
            .await?
            .ok_or_else(|| Error::invalid_reply("the server sent no reply to a call"))?;
        let text = utf8(&body)?;
        match wire::parse_responses(text).map_err(Error::invalid_reply)? {
            Responses::Single(response) => {
                // A null id goes with an error about a request the server could not read.
                let answers_us = response.id == id || (response.id == "null" && response.outcome.is_err());
                if !answers_us {
                    return Err(Error::invalid_reply(format!(
                        "the reply answers id {}, not {id}",
                        response.id
                    )));
                }
                Ok(Answer::of(response))
            }
            Responses::Batch(_) => Err(Error::invalid_reply("a batch in reply to a single call")),
        }
    }

    /// Sends a notification (or a batch of notifications): no answer is expected.
    pub(crate) async fn notify(&self, message: Bytes) -> Result<(), Error> {
        match self.post(message).await? {
            None => Ok(()),
            Some(body) => match wire::parse_responses(utf8(&body)?) {
                // A server may still report a request it could not read at all.
                Ok(Responses::Single(response)) if response.id == "null" => match response.outcome {
                    Err(error) => Err(Error::remote(error)),
                    Ok(_) => Err(Error::invalid_reply("a result in reply to a notification")),
                },
                _ => Err(Error::invalid_reply("a reply to a notification (spec 4.1)")),
            },
        }
    }

    /// Sends a batch with at least one call and reads the answers.
    pub(crate) async fn batch(&self, message: Bytes) -> Result<BatchAnswer, Error> {
        let body = self
            .post(message)
            .await?
            .ok_or_else(|| Error::invalid_reply("the server sent no reply to a batch with calls"))?;
        match wire::parse_responses(utf8(&body)?).map_err(Error::invalid_reply)? {
            Responses::Single(response) => Ok(BatchAnswer::Whole(Answer::of(response))),
            Responses::Batch(elements) => Ok(BatchAnswer::Each(
                elements
                    .into_iter()
                    .filter_map(|element| match element {
                        Ok(response) => Some((response.id.to_owned(), Answer::of(response))),
                        Err(error) => error
                            .id()
                            .map(|id| (id.to_owned(), Answer::Broken(error.reason().to_owned()))),
                    })
                    .collect(),
            )),
        }
    }
}

fn utf8(body: &[u8]) -> Result<&str, Error> {
    std::str::from_utf8(body).map_err(|_| Error::invalid_reply("the reply is not UTF-8"))
}
