//! Java's text forms that ZooKeeper's log and snapshot tools print, so rzk's
//! tools print the same: `DateFormat.getDateTimeInstance(SHORT, LONG)` in
//! en_US, jute's `ToStringOutputArchive` (a record's `toString()`),
//! `List.toString()` and `new String(bytes, UTF_8)`.
//!
//! Times print in UTC (rzk's tools always do; Java uses the JVM's zone).
//! Dates use the proleptic Gregorian calendar; Java switches to the Julian
//! calendar before 15 October 1582.

use rzk_core::standalone::civil_from_days;
use rzk_proto::data::{Acl, Id};

/// `DateFormat.getDateTimeInstance(DateFormat.SHORT, DateFormat.LONG)` in
/// the en_US locale of Java 17, in UTC: `11/14/23, 10:13:21 PM UTC`.
pub fn short_long_date_time(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let (year, month, day) = civil_from_days(secs.div_euclid(86_400));
    let sod = secs.rem_euclid(86_400);
    let (hour, minute, second) = (sod / 3600, sod % 3600 / 60, sod % 60);
    let half = if hour < 12 { "AM" } else { "PM" };
    let hour12 = match hour % 12 {
        0 => 12,
        h => h,
    };
    format!(
        "{month}/{day}/{:02}, {hour12}:{minute:02}:{second:02} {half} UTC",
        year.rem_euclid(100)
    )
}

/// `new String(bytes, StandardCharsets.UTF_8)` (invalid sequences become
/// U+FFFD), or `""` for null, as `TxnLogToolkit.checkNullToEmpty` does.
pub fn utf8_or_empty(data: Option<&[u8]>) -> String {
    data.map(|d| String::from_utf8_lossy(d).into_owned())
        .unwrap_or_default()
}

/// Builds the text `ToStringOutputArchive` produces for a record.
///
/// Its rules: fields are separated by commas; strings start with `'` and
/// escape `\0 \n \r , } %` as `%00 %0A %0D %2C %7D %25`; nested records
/// are `s{…}`, vectors `v{…}`; the outer record ends with a newline. (Only
/// the field kinds of the txn records the log tool prints this way are
/// here: ints, longs, strings, ACLs and vectors of them.)
#[derive(Debug, Default)]
pub struct JuteText {
    out: String,
    first: bool,
}

impl JuteText {
    /// Starts an outer record (`toString()`).
    pub fn record() -> Self {
        Self {
            out: String::new(),
            first: true,
        }
    }

    fn comma(&mut self) {
        if !self.first {
            self.out.push(',');
        }
        self.first = false;
    }

    /// An `int` or `long` field.
    pub fn long(&mut self, v: i64) -> &mut Self {
        self.comma();
        self.out.push_str(&v.to_string());
        self
    }

    /// A `ustring` field.
    pub fn string(&mut self, s: &str) -> &mut Self {
        self.comma();
        self.out.push('\'');
        for c in s.chars() {
            match c {
                '\0' => self.out.push_str("%00"),
                '\n' => self.out.push_str("%0A"),
                '\r' => self.out.push_str("%0D"),
                ',' => self.out.push_str("%2C"),
                '}' => self.out.push_str("%7D"),
                '%' => self.out.push_str("%25"),
                c => self.out.push(c),
            }
        }
        self
    }

    /// A nested record: `s{`, its fields, `}`.
    pub fn nested(&mut self, fields: impl FnOnce(&mut Self)) -> &mut Self {
        self.comma();
        self.out.push_str("s{");
        self.first = true;
        fields(self);
        self.out.push('}');
        self.first = false;
        self
    }

    /// A vector: `v{`, its elements, `}`.
    pub fn vector<T>(&mut self, items: &[T], mut item: impl FnMut(&mut Self, &T)) -> &mut Self {
        self.comma();
        self.out.push_str("v{");
        self.first = true;
        for i in items {
            item(self, i);
        }
        self.out.push('}');
        self.first = false;
        self
    }

    /// An `Id` nested in another record.
    pub fn id(&mut self, id: &Id) -> &mut Self {
        self.nested(|t| {
            t.string(&id.scheme).string(&id.id);
        })
    }

    /// An `ACL` nested in another record.
    pub fn acl(&mut self, acl: &Acl) -> &mut Self {
        self.nested(|t| {
            t.long(acl.perms.into()).id(&acl.id);
        })
    }

    /// Ends the outer record: the text with its final newline.
    pub fn finish(&mut self) -> String {
        let mut out = std::mem::take(&mut self.out);
        out.push('\n');
        out
    }
}

/// `acl.toString()` for one ACL (an outer record: ends in a newline).
pub fn acl_to_string(acl: &Acl) -> String {
    JuteText::record()
        .long(acl.perms.into())
        .id(&acl.id)
        .finish()
}

/// `List<ACL>.toString()`: `[a, b]` with each element's `toString()`.
pub fn acl_list_to_string(acls: &[Acl]) -> String {
    let items: Vec<String> = acls.iter().map(acl_to_string).collect();
    format!("[{}]", items.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_as_java_17_prints_them_in_en_us() {
        // From `DateFormat.getDateTimeInstance(SHORT, LONG)` with
        // -Duser.timezone=UTC -Duser.language=en -Duser.country=US.
        let cases = [
            (0, "1/1/70, 12:00:00 AM UTC"),
            (1_700_000_001_000, "11/14/23, 10:13:21 PM UTC"),
            (43_200_000, "1/1/70, 12:00:00 PM UTC"),
            (43_199_000, "1/1/70, 11:59:59 AM UTC"),
            (1_700_050_000_000, "11/15/23, 12:06:40 PM UTC"),
            (-1, "12/31/69, 11:59:59 PM UTC"),
            (946_684_800_000, "1/1/00, 12:00:00 AM UTC"),
            (253_402_300_799_000, "12/31/99, 11:59:59 PM UTC"),
            (1_100_000_000_000, "11/9/04, 11:33:20 AM UTC"),
        ];
        for (ms, want) in cases {
            assert_eq!(short_long_date_time(ms), want, "{ms}");
        }
    }

    #[test]
    fn record_text_follows_to_string_output_archive() {
        let acl = Acl::new(31, Id::new("world", "anyone"));
        assert_eq!(acl_to_string(&acl), "31,s{'world,'anyone}\n");
        assert_eq!(
            acl_list_to_string(&[acl.clone(), Acl::new(15, Id::new("ip", "127.0.0.1"))]),
            "[31,s{'world,'anyone}\n, 15,s{'ip,'127.0.0.1}\n]"
        );
        assert_eq!(acl_list_to_string(&[]), "[]");
        let text = JuteText::record()
            .string("/a,b}%\n\r\0")
            .vector(&[acl], |t, a| {
                t.acl(a);
            })
            .long(-1)
            .vector(&[] as &[String], |t, s| {
                t.string(s);
            })
            .finish();
        assert_eq!(
            text,
            "'/a%2Cb%7D%25%0A%0D%00,v{s{31,s{'world,'anyone}}},-1,v{}\n"
        );
    }

    #[test]
    fn bytes_decode_like_java_strings() {
        assert_eq!(utf8_or_empty(None), "");
        assert_eq!(utf8_or_empty(Some(b"")), "");
        assert_eq!(utf8_or_empty(Some("é".as_bytes())), "é");
        assert_eq!(
            utf8_or_empty(Some(&[0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff])),
            "\u{0}\u{1}\u{7f}\u{fffd}\u{fffd}\u{fffd}"
        );
    }
}
