// Writes the golden file for rzk-server's .properties reader: seeded random
// inputs built from the characters that matter to java.util.Properties.load
// (backslashes, separators, blanks, line ends, comment marks, unicode escapes,
// Latin-1 bytes), each with what the JDK makes of it.
//
// One line per case: <input bytes, hex>|<key=value pairs, both as UTF-8
// hex, sorted, each followed by ','> or ERR when load() throws.
// A lone UTF-16 surrogate (from an escape such as backslash-uDE00) is
// recorded as U+FFFD, which is what a Rust string holds in its place.
import java.io.ByteArrayInputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.TreeMap;

public class PropertiesGolden {
    static final String[] TOKENS = {
        "\\", "\\", "\\u", "\\u00e9", "\\u0041", "=", ":", " ", "\t", "\n", "\r", "\r\n", "#", "!",
        "u", "0", "a", "f", "k", "v", "\f", "1", "2", "e9", "\u00e9", "\u00ff",
        "\\uD83D\\uDE00",
    };

    static String hex(byte[] b) {
        StringBuilder s = new StringBuilder();
        for (byte x : b) {
            s.append(String.format("%02x", x));
        }
        return s.toString();
    }

    static String replaceLoneSurrogates(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length()
                    && Character.isLowSurrogate(s.charAt(i + 1))) {
                b.append(c).append(s.charAt(i + 1));
                i++;
            } else if (Character.isSurrogate(c)) {
                b.append('\uFFFD');
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    static String utf8Hex(String s) {
        return hex(replaceLoneSurrogates(s).getBytes(StandardCharsets.UTF_8));
    }

    public static void main(String[] args) throws Exception {
        PrintStream out = new PrintStream(System.out, false, "US-ASCII");
        Random rnd = new Random(20261123L);
        for (int i = 0; i < 2000; i++) {
            StringBuilder in = new StringBuilder();
            int n = rnd.nextInt(31);
            for (int j = 0; j < n; j++) {
                in.append(TOKENS[rnd.nextInt(TOKENS.length)]);
            }
            byte[] bytes = in.toString().getBytes(StandardCharsets.ISO_8859_1);
            String result;
            try {
                Properties p = new Properties();
                p.load(new ByteArrayInputStream(bytes));
                TreeMap<String, String> sorted = new TreeMap<>();
                for (String k : p.stringPropertyNames()) {
                    sorted.put(utf8Hex(k), utf8Hex(p.getProperty(k)));
                }
                StringBuilder r = new StringBuilder();
                for (Map.Entry<String, String> e : sorted.entrySet()) {
                    r.append(e.getKey()).append('=').append(e.getValue()).append(',');
                }
                result = r.toString();
            } catch (IllegalArgumentException e) {
                result = "ERR";
            }
            out.println(hex(bytes) + "|" + result);
        }
        out.flush();
    }
}
