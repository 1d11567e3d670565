/*
 * Compressed-snapshot fixtures for rzk-storage, written by Apache ZooKeeper's
 * own classes (the Debian zookeeper 3.8.0 jars, snappy-java 1.1.8).
 *
 * Builds one DataTree by applying create txns with DataTree.processTxn, then
 * writes it three times with FileSnap.serialize: once per
 * SnapStream.StreamMode (CHECKED, GZIP, SNAPPY), i.e. exactly what a server
 * started with -Dzookeeper.snapshot.compression.method= / gz / snappy writes.
 * All three files hold the same uncompressed stream, so a reader must
 * decompress the .gz and .snappy files to the bytes of the plain one.
 *
 * The tree has one node with 48 KiB of data so the uncompressed stream is
 * larger than snappy-java's 32 KiB block: the .snappy file has several
 * chunks. Data is repetitive text so the compressed files stay small.
 *
 * Usage: java -cp <jars>:<classes> SnapFixtures <outdir>
 * (tools/snapshot-fixtures/regen.sh does this.)
 *
 * Deterministic: fixed values, no clocks; the only hash-ordered structures
 * are ZooKeeper's HashMap/HashSet of Long and String keys.
 */

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

import org.apache.zookeeper.ZooDefs.Ids;
import org.apache.zookeeper.ZooDefs.OpCode;
import org.apache.zookeeper.server.DataTree;
import org.apache.zookeeper.server.persistence.FileSnap;
import org.apache.zookeeper.server.persistence.SnapStream;
import org.apache.zookeeper.server.persistence.Util;
import org.apache.zookeeper.txn.CreateTxn;
import org.apache.zookeeper.txn.TxnHeader;

public class SnapFixtures {
    static final long SESSION = 0x02000a3bc1d20000L;
    static final long T0 = 1700000000000L;
    static final long EPOCH = 0x200000000L;

    static DataTree tree;
    static long zxid = EPOCH;
    static int cxid = 0;

    static void create(String path, byte[] data, boolean ephemeral) throws Exception {
        zxid++;
        cxid++;
        TxnHeader hdr = new TxnHeader(SESSION, cxid, zxid, T0 + (zxid - EPOCH) * 1000, OpCode.create);
        CreateTxn txn = new CreateTxn(path, data, Ids.OPEN_ACL_UNSAFE, ephemeral, -1);
        DataTree.ProcessTxnResult rc = tree.processTxn(hdr, txn);
        if (rc.err != 0) {
            throw new IllegalStateException("create " + path + " failed: " + rc.err);
        }
    }

    public static void main(String[] args) throws Exception {
        File out = new File(args[0]);
        tree = new DataTree();
        Map<Long, Integer> sessions = new HashMap<>();
        sessions.put(SESSION, 30000);

        create("/fixtures", "snapshot compression fixtures".getBytes(StandardCharsets.UTF_8), false);
        for (int i = 0; i < 12; i++) {
            create("/fixtures/n" + i, ("value-" + i).getBytes(StandardCharsets.UTF_8), false);
        }
        StringBuilder big = new StringBuilder();
        for (int i = 0; big.length() < 48 * 1024; i++) {
            big.append("line ").append(i).append(": the quick brown fox jumps over the lazy dog\n");
        }
        create("/fixtures/big", big.substring(0, 48 * 1024).getBytes(StandardCharsets.US_ASCII), false);
        create("/fixtures/eph", null, true);

        SnapStream.StreamMode[] modes = {
            SnapStream.StreamMode.CHECKED, SnapStream.StreamMode.GZIP, SnapStream.StreamMode.SNAPPY,
        };
        for (SnapStream.StreamMode mode : modes) {
            SnapStream.setStreamMode(mode);
            File f = new File(out, Util.makeSnapshotName(zxid));
            new FileSnap(out).serialize(tree, sessions, f, false);
            System.out.println(f.getName() + " " + f.length());
        }
    }
}
