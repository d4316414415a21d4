//! Extractors: handler arguments read from the call and the registry's state rather than the params.
//!
//! [`State`] is the registry's shared state, [`Extension`] a value a transport or tower layer
//! attached to the call, [`Params`] the raw params text. The connection's `Peer` is one too (its
//! impl sits with the transports, which own it). An application may write its own: implement
//! [`FromCall`] for a type that reads the call its own way (e.g. params with its own error codes).

use std::fmt;
use std::ops::{Deref, Range};
use std::sync::Arc;

use serde::de::DeserializeOwned;

use super::call::Call;
use super::params::describe;
use crate::wire::ErrorObject;

/// A handler argument read from the call and the registry's state `S`.
///
/// Implement it only for types that are not params (params are anything `Deserialize`): the two
/// kinds are told apart by their types.
pub trait FromCall<S>: Sized + Send + 'static {
    /// True for an extractor that reads the params itself (such as [`Params`]): a handler with one
    /// and no typed params accepts any params, instead of refusing every one as unexpected.
    const READS_PARAMS: bool = false;

    /// Reads the argument; an error is sent as the call's reply.
    fn from_call(call: &Call, state: &Arc<S>) -> Result<Self, ErrorObject>;
}

/// The registry's shared state, given to every handler that asks for it (`Methods::with_state`).
///
/// It shares the one value the registry holds: asking for it costs a reference count, never a copy.
pub struct State<S>(pub Arc<S>);

impl<S> Deref for State<S> {
    type Target = S;

    fn deref(&self) -> &S {
        &self.0
    }
}

impl<S> Clone for State<S> {
    fn clone(&self) -> Self {
        State(Arc::clone(&self.0))
    }
}

impl<S: fmt::Debug> fmt::Debug for State<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("State").field(&self.0).finish()
    }
}

impl<S: Send + Sync + 'static> FromCall<S> for State<S> {
    fn from_call(_: &Call, state: &Arc<S>) -> Result<Self, ErrorObject> {
        Ok(State(Arc::clone(state)))
    }
}

/// A value of type `T` that a transport or a tower layer put into the call's extensions (the
/// client's address, an authenticated user...). A handler that asks for one the call lacks fails
/// with -32603; ask for `Option<Extension<T>>` where it may be absent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Extension<T>(pub T);

impl<T> Deref for Extension<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<S, T: Clone + Send + Sync + 'static> FromCall<S> for Extension<T> {
    fn from_call(call: &Call, _: &Arc<S>) -> Result<Self, ErrorObject> {
        call.extensions()
            .get::<T>()
            .cloned()
            .map(Extension)
            .ok_or_else(|| {
                ErrorObject::internal(format_args!(
                    "the call carries no {}: no layer or transport attached it",
                    std::any::type_name::<T>()
                ))
            })
    }
}

impl<S, T: Clone + Send + Sync + 'static> FromCall<S> for Option<Extension<T>> {
    fn from_call(call: &Call, _: &Arc<S>) -> Result<Self, ErrorObject> {
        Ok(call.extensions().get::<T>().cloned().map(Extension))
    }
}

/// The raw params of a call, for handlers that read them themselves.
///
/// It shares the text of the message the call came from: taking it costs a reference count, and
/// the params are never copied.
#[derive(Clone)]
pub struct Params {
    text: Arc<str>,
    range: Option<Range<usize>>,
}

impl Params {
    /// Params holding a copy of `raw` (JSON text of an array or an object), or none: for tests and
    /// for calls made by hand.
    pub fn new(raw: Option<&str>) -> Self {
        match raw {
            Some(raw) => Params {
                range: Some(0..raw.len()),
                text: Arc::from(raw),
            },
            None => Params {
                text: Arc::from(""),
                range: None,
            },
        }
    }

    /// The raw JSON text, if the call had params.
    pub fn as_str(&self) -> Option<&str> {
        self.range.as_ref().map(|range| &self.text[range.clone()])
    }

    /// True for params sent by position (an array).
    pub fn is_positional(&self) -> bool {
        self.as_str().is_some_and(|raw| raw.starts_with('['))
    }

    /// True for params sent by name (an object).
    pub fn is_named(&self) -> bool {
        self.as_str().is_some_and(|raw| raw.starts_with('{'))
    }

    /// Deserializes the whole params value into `T`; absent params read as `null`.
    /// Errors become -32602 with the reason as data.
    pub fn parse<T: DeserializeOwned>(&self) -> Result<T, ErrorObject> {
        serde_json::from_str(self.as_str().unwrap_or("null"))
            .map_err(|e| ErrorObject::invalid_params(describe(&e)))
    }
}

impl fmt::Debug for Params {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Params").field(&self.as_str()).finish()
    }
}

impl<S> FromCall<S> for Params {
    const READS_PARAMS: bool = true;

    fn from_call(call: &Call, _: &Arc<S>) -> Result<Self, ErrorObject> {
        let (text, range) = call.params_in_text();
        Ok(Params { text, range })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_params_parse_into_any_type() {
        let params = Params::new(Some("[1, 2, 4]"));
        assert!(params.is_positional());
        assert!(!params.is_named());
        assert_eq!(params.parse::<Vec<i64>>().unwrap(), vec![1, 2, 4]);
        assert_eq!(Params::new(None).parse::<Option<Vec<i64>>>().unwrap(), None);
        let error = Params::new(Some(r#"{"a":1}"#)).parse::<Vec<i64>>().unwrap_err();
        assert_eq!(error.code(), -32602);
    }

    #[test]
    fn extensions_are_found_or_named_in_the_error() {
        let state = Arc::new(());
        let mut call = Call::new("m", None, Some("1")).unwrap();
        let missing = <Extension<u32> as FromCall<()>>::from_call(&call, &state).unwrap_err();
        assert_eq!(missing.code(), -32603);
        assert!(<Option<Extension<u32>> as FromCall<()>>::from_call(&call, &state)
            .unwrap()
            .is_none());
        call.extensions_mut().insert(7u32);
        let found = <Extension<u32> as FromCall<()>>::from_call(&call, &state).unwrap();
        assert_eq!(*found, 7);
    }
}
