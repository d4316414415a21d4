//! Typed parameters: one registration serves calls by position and by name.
//!
//! A handler's arguments form a tuple; with the parameter names given at registration, `[42, 23]` and
//! `{"minuend": 42, "subtrahend": 23}` both become `(42, 23)`. A missing parameter is accepted only if
//! its type accepts nothing (an `Option`), so trailing optional parameters may be left out.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{
    self, DeserializeOwned, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor,
};
use serde_json::value::RawValue;

use crate::wire::ErrorObject;

/// Arguments a handler can take, read from the `params` of a call.
pub trait FromParams: Sized + Send + 'static {
    /// How many parameters, and so how many names the registration must give.
    const ARITY: usize;

    /// The parameter names a registration gives: an array of exactly `ARITY` names, so a wrong
    /// count fails to compile.
    type Names: AsRef<[&'static str]> + Copy + Send + Sync + 'static;

    /// Reads the arguments from raw `params` text (an array or an object), or from no params at all.
    fn from_params(params: Option<&str>, names: &[&'static str]) -> Result<Self, ErrorObject>;

    /// For each parameter, whether a call must give it: false for types that accept absence
    /// (`Option`, `()`, `serde_json::Value`), which read a missing parameter as nothing.
    fn required() -> Vec<bool> {
        vec![true; Self::ARITY]
    }
}

/// serde_json's message without the line and column, which point into the params text, not the request.
pub(crate) fn describe(error: &serde_json::Error) -> String {
    let text = error.to_string();
    match text.rfind(" at line ") {
        Some(at) => text[..at].to_owned(),
        None => text,
    }
}

/// The value of a parameter that was not sent: types that accept "nothing" (`Option`, `()`) say so.
fn missing<T: DeserializeOwned, E: de::Error>(name: &str) -> Result<T, E> {
    T::deserialize(de::value::UnitDeserializer::<de::value::Error>::new())
        .map_err(|_| E::custom(format_args!("missing parameter `{name}`")))
}

/// Deserializes one positional parameter, naming it in the error.
struct Named<T> {
    name: &'static str,
    marker: PhantomData<T>,
}

impl<'de, T: DeserializeOwned> DeserializeSeed<'de> for Named<T> {
    type Value = T;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<T, D::Error> {
        T::deserialize(deserializer)
            .map_err(|e| de::Error::custom(format_args!("parameter `{}`: {e}", self.name)))
    }
}

/// The name as sent, borrowed unless it had escapes.
struct Key<'de>(std::borrow::Cow<'de, str>);

impl<'de> de::Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a parameter name")
            }
            fn visit_borrowed_str<E: de::Error>(self, name: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(std::borrow::Cow::Borrowed(name)))
            }
            fn visit_str<E: de::Error>(self, name: &str) -> Result<Key<'de>, E> {
                Ok(Key(std::borrow::Cow::Owned(name.to_owned())))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

/// Collects the raw value of each expected name from a params object.
fn collect_named<'de, A: MapAccess<'de>>(
    mut map: A,
    names: &[&'static str],
    slots: &mut [Option<&'de RawValue>],
) -> Result<(), A::Error> {
    while let Some(Key(key)) = map.next_key::<Key<'de>>()? {
        let Some(index) = names.iter().position(|name| *name == key) else {
            return Err(de::Error::custom(format_args!("unknown parameter `{key}`")));
        };
        if slots[index].replace(map.next_value::<&'de RawValue>()?).is_some() {
            return Err(de::Error::custom(format_args!("parameter `{key}` given twice")));
        }
    }
    Ok(())
}

/// Reads one collected named parameter into its type.
fn named_value<T: DeserializeOwned, E: de::Error>(slot: Option<&RawValue>, name: &str) -> Result<T, E> {
    match slot {
        Some(raw) => serde_json::from_str(raw.get())
            .map_err(|e| E::custom(format_args!("parameter `{name}`: {}", describe(&e)))),
        None => missing(name),
    }
}

/// Fails if a positional array has more elements than the handler takes.
fn no_more_elements<'de, A: SeqAccess<'de>>(mut seq: A, arity: usize) -> Result<(), A::Error> {
    let mut extra = 0usize;
    while seq.next_element::<IgnoredAny>()?.is_some() {
        extra += 1;
    }
    if extra > 0 {
        let noun = if arity == 1 { "parameter" } else { "parameters" };
        return Err(de::Error::custom(format_args!(
            "expected at most {arity} {noun}, got {}",
            arity + extra
        )));
    }
    Ok(())
}

struct ParamsVisitor<'n, T> {
    names: &'n [&'static str],
    marker: PhantomData<T>,
}

