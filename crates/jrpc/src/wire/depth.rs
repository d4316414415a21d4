//! A nesting-depth check over raw JSON text.
//!
//! Written by hand because serde_json only offers a fixed recursion limit that surfaces as a parse
//! error; this check lets the server refuse deep but valid JSON with its own configurable limit.

/// True if `json` (assumed valid JSON) nests arrays and objects more than `max_depth` levels deep.
pub fn nesting_depth_exceeds(json: &str, max_depth: usize) -> bool {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for &byte in json.as_bytes() {
        if in_string {
            if escaped {
                escaped = false;
            } else if byte == b'\\' {
                escaped = true;
            } else if byte == b'"' {
                in_string = false;
            }
            continue;
        }
        match byte {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > max_depth {
                    return true;
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::nesting_depth_exceeds;

    #[test]
    fn counts_only_structure_outside_strings() {
        assert!(!nesting_depth_exceeds(r#"[[1]]"#, 2));
        assert!(nesting_depth_exceeds(r#"[[[1]]]"#, 2));
        assert!(!nesting_depth_exceeds(r#"["[[[[", {"a": "\"[[["}]"#, 2));
        assert!(nesting_depth_exceeds(r#"{"a":{"b":{}}}"#, 2));
        assert!(!nesting_depth_exceeds("7", 0));
    }
}
