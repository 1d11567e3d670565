//! The part of Apache Commons CLI's `DefaultParser` (1.5) that zkCli's
//! commands use: single-letter options, with or without a value, anywhere
//! on the line (`deleteall /a -b 2`), joined (`-sw`, `-v1`, `-t=5`), `--`,
//! one option group, and the parser's exception texts, which zkCli prints
//! verbatim as `org.apache.commons.cli.<Exception>: <message>`.

use std::collections::BTreeMap;

/// One single-letter option.
#[derive(Debug, Clone, Copy)]
pub struct Opt {
    /// The letter after `-`.
    pub name: char,
    /// Whether it takes a value.
    pub takes_value: bool,
}

/// Options that exclude each other (Commons CLI's `OptionGroup`).
#[derive(Debug, Clone, Copy)]
pub struct Group {
    /// Its members.
    pub members: &'static [char],
    /// Whether one must be given; `missing` is the message then.
    pub required: Option<&'static str>,
}

/// A command's option table.
#[derive(Debug, Clone, Copy)]
pub struct Spec {
    /// The options.
    pub opts: &'static [Opt],
    /// An optional group among them.
    pub group: Option<Group>,
}

/// Flags without a value.
pub const fn flag(name: char) -> Opt {
    Opt {
        name,
        takes_value: false,
    }
}

/// Options with a value.
pub const fn valued(name: char) -> Opt {
    Opt {
        name,
        takes_value: true,
    }
}

/// What the parser found: positional words (the command first) and options.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Parsed {
    /// Non-option words, in order; `args[0]` is the command.
    pub args: Vec<String>,
    opts: BTreeMap<char, Option<String>>,
}

impl Parsed {
    /// Whether `-name` was given.
    pub fn has(&self, name: char) -> bool {
        self.opts.contains_key(&name)
    }

    /// The first value given for `-name`.
    pub fn value(&self, name: char) -> Option<&str> {
        self.opts.get(&name).and_then(|v| v.as_deref())
    }
}

fn err(class: &str, message: String) -> String {
    format!("org.apache.commons.cli.{class}: {message}")
}

struct Parser<'a> {
    spec: &'a Spec,
    out: Parsed,
    /// The option still waiting for its value.
    pending: Option<char>,
    selected: Option<char>,
}

impl Parser<'_> {
    fn find(&self, name: char) -> Option<Opt> {
        self.spec.opts.iter().copied().find(|o| o.name == name)
    }

    /// Whether the token names an option (Commons CLI `isShortOption`: the
    /// whole name, or its first letter).
    fn is_option(&self, token: &str) -> bool {
        let Some(name) = token.strip_prefix('-') else {
            return false;
        };
        let name = name.split('=').next().unwrap_or("");
        let mut chars = name.chars();
        chars.next().is_some_and(|c| self.find(c).is_some())
    }

    fn check_pending(&mut self) -> Result<(), String> {
        match self.pending.take() {
            Some(name) if !self.out.opts.get(&name).is_some_and(Option::is_some) => Err(err(
                "MissingArgumentException",
                format!("Missing argument for option: {name}"),
            )),
            _ => Ok(()),
        }
    }

    fn take(&mut self, opt: Opt) -> Result<(), String> {
        self.check_pending()?;
        if let Some(group) = self.spec.group {
            if group.members.contains(&opt.name) {
                match self.selected {
                    Some(s) if s != opt.name => {
                        return Err(err(
                            "AlreadySelectedException",
                            format!(
                                "The option '{}' was specified but an option from this group has already been selected: '{s}'",
                                opt.name
                            ),
                        ))
                    }
                    _ => self.selected = Some(opt.name),
                }
            }
        }
        self.out.opts.entry(opt.name).or_insert(None);
        if opt.takes_value {
            self.pending = Some(opt.name);
        }
        Ok(())
    }

    fn set_value(&mut self, name: char, value: &str) {
        let slot = self.out.opts.entry(name).or_insert(None);
        if slot.is_none() {
            *slot = Some(value.to_string());
        }
        self.pending = None;
    }

    fn unrecognized(token: &str) -> String {
        err(
            "UnrecognizedOptionException",
            format!("Unrecognized option: {token}"),
        )
    }

    fn option_token(&mut self, token: &str) -> Result<(), String> {
        let body = &token[1..];
        if let Some((name, value)) = body.split_once('=') {
            let mut cs = name.chars();
            return match (cs.next().and_then(|c| self.find(c)), cs.next()) {
                (Some(opt), None) if opt.takes_value => {
                    self.take(opt)?;
                    self.set_value(opt.name, value);
                    Ok(())
                }
                _ => Err(Self::unrecognized(token)),
            };
        }
        // Joined letters: each is an option until one takes a value, which
        // then gets the rest of the token.
        for (i, c) in body.char_indices() {
            let Some(opt) = self.find(c) else {
                return Err(Self::unrecognized(token));
            };
            self.take(opt)?;
            let rest = &body[i + c.len_utf8()..];
            if opt.takes_value && !rest.is_empty() {
                self.set_value(opt.name, rest);
                break;
            }
        }
        Ok(())
    }
}