macro_rules! tuple_params {
    ($arity:literal; $($ty:ident $var:ident $index:tt),*) => {
        impl<$($ty: DeserializeOwned + Send + 'static),*> FromParams for ($($ty,)*) {
            const ARITY: usize = $arity;
            type Names = [&'static str; $arity];

            fn from_params(params: Option<&str>, names: &[&'static str]) -> Result<Self, ErrorObject> {
                let visitor = ParamsVisitor::<Self> { names, marker: PhantomData };
                let result = match params {
                    Some(text) => serde_json::Deserializer::from_str(text).deserialize_any(visitor),
                    None => visitor.absent(),
                };
                result.map_err(|e| ErrorObject::invalid_params(describe(&e)))
            }

            fn required() -> Vec<bool> {
                vec![$(missing::<$ty, de::value::Error>("").is_err()),*]
            }
        }

        impl<'de, $($ty: DeserializeOwned),*> Visitor<'de> for ParamsVisitor<'_, ($($ty,)*)> {
            type Value = ($($ty,)*);

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("params as an array or an object")
            }

            #[allow(unused_mut, unused_variables)]
            fn visit_seq<Seq: SeqAccess<'de>>(self, mut seq: Seq) -> Result<Self::Value, Seq::Error> {
                $(
                    let $var = match seq.next_element_seed(Named::<$ty> { name: self.names[$index], marker: PhantomData })? {
                        Some(value) => value,
                        None => missing::<$ty, Seq::Error>(self.names[$index])?,
                    };
                )*
                no_more_elements(seq, $arity)?;
                Ok(($($var,)*))
            }

            #[allow(unused_mut)]
            fn visit_map<Map: MapAccess<'de>>(self, map: Map) -> Result<Self::Value, Map::Error> {
                let mut slots: [Option<&'de RawValue>; $arity] = [None; $arity];
                collect_named(map, self.names, &mut slots)?;
                Ok(($(named_value::<$ty, Map::Error>(slots[$index], self.names[$index])?,)*))
            }
        }

        impl<$($ty: DeserializeOwned),*> ParamsVisitor<'_, ($($ty,)*)> {
            fn absent(self) -> Result<($($ty,)*), serde_json::Error> {
                Ok(($(missing::<$ty, serde_json::Error>(self.names[$index])?,)*))
            }
        }
    };
}

tuple_params!(0;);
tuple_params!(1; A a 0);
tuple_params!(2; A a 0, B b 1);
tuple_params!(3; A a 0, B b 1, C c 2);
tuple_params!(4; A a 0, B b 1, C c 2, D d 3);
tuple_params!(5; A a 0, B b 1, C c 2, D d 3, E e 4);
tuple_params!(6; A a 0, B b 1, C c 2, D d 3, E e 4, F f 5);
tuple_params!(7; A a 0, B b 1, C c 2, D d 3, E e 4, F f 5, G g 6);
tuple_params!(8; A a 0, B b 1, C c 2, D d 3, E e 4, F f 5, G g 6, H h 7);

#[cfg(test)]
mod tests {
    use super::*;

    const NAMES: &[&str] = &["minuend", "subtrahend"];

    fn read<T: FromParams>(params: Option<&str>, names: &[&'static str]) -> Result<T, String> {
        T::from_params(params, names).map_err(|e| {
            assert_eq!(e.code(), -32602);
            e.data()
                .map(|d| serde_json::from_str::<String>(d.get()).unwrap())
                .unwrap_or_default()
        })
    }

    #[test]
    fn by_position_and_by_name_give_the_same_arguments() {
        assert_eq!(read::<(i64, i64)>(Some("[42, 23]"), NAMES), Ok((42, 23)));
        assert_eq!(
            read::<(i64, i64)>(Some(r#"{"subtrahend": 23, "minuend": 42}"#), NAMES),
            Ok((42, 23))
        );
        assert_eq!(
            read::<(i64, i64)>(Some(r#"{"minu\u0065nd": 42, "subtrahend": 23}"#), NAMES),
            Ok((42, 23))
        );
    }

    #[test]
    fn trailing_options_may_be_omitted() {
        let names = &["a", "b"];
        assert_eq!(read::<(i64, Option<i64>)>(Some("[1]"), names), Ok((1, None)));
        assert_eq!(
            read::<(i64, Option<i64>)>(Some(r#"{"a": 1}"#), names),
            Ok((1, None))
        );
        assert_eq!(read::<(Option<i64>,)>(None, &["a"]), Ok((None,)));
        assert_eq!(read::<()>(None, &[]), Ok(()));
        assert_eq!(read::<()>(Some("[]"), &[]), Ok(()));
        assert_eq!(read::<()>(Some("{}"), &[]), Ok(()));
    }

    #[test]
    fn errors_name_the_parameter() {
        assert_eq!(
            read::<(i64, i64)>(Some("[42]"), NAMES),
            Err("missing parameter `subtrahend`".into())
        );
        assert_eq!(
            read::<(i64, i64)>(None, NAMES),
            Err("missing parameter `minuend`".into())
        );
        assert_eq!(
            read::<(i64, i64)>(Some("[1, 2, 3]"), NAMES),
            Err("expected at most 2 parameters, got 3".into())
        );
        assert_eq!(
            read::<(i64, i64)>(Some(r#"{"minuend": 1}"#), NAMES),
            Err("missing parameter `subtrahend`".into())
        );
        assert_eq!(
            read::<(i64, i64)>(Some(r#"{"minuend": 1, "subtrahend": 2, "x": 3}"#), NAMES),
            Err("unknown parameter `x`".into())
        );
        assert_eq!(
            read::<(i64, i64)>(Some(r#"{"minuend": 1, "minuend": 2}"#), NAMES),
            Err("parameter `minuend` given twice".into())
        );
        assert_eq!(
            read::<(i64, i64)>(Some(r#"["a", 2]"#), NAMES),
            Err(r#"parameter `minuend`: invalid type: string "a", expected i64"#.into())
        );
        assert_eq!(
            read::<(i64, i64)>(Some(r#"{"minuend": 1, "subtrahend": 2.5}"#), NAMES),
            Err("parameter `subtrahend`: invalid type: floating point `2.5`, expected i64".into())
        );
        assert_eq!(
            read::<()>(Some("[1]"), &[]),
            Err("expected at most 0 parameters, got 1".into())
        );
    }
}
