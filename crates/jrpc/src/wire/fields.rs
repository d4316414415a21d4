//! One pass of serde over a JSON-RPC object, keeping its members as borrowed raw JSON text.
//!
//! Every member is captured as `&RawValue` (validated but not interpreted) and unknown members are
//! skipped, so the shape checks of the specification can run afterwards on plain slices.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

/// The members of one JSON value that a request or response may carry.
#[derive(Debug, Default)]
pub(crate) struct Fields<'a> {
    /// False when the value is not a JSON object at all.
    pub is_object: bool,
    pub jsonrpc: Option<&'a RawValue>,
    pub method: Option<&'a RawValue>,
    pub params: Option<&'a RawValue>,
    pub id: Option<&'a RawValue>,
    pub result: Option<&'a RawValue>,
    pub error: Option<&'a RawValue>,
    /// A member the protocol defines appeared twice: the object is ambiguous.
    pub duplicate: bool,
}

enum Key {
    Jsonrpc,
    Method,
    Params,
    Id,
    Result,
    Error,
    Other,
}

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl Visitor<'_> for KeyVisitor {
            type Value = Key;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a member name")
            }
            // serde_json hands over the unescaped name, so `"m\u0065thod"` is `method`.
            fn visit_str<E: de::Error>(self, name: &str) -> Result<Key, E> {
                Ok(match name {
                    "jsonrpc" => Key::Jsonrpc,
                    "method" => Key::Method,
                    "params" => Key::Params,
                    "id" => Key::Id,
                    "result" => Key::Result,
                    "error" => Key::Error,
                    _ => Key::Other,
                })
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

pub(crate) struct FieldsVisitor;

impl<'de> Visitor<'de> for FieldsVisitor {
    type Value = Fields<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Fields<'de>, A::Error> {
        let mut fields = Fields {
            is_object: true,
            ..Fields::default()
        };
        while let Some(key) = map.next_key::<Key>()? {
            let slot = match key {
                Key::Jsonrpc => &mut fields.jsonrpc,
                Key::Method => &mut fields.method,
                Key::Params => &mut fields.params,
                Key::Id => &mut fields.id,
                Key::Result => &mut fields.result,
                Key::Error => &mut fields.error,
                Key::Other => {
                    map.next_value::<IgnoredAny>()?;
                    continue;
                }
            };
            let value = map.next_value::<&'de RawValue>()?;
            if slot.replace(value).is_some() {
                fields.duplicate = true;
            }
        }
        Ok(fields)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Fields<'de>, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Fields::default())
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Fields<'de>, E> {
        Ok(Fields::default())
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Fields<'de>, E> {
        Ok(Fields::default())
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Fields<'de>, E> {
        Ok(Fields::default())
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Fields<'de>, E> {
        Ok(Fields::default())
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Fields<'de>, E> {
        Ok(Fields::default())
    }
    fn visit_unit<E: de::Error>(self) -> Result<Fields<'de>, E> {
        Ok(Fields::default())
    }
}

impl<'de> Deserialize<'de> for Fields<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(FieldsVisitor)
    }
}

/// A whole message: one value, or a batch array of values.
pub(crate) enum TopLevel<'a> {
    Single(Fields<'a>),
    Batch(Vec<Fields<'a>>),
}

impl<'de> Deserialize<'de> for TopLevel<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TopVisitor;
        impl<'de> Visitor<'de> for TopVisitor {
            type Value = TopLevel<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON-RPC message or batch")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<TopLevel<'de>, A::Error> {
                let mut elements = Vec::with_capacity(seq.size_hint().unwrap_or(8).min(1024));
                while let Some(element) = seq.next_element::<Fields<'de>>()? {
                    elements.push(element);
                }
                Ok(TopLevel::Batch(elements))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<TopLevel<'de>, A::Error> {
                FieldsVisitor.visit_map(map).map(TopLevel::Single)
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<TopLevel<'de>, E> {
                Ok(TopLevel::Single(Fields::default()))
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<TopLevel<'de>, E> {
                Ok(TopLevel::Single(Fields::default()))
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<TopLevel<'de>, E> {
                Ok(TopLevel::Single(Fields::default()))
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<TopLevel<'de>, E> {
                Ok(TopLevel::Single(Fields::default()))
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<TopLevel<'de>, E> {
                Ok(TopLevel::Single(Fields::default()))
            }
            fn visit_unit<E: de::Error>(self) -> Result<TopLevel<'de>, E> {
                Ok(TopLevel::Single(Fields::default()))
            }
        }
        deserializer.deserialize_any(TopVisitor)
    }
}

/// Parses a message in one pass; on failure, tells real syntax errors from values serde cannot hold.
///
/// serde_json's `deserialize_any` rejects valid numbers such as `1e400` at the top of a value. Such
/// input is valid JSON, so it must not be called a parse error: the slow path reads each element as a
/// raw value instead, and only objects are looked into.
pub(crate) fn parse_top_level(input: &str) -> Result<TopLevel<'_>, serde_json::Error> {
    // serde_json files "number out of range" under syntax errors, so any failure takes the slow path,
    // which costs a second scan of input that is usually invalid anyway.
    serde_json::from_str::<TopLevel<'_>>(input).or_else(|_| parse_top_level_slowly(input))
}

fn parse_top_level_slowly(input: &str) -> Result<TopLevel<'_>, serde_json::Error> {
    let raw: &RawValue = serde_json::from_str(input)?;
    fn fields_of(value: &RawValue) -> Result<Fields<'_>, serde_json::Error> {
        if value.get().starts_with('{') {
            serde_json::from_str(value.get())
        } else {
            Ok(Fields::default())
        }
    }
    if raw.get().starts_with('[') {
        let elements: Vec<&RawValue> = serde_json::from_str(raw.get())?;
        let fields = elements.into_iter().map(fields_of).collect::<Result<_, _>>()?;
        Ok(TopLevel::Batch(fields))
    } else {
        fields_of(raw).map(TopLevel::Single)
    }
}

/// The kind of JSON value a raw text holds, judged by its first byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum JsonKind {
    String,
    Number,
    Null,
    Bool,
    Array,
    Object,
}

pub(crate) fn kind_of(raw: &RawValue) -> JsonKind {
    match raw.get().as_bytes().first() {
        Some(b'"') => JsonKind::String,
        Some(b'n') => JsonKind::Null,
        Some(b't' | b'f') => JsonKind::Bool,
        Some(b'[') => JsonKind::Array,
        Some(b'{') => JsonKind::Object,
        _ => JsonKind::Number,
    }
}

/// The text of a JSON string, borrowed when it has no escapes.
pub(crate) fn string_value(raw: &RawValue) -> Option<std::borrow::Cow<'_, str>> {
    let text = raw.get();
    if kind_of(raw) != JsonKind::String {
        return None;
    }
    let inner = &text[1..text.len() - 1];
    if inner.contains('\\') {
        serde_json::from_str::<String>(text)
            .ok()
            .map(std::borrow::Cow::Owned)
    } else {
        Some(std::borrow::Cow::Borrowed(inner))
    }
}
