//! Access control (`PROTOCOL.md` §3.10): the permission check, the ACL
//! fix-up run on create and setACL, the masking getACL applies for callers
//! without ADMIN, and whoAmI's user names.
//!
//! ZooKeeper's pluggable `AuthenticationProvider`s become a closed set here:
//! `ip` and `digest` are built in (digest can be switched off), `sasl` and
//! `x509` exist when the server configures them. Anything else — `super`,
//! `world` ids other than `anyone`, unknown schemes — has no provider, which
//! is exactly how ZooKeeper treats them: never matched, and InvalidACL in a
//! new ACL.

pub mod digest;
pub mod ip;

use rzk_proto::codes::{perms, ErrorCode};
use rzk_proto::data::{Acl, ClientInfo, Id};

/// The scheme whose ids bypass every check.
pub const SUPER: &str = "super";
/// The scheme of `world:anyone`.
pub const WORLD: &str = "world";
/// The only id of the world scheme.
pub const ANYONE: &str = "anyone";
/// The create-time alias for "the caller's authenticated ids".
pub const AUTH: &str = "auth";
/// The scheme every connection carries (`ip:<remote address>`).
pub const IP: &str = "ip";
/// The SASL scheme.
pub const SASL: &str = "sasl";
/// The TLS client-certificate scheme.
pub const X509: &str = "x509";

/// Why an ACL operation failed; each maps to one ZooKeeper error code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AclError {
    /// The caller lacks the permission (NoAuth, -102).
    #[error("not authorised")]
    NoAuth,
    /// A new ACL is empty, names an unknown scheme or a malformed id, or uses
    /// `auth` on a connection with no authenticated id (InvalidACL, -114).
    #[error("invalid ACL")]
    InvalidAcl,
}

impl AclError {
    /// The error code sent to the client.
    pub fn code(self) -> ErrorCode {
        match self {
            AclError::NoAuth => ErrorCode::NoAuth,
            AclError::InvalidAcl => ErrorCode::InvalidAcl,
        }
    }
}

/// The server's authentication settings that change ACL decisions (Java
/// system properties in ZooKeeper). `Default` is ZooKeeper's default: ACLs
/// enforced, digest enabled, no SASL or x509 provider, no super user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthConfig {
    /// `zookeeper.skipACL=yes`: every permission check passes.
    pub skip_acl: bool,
    /// `zookeeper.DigestAuthenticationProvider.enabled` (default true).
    pub digest_enabled: bool,
    /// `zookeeper.DigestAuthenticationProvider.superDigest`: a digest id
    /// (`super:<base64 sha1>`) whose owner also becomes `super`.
    pub super_digest: Option<String>,
    /// A `zookeeper.authProvider.N` names the SASL provider.
    pub sasl_enabled: bool,
    /// `zookeeper.letAnySaslUserDoX`: an ACL id any SASL user matches.
    pub let_any_sasl_user_do_x: Option<String>,
    /// The x509 provider is configured (`ssl.authProvider=x509`).
    pub x509_enabled: bool,
    /// `zookeeper.X509AuthenticationProvider.superUser`: a DN that matches
    /// every x509 ACL id.
    pub x509_super_user: Option<String>,
}

impl Default for AuthConfig {
    fn default() -> Self {
        Self {
            skip_acl: false,
            digest_enabled: true,
            super_digest: None,
            sasl_enabled: false,
            let_any_sasl_user_do_x: None,
            x509_enabled: false,
            x509_super_user: None,
        }
    }
}

/// The providers ZooKeeper would find in its registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Provider {
    Ip,
    Digest,
    Sasl,
    X509,
}

impl Provider {
    /// `isAuthenticated`: whether ids of this scheme are real identities that
    /// `auth` ACLs expand to. An address is not.
    fn is_authenticated(self) -> bool {
        !matches!(self, Provider::Ip)
    }
}

/// `KerberosName`'s parser: `name[/host]@realm` with no `/` or `@` inside
/// the parts, or any string without `@` (a bare service name).
fn is_valid_kerberos_name(id: &str) -> bool {
    let Some((principal, realm)) = id.split_once('@') else {
        return true;
    };
    if realm.contains(['@', '/']) {
        return false;
    }
    match principal.split_once('/') {
        Some((_, host)) => !host.contains('/'),
        None => true,
    }
}

impl AuthConfig {
    fn provider(&self, scheme: &str) -> Option<Provider> {
        match scheme {
            IP => Some(Provider::Ip),
            digest::SCHEME if self.digest_enabled => Some(Provider::Digest),
            SASL if self.sasl_enabled => Some(Provider::Sasl),
            X509 if self.x509_enabled => Some(Provider::X509),
            _ => None,
        }
    }

    /// The provider's `matches(id, aclExpr)`.
    fn matches(&self, p: Provider, id: &str, acl_expr: &str) -> bool {
        match p {
            Provider::Ip => ip::matches(id, acl_expr),
            Provider::Digest => id == acl_expr,
            Provider::Sasl => {
                id == SUPER
                    || id == acl_expr
                    || self.let_any_sasl_user_do_x.as_deref() == Some(acl_expr)
            }
            Provider::X509 => id == acl_expr || self.x509_super_user.as_deref() == Some(id),
        }
    }

    /// The provider's `isValid(id)` for an id in a new ACL.
    ///
    /// x509 ids are DNs that Java validates with `X500Principal`; we accept
    /// any string (a DN that Java would reject can only be written by an
    /// x509 deployment, and then only hurts its author).
    fn is_valid(p: Provider, id: &str) -> bool {
        match p {
            Provider::Ip => ip::is_valid(id),
            Provider::Digest => digest::is_valid(id),
            Provider::Sasl => is_valid_kerberos_name(id),
            Provider::X509 => true,
        }
    }

