//! JSON values that keep the order of object members, for byte-exact signatures.
//!
//! A signed `random` object is signed as compact JSON with its members in a fixed order. To verify
//! one a client sends back, the server must write it again exactly as it was built, so objects here
//! are lists of members, not maps. (serde_json's `preserve_order` feature would change maps for the
//! whole workspace; this keeps the choice local.)

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use serde_json::Number;

/// A JSON value whose objects keep their members in order.
#[derive(Debug, Clone, PartialEq)]
pub enum OrderedJson {
    Null,
    Bool(bool),
    Number(Number),
    String(String),
    Array(Vec<OrderedJson>),
    Object(Vec<(String, OrderedJson)>),
}

impl OrderedJson {
    /// The member `name` of an object.
    pub fn get(&self, name: &str) -> Option<&OrderedJson> {
        match self {
            OrderedJson::Object(members) => members
                .iter()
                .find(|(key, _)| key == name)
                .map(|(_, value)| value),
            _ => None,
        }
    }

    /// The text of a string value.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            OrderedJson::String(text) => Some(text),
            _ => None,
        }
    }

    /// The value of an integer.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            OrderedJson::Number(number) => number.as_i64(),
            _ => None,
        }
    }

    /// The compact JSON text: no whitespace, members in order, `/` unescaped, UTF-8.
    pub fn to_compact_bytes(&self) -> Vec<u8> {
        // Serializing plain data to a Vec cannot fail.
        serde_json::to_vec(self).unwrap_or_default()
    }
}

impl From<i64> for OrderedJson {
    fn from(value: i64) -> Self {
        OrderedJson::Number(value.into())
    }
}

impl From<u64> for OrderedJson {
    fn from(value: u64) -> Self {
        OrderedJson::Number(value.into())
    }
}

impl From<f64> for OrderedJson {
    fn from(value: f64) -> Self {
        Number::from_f64(value).map_or(OrderedJson::Null, OrderedJson::Number)
    }
}

impl From<bool> for OrderedJson {
    fn from(value: bool) -> Self {
        OrderedJson::Bool(value)
    }
}

impl From<&str> for OrderedJson {
    fn from(value: &str) -> Self {
        OrderedJson::String(value.to_owned())
    }
}

impl From<String> for OrderedJson {
    fn from(value: String) -> Self {
        OrderedJson::String(value)
    }
}

impl<T: Into<OrderedJson>> From<Vec<T>> for OrderedJson {
    fn from(values: Vec<T>) -> Self {
        OrderedJson::Array(values.into_iter().map(Into::into).collect())
    }
}

impl Serialize for OrderedJson {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            OrderedJson::Null => serializer.serialize_unit(),
            OrderedJson::Bool(value) => serializer.serialize_bool(*value),
            OrderedJson::Number(number) => number.serialize(serializer),
            OrderedJson::String(text) => serializer.serialize_str(text),
            OrderedJson::Array(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            OrderedJson::Object(members) => {
                let mut map = serializer.serialize_map(Some(members.len()))?;
                for (key, value) in members {
                    map.serialize_entry(key, value)?;
                }
                map.end()
            }
        }
    }
}

impl<'de> Deserialize<'de> for OrderedJson {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct OrderedVisitor;
        impl<'de> Visitor<'de> for OrderedVisitor {
            type Value = OrderedJson;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_unit<E: de::Error>(self) -> Result<OrderedJson, E> {
                Ok(OrderedJson::Null)
            }
            fn visit_bool<E: de::Error>(self, value: bool) -> Result<OrderedJson, E> {
                Ok(OrderedJson::Bool(value))
            }
            fn visit_i64<E: de::Error>(self, value: i64) -> Result<OrderedJson, E> {
                Ok(value.into())
            }
            fn visit_u64<E: de::Error>(self, value: u64) -> Result<OrderedJson, E> {
                Ok(value.into())
            }
            fn visit_f64<E: de::Error>(self, value: f64) -> Result<OrderedJson, E> {
                Ok(value.into())
            }
            fn visit_str<E: de::Error>(self, value: &str) -> Result<OrderedJson, E> {
                Ok(value.into())
            }
            fn visit_string<E: de::Error>(self, value: String) -> Result<OrderedJson, E> {
                Ok(value.into())
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<OrderedJson, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element()? {
                    items.push(item);
                }
                Ok(OrderedJson::Array(items))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<OrderedJson, A::Error> {
                let mut members = Vec::new();
                while let Some((key, value)) = map.next_entry::<String, OrderedJson>()? {
                    members.push((key, value));
                }
                Ok(OrderedJson::Object(members))
            }
        }
        deserializer.deserialize_any(OrderedVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_keep_their_order_and_text_round_trips() {
        let text =
            r#"{"method":"generateSignedIntegers","z":1,"a":[0.5,-3,"é/x"],"m":{"b":true,"a":null},"f":5.0}"#;
        let value: OrderedJson = serde_json::from_str(text).unwrap();
        assert_eq!(String::from_utf8(value.to_compact_bytes()).unwrap(), text);
    }
}
