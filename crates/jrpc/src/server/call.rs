//! One call on its way through the middleware stack, and the reply it produces.

use std::fmt;
use std::ops::Range;
use std::sync::Arc;

use serde::Serialize;

use crate::wire::{self, ErrorCode, ErrorObject, Request, Version};

/// A single call or notification, owned so that tower middleware can hold it across awaits.
///
/// It shares the text of the message it came from (a batch's calls share one buffer) and keeps its
/// method, params and id as ranges of that text: taking it apart costs no copies.
pub struct Call {
    text: Arc<str>,
    method: MethodName,
    params: Option<Range<usize>>,
    id: Option<Range<usize>>,
    version: Version,
    extensions: Extensions,
}

/// A call's extensions: its own, or the message's (a batch's calls, a connection's calls) shared
/// until a call writes to them. Cloning a map per call cost a batch of 100 over HTTP a third of
/// its throughput once the transport put the client's address in every request's map.
pub(crate) enum Extensions {
    Owned(http::Extensions),
    Shared(Arc<http::Extensions>),
}

impl From<http::Extensions> for Extensions {
    fn from(extensions: http::Extensions) -> Extensions {
        Extensions::Owned(extensions)
    }
}

#[derive(Clone)]
enum MethodName {
    Borrowed(Range<usize>),
    /// The name had JSON escapes, so it no longer matches the raw text.
    Unescaped(Box<str>),
}

impl Call {
    /// Builds a call from a request parsed out of `text`.
    pub(crate) fn from_request(text: &Arc<str>, request: &Request<'_>, extensions: Extensions) -> Call {
        let method = match &request.method {
            std::borrow::Cow::Borrowed(name) => MethodName::Borrowed(range_in(text, name)),
            std::borrow::Cow::Owned(name) => MethodName::Unescaped(name.as_str().into()),
        };
        Call {
            text: Arc::clone(text),
            method,
            params: request.params.map(|params| range_in(text, params)),
            id: request.id.map(|id| range_in(text, id)),
            version: request.version,
            extensions,
        }
    }

    /// Builds a call by hand, e.g. in tests of middleware. `params` and `id` are JSON text.
    ///
    /// Fails with the reason if the pieces do not make a valid request.
    pub fn new(method: &str, params: Option<&str>, id: Option<&str>) -> Result<Call, ErrorObject> {
        let params = params
            .map(|text| serde_json::value::RawValue::from_string(text.to_owned()))
            .transpose()
            .map_err(|e| ErrorObject::standard(ErrorCode::ParseError).with_data(e.to_string()))?;
        let mut text = Vec::with_capacity(64);
        wire::write_request(&mut text, method, &params, id)
            .map_err(|e| ErrorObject::standard(ErrorCode::InvalidRequest).with_data(e.to_string()))?;
        let text = String::from_utf8(text).map_err(ErrorObject::internal)?;
        let text: Arc<str> = text.into();
        match wire::parse_incoming(&text, &wire::ParseOptions::default()) {
            Ok(wire::Incoming::Single(Ok(request))) => Ok(Call::from_request(
                &text,
                &request,
                http::Extensions::new().into(),
            )),
            Ok(wire::Incoming::Single(Err(invalid))) => {
                Err(ErrorObject::standard(ErrorCode::InvalidRequest).with_data(invalid.reason))
            }
            _ => Err(ErrorObject::standard(ErrorCode::ParseError)),
        }
    }

    /// The method name, unescaped.
    pub fn method(&self) -> &str {
        self.method.resolve(&self.text)
    }

    /// The raw JSON text of `params` (an array or an object), if the call has any.
    pub fn params(&self) -> Option<&str> {
        self.params.as_ref().map(|range| &self.text[range.clone()])
    }

    /// The message's text and where the params sit in it: what the `Params` extractor shares.
    pub(crate) fn params_in_text(&self) -> (Arc<str>, Option<Range<usize>>) {
        (Arc::clone(&self.text), self.params.clone())
    }

    /// The raw JSON text of the id, exactly as the client sent it; `None` for a notification.
    pub fn id(&self) -> Option<&str> {
        self.id.as_ref().map(|range| &self.text[range.clone()])
    }

    /// True when no reply may be sent.
    pub fn is_notification(&self) -> bool {
        self.id.is_none()
    }

    /// The protocol version the call was written in.
    pub fn version(&self) -> Version {
        self.version
    }

    /// Values the transport or middleware attached (peer address, authenticated key, ...).
    pub fn extensions(&self) -> &http::Extensions {
        match &self.extensions {
            Extensions::Owned(extensions) => extensions,
            Extensions::Shared(extensions) => extensions,
        }
    }

    /// Mutable access to the attached values, for middleware. The first write to values shared
    /// with other calls copies them for this call.
    pub fn extensions_mut(&mut self) -> &mut http::Extensions {
        if let Extensions::Shared(_) = &self.extensions {
            let empty = Extensions::Owned(http::Extensions::new());
            if let Extensions::Shared(shared) = std::mem::replace(&mut self.extensions, empty) {
                self.extensions = Extensions::Owned(Arc::unwrap_or_clone(shared));
            }
        }
        match &mut self.extensions {
            Extensions::Owned(extensions) => extensions,
            Extensions::Shared(_) => unreachable!("made owned above"),
        }
    }