    /// `ZooKeeperServer.checkACL`, in ZooKeeper's order: skipACL passes; an
    /// empty ACL passes; a `super` id on the connection passes; otherwise
    /// some entry granting `perm` must be `world:anyone` or be matched by a
    /// connection id of the same scheme through that scheme's provider.
    pub fn check_acl(&self, acl: &[Acl], perm: i32, ids: &[Id]) -> Result<(), AclError> {
        if self.skip_acl || acl.is_empty() || ids.iter().any(|id| id.scheme == SUPER) {
            return Ok(());
        }
        for entry in acl.iter().filter(|a| a.perms & perm != 0) {
            let id = &entry.id;
            if id.scheme == WORLD && id.id == ANYONE {
                return Ok(());
            }
            let Some(p) = self.provider(&id.scheme) else {
                continue;
            };
            if ids
                .iter()
                .any(|c| c.scheme == id.scheme && self.matches(p, &c.id, &id.id))
            {
                return Ok(());
            }
        }
        Err(AclError::NoAuth)
    }

    /// `PrepRequestProcessor.fixupACL`: the ACL actually stored by create or
    /// setACL. Duplicates are dropped first (keeping the first), and an ACL
    /// left empty is InvalidACL. `world:anyone` is kept; `auth` entries are
    /// replaced by one entry per authenticated connection id (digest, sasl,
    /// x509 — never ip, never super), and InvalidACL if there is none; any
    /// other entry needs a provider that accepts its id. The expansion
    /// itself is not deduplicated, as in ZooKeeper.
    pub fn fixup_acl(&self, auth_ids: &[Id], acl: &[Acl]) -> Result<Vec<Acl>, AclError> {
        let mut unique: Vec<&Acl> = Vec::with_capacity(acl.len());
        for a in acl {
            if !unique.contains(&a) {
                unique.push(a);
            }
        }
        if unique.is_empty() {
            return Err(AclError::InvalidAcl);
        }
        let mut out = Vec::with_capacity(unique.len());
        for a in unique {
            if a.id.scheme == WORLD && a.id.id == ANYONE {
                out.push(a.clone());
            } else if a.id.scheme == AUTH {
                let before = out.len();
                for cid in auth_ids {
                    if self
                        .provider(&cid.scheme)
                        .is_some_and(Provider::is_authenticated)
                    {
                        out.push(Acl::new(a.perms, cid.clone()));
                    }
                }
                if out.len() == before {
                    return Err(AclError::InvalidAcl);
                }
            } else {
                match self.provider(&a.id.scheme) {
                    Some(p) if Self::is_valid(p, &a.id.id) => out.push(a.clone()),
                    _ => return Err(AclError::InvalidAcl),
                }
            }
        }
        Ok(out)
    }

    /// What getACL returns once READ or ADMIN has been checked: the ACL as
    /// stored when the caller has ADMIN, otherwise with digest ids masked
    /// (see [`mask_digest_ids`]).
    pub fn acl_for_get(&self, acl: &[Acl], ids: &[Id]) -> Vec<Acl> {
        if self.check_acl(acl, perms::ADMIN, ids).is_ok() {
            acl.to_vec()
        } else {
            mask_digest_ids(acl)
        }
    }

    /// The ids a digest `auth` packet adds, or `None` when the digest
    /// provider is disabled (the server then answers AuthFailed and closes).
    pub fn digest_authenticate(&self, auth_data: &[u8]) -> Option<Vec<Id>> {
        self.digest_enabled
            .then(|| digest::authenticate(auth_data, self.super_digest.as_deref()))
    }

    /// whoAmI: one entry per connection id, in order, with the provider's
    /// user name (`ip` → the address, `digest` → the user, `sasl`/`x509` →
    /// the id) and `""` for ids without a provider (e.g. `super`).
    pub fn who_am_i(&self, ids: &[Id]) -> Vec<ClientInfo> {
        ids.iter()
            .map(|id| {
                let user = match self.provider(&id.scheme) {
                    Some(Provider::Digest) => digest::user_name(&id.id),
                    Some(_) => id.id.as_str(),
                    None => "",
                };
                ClientInfo {
                    auth_scheme: id.scheme.clone(),
                    user: user.to_owned(),
                }
            })
            .collect()
    }
}

/// Java's `id.replaceAll(":.*", ":x")` on every `digest` id: from each `:`
/// to the end of its line becomes `:x`. (`.` stops at Java's line
/// terminators, so an id with a newline keeps the text after it, as in
/// ZooKeeper.) Other schemes are untouched.
pub fn mask_digest_ids(acl: &[Acl]) -> Vec<Acl> {
    acl.iter()
        .map(|a| {
            if a.id.scheme == digest::SCHEME {
                Acl::new(
                    a.perms,
                    Id::new(a.id.scheme.clone(), mask_line_tails(&a.id.id)),
                )
            } else {
                a.clone()
            }
        })
        .collect()
}

fn is_java_line_terminator(c: char) -> bool {
    matches!(c, '\n' | '\r' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

fn mask_line_tails(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut masking = false;
    for c in s.chars() {
        if is_java_line_terminator(c) {
            masking = false;
            out.push(c);
        } else if masking {
            continue;
        } else if c == ':' {
            out.push_str(":x");
            masking = true;
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests;