/// Parses `words` (the command first) against `spec`. The error is the
/// line zkCli prints for the parser's exception.
pub fn parse(spec: &Spec, words: &[String]) -> Result<Parsed, String> {
    let mut p = Parser {
        spec,
        out: Parsed::default(),
        pending: None,
        selected: None,
    };
    let mut only_args = false;
    for token in words {
        if only_args {
            p.out.args.push(token.clone());
        } else if token == "--" {
            only_args = true;
        } else if let Some(name) = p.pending.filter(|_| !p.is_option(token)) {
            p.set_value(name, token);
        } else if token.starts_with("--") {
            // No command has long options.
            return Err(Parser::unrecognized(token));
        } else if token.starts_with('-') && token != "-" {
            p.option_token(token)?;
        } else {
            p.out.args.push(token.clone());
        }
    }
    p.check_pending()?;
    if let Some(Group {
        required: Some(missing),
        ..
    }) = spec.group
    {
        if p.selected.is_none() {
            return Err(err(
                "MissingOptionException",
                format!("Missing required option: {missing}"),
            ));
        }
    }
    Ok(p.out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LS: Spec = Spec {
        opts: &[flag('s'), flag('w'), flag('R'), flag('?')],
        group: None,
    };
    const SET: Spec = Spec {
        opts: &[flag('s'), valued('v')],
        group: None,
    };
    const QUOTA: Spec = Spec {
        opts: &[valued('n'), valued('b'), valued('N'), valued('B')],
        group: Some(Group {
            members: &['n', 'b', 'N', 'B'],
            required: Some("[-n num soft quota]"),
        }),
    };

    fn words(s: &str) -> Vec<String> {
        s.split(' ').map(String::from).collect()
    }

    #[test]
    fn flags_values_and_positions() {
        let p = parse(&LS, &words("ls -sw /a")).unwrap();
        assert!(p.has('s') && p.has('w') && !p.has('R'));
        assert_eq!(p.args, ["ls", "/a"]);
        let p = parse(&SET, &words("set /a x -v 3")).unwrap();
        assert_eq!((p.value('v'), p.args.len()), (Some("3"), 3));
        assert_eq!(
            parse(&SET, &words("set -v1 /a x")).unwrap().value('v'),
            Some("1")
        );
        assert_eq!(
            parse(&SET, &words("set -v=2 /a x")).unwrap().value('v'),
            Some("2")
        );
        assert_eq!(
            parse(&SET, &words("set -v -5 /a x")).unwrap().value('v'),
            Some("-5")
        );
        assert_eq!(parse(&LS, &words("ls -- -s")).unwrap().args, ["ls", "-s"]);
        assert_eq!(parse(&LS, &words("ls -")).unwrap().args, ["ls", "-"]);
    }

    #[test]
    fn exception_texts_match_commons_cli() {
        assert_eq!(
            parse(&LS, &words("ls -x /")).unwrap_err(),
            "org.apache.commons.cli.UnrecognizedOptionException: Unrecognized option: -x"
        );
        assert_eq!(
            parse(&SET, &words("set /q -1")).unwrap_err(),
            "org.apache.commons.cli.UnrecognizedOptionException: Unrecognized option: -1"
        );
        assert_eq!(
            parse(&SET, &words("set -v")).unwrap_err(),
            "org.apache.commons.cli.MissingArgumentException: Missing argument for option: v"
        );
        assert_eq!(
            parse(&SET, &words("set -v -s /a x")).unwrap_err(),
            "org.apache.commons.cli.MissingArgumentException: Missing argument for option: v"
        );
        assert_eq!(
            parse(&QUOTA, &words("setquota -N 10 -B 1000 /a")).unwrap_err(),
            "org.apache.commons.cli.AlreadySelectedException: The option 'B' was specified but an option from this group has already been selected: 'N'"
        );
        assert_eq!(
            parse(&QUOTA, &words("setquota /a")).unwrap_err(),
            "org.apache.commons.cli.MissingOptionException: Missing required option: [-n num soft quota]"
        );
        assert_eq!(
            parse(&LS, &words("ls -s1 /")).unwrap_err(),
            "org.apache.commons.cli.UnrecognizedOptionException: Unrecognized option: -s1"
        );
    }
}