    /// The reply carrying `result`, or `None` for a notification.
    ///
    /// A result that fails to serialize becomes -32603 with the reason as data.
    pub fn reply_result<T: Serialize + ?Sized>(&self, result: &T) -> Option<Reply> {
        let id = self.id()?;
        let mut json = Vec::with_capacity(64);
        match wire::write_result_response(&mut json, id, self.version, result) {
            Ok(()) => Some(Reply {
                json,
                error_code: None,
            }),
            Err(error) => self.reply_error(&ErrorObject::internal(format!(
                "the result could not be serialized: {error}"
            ))),
        }
    }

    /// The reply carrying `error`, or `None` for a notification.
    pub fn reply_error(&self, error: &ErrorObject) -> Option<Reply> {
        let id = self.id()?;
        Some(Reply::error(id, self.version, error))
    }

    /// Where the call's id sits in its message, and its version: with the message's text, enough to
    /// answer it after the call itself has been handed to a service. Costs no reference count.
    pub(crate) fn id_and_version(&self) -> (Option<Range<usize>>, Version) {
        (self.id.clone(), self.version)
    }

    /// What it takes to answer this call after it has been handed to a service or a handler: a
    /// shared reference to the text, no copy of the id or the method name.
    pub(crate) fn return_address(&self) -> ReturnAddress {
        ReturnAddress {
            text: Arc::clone(&self.text),
            method: self.method.clone(),
            id: self.id.clone(),
            version: self.version,
        }
    }
}

impl MethodName {
    fn resolve<'a>(&'a self, text: &'a str) -> &'a str {
        match self {
            MethodName::Borrowed(range) => &text[range.clone()],
            MethodName::Unescaped(name) => name,
        }
    }
}

/// Where to send an error for a call that middleware or a panicking handler failed.
pub(crate) struct ReturnAddress {
    text: Arc<str>,
    method: MethodName,
    id: Option<Range<usize>>,
    version: Version,
}

impl ReturnAddress {
    /// The method the call was for, for logs.
    pub(crate) fn method(&self) -> &str {
        self.method.resolve(&self.text)
    }

    /// The error reply, or `None` if the call was a notification.
    pub(crate) fn reply_error(&self, error: &ErrorObject) -> Option<Reply> {
        let id = &self.text[self.id.clone()?];
        Some(Reply::error(id, self.version, error))
    }
}

impl fmt::Debug for Call {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Call")
            .field("method", &self.method())
            .field("params", &self.params())
            .field("id", &self.id())
            .field("version", &self.version)
            .finish()
    }
}

/// The position of `part` inside `whole`; `part` must be a slice of `whole`.
fn range_in(whole: &str, part: &str) -> Range<usize> {
    let start = part.as_ptr() as usize - whole.as_ptr() as usize;
    debug_assert!(start + part.len() <= whole.len());
    start..start + part.len()
}

/// A complete response object, serialized, ready to be sent or put into a batch.
#[derive(Clone, PartialEq, Eq)]
pub struct Reply {
    json: Vec<u8>,
    error_code: Option<i64>,
}

impl Reply {
    /// An error response for the raw id text `id` (use [`wire::NULL_ID`] when it is unknown).
    pub fn error(id: &str, version: Version, error: &ErrorObject) -> Reply {
        let mut json = Vec::with_capacity(96);
        wire::write_error_response(&mut json, id, version, error);
        Reply {
            json,
            error_code: Some(error.code()),
        }
    }

    /// The serialized response object.
    pub fn as_bytes(&self) -> &[u8] {
        &self.json
    }

    /// The serialized response object, by value.
    pub fn into_bytes(self) -> Vec<u8> {
        self.json
    }

    /// The error code, if this reply is an error; lets middleware count failures without parsing.
    pub fn error_code(&self) -> Option<i64> {
        self.error_code
    }
}

impl fmt::Debug for Reply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Reply")
            .field(&String::from_utf8_lossy(&self.json))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_extensions_are_copied_on_the_first_write_only() {
        let mut map = http::Extensions::new();
        map.insert(7u32);
        let shared = Arc::new(map);
        let text: Arc<str> = r#"{"jsonrpc":"2.0","method":"m","id":1}"#.into();
        let request = match wire::parse_incoming(&text, &wire::ParseOptions::default()) {
            Ok(wire::Incoming::Single(Ok(request))) => request,
            other => panic!("{other:?}"),
        };
        let mut first = Call::from_request(&text, &request, Extensions::Shared(Arc::clone(&shared)));
        let second = Call::from_request(&text, &request, Extensions::Shared(Arc::clone(&shared)));
        assert_eq!(first.extensions().get::<u32>(), Some(&7));
        first.extensions_mut().insert(8u32);
        first.extensions_mut().insert("mine");
        assert_eq!(first.extensions().get::<u32>(), Some(&8));
        assert_eq!(
            second.extensions().get::<u32>(),
            Some(&7),
            "the other call keeps the shared map"
        );
        assert_eq!(second.extensions().get::<&str>(), None);
        assert_eq!(shared.get::<u32>(), Some(&7));
    }
}
