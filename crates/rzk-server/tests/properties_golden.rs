//! rzk's `.properties` reader against the JDK: 2000 seeded random inputs
//! and what `java.util.Properties.load` made of each, written by
//! `tools/properties-golden/regen.sh`. Every key/value pair (or the
//! malformed-`\u` error) must match. A Rust string cannot hold a lone
//! UTF-16 surrogate, which a `\uDxxx` escape can produce; the reader turns
//! it into U+FFFD, and the generator records it the same way.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

use std::collections::BTreeMap;

use rzk_server::config::Properties;

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len() / 2)
        .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
        .collect()
}

fn hex(s: &str) -> String {
    s.bytes().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn matches_the_jdk_on_every_golden_case() {
    let golden = include_str!("golden/properties.txt");
    let mut cases = 0;
    for (n, line) in golden.lines().enumerate() {
        let (input, want) = line.split_once('|').unwrap();
        let got = match Properties::parse_latin1(&unhex(input)) {
            Err(_) => "ERR".to_owned(),
            Ok(p) => {
                let sorted: BTreeMap<String, String> =
                    p.iter().map(|(k, v)| (hex(k), hex(v))).collect();
                sorted.iter().map(|(k, v)| format!("{k}={v},")).collect()
            }
        };
        let text: String = unhex(input).iter().map(|&b| char::from(b)).collect();
        assert_eq!(got, want, "case {} ({text:?})", n + 1);
        cases += 1;
    }
    assert_eq!(cases, 2000);
}
