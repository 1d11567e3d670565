// Runs every case of cases.txt through ZooKeeper's own QuorumPeerConfig and
// prints one normalised line per case; crates/rzk-server/examples/
// zoocfg_diff.rs prints the same for rzk, and run.sh compares the two.
//
// cases.txt: "=== name", an optional "@myid <first line of myid>", then the
// zoo.cfg text, in which @DIR@ stands for the case's own data directory.
//
// Output: "name<TAB>OK tick=… min=… max=… port=… dist=… sid=… peer=…
// retain=…" or "name<TAB>ERR" (messages differ by design and are not
// compared).
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import org.apache.zookeeper.server.quorum.QuorumPeerConfig;

public class ZooCfgDiff {
    public static void main(String[] args) throws Exception {
        List<String> lines = Files.readAllLines(Paths.get(args[0]), StandardCharsets.ISO_8859_1);
        Path work = Paths.get(args[1]);
        int i = 0;
        while (i < lines.size()) {
            String name = lines.get(i++).substring(4);
            String myid = null;
            if (i < lines.size() && lines.get(i).startsWith("@myid ")) {
                myid = lines.get(i++).substring(6);
            }
            List<String> body = new ArrayList<>();
            while (i < lines.size() && !lines.get(i).startsWith("=== ")) {
                body.add(lines.get(i++));
            }
            Path dir = work.resolve(name);
            Files.createDirectories(dir);
            String text = String.join("\n", body).replace("@DIR@", dir.toString()) + "\n";
            Path cfg = dir.resolve("zoo.cfg");
            Files.write(cfg, text.getBytes(StandardCharsets.ISO_8859_1));
            if (myid != null) {
                Files.write(dir.resolve("myid"), (myid + "\n").getBytes(StandardCharsets.ISO_8859_1));
            }
            // QuorumPeerConfig keeps state in statics and system properties;
            // reset both so cases do not leak into each other.
            QuorumPeerConfig.setStandaloneEnabled(true);
            QuorumPeerConfig.setReconfigEnabled(false);
            for (String k : System.getProperties().stringPropertyNames()) {
                if (k.startsWith("zookeeper.")) {
                    System.clearProperty(k);
                }
            }
            String result;
            try {
                QuorumPeerConfig c = new QuorumPeerConfig();
                c.parse(cfg.toString());
                result = "OK tick=" + c.getTickTime()
                    + " min=" + c.getMinSessionTimeout()
                    + " max=" + c.getMaxSessionTimeout()
                    + " port=" + (c.getClientPortAddress() == null ? "none" : c.getClientPortAddress().getPort())
                    + " dist=" + c.isDistributed()
                    + " sid=" + c.getServerId()
                    + " peer=" + c.getPeerType().toString().toLowerCase()
                    + " retain=" + c.getSnapRetainCount();
            } catch (Exception e) {
                result = "ERR";
            }
            System.out.println(name + "\t" + result);
        }
    }
}
