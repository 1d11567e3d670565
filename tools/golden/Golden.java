/*
 * Golden-vector generator for rzk.
 *
 * Writes byte-exact fixtures of ZooKeeper records, serialised by ZooKeeper's
 * OWN classes (the Debian zookeeper 3.8.0 jars): jute records from
 * zookeeper-jute.jar, MultiOperationRecord / MultiResponse / Op / OpResult,
 * ClientCnxn.Packet, SerializeUtils, persistence.Util / FileTxnLog / FileSnap,
 * DataTree, QuorumPacket / LearnerInfo / FastLeaderElection.buildMsg, ...
 * Where the Java server builds a message by hand (DataOutputStream or
 * ByteBuffer), this program does the same, step for step, with big-endian
 * java.io / java.nio primitives.
 *
 * Usage: java -Dfile.encoding=UTF-8 -cp <jars>:<classes> Golden <outdir>
 * (tools/golden/regen.sh does this.)
 *
 * Output: one <name>.hex per fixture (lowercase hex, 32 bytes per line,
 * trailing newline) plus MANIFEST.txt ("<name> <section> <description>",
 * sorted by name).  Sections refer to /work/shared/PROTOCOL.md.
 *
 * Everything is deterministic: fixed values, no clocks, no randomness.
 * The only hash-ordered structures involved are ZooKeeper's own HashMap /
 * HashSet of Long and String keys, whose iteration order is a pure function
 * of the keys and insertion history (String.hashCode and Long.hashCode are
 * specified), so every run gives the same bytes.
 *
 * Conventions used in the comments below:
 *   OPEN       = [ACL(perms=31, Id("world","anyone"))]       (Ids.OPEN_ACL_UNSAFE)
 *   READ       = [ACL(perms=1,  Id("world","anyone"))]       (Ids.READ_ACL_UNSAFE)
 *   DIGEST_ALL = [ACL(perms=31, Id("digest", DIGEST_ID))]
 *   IP_RWCD    = [ACL(perms=15, Id("ip","127.0.0.1"))]
 *   DIGEST_ID  = "user:tpUq/4Pn5A64fVZyQ0gOJ8ZWqkY=" (DigestAuthenticationProvider.generateDigest("user:password"))
 *   BIN        = bytes 00 01 7f 80 fe ff
 *   S1, S2, S3 = session ids 0x01000a3bc1d20000, ...0001, ...0002
 *   T0         = 1700000000000 (ms)
 *   "/é"       = the two UTF-16 chars '/', U+00E9 (UTF-8 bytes 2f c3 a9)
 *   byte strings written "hello" are US-ASCII bytes.
 */

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.File;
import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.stream.Collectors;

import org.apache.jute.BinaryOutputArchive;
import org.apache.jute.Record;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.MultiOperationRecord;
import org.apache.zookeeper.MultiResponse;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.OpResult;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooDefs.Ids;
import org.apache.zookeeper.ZooDefs.OpCode;
import org.apache.zookeeper.ZooDefs.Perms;
import org.apache.zookeeper.common.NetUtils;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.ClientInfo;
import org.apache.zookeeper.data.Id;
import org.apache.zookeeper.data.Stat;
import org.apache.zookeeper.data.StatPersisted;
import org.apache.zookeeper.proto.AddWatchRequest;
import org.apache.zookeeper.proto.AuthPacket;
import org.apache.zookeeper.proto.CheckVersionRequest;
import org.apache.zookeeper.proto.CheckWatchesRequest;
import org.apache.zookeeper.proto.ConnectRequest;
import org.apache.zookeeper.proto.ConnectResponse;
import org.apache.zookeeper.proto.Create2Response;
import org.apache.zookeeper.proto.CreateRequest;
import org.apache.zookeeper.proto.CreateResponse;
import org.apache.zookeeper.proto.CreateTTLRequest;
import org.apache.zookeeper.proto.DeleteRequest;
import org.apache.zookeeper.proto.ErrorResponse;
import org.apache.zookeeper.proto.ExistsRequest;
import org.apache.zookeeper.proto.ExistsResponse;
import org.apache.zookeeper.proto.GetACLRequest;
import org.apache.zookeeper.proto.GetACLResponse;
import org.apache.zookeeper.proto.GetAllChildrenNumberRequest;
import org.apache.zookeeper.proto.GetAllChildrenNumberResponse;
import org.apache.zookeeper.proto.GetChildren2Request;
import org.apache.zookeeper.proto.GetChildren2Response;
import org.apache.zookeeper.proto.GetChildrenRequest;
import org.apache.zookeeper.proto.GetChildrenResponse;
import org.apache.zookeeper.proto.GetDataRequest;
import org.apache.zookeeper.proto.GetDataResponse;
import org.apache.zookeeper.proto.GetEphemeralsRequest;
import org.apache.zookeeper.proto.GetEphemeralsResponse;
import org.apache.zookeeper.proto.GetMaxChildrenRequest;
import org.apache.zookeeper.proto.GetMaxChildrenResponse;
import org.apache.zookeeper.proto.GetSASLRequest;
import org.apache.zookeeper.proto.MultiHeader;
import org.apache.zookeeper.proto.ReconfigRequest;
import org.apache.zookeeper.proto.RemoveWatchesRequest;
import org.apache.zookeeper.proto.ReplyHeader;
import org.apache.zookeeper.proto.RequestHeader;
import org.apache.zookeeper.proto.SetACLRequest;
import org.apache.zookeeper.proto.SetACLResponse;
import org.apache.zookeeper.proto.SetDataRequest;
import org.apache.zookeeper.proto.SetDataResponse;
import org.apache.zookeeper.proto.SetMaxChildrenRequest;
import org.apache.zookeeper.proto.SetSASLRequest;
import org.apache.zookeeper.proto.SetSASLResponse;
import org.apache.zookeeper.proto.SetWatches;
import org.apache.zookeeper.proto.SetWatches2;
import org.apache.zookeeper.proto.SyncRequest;
import org.apache.zookeeper.proto.SyncResponse;
import org.apache.zookeeper.proto.WatcherEvent;
import org.apache.zookeeper.proto.WhoAmIResponse;
import org.apache.zookeeper.server.DataTree;
import org.apache.zookeeper.server.EphemeralType;
import org.apache.zookeeper.server.Request;
import org.apache.zookeeper.server.TxnLogEntry;
import org.apache.zookeeper.server.ZooKeeperServer;
import org.apache.zookeeper.server.auth.DigestAuthenticationProvider;
import org.apache.zookeeper.server.persistence.FileHeader;
import org.apache.zookeeper.server.persistence.FileSnap;
import org.apache.zookeeper.server.persistence.FileTxnLog;
import org.apache.zookeeper.server.persistence.Util;
import org.apache.zookeeper.server.quorum.Leader;
import org.apache.zookeeper.server.quorum.LearnerInfo;
import org.apache.zookeeper.server.quorum.QuorumAuthPacket;
import org.apache.zookeeper.server.quorum.QuorumPacket;
import org.apache.zookeeper.server.quorum.QuorumPeer.ServerState;
import org.apache.zookeeper.server.quorum.auth.QuorumAuth;
import org.apache.zookeeper.server.quorum.flexible.QuorumMaj;
import org.apache.zookeeper.server.util.SerializeUtils;
import org.apache.zookeeper.txn.CheckVersionTxn;
import org.apache.zookeeper.txn.CloseSessionTxn;
import org.apache.zookeeper.txn.CreateContainerTxn;
import org.apache.zookeeper.txn.CreateSessionTxn;
import org.apache.zookeeper.txn.CreateTTLTxn;
import org.apache.zookeeper.txn.CreateTxn;
import org.apache.zookeeper.txn.CreateTxnV0;
import org.apache.zookeeper.txn.DeleteTxn;
import org.apache.zookeeper.txn.ErrorTxn;
import org.apache.zookeeper.txn.MultiTxn;
import org.apache.zookeeper.txn.SetACLTxn;
import org.apache.zookeeper.txn.SetDataTxn;
import org.apache.zookeeper.txn.SetMaxChildrenTxn;
import org.apache.zookeeper.txn.Txn;
import org.apache.zookeeper.txn.TxnDigest;
import org.apache.zookeeper.txn.TxnHeader;

public final class Golden {

    // ------------------------------------------------------------------
    // Shared fixed values (see the conventions in the file comment)
    // ------------------------------------------------------------------

    static final long S1 = 0x01000a3bc1d20000L;
    static final long S2 = 0x01000a3bc1d20001L;
    static final long S3 = 0x01000a3bc1d20002L;
    static final long T0 = 1700000000000L;

    static final byte[] BIN = {0x00, 0x01, 0x7f, (byte) 0x80, (byte) 0xfe, (byte) 0xff};

    static final String DIGEST_ID = "user:tpUq/4Pn5A64fVZyQ0gOJ8ZWqkY=";

    static final Id WORLD = new Id("world", "anyone");
    static final Id IP = new Id("ip", "127.0.0.1");
    static final Id DIGEST = new Id("digest", DIGEST_ID);

    static final List<ACL> OPEN = Ids.OPEN_ACL_UNSAFE;
    static final List<ACL> READ = Ids.READ_ACL_UNSAFE;
    static final List<ACL> DIGEST_ALL = acls(new ACL(Perms.ALL, DIGEST));
    static final List<ACL> IP_RWCD = acls(new ACL(Perms.READ | Perms.WRITE | Perms.CREATE | Perms.DELETE, IP));

    /** The 2-member ensemble of PROTOCOL.md §5.3 (QuorumMaj text form). */
    static final String CONFIG_2 = "server.1=127.0.0.1:22888:23888:participant\n"
        + "server.2=127.0.0.1:22889:23889:participant\n";

    // ------------------------------------------------------------------
    // Output plumbing
    // ------------------------------------------------------------------

    static final class Fixture {
        final String section;
        final String record;
        final String description;
        final byte[] bytes;

        Fixture(String section, String record, String description, byte[] bytes) {
            this.section = section;
            this.record = record;
            this.description = description;
            this.bytes = bytes;
        }

        /** MANIFEST.txt text after the name and section: always starts with the record name. */
        String manifestText() {
            return description.startsWith(record + " ") ? description : record + " " + description;
        }
    }

    static final TreeMap<String, Fixture> FIXTURES = new TreeMap<>();

    /**
     * Registers fixture {@code name}. {@code record} is the record or message kind (a record name
     * from PROTOCOL.md §2.5, or MultiOperationRecord, MultiResponse, ElectionHandshake,
     * Notification, a §5.4 packet type, SnapBody, TxnEntry, TxnLogFile, SnapshotFile, Frame);
     * MANIFEST.txt lists it as the first word of the description.
     */
    static void put(String name, String section, String record, String description, byte[] bytes) {
        if (FIXTURES.containsKey(name)) {
            throw new IllegalStateException("duplicate fixture " + name);
        }
        if (description.contains("\n")) {
            throw new IllegalStateException("newline in description of " + name);
        }
        FIXTURES.put(name, new Fixture(section, record, description, bytes));
    }

    /** Bare jute record, as BinaryOutputArchive.writeRecord writes it. */
    static byte[] rec(Record r) throws IOException {
        ByteArrayOutputStream baos = new ByteArrayOutputStream();
        BinaryOutputArchive oa = BinaryOutputArchive.getArchive(baos);
        oa.writeRecord(r, "r");
        return baos.toByteArray();
    }

    interface ArchiveWriter {
        void write(BinaryOutputArchive oa) throws IOException;
    }

    /** Several archive writes in a row into one buffer. */
    static byte[] archive(ArchiveWriter w) throws IOException {
        ByteArrayOutputStream baos = new ByteArrayOutputStream();
        w.write(BinaryOutputArchive.getArchive(baos));
        return baos.toByteArray();
    }

    interface DataWriter {
        void write(DataOutputStream out) throws IOException;
    }

    /** A hand-built message (ByteArrayOutputStream + DataOutputStream, big-endian). */
    static byte[] data(DataWriter w) throws IOException {
        ByteArrayOutputStream baos = new ByteArrayOutputStream();
        DataOutputStream dos = new DataOutputStream(baos);
        w.write(dos);
        dos.close();
        return baos.toByteArray();
    }

    static byte[] cat(byte[]... parts) {
        ByteArrayOutputStream baos = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            baos.write(p, 0, p.length);
        }
        return baos.toByteArray();
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @SafeVarargs
    static <T> List<T> list(T... items) {
        return new ArrayList<>(Arrays.asList(items));
    }

    static List<ACL> acls(ACL... items) {
        return list(items);
    }

    static String hex(byte[] b) {
        StringBuilder sb = new StringBuilder(b.length * 2 + b.length / 32 + 1);
        for (int i = 0; i < b.length; i++) {
            sb.append(Character.forDigit((b[i] >> 4) & 0xf, 16));
            sb.append(Character.forDigit(b[i] & 0xf, 16));
            if (i % 32 == 31 || i == b.length - 1) {
                sb.append('\n');
            }
        }
        return sb.toString();
    }

    static void check(boolean ok, String what) {
        if (!ok) {
            throw new IllegalStateException("self-check failed: " + what);
        }
    }

    /**
     * Set GOLDEN_LEARN=1 to print (instead of failing on) a disagreement between a value that is
     * pinned as a literal in this source and what ZooKeeper computed (used when editing scenarios).
     */
    static final boolean LEARN = System.getenv("GOLDEN_LEARN") != null;

    static void pinned(boolean ok, String what) {
        if (!ok) {
            if (LEARN) {
                System.err.println("LEARN: " + what);
            } else {
                throw new IllegalStateException("self-check failed: " + what);
            }
        }
    }

    // Reflection helpers (for package-private ZooKeeper members).

    static Object callStatic(Class<?> cls, String name, Class<?>[] types, Object... args) throws Exception {
        Method m = cls.getDeclaredMethod(name, types);
        m.setAccessible(true);
        return m.invoke(null, args);
    }

    static int leaderConst(String name) throws Exception {
        Field f = Leader.class.getDeclaredField(name);
        f.setAccessible(true);
        return f.getInt(null);
    }

    // ------------------------------------------------------------------
    // main
    // ------------------------------------------------------------------

    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println("usage: Golden <output-dir>");
            System.exit(2);
        }
        // String.getBytes() without a charset is used by ZooKeeper for digests
        // (DigestCalculator: path bytes) and for the election address; pin it.
        check(Charset.defaultCharset().equals(StandardCharsets.UTF_8),
              "run with -Dfile.encoding=UTF-8 (default charset is " + Charset.defaultCharset() + ")");
        // A server that accepts TTL nodes runs with this set; it makes DataTree
        // classify TTL ephemeralOwners as TTL (it does not change any bytes).
        System.setProperty("zookeeper.extendedTypesEnabled", "true");
        check(ZooKeeperServer.isDigestEnabled(), "zookeeper.digest.enabled must be true (the default)");
        String digestId = DigestAuthenticationProvider.generateDigest("user:password");
        check(digestId.equals(DIGEST_ID), "DIGEST_ID is " + digestId);

        File outDir = new File(args[0]);
        Files.createDirectories(outDir.toPath());

        dataRecords();
        clientRecords();
        clientFrames();
        multi();
        txnRecords();
        txnEntries();
        election();
        quorumRecords();
        disk(outDir);

        StringBuilder manifest = new StringBuilder();
        for (Map.Entry<String, Fixture> e : FIXTURES.entrySet()) {
            Fixture f = e.getValue();
            Files.write(new File(outDir, e.getKey() + ".hex").toPath(), ascii(hex(f.bytes)));
            manifest.append(e.getKey()).append(' ').append(f.section).append(' ')
                    .append(f.manifestText()).append('\n');
        }
        Files.write(new File(outDir, "MANIFEST.txt").toPath(), utf8(manifest.toString()));
        System.out.println("wrote " + FIXTURES.size() + " fixtures to " + outDir);
    }

    // ==================================================================
    // §2.5 data records (org.apache.zookeeper.data)
    // ==================================================================

    /**
     * Stat used in many client responses:
     * czxid=0x100000004, mzxid=0x100000009, ctime=T0+4000, mtime=T0+9000,
     * version=1, cversion=3, aversion=0, ephemeralOwner=0, dataLength=5,
     * numChildren=3, pzxid=0x100000008.
     */
    static Stat stat1() {
        return new Stat(0x100000004L, 0x100000009L, T0 + 4000, T0 + 9000, 1, 3, 0, 0L, 5, 3, 0x100000008L);
    }

    /**
     * Stat of an ephemeral, never-modified node:
     * czxid=mzxid=pzxid=0x100000008, ctime=mtime=T0+8000, version=0,
     * cversion=0, aversion=0, ephemeralOwner=S2, dataLength=0, numChildren=0.
     */
    static Stat stat2() {
        return new Stat(0x100000008L, 0x100000008L, T0 + 8000, T0 + 8000, 0, 0, 0, S2, 0, 0, 0x100000008L);
    }

    static void dataRecords() throws Exception {
        // data.Id: Id(scheme="digest", id=DIGEST_ID)
        put("data.Id", "2.5", "Id", "Id(digest, user:tpUq/4Pn5A64fVZyQ0gOJ8ZWqkY=)", rec(DIGEST));

        // data.Id.empty: Id(scheme="", id="") -- empty strings are length 0, not null
        put("data.Id.empty", "2.5", "Id", "Id with two empty strings", rec(new Id("", "")));

        // data.Id.nonascii: Id(scheme="world", id="é/ü€") -- BMP chars of 2 and 3 UTF-8 bytes
        put("data.Id.nonascii", "2.5", "Id", "Id(world, \"\u00e9/\u00fc\u20ac\") non-ASCII BMP (2- and 3-byte UTF-8)",
            rec(new Id("world", "\u00e9/\u00fc\u20ac")));

        // data.Id.supplementary: Id(scheme="x", id="a\uD83D\uDE00b") i.e. "a" U+1F600 "b".
        // Jute's writer encodes each UTF-16 unit separately (CESU-8): ed a0 bd ed b8 80,
        // NOT the standard 4-byte f0 9f 98 80.
        put("data.Id.supplementary", "1.1", "Id", "Id(x, \"a U+1F600 b\") written by jute as CESU-8 surrogate pair",
            rec(new Id("x", "a\uD83D\uDE00b")));

        // data.ACL: ACL(perms=31 (ALL), id=Id("world","anyone"))
        put("data.ACL", "2.5", "ACL", "ACL(31, world:anyone)", rec(new ACL(Perms.ALL, WORLD)));

        // data.ACL.ip: ACL(perms=15 (READ|WRITE|CREATE|DELETE), id=Id("ip","127.0.0.1"))
        put("data.ACL.ip", "2.5", "ACL", "ACL(15, ip:127.0.0.1)", rec(IP_RWCD.get(0)));

        // data.Stat: czxid=0x100000002, mzxid=0x20000000a, ctime=T0, mtime=T0+123456,
        // version=-1 (as /zookeeper/config after a reconfig), cversion=7, aversion=2,
        // ephemeralOwner=Long.MIN_VALUE (= EphemeralType.CONTAINER_EPHEMERAL_OWNER),
        // dataLength=1048575, numChildren=2, pzxid=0x200000001
        check(EphemeralType.CONTAINER_EPHEMERAL_OWNER == Long.MIN_VALUE, "container owner");
        put("data.Stat", "2.5", "Stat", "Stat, 68 bytes, version -1 and ephemeralOwner Long.MIN_VALUE (container)",
            rec(new Stat(0x100000002L, 0x20000000aL, T0, T0 + 123456, -1, 7, 2, Long.MIN_VALUE, 1048575, 2,
                         0x200000001L)));

        // data.Stat.zero: all fields 0 (new Stat())
        put("data.Stat.zero", "2.5", "Stat", "Stat with every field 0", rec(new Stat()));

        // data.StatPersisted: czxid=0x100000002, mzxid=0x20000000a, ctime=T0, mtime=T0+123456,
        // version=-1, cversion=7, aversion=2, ephemeralOwner=S1, pzxid=0x200000001
        put("data.StatPersisted", "2.5", "StatPersisted", "StatPersisted, 60 bytes, ephemeralOwner S1",
            rec(new StatPersisted(0x100000002L, 0x20000000aL, T0, T0 + 123456, -1, 7, 2, S1, 0x200000001L)));

        // data.ClientInfo: ClientInfo(authScheme="digest", user="user")
        put("data.ClientInfo", "2.5", "ClientInfo", "ClientInfo(digest, user)", rec(new ClientInfo("digest", "user")));
    }

    // ==================================================================
    // §2.5 client protocol records (org.apache.zookeeper.proto)
    // ==================================================================

    /** ZooKeeperServer.generatePasswd(id): the password the server hands out for a session id. */
    static byte[] serverPasswd(long sessionId) throws Exception {
        ZooKeeperServer zks = new ZooKeeperServer();
        Method m = ZooKeeperServer.class.getDeclaredMethod("generatePasswd", long.class);
        m.setAccessible(true);
        return (byte[]) m.invoke(zks, sessionId);
    }

    static void clientRecords() throws Exception {
        byte[] passwdS1 = serverPasswd(S1);
        check(passwdS1.length == 16, "passwd length");

        // client.ConnectRequest: reconnect of S1 by a <=3.3 style client (no readOnly byte):
        // protocolVersion=0, lastZxidSeen=0x10000000b, timeOut=30000, sessionId=S1,
        // passwd=ZooKeeperServer.generatePasswd(S1) (16 bytes, see client.ConnectResponse)
        ConnectRequest reconnect = new ConnectRequest(0, 0x10000000bL, 30000, S1, passwdS1);
        put("client.ConnectRequest", "2.5", "ConnectRequest", "ConnectRequest (reconnect of S1) without the readOnly byte, 44 bytes",
            rec(reconnect));

        // client.ConnectRequest.readonly: same record, then writeBool(true) as
        // ClientCnxn.Packet.createBB appends it after the record (3.8 has no readOnly field in jute)
        put("client.ConnectRequest.readonly", "2.5", "ConnectRequest", "ConnectRequest with the trailing readOnly=true byte, 45 bytes",
            archive(oa -> {
                reconnect.serialize(oa, "connect");
                oa.writeBool(true, "readOnly");
            }));

        // client.ConnectResponse: protocolVersion=0, timeOut=30000, sessionId=S1,
        // passwd=generatePasswd(S1) (ZooKeeperServer.generatePasswd = java.util.Random(S1 ^ 0xB3415C00L).nextBytes(16))
        ConnectResponse rsp = new ConnectResponse(0, 30000, S1, passwdS1);
        put("client.ConnectResponse", "2.5", "ConnectResponse", "ConnectResponse(0, 30000, S1, generatePasswd(S1)) for an old client, 36 bytes",
            rec(rsp));

        // client.ConnectResponse.readonly: same + writeBool(false): what a normal (not read-only)
        // server appends when the client sent the readOnly byte (ZooKeeperServer.finishSessionInit)
        put("client.ConnectResponse.readonly", "2.5", "ConnectResponse", "ConnectResponse + trailing readOnly byte (false: normal server), 37 bytes",
            archive(oa -> {
                rsp.serialize(oa, "connect");
                oa.writeBool(false, "readOnly");
            }));

        // client.ConnectResponse.expired: session invalid: protocolVersion=0, timeOut=0,
        // sessionId=0, passwd=16 zero bytes, then readOnly byte false
        put("client.ConnectResponse.expired", "2.5", "ConnectResponse", "ConnectResponse for an invalid/expired session (0,0,0,16 zero bytes)+readOnly false",
            archive(oa -> {
                new ConnectResponse(0, 0, 0L, new byte[16]).serialize(oa, "connect");
                oa.writeBool(false, "readOnly");
            }));

        // client.SetWatches: relativeZxid=0x10000000b, dataWatches=["/app","/é"],
        // existWatches=["/missing"], childWatches=[] (empty, count 0)
        put("client.SetWatches", "2.5", "SetWatches", "SetWatches(0x10000000b, [/app,/é], [/missing], [])",
            rec(new SetWatches(0x10000000bL, list("/app", "/\u00e9"), list("/missing"), list())));

        // client.SetWatches2: relativeZxid=0x10000000b, dataWatches=["/app"], existWatches=[],
        // childWatches=["/"], persistentWatches=["/app/p"], persistentRecursiveWatches=["/app/r","/é"]
        put("client.SetWatches2", "2.5", "SetWatches2", "SetWatches2(0x10000000b, [/app], [], [/], [/app/p], [/app/r,/é])",
            rec(new SetWatches2(0x10000000bL, list("/app"), list(), list("/"), list("/app/p"),
                                list("/app/r", "/\u00e9"))));

        // client.RequestHeader: xid=0x7fffffff (Integer.MAX_VALUE, last xid before wrap), type=4 (getData)
        put("client.RequestHeader", "2.5", "RequestHeader", "RequestHeader(xid=Integer.MAX_VALUE, type=4 getData)",
            rec(new RequestHeader(Integer.MAX_VALUE, OpCode.getData)));

        // client.RequestHeader.setWatches: xid=-8, type=101 (setWatches)
        put("client.RequestHeader.setWatches", "2.5", "RequestHeader", "RequestHeader(xid=-8, type=101 setWatches)",
            rec(new RequestHeader(-8, OpCode.setWatches)));

        // client.MultiHeader: type=5 (setData), done=false, err=-1 -- an op header in a multi request
        put("client.MultiHeader", "2.5", "MultiHeader", "MultiHeader(type=5, done=false, err=-1)",
            rec(new MultiHeader(OpCode.setData, false, -1)));

        // client.MultiHeader.done: type=-1, done=true, err=-1 -- the multi terminator
        put("client.MultiHeader.done", "2.5", "MultiHeader", "MultiHeader(-1, true, -1) terminator",
            rec(new MultiHeader(-1, true, -1)));

        // client.AuthPacket: type=0, scheme="digest", auth="user:password" (ASCII bytes)
        put("client.AuthPacket", "2.5", "AuthPacket", "AuthPacket(0, digest, \"user:password\")",
            rec(new AuthPacket(0, "digest", ascii("user:password"))));

        // client.ReplyHeader: xid=17, zxid=0x10000000b, err=0
        put("client.ReplyHeader", "2.5", "ReplyHeader", "ReplyHeader(xid=17, zxid=0x10000000b, err=0)",
            rec(new ReplyHeader(17, 0x10000000bL, 0)));

        // client.ReplyHeader.unimplemented: xid=18, zxid=-1, err=-6 (Unimplemented)
        put("client.ReplyHeader.unimplemented", "2.5", "ReplyHeader", "ReplyHeader(18, -1, -6 Unimplemented)",
            rec(new ReplyHeader(18, -1L, -6)));

        // client.GetDataRequest: path="/app", watch=true
        put("client.GetDataRequest", "2.5", "GetDataRequest", "GetDataRequest(/app, watch=true)", rec(new GetDataRequest("/app", true)));

        // client.SetDataRequest: path="/é", data=BIN, version=-1 (any version)
        put("client.SetDataRequest", "2.5", "SetDataRequest", "SetDataRequest(/é, BIN, -1)", rec(new SetDataRequest("/\u00e9", BIN, -1)));

        // client.SetDataRequest.nulldata: path="/app", data=null (length -1), version=3
        put("client.SetDataRequest.nulldata", "2.5", "SetDataRequest", "SetDataRequest(/app, null data, 3)",
            rec(new SetDataRequest("/app", null, 3)));

        // client.ReconfigRequest: what ZooKeeperAdmin.reconfigure(null, null, newMembers, -1, stat)
        // sends for the "new members" form: joiningServers=null, leavingServers=null (both -1),
        // newMembers="server.1=127.0.0.1:22888:23888:participant;2181,server.2=127.0.0.1:22889:23889:participant;2182"
        // (StringUtils.joinStrings(list, ",")), curConfigId=-1
        String newMembers = org.apache.zookeeper.common.StringUtils.joinStrings(
            list("server.1=127.0.0.1:22888:23888:participant;2181",
                 "server.2=127.0.0.1:22889:23889:participant;2182"), ",");
        String noList = org.apache.zookeeper.common.StringUtils.joinStrings(null, ",");
        check(noList == null, "joinStrings(null) is null");
        put("client.ReconfigRequest", "2.5", "ReconfigRequest", "ReconfigRequest(null, null, \"server.1=...;2181,server.2=...;2182\", -1)",
            rec(new ReconfigRequest(noList, noList, newMembers, -1L)));

        // client.ReconfigRequest.incremental: joiningServers="server.3=127.0.0.1:22890:23890:observer;2183",
        // leavingServers="1", newMembers=null, curConfigId=0x100000000
        put("client.ReconfigRequest.incremental", "2.5", "ReconfigRequest", "ReconfigRequest(\"server.3=...:observer;2183\", \"1\", null, 0x100000000)",
            rec(new ReconfigRequest("server.3=127.0.0.1:22890:23890:observer;2183", "1", null, 0x100000000L)));

        // client.SetDataResponse: stat=stat1()
        put("client.SetDataResponse", "2.5", "SetDataResponse", "SetDataResponse(stat1)", rec(new SetDataResponse(stat1())));

        // client.GetSASLRequest: token=BIN
        put("client.GetSASLRequest", "2.5", "GetSASLRequest", "GetSASLRequest(BIN)", rec(new GetSASLRequest(BIN)));

        // client.SetSASLRequest: token=ascii("sasl-token")
        put("client.SetSASLRequest", "2.5", "SetSASLRequest", "SetSASLRequest(\"sasl-token\")", rec(new SetSASLRequest(ascii("sasl-token"))));

        // client.SetSASLResponse: token=empty (length 0)
        put("client.SetSASLResponse", "2.5", "SetSASLResponse", "SetSASLResponse(empty token)", rec(new SetSASLResponse(new byte[0])));

        // client.CreateRequest: path="/app/é", data=BIN, acl=[ACL(31,world:anyone), ACL(31,digest:DIGEST_ID)],
        // flags=3 (EPHEMERAL_SEQUENTIAL)
        check(CreateMode.EPHEMERAL_SEQUENTIAL.toFlag() == 3, "flag 3");
        put("client.CreateRequest", "2.5", "CreateRequest", "CreateRequest(/app/é, BIN, [31 world:anyone, 31 digest], flags=3)",
            rec(new CreateRequest("/app/\u00e9", BIN, acls(new ACL(Perms.ALL, WORLD), new ACL(Perms.ALL, DIGEST)), 3)));

        // client.CreateRequest.nulldata: path="/n", data=null, acl=OPEN, flags=0 (PERSISTENT)
        put("client.CreateRequest.nulldata", "2.5", "CreateRequest", "CreateRequest(/n, null data, OPEN, 0)",
            rec(new CreateRequest("/n", null, OPEN, 0)));

        // client.CreateRequest.container: path="/c", data="" (empty, length 0), acl=OPEN, flags=4 (CONTAINER)
        put("client.CreateRequest.container", "2.5", "CreateRequest", "CreateRequest(/c, empty data, OPEN, flags=4 container)",
            rec(new CreateRequest("/c", new byte[0], OPEN, CreateMode.CONTAINER.toFlag())));

        // client.CreateTTLRequest: path="/ttl", data="t", acl=OPEN, flags=6 (PERSISTENT_SEQUENTIAL_WITH_TTL),
        // ttl=1099511627775 (0xffffffffff, EphemeralType.TTL's maximum)
        check(CreateMode.PERSISTENT_SEQUENTIAL_WITH_TTL.toFlag() == 6, "flag 6");
        check(EphemeralType.TTL.maxValue() == 0xffffffffffL, "ttl max");
        put("client.CreateTTLRequest", "2.5", "CreateTTLRequest", "CreateTTLRequest(/ttl, \"t\", OPEN, flags=6, ttl=0xffffffffff)",
            rec(new CreateTTLRequest("/ttl", ascii("t"), OPEN, 6, 0xffffffffffL)));

        // client.DeleteRequest: path="/app", version=0
        put("client.DeleteRequest", "2.5", "DeleteRequest", "DeleteRequest(/app, 0)", rec(new DeleteRequest("/app", 0)));

        // client.GetChildrenRequest: path="/", watch=false
        put("client.GetChildrenRequest", "2.5", "GetChildrenRequest", "GetChildrenRequest(/, false)", rec(new GetChildrenRequest("/", false)));

        // client.GetAllChildrenNumberRequest: path="/app"
        put("client.GetAllChildrenNumberRequest", "2.5", "GetAllChildrenNumberRequest", "GetAllChildrenNumberRequest(/app)",
            rec(new GetAllChildrenNumberRequest("/app")));

        // client.GetChildren2Request: path="/app", watch=true
        put("client.GetChildren2Request", "2.5", "GetChildren2Request", "GetChildren2Request(/app, true)", rec(new GetChildren2Request("/app", true)));

        // client.CheckVersionRequest: path="/app", version=2147483647 (Integer.MAX_VALUE)
        put("client.CheckVersionRequest", "2.5", "CheckVersionRequest", "CheckVersionRequest(/app, Integer.MAX_VALUE)",
            rec(new CheckVersionRequest("/app", Integer.MAX_VALUE)));

        // client.GetMaxChildrenRequest: path="/app"
        put("client.GetMaxChildrenRequest", "2.5", "GetMaxChildrenRequest", "GetMaxChildrenRequest(/app) (unused record)",
            rec(new GetMaxChildrenRequest("/app")));

        // client.GetMaxChildrenResponse: max=-1
        put("client.GetMaxChildrenResponse", "2.5", "GetMaxChildrenResponse", "GetMaxChildrenResponse(-1) (unused record)",
            rec(new GetMaxChildrenResponse(-1)));

        // client.SetMaxChildrenRequest: path="/app", max=100
        put("client.SetMaxChildrenRequest", "2.5", "SetMaxChildrenRequest", "SetMaxChildrenRequest(/app, 100) (unused record)",
            rec(new SetMaxChildrenRequest("/app", 100)));

        // client.SyncRequest: path="/app"
        put("client.SyncRequest", "2.5", "SyncRequest", "SyncRequest(/app)", rec(new SyncRequest("/app")));

        // client.SyncResponse: path="/app"
        put("client.SyncResponse", "2.5", "SyncResponse", "SyncResponse(/app)", rec(new SyncResponse("/app")));

        // client.GetACLRequest: path="/zookeeper/config"
        put("client.GetACLRequest", "2.5", "GetACLRequest", "GetACLRequest(/zookeeper/config)", rec(new GetACLRequest("/zookeeper/config")));

        // client.SetACLRequest: path="/app", acl=[ACL(1,world:anyone), ACL(31,digest:DIGEST_ID)], version=0
        put("client.SetACLRequest", "2.5", "SetACLRequest", "SetACLRequest(/app, [1 world:anyone, 31 digest], 0)",
            rec(new SetACLRequest("/app", acls(new ACL(Perms.READ, WORLD), new ACL(Perms.ALL, DIGEST)), 0)));

        // client.SetACLResponse: stat=stat1()
        put("client.SetACLResponse", "2.5", "SetACLResponse", "SetACLResponse(stat1)", rec(new SetACLResponse(stat1())));

        // client.AddWatchRequest: path="/app", mode=1 (PERSISTENT_RECURSIVE)
        put("client.AddWatchRequest", "2.5", "AddWatchRequest", "AddWatchRequest(/app, 1 persistent recursive)",
            rec(new AddWatchRequest("/app", ZooDefs.AddWatchModes.persistentRecursive)));

        // client.WatcherEvent: type=4 (NodeChildrenChanged), state=3 (SyncConnected), path="/é"
        put("client.WatcherEvent", "2.5", "WatcherEvent", "WatcherEvent(4 NodeChildrenChanged, 3 SyncConnected, /é)",
            rec(new WatcherEvent(4, 3, "/\u00e9")));

        // client.ErrorResponse: err=0 (the body of a successful addWatch reply)
        put("client.ErrorResponse", "2.5", "ErrorResponse", "ErrorResponse(0)", rec(new ErrorResponse(0)));

        // client.ErrorResponse.nonode: err=-101
        put("client.ErrorResponse.nonode", "2.5", "ErrorResponse", "ErrorResponse(-101)", rec(new ErrorResponse(-101)));

        // client.CreateResponse: path="/app/é0000000007" (sequential name)
        put("client.CreateResponse", "2.5", "CreateResponse", "CreateResponse(/app/é0000000007)", rec(new CreateResponse("/app/\u00e90000000007")));

        // client.Create2Response: path="/app/eph", stat=stat2()
        put("client.Create2Response", "2.5", "Create2Response", "Create2Response(/app/eph, stat2)", rec(new Create2Response("/app/eph", stat2())));

        // client.ExistsRequest: path="/missing", watch=true
        put("client.ExistsRequest", "2.5", "ExistsRequest", "ExistsRequest(/missing, true)", rec(new ExistsRequest("/missing", true)));

        // client.ExistsResponse: stat=stat1()
        put("client.ExistsResponse", "2.5", "ExistsResponse", "ExistsResponse(stat1)", rec(new ExistsResponse(stat1())));

        // client.GetDataResponse: data="world", stat=stat1()
        put("client.GetDataResponse", "2.5", "GetDataResponse", "GetDataResponse(\"world\", stat1)", rec(new GetDataResponse(ascii("world"), stat1())));

        // client.GetDataResponse.nulldata: data=null (-1), stat=stat2()
        put("client.GetDataResponse.nulldata", "2.5", "GetDataResponse", "GetDataResponse(null, stat2)", rec(new GetDataResponse(null, stat2())));

        // client.GetChildrenResponse: children=["zookeeper","app","é"]
        put("client.GetChildrenResponse", "2.5", "GetChildrenResponse", "GetChildrenResponse([zookeeper, app, é])",
            rec(new GetChildrenResponse(list("zookeeper", "app", "\u00e9"))));

        // client.GetChildrenResponse.empty: children=[] (count 0)
        put("client.GetChildrenResponse.empty", "2.5", "GetChildrenResponse", "GetChildrenResponse([])", rec(new GetChildrenResponse(list())));

        // client.GetAllChildrenNumberResponse: totalNumber=3
        put("client.GetAllChildrenNumberResponse", "2.5", "GetAllChildrenNumberResponse", "GetAllChildrenNumberResponse(3)",
            rec(new GetAllChildrenNumberResponse(3)));

        // client.GetChildren2Response: children=["eph","ttl"], stat=stat1()
        put("client.GetChildren2Response", "2.5", "GetChildren2Response", "GetChildren2Response([eph, ttl], stat1)",
            rec(new GetChildren2Response(list("eph", "ttl"), stat1())));

        // client.GetACLResponse: acl=[ACL(1,world:anyone), ACL(31,digest:DIGEST_ID)], stat=stat1()
        put("client.GetACLResponse", "2.5", "GetACLResponse", "GetACLResponse([1 world:anyone, 31 digest], stat1)",
            rec(new GetACLResponse(acls(new ACL(Perms.READ, WORLD), new ACL(Perms.ALL, DIGEST)), stat1())));

        // client.CheckWatchesRequest: path="/app", type=1 (WatcherType.Children)
        put("client.CheckWatchesRequest", "2.5", "CheckWatchesRequest", "CheckWatchesRequest(/app, 1 Children)",
            rec(new CheckWatchesRequest("/app", 1)));

        // client.RemoveWatchesRequest: path="/app", type=3 (WatcherType.Any)
        put("client.RemoveWatchesRequest", "2.5", "RemoveWatchesRequest", "RemoveWatchesRequest(/app, 3 Any)",
            rec(new RemoveWatchesRequest("/app", 3)));

        // client.GetEphemeralsRequest: prefixPath="/app"
        put("client.GetEphemeralsRequest", "2.5", "GetEphemeralsRequest", "GetEphemeralsRequest(/app)", rec(new GetEphemeralsRequest("/app")));

        // client.GetEphemeralsResponse: ephemerals=["/app/eph","/app/é"]
        put("client.GetEphemeralsResponse", "2.5", "GetEphemeralsResponse", "GetEphemeralsResponse([/app/eph, /app/é])",
            rec(new GetEphemeralsResponse(list("/app/eph", "/app/\u00e9"))));

        // client.WhoAmIResponse: clientInfo=[ClientInfo("ip","127.0.0.1"), ClientInfo("digest","user")]
        put("client.WhoAmIResponse", "2.5", "WhoAmIResponse", "WhoAmIResponse([ip 127.0.0.1, digest user])",
            rec(new WhoAmIResponse(list(new ClientInfo("ip", "127.0.0.1"), new ClientInfo("digest", "user")))));

        // client.DeleteContainerRequest: path="/app/container". Not a jute record. 3.9+
        // (org.apache.zookeeper.DeleteContainerRequest) writes it as buffer(UTF-8 path) = int length +
        // bytes, which for this path is byte-identical to ustring; written here with writeString.
        put("client.DeleteContainerRequest", "2.4", "DeleteContainerRequest", "DeleteContainerRequest(/app/container): int length + UTF-8 path (3.9+ form)",
            archive(oa -> oa.writeString("/app/container", "path")));

        // client.DeleteContainerRequest.v38: what 3.8.x puts in Request.request for op 20
        // (ContainerManager: ByteBuffer.wrap(path.getBytes(UTF_8))): the raw UTF-8 path, NO length prefix.
        // PrepRequestProcessor 3.8 decodes it as new String(request.request.array(), UTF_8).
        put("client.DeleteContainerRequest.v38", "2.4", "DeleteContainerRequest", "3.8.x internal deleteContainer body: raw UTF-8 \"/app/container\", no length",
            utf8("/app/container"));
    }

    // ==================================================================
    // §1.3/§2.1 client frames
    // ==================================================================

    /** ClientCnxn.Packet(header, null, request, null, null, readOnly).createBB() -> the bytes it sends. */
    static byte[] clientPacket(RequestHeader h, Record request, boolean readOnly) throws Exception {
        Class<?> packetClass = Class.forName("org.apache.zookeeper.ClientCnxn$Packet");
        Constructor<?> ctor = packetClass.getDeclaredConstructor(
            RequestHeader.class, ReplyHeader.class, Record.class, Record.class,
            Class.forName("org.apache.zookeeper.ZooKeeper$WatchRegistration"), boolean.class);
        ctor.setAccessible(true);
        Object p = ctor.newInstance(h, null, request, null, null, readOnly);
        Method createBB = packetClass.getDeclaredMethod("createBB");
        createBB.setAccessible(true);
        createBB.invoke(p);
        Field bbField = packetClass.getDeclaredField("bb");
        bbField.setAccessible(true);
        ByteBuffer bb = ((ByteBuffer) bbField.get(p)).duplicate();
        byte[] out = new byte[bb.remaining()];
        bb.get(out);
        return out;
    }

    /**
     * A server -> client frame as ServerCnxn.serialize builds it: the header and the body
     * are each serialised with BinaryOutputArchive.writeRecord; the int length is
     * header.length + body.length; the body is absent when r == null.
     */
    static byte[] serverFrame(ReplyHeader h, Record r) throws IOException {
        byte[] header = rec(h);
        byte[] body = r == null ? new byte[0] : rec(r);
        ByteBuffer len = ByteBuffer.allocate(4).putInt(header.length + body.length);
        return cat(len.array(), header, body);
    }

    static void clientFrames() throws Exception {
        // frame.request.create: ClientCnxn.Packet bytes for RequestHeader(xid=1, type=1 create) +
        // CreateRequest(path="/app", data="hello", acl=OPEN, flags=0); int length prefix first.
        put("frame.request.create", "2.1", "Frame", "client frame: len + RequestHeader(1, 1 create) + CreateRequest(/app, \"hello\", OPEN, 0)",
            clientPacket(new RequestHeader(1, OpCode.create), new CreateRequest("/app", ascii("hello"), OPEN, 0), false));

        // frame.ping: ClientCnxn.Packet for RequestHeader(xid=-2, type=11 ping), no body.
        put("frame.ping", "2.3", "Frame", "client ping frame: len=8 + RequestHeader(-2, 11)",
            clientPacket(new RequestHeader(-2, OpCode.ping), null, false));

        // frame.connect: ClientCnxn.Packet(null header, ConnectRequest, readOnly=false) for a NEW
        // session: protocolVersion=0, lastZxidSeen=0, timeOut=30000, sessionId=0, passwd=16 zero bytes,
        // then the readOnly byte 0x00.
        put("frame.connect", "2.1", "Frame", "client connect frame: len + ConnectRequest(0, 0, 30000, 0, 16 zero bytes) + readOnly false",
            clientPacket(null, new ConnectRequest(0, 0L, 30000, 0L, new byte[16]), false));

        // frame.connect.readonly: the same with readOnly=true (client allows read-only servers).
        put("frame.connect.readonly", "2.1", "Frame", "client connect frame with readOnly=true",
            clientPacket(null, new ConnectRequest(0, 0L, 30000, 0L, new byte[16]), true));

        // frame.connectResponse: as ZooKeeperServer.finishSessionInit builds it for a valid new
        // session on a normal server: writeInt(-1) placeholder, ConnectResponse(0, 30000, S1,
        // generatePasswd(S1)), writeBool(false), then the length (37) is patched into the first int.
        ConnectResponse rsp = new ConnectResponse(0, 30000, S1, serverPasswd(S1));
        byte[] rspFrame = archive(oa -> {
            oa.writeInt(-1, "len");
            rsp.serialize(oa, "connect");
            oa.writeBool(false, "readOnly");
        });
        ByteBuffer.wrap(rspFrame).putInt(rspFrame.length - 4);
        put("frame.connectResponse", "2.2", "Frame", "server connect reply frame: len=37 + ConnectResponse(0, 30000, S1, passwd) + readOnly false",
            rspFrame);

        // frame.request.getData: RequestHeader(xid=2, type=4) + GetDataRequest("/app", watch=true)
        put("frame.request.getData", "2.1", "Frame", "client frame: len + RequestHeader(2, 4 getData) + GetDataRequest(/app, true)",
            clientPacket(new RequestHeader(2, OpCode.getData), new GetDataRequest("/app", true), false));

        // frame.reply.getData: ReplyHeader(xid=2, zxid=0x10000000b, err=0) + GetDataResponse("world", stat1())
        put("frame.reply.getData", "2.1", "Frame", "server frame: len + ReplyHeader(2, 0x10000000b, 0) + GetDataResponse(\"world\", stat1)",
            serverFrame(new ReplyHeader(2, 0x10000000bL, 0), new GetDataResponse(ascii("world"), stat1())));

        // frame.reply.error: ReplyHeader(xid=3, zxid=0x10000000b, err=-101 NoNode), no body
        put("frame.reply.error", "2.1", "Frame", "server frame: len=16 + ReplyHeader(3, 0x10000000b, -101), no body",
            serverFrame(new ReplyHeader(3, 0x10000000bL, -101), null));

        // frame.notification: ReplyHeader(xid=-1, zxid=-1, err=0) + WatcherEvent(type=3 NodeDataChanged,
        // state=3 SyncConnected, path="/app") (3.8 sends zxid -1 in notifications)
        put("frame.notification", "2.7", "Frame", "server frame: len + ReplyHeader(-1, -1, 0) + WatcherEvent(3, 3, /app)",
            serverFrame(new ReplyHeader(-1, -1L, 0), new WatcherEvent(3, 3, "/app")));

        // frame.reply.ping: ReplyHeader(xid=-2, zxid=0x10000000b, err=0), no body
        put("frame.reply.ping", "2.3", "Frame", "server ping reply frame: len=16 + ReplyHeader(-2, 0x10000000b, 0)",
            serverFrame(new ReplyHeader(-2, 0x10000000bL, 0), null));
    }

    // ==================================================================
    // §2.6 multi / multiRead
    // ==================================================================

    /** An Op.Create whose type is create2 (15). 3.8.0's Op factories never produce one, so we set
     *  Op.type by reflection; MultiOperationRecord then serialises it like any create. */
    static Op create2Op(String path, byte[] data, List<ACL> acl, int flags) throws Exception {
        Op op = Op.create(path, data, acl, flags);
        Field type = Op.class.getDeclaredField("type");
        type.setAccessible(true);
        type.setInt(op, OpCode.create2);
        return op;
    }

    static void multi() throws Exception {
        // multi.request.write: MultiOperationRecord of, in order:
        //   1  create          Op.create("/m/a", "a", OPEN, PERSISTENT)          -> CreateRequest(/m/a,"a",OPEN,0)
        //   15 create2         ("/m/b", null data, OPEN, flags 1 EPHEMERAL)       -> CreateRequest(/m/b,null,OPEN,1)
        //   19 createContainer Op.create("/m/c", "", OPEN, CONTAINER)             -> CreateRequest(/m/c,"",OPEN,4)
        //   21 createTTL       Op.create("/m/t", "t", OPEN, PERSISTENT_WITH_TTL, ttl=60000) -> CreateTTLRequest(/m/t,"t",OPEN,5,60000)
        //   2  delete          Op.delete("/m/old", -1)                            -> DeleteRequest(/m/old,-1)
        //   5  setData         Op.setData("/m", BIN, 3)                           -> SetDataRequest(/m,BIN,3)
        //   13 check           Op.check("/m", 4)                                  -> CheckVersionRequest(/m,4)
        // each preceded by MultiHeader(type, false, -1); terminator MultiHeader(-1, true, -1).
        MultiOperationRecord write = new MultiOperationRecord(list(
            Op.create("/m/a", ascii("a"), OPEN, CreateMode.PERSISTENT),
            create2Op("/m/b", null, OPEN, CreateMode.EPHEMERAL.toFlag()),
            Op.create("/m/c", new byte[0], OPEN, CreateMode.CONTAINER),
            Op.create("/m/t", ascii("t"), OPEN, CreateMode.PERSISTENT_WITH_TTL, 60000L),
            Op.delete("/m/old", -1),
            Op.setData("/m", BIN, 3),
            Op.check("/m", 4)));
        put("multi.request.write", "2.6", "MultiOperationRecord", "MultiOperationRecord: create, create2, createContainer, createTTL, delete, setData, check",
            rec(write));

        // multi.request.read: MultiOperationRecord of Op.getChildren("/m") (GetChildrenRequest(/m, false))
        // and Op.getData("/é") (GetDataRequest(/é, false)), then the terminator.
        put("multi.request.read", "2.6", "MultiOperationRecord", "MultiOperationRecord (multiRead): getChildren(/m), getData(/é)",
            rec(new MultiOperationRecord(list(Op.getChildren("/m"), Op.getData("/\u00e9")))));

        // multi.request.empty: no ops, only MultiHeader(-1, true, -1)
        put("multi.request.empty", "2.6", "MultiOperationRecord", "empty MultiOperationRecord: terminator only",
            rec(new MultiOperationRecord()));

        // multi.response.success: MultiResponse of
        //   CreateResult("/m/a")                (type 1: CreateResponse)
        //   CreateResult("/m/b", stat2())       (type 15: Create2Response)
        //   DeleteResult                        (type 2: no body)
        //   CheckResult                         (type 13: no body)
        //   SetDataResult(stat1())              (type 5: SetDataResponse)
        // headers are MultiHeader(type, false, 0); terminator MultiHeader(-1, true, -1).
        MultiResponse ok = new MultiResponse();
        ok.add(new OpResult.CreateResult("/m/a"));
        ok.add(new OpResult.CreateResult("/m/b", stat2()));
        ok.add(new OpResult.DeleteResult());
        ok.add(new OpResult.CheckResult());
        ok.add(new OpResult.SetDataResult(stat1()));
        put("multi.response.success", "2.6", "MultiResponse", "MultiResponse: CreateResult, CreateResult+stat (15), DeleteResult, CheckResult, SetDataResult",
            rec(ok));

        // multi.response.failed: ErrorResult(0), ErrorResult(-101), ErrorResult(-2):
        // each MultiHeader(-1, false, err) + ErrorResponse(err)
        MultiResponse failed = new MultiResponse();
        failed.add(new OpResult.ErrorResult(0));
        failed.add(new OpResult.ErrorResult(-101));
        failed.add(new OpResult.ErrorResult(-2));
        put("multi.response.failed", "2.6", "MultiResponse", "MultiResponse of a failed multi: ErrorResult 0, -101, -2", rec(failed));

        // multi.response.read: GetDataResult(BIN, stat1()), GetChildrenResult(["a","é"]), ErrorResult(-101)
        MultiResponse read = new MultiResponse();
        read.add(new OpResult.GetDataResult(BIN, stat1()));
        read.add(new OpResult.GetChildrenResult(list("a", "\u00e9")));
        read.add(new OpResult.ErrorResult(-101));
        put("multi.response.read", "2.6", "MultiResponse", "MultiResponse (multiRead): GetDataResult(BIN, stat1), GetChildrenResult([a, é]), ErrorResult(-101)",
            rec(read));

        // multi.response.empty: no results, only the terminator
        put("multi.response.empty", "2.6", "MultiResponse", "empty MultiResponse: terminator only", rec(new MultiResponse()));
    }

    // ==================================================================
    // §5.2-5.6 quorum records and ZAB packets
    // ==================================================================

    /** QuorumMaj(props).toString(): the config text the servers exchange. */
    static String quorumConfig(long version, String... servers) throws Exception {
        Properties props = new Properties();
        for (String s : servers) {
            int eq = s.indexOf('=');
            props.setProperty(s.substring(0, eq), s.substring(eq + 1));
        }
        props.setProperty("version", Long.toHexString(version));
        return new QuorumMaj(props).toString();
    }

    static QuorumPacket qp(String type, long zxid, byte[] data, List<Id> authinfo) throws Exception {
        return new QuorumPacket(leaderConst(type), zxid, data, authinfo);
    }

    static void quorumRecords() throws Exception {
        // quorum.LearnerInfo: serverid=2, protocolVersion=0x10000, configVersion=0x100000000
        LearnerInfo li = new LearnerInfo(2L, 0x10000, 0x100000000L);
        put("quorum.LearnerInfo", "2.5", "LearnerInfo", "LearnerInfo(2, 0x10000, 0x100000000), 20 bytes", rec(li));

        // quorum.QuorumPacket: type=2, zxid=0x100000001, data=BIN, authinfo=[Id(ip,127.0.0.1), Id(digest,DIGEST_ID)]
        put("quorum.QuorumPacket", "2.5", "QuorumPacket", "QuorumPacket(2, 0x100000001, BIN, [ip:127.0.0.1, digest:...])",
            rec(new QuorumPacket(2, 0x100000001L, BIN, list(IP, DIGEST))));

        // quorum.QuorumPacket.nulls: type=12, zxid=-1, data=null, authinfo=null
        put("quorum.QuorumPacket.nulls", "2.5", "QuorumPacket", "QuorumPacket(12, -1, null, null): both null markers",
            rec(new QuorumPacket(12, -1L, null, null)));

        // quorum.QuorumAuthPacket: QuorumAuth.createPacket(IN_PROGRESS, "sasl-token"):
        // magic=-0xa0dbcafecafe1234, status=0, token=ascii("sasl-token")
        QuorumAuthPacket auth = QuorumAuth.createPacket(QuorumAuth.Status.IN_PROGRESS, ascii("sasl-token"));
        check(auth.getMagic() == -0xa0dbcafecafe1234L, "quorum auth magic");
        put("quorum.QuorumAuthPacket", "2.5", "QuorumAuthPacket", "QuorumAuthPacket(-0xa0dbcafecafe1234, 0 IN_PROGRESS, \"sasl-token\")", rec(auth));

        // quorum.QuorumAuthPacket.success: QuorumAuth.createPacket(SUCCESS, null): status=1, token=null
        put("quorum.QuorumAuthPacket.success", "2.5", "QuorumAuthPacket", "QuorumAuthPacket(magic, 1 SUCCESS, null token)",
            rec(QuorumAuth.createPacket(QuorumAuth.Status.SUCCESS, null)));

        // ---- one QuorumPacket per §5.4 type, with the body the Java code builds ----

        // quorum.packet.REQUEST: Learner.request(): data = DataOutputStream writeLong(sessionId=S1),
        // writeInt(cxid=7), writeInt(type=1 create), then the raw request record bytes
        // CreateRequest(path="/app/x", data="v", acl=OPEN, flags=0); zxid=-1;
        // authinfo = the connection's ids [Id(ip,127.0.0.1), Id(digest,DIGEST_ID)]
        byte[] createBody = rec(new CreateRequest("/app/x", ascii("v"), OPEN, 0));
        byte[] requestData = data(out -> {
            out.writeLong(S1);
            out.writeInt(7);
            out.writeInt(OpCode.create);
            out.write(createBody);
        });
        put("quorum.packet.REQUEST", "5.4", "REQUEST", "REQUEST(zxid -1): S1, cxid 7, type 1 + CreateRequest(/app/x, \"v\", OPEN, 0); authinfo [ip, digest]",
            rec(qp("REQUEST", -1L, requestData, list(IP, DIGEST))));

        // quorum.packet.PROPOSAL: Leader.propose(): zxid=0x100000004, data = SerializeUtils.serializeRequest
        // of the scenario-D create txn (TxnHeader(S1, 1, 0x100000004, T0+4000, 1) +
        // CreateTxn("/app", "hello", OPEN, false, 1) + TxnDigest(2, DISK_DIGESTS[3])), authinfo=null
        byte[] proposal = diskProposalCreateApp();
        put("quorum.packet.PROPOSAL", "5.4", "PROPOSAL", "PROPOSAL(0x100000004): marshalled create /app txn with TxnDigest (= txnentry of scenario D z4)",
            rec(qp("PROPOSAL", 0x100000004L, proposal, null)));

        // quorum.packet.ACK: SendAckRequestProcessor: ACK(zxid=0x100000004, null, null)
        put("quorum.packet.ACK", "5.4", "ACK", "ACK(0x100000004, null, null)", rec(qp("ACK", 0x100000004L, null, null)));

        // quorum.packet.ACK.newleader: Learner ack of NEWLEADER / UPTODATE: ACK(zxid=0x200000000)
        put("quorum.packet.ACK.newleader", "5.5", "ACK", "ACK(0x200000000 = newEpoch 2 << 32)",
            rec(qp("ACK", 0x200000000L, null, null)));

        // quorum.packet.COMMIT: Leader.commit(): COMMIT(zxid=0x100000004, null, null)
        put("quorum.packet.COMMIT", "5.4", "COMMIT", "COMMIT(0x100000004, null, null)", rec(qp("COMMIT", 0x100000004L, null, null)));

        // quorum.packet.PING.leader: LearnerHandler.ping(): PING(zxid=lastProposed 0x10000000b, null, null)
        put("quorum.packet.PING.leader", "5.4", "PING", "leader PING(0x10000000b, null data, null authinfo)",
            rec(qp("PING", 0x10000000bL, null, null)));

        // quorum.packet.PING.learner: Learner.ping() reply: same type and zxid, authinfo echoed (the
        // leader's is null), data = for each entry of the touch table (a HashMap<Long,Integer>
        // {S2: 10000, S3: 40000}, iterated in HashMap order) writeLong(sessionId), writeInt(timeout)
        Map<Long, Integer> touch = new HashMap<>();
        touch.put(S2, 10000);
        touch.put(S3, 40000);
        byte[] pingData = data(out -> {
            for (Map.Entry<Long, Integer> e : touch.entrySet()) {
                out.writeLong(e.getKey());
                out.writeInt(e.getValue());
            }
        });
        put("quorum.packet.PING.learner", "5.4", "PING", "learner PING reply(0x10000000b): pairs (S2,10000),(S3,40000) in HashMap order; authinfo null (echoed)",
            rec(qp("PING", 0x10000000bL, pingData, null)));

        // quorum.packet.REVALIDATE.request: Learner.validateSession(): zxid=-1,
        // data = writeLong(S1), writeInt(30000); authinfo null
        byte[] revalReq = data(out -> {
            out.writeLong(S1);
            out.writeInt(30000);
        });
        put("quorum.packet.REVALIDATE.request", "5.4", "REVALIDATE", "REVALIDATE(-1): sessionId S1, timeout 30000",
            rec(qp("REVALIDATE", -1L, revalReq, null)));

        // quorum.packet.REVALIDATE.reply: Leader.revalidateSession(): the same packet with data replaced
        // by writeLong(S1), writeBoolean(true)
        byte[] revalRsp = data(out -> {
            out.writeLong(S1);
            out.writeBoolean(true);
        });
        put("quorum.packet.REVALIDATE.reply", "5.4", "REVALIDATE", "REVALIDATE(-1) reply: sessionId S1, valid=true",
            rec(qp("REVALIDATE", -1L, revalRsp, null)));

        // quorum.packet.SYNC: Leader.processSync(): SYNC(zxid=0, null, null)
        put("quorum.packet.SYNC", "5.4", "SYNC", "SYNC(0, null, null)", rec(qp("SYNC", 0L, null, null)));

        // quorum.packet.INFORM: Leader.inform(): INFORM(zxid=0x100000004, data=the PROPOSAL bytes above, null)
        put("quorum.packet.INFORM", "5.4", "INFORM", "INFORM(0x100000004): same data as quorum.packet.PROPOSAL",
            rec(qp("INFORM", 0x100000004L, proposal, null)));

        // quorum.packet.COMMITANDACTIVATE: Leader.commitAndActivate(zxid=0x10000000e, designatedLeader=2):
        // data = 8-byte ByteBuffer putLong(2)
        byte[] designated = new byte[8];
        ByteBuffer.wrap(designated).putLong(2L);
        put("quorum.packet.COMMITANDACTIVATE", "5.4", "COMMITANDACTIVATE", "COMMITANDACTIVATE(0x10000000e): designatedLeader 2",
            rec(qp("COMMITANDACTIVATE", 0x10000000eL, designated, null)));

        // quorum.packet.NEWLEADER: LearnerHandler (peer protocol >= 0x10000): NEWLEADER(zxid=0x200000000,
        // data = leader's last-seen QuorumVerifier text in UTF-8; Leader.lead() set its version to the
        // new epoch's first zxid:
        // "server.1=127.0.0.1:22888:23888:participant\nserver.2=127.0.0.1:22889:23889:participant\nversion=200000000")
        String nlConfig = quorumConfig(0x200000000L,
            "server.1=127.0.0.1:22888:23888:participant", "server.2=127.0.0.1:22889:23889:participant");
        check(nlConfig.equals(CONFIG_2 + "version=200000000"), "NEWLEADER config text: " + nlConfig);
        put("quorum.packet.NEWLEADER", "5.4", "NEWLEADER", "NEWLEADER(0x200000000): config text ending version=200000000",
            rec(qp("NEWLEADER", 0x200000000L, utf8(nlConfig), null)));

        // quorum.packet.FOLLOWERINFO: Learner.registerWithLeader(): FOLLOWERINFO(zxid=acceptedEpoch 1 << 32,
        // data = LearnerInfo(2, 0x10000, 0x100000000) serialised with writeRecord, null)
        put("quorum.packet.FOLLOWERINFO", "5.4", "FOLLOWERINFO", "FOLLOWERINFO(0x100000000): LearnerInfo(2, 0x10000, 0x100000000)",
            rec(qp("FOLLOWERINFO", 0x100000000L, rec(li), null)));

        // quorum.packet.UPTODATE: UPTODATE(zxid=-1, null, null)
        put("quorum.packet.UPTODATE", "5.4", "UPTODATE", "UPTODATE(-1, null, null)", rec(qp("UPTODATE", -1L, null, null)));

        // quorum.packet.DIFF: DIFF(zxid=0x10000000b, null, null)
        put("quorum.packet.DIFF", "5.4", "DIFF", "DIFF(0x10000000b, null, null)", rec(qp("DIFF", 0x10000000bL, null, null)));

        // quorum.packet.TRUNC: TRUNC(zxid=0x100000007, null, null)
        put("quorum.packet.TRUNC", "5.4", "TRUNC", "TRUNC(0x100000007, null, null)", rec(qp("TRUNC", 0x100000007L, null, null)));

        // quorum.packet.SNAP: SNAP(zxid=0x10000000b, null, null); the quorum.snapbody stream follows it
        put("quorum.packet.SNAP", "5.4", "SNAP", "SNAP(0x10000000b, null, null)", rec(qp("SNAP", 0x10000000bL, null, null)));

        // quorum.packet.OBSERVERINFO: OBSERVERINFO(zxid=0x100000000, data=LearnerInfo(3, 0x10000, 0x100000000))
        put("quorum.packet.OBSERVERINFO", "5.4", "OBSERVERINFO", "OBSERVERINFO(0x100000000): LearnerInfo(3, 0x10000, 0x100000000)",
            rec(qp("OBSERVERINFO", 0x100000000L, rec(new LearnerInfo(3L, 0x10000, 0x100000000L)), null)));

        // quorum.packet.LEADERINFO: LearnerHandler: LEADERINFO(zxid=newEpoch 2 << 32,
        // data = 4-byte ByteBuffer putInt(0x10000))
        byte[] ver = new byte[4];
        ByteBuffer.wrap(ver).putInt(0x10000);
        put("quorum.packet.LEADERINFO", "5.4", "LEADERINFO", "LEADERINFO(0x200000000): int 0x10000",
            rec(qp("LEADERINFO", 0x200000000L, ver, null)));

        // quorum.packet.ACKEPOCH: Learner.registerWithLeader(): ACKEPOCH(zxid=lastLoggedZxid 0x10000000b,
        // data = 4-byte ByteBuffer putInt(currentEpoch=1))
        byte[] epoch = new byte[4];
        ByteBuffer.wrap(epoch).putInt(1);
        put("quorum.packet.ACKEPOCH", "5.4", "ACKEPOCH", "ACKEPOCH(0x10000000b): int currentEpoch 1",
            rec(qp("ACKEPOCH", 0x10000000bL, epoch, null)));

        // quorum.packet.ACKEPOCH.same: newEpoch == acceptedEpoch case: data = putInt(-1)
        byte[] minus1 = new byte[4];
        ByteBuffer.wrap(minus1).putInt(-1);
        put("quorum.packet.ACKEPOCH.same", "5.5", "ACKEPOCH", "ACKEPOCH(0x10000000b): int -1 (epoch already accepted)",
            rec(qp("ACKEPOCH", 0x10000000bL, minus1, null)));

        // quorum.packet.INFORMANDACTIVATE: Leader.buildInformAndActivePacket(zxid=0x10000000e,
        // designatedLeader=2, proposalData = txnentry.reconfig bytes): data = putLong(2) + proposal bytes
        QuorumPacket iaa = Leader.buildInformAndActivePacket(0x10000000eL, 2L, reconfigEntryBytes);
        put("quorum.packet.INFORMANDACTIVATE", "5.4", "INFORMANDACTIVATE", "INFORMANDACTIVATE(0x10000000e): long 2 + txnentry.reconfig bytes",
            rec(iaa));

        // quorum.snapbody: the SNAP body (LearnerHandler.syncFollower): ZKDatabase.serializeSnapshot =
        // SerializeUtils.serializeSnapshot(tree of scenario D, archive, sessions {S2:10000, S3:40000}),
        // then writeString("BenWasHere", "signature").
        DiskScenario d = diskScenario();
        byte[] snapBody = archive(oa -> {
            SerializeUtils.serializeSnapshot(d.tree, oa, d.sessions);
            oa.writeString("BenWasHere", "signature");
        });
        put("quorum.snapbody", "5.6", "SnapBody", "SNAP stream: sessions + ACL cache + nodes + \"/\" of scenario D, then \"BenWasHere\"", snapBody);
    }

    // ==================================================================
    // §5.2/5.3 election: handshake and FLE notifications
    // ==================================================================

    static String inetAddr(byte[] ip, int port) throws Exception {
        return NetUtils.formatInetAddr(new InetSocketAddress(InetAddress.getByAddress(ip), port));
    }

    /** QuorumCnxManager.startConnection: writeLong(version), writeLong(sid), writeInt(len), write(addr.getBytes()). */
    static byte[] handshake(long protocolVersion, long sid, String addr) throws IOException {
        return data(out -> {
            out.writeLong(protocolVersion);
            out.writeLong(sid);
            byte[] a = addr.getBytes();
            out.writeInt(a.length);
            out.write(a);
        });
    }

    static byte[] buildMsg(ServerState state, long leader, long zxid, long electionEpoch, long peerEpoch,
                           byte[] config) throws Exception {
        Class<?> fle = Class.forName("org.apache.zookeeper.server.quorum.FastLeaderElection");
        ByteBuffer bb;
        if (config == null) {
            bb = (ByteBuffer) callStatic(fle, "buildMsg",
                new Class<?>[]{int.class, long.class, long.class, long.class, long.class},
                state.ordinal(), leader, zxid, electionEpoch, peerEpoch);
        } else {
            bb = (ByteBuffer) callStatic(fle, "buildMsg",
                new Class<?>[]{int.class, long.class, long.class, long.class, long.class, byte[].class},
                state.ordinal(), leader, zxid, electionEpoch, peerEpoch, config);
        }
        return bb.array().clone();
    }

    static void election() throws Exception {
        long v1 = (Long) staticField("org.apache.zookeeper.server.quorum.QuorumCnxManager", "PROTOCOL_VERSION_V1");
        long v2 = (Long) staticField("org.apache.zookeeper.server.quorum.QuorumCnxManager", "PROTOCOL_VERSION_V2");
        check(v1 == -65536L && v2 == -65535L, "protocol versions");

        // quorum.handshake.v1: writeLong(-65536), writeLong(sid=3), writeInt(14), "127.0.0.1:3888"
        // (address formatted by NetUtils.formatInetAddr)
        String a1 = inetAddr(new byte[]{127, 0, 0, 1}, 3888);
        check(a1.equals("127.0.0.1:3888"), "addr " + a1);
        put("quorum.handshake.v1", "5.2", "ElectionHandshake", "election handshake V1: -65536, sid 3, \"127.0.0.1:3888\"", handshake(v1, 3L, a1));

        // quorum.handshake.v2: writeLong(-65535), writeLong(sid=3), then the addresses joined by '|':
        // "127.0.0.1:3888|127.0.0.2:3889|[0:0:0:0:0:0:0:1]:3890" (IPv6 in brackets, as formatInetAddr writes it)
        String a2 = list(
            inetAddr(new byte[]{127, 0, 0, 1}, 3888),
            inetAddr(new byte[]{127, 0, 0, 2}, 3889),
            inetAddr(new byte[]{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 3890)).stream()
            .collect(Collectors.joining("|"));
        check(a2.equals("127.0.0.1:3888|127.0.0.2:3889|[0:0:0:0:0:0:0:1]:3890"), "addr " + a2);
        put("quorum.handshake.v2", "5.2", "ElectionHandshake", "election handshake V2: -65535, sid 3, \"127.0.0.1:3888|127.0.0.2:3889|[0:0:0:0:0:0:0:1]:3890\"",
            handshake(v2, 3L, a2));

        // quorum.handshake.legacy: a pre-3.5 initiator sends only writeLong(sid=3)
        put("quorum.handshake.legacy", "5.2", "ElectionHandshake", "legacy election handshake: bare sid 3 (long)", data(out -> out.writeLong(3L)));

        // quorum.handshake.observer: V1 handshake of an observer without an id: sid=Long.MAX_VALUE (OBSERVER_ID)
        long observerId = (Long) staticField("org.apache.zookeeper.server.quorum.QuorumPeer", "OBSERVER_ID");
        check(observerId == Long.MAX_VALUE, "OBSERVER_ID");
        put("quorum.handshake.observer", "5.2", "ElectionHandshake", "election handshake V1 with sid Long.MAX_VALUE (OBSERVER_ID), \"127.0.0.1:3890\"",
            handshake(v1, observerId, inetAddr(new byte[]{127, 0, 0, 1}, 3890)));

        // quorum.notification.v2: FastLeaderElection.buildMsg(state=LOOKING(0), leader=1,
        // zxid=0x10000000b, electionEpoch=1, peerEpoch=1, config=UTF-8 of
        // "server.1=127.0.0.1:22888:23888:participant\nserver.2=127.0.0.1:22889:23889:participant\nversion=0")
        // -> 44 + 95 = 139 bytes (version int 2, config length 95)
        String cfg0 = quorumConfig(0L,
            "server.1=127.0.0.1:22888:23888:participant", "server.2=127.0.0.1:22889:23889:participant");
        check(cfg0.equals(CONFIG_2 + "version=0"), "cfg0");
        byte[] n2 = buildMsg(ServerState.LOOKING, 1L, 0x10000000bL, 1L, 1L, utf8(cfg0));
        check(n2.length == 139, "notification length");
        put("quorum.notification.v2", "5.3", "Notification", "FLE notification v2: LOOKING, leader 1, zxid 0x10000000b, round 1, epoch 1, 95-byte config (139 bytes)", n2);

        // quorum.notification.v2.frame: as QuorumCnxManager.SendWorker.send writes it: writeInt(139) + the message
        put("quorum.notification.v2.frame", "5.2", "Notification", "election frame: int length 139 + quorum.notification.v2",
            data(out -> {
                out.writeInt(n2.length);
                out.write(n2);
            }));

        // quorum.notification.v2.leading: buildMsg(state=LEADING(2), leader=2, zxid=0x200000003,
        // electionEpoch=5, peerEpoch=2, config=cfg0) -- an out-of-election reply from a leader
        put("quorum.notification.v2.leading", "5.3", "Notification", "FLE notification v2: LEADING, leader 2, zxid 0x200000003, round 5, epoch 2, same config",
            buildMsg(ServerState.LEADING, 2L, 0x200000003L, 5L, 2L, utf8(cfg0)));

        // quorum.notification.v2.observer: the initial vote of a LOOKING observer: leader=Long.MIN_VALUE,
        // zxid=Long.MIN_VALUE, electionEpoch=1, peerEpoch=Long.MIN_VALUE, config=cfg0
        put("quorum.notification.v2.observer", "5.3", "Notification", "FLE notification v2 from an observer: LOOKING, leader/zxid/peerEpoch Long.MIN_VALUE, round 1",
            buildMsg(ServerState.LOOKING, Long.MIN_VALUE, Long.MIN_VALUE, 1L, Long.MIN_VALUE, utf8(cfg0)));

        // quorum.notification.v1.40bytes: buildMsg(state=FOLLOWING(1), leader=2, zxid=0x100000005,
        // electionEpoch=3, peerEpoch=1) -- the 40-byte form ending in int 1
        byte[] n1 = buildMsg(ServerState.FOLLOWING, 2L, 0x100000005L, 3L, 1L, null);
        check(n1.length == 40, "40-byte notification");
        put("quorum.notification.v1.40bytes", "5.3", "Notification", "FLE notification, 40-byte form: FOLLOWING, leader 2, zxid 0x100000005, round 3, epoch 1, int 1", n1);

        // quorum.notification.v0.28bytes: the oldest form, built by hand with a ByteBuffer like buildMsg:
        // putInt(state=LOOKING 0), putLong(leader=1), putLong(zxid=0x100000005), putLong(electionEpoch=3)
        ByteBuffer n0 = ByteBuffer.allocate(28);
        n0.putInt(ServerState.LOOKING.ordinal());
        n0.putLong(1L);
        n0.putLong(0x100000005L);
        n0.putLong(3L);
        put("quorum.notification.v0.28bytes", "5.3", "Notification", "FLE notification, 28-byte form: LOOKING, leader 1, zxid 0x100000005, round 3", n0.array());
    }

    static Object staticField(String cls, String name) throws Exception {
        Field f = Class.forName(cls).getDeclaredField(name);
        f.setAccessible(true);
        return f.get(null);
    }

    // ==================================================================
    // §2.5 txn records (bare)
    // ==================================================================

    static void txnRecords() throws Exception {
        // txn.TxnDigest: version=2, treeDigest=0xfedcba9876543210 (negative as a long)
        put("txn.TxnDigest", "2.5", "TxnDigest", "TxnDigest(2, 0xfedcba9876543210)", rec(new TxnDigest(2, 0xfedcba9876543210L)));

        // txn.TxnHeader: clientId=S1, cxid=42, zxid=0x100000007, time=T0, type=1 (create)
        put("txn.TxnHeader", "2.5", "TxnHeader", "TxnHeader(S1, 42, 0x100000007, T0, 1)", rec(new TxnHeader(S1, 42, 0x100000007L, T0, OpCode.create)));

        // txn.TxnHeader.negative: clientId=0 (server-internal), cxid=-1, zxid=Long.MAX_VALUE, time=-1, type=-11
        put("txn.TxnHeader.negative", "2.5", "TxnHeader", "TxnHeader(0, -1, Long.MAX_VALUE, -1, -11 closeSession)",
            rec(new TxnHeader(0L, -1, Long.MAX_VALUE, -1L, OpCode.closeSession)));

        // txn.CreateTxnV0: path="/a", data="v", acl=OPEN, ephemeral=true
        put("txn.CreateTxnV0", "2.5", "CreateTxnV0", "CreateTxnV0(/a, \"v\", OPEN, true)", rec(new CreateTxnV0("/a", ascii("v"), OPEN, true)));

        // txn.CreateTxn: path="/app/é", data=BIN, acl=DIGEST_ALL, ephemeral=false, parentCVersion=3
        put("txn.CreateTxn", "2.5", "CreateTxn", "CreateTxn(/app/é, BIN, DIGEST_ALL, false, 3)",
            rec(new CreateTxn("/app/\u00e9", BIN, DIGEST_ALL, false, 3)));

        // txn.CreateTxn.nulldata: path="/n", data=null, acl=OPEN, ephemeral=true, parentCVersion=-1
        put("txn.CreateTxn.nulldata", "2.5", "CreateTxn", "CreateTxn(/n, null, OPEN, true, -1)",
            rec(new CreateTxn("/n", null, OPEN, true, -1)));

        // txn.CreateTTLTxn: path="/ttl", data="t", acl=OPEN, parentCVersion=1, ttl=60000
        put("txn.CreateTTLTxn", "2.5", "CreateTTLTxn", "CreateTTLTxn(/ttl, \"t\", OPEN, 1, 60000)",
            rec(new CreateTTLTxn("/ttl", ascii("t"), OPEN, 1, 60000L)));

        // txn.CreateContainerTxn: path="/c", data=null, acl=IP_RWCD, parentCVersion=2
        put("txn.CreateContainerTxn", "2.5", "CreateContainerTxn", "CreateContainerTxn(/c, null, IP_RWCD, 2)",
            rec(new CreateContainerTxn("/c", null, IP_RWCD, 2)));

        // txn.DeleteTxn: path="/app"
        put("txn.DeleteTxn", "2.5", "DeleteTxn", "DeleteTxn(/app)", rec(new DeleteTxn("/app")));

        // txn.SetDataTxn: path="/app", data="world", version=2
        put("txn.SetDataTxn", "2.5", "SetDataTxn", "SetDataTxn(/app, \"world\", 2)", rec(new SetDataTxn("/app", ascii("world"), 2)));

        // txn.CheckVersionTxn: path="/app", version=3
        put("txn.CheckVersionTxn", "2.5", "CheckVersionTxn", "CheckVersionTxn(/app, 3)", rec(new CheckVersionTxn("/app", 3)));

        // txn.SetACLTxn: path="/app", acl=[ACL(1,world:anyone), ACL(31,digest:DIGEST_ID)], version=1
        put("txn.SetACLTxn", "2.5", "SetACLTxn", "SetACLTxn(/app, [1 world:anyone, 31 digest], 1)",
            rec(new SetACLTxn("/app", acls(new ACL(Perms.READ, WORLD), new ACL(Perms.ALL, DIGEST)), 1)));

        // txn.SetMaxChildrenTxn: path="/app", max=10
        put("txn.SetMaxChildrenTxn", "2.5", "SetMaxChildrenTxn", "SetMaxChildrenTxn(/app, 10) (unused record)", rec(new SetMaxChildrenTxn("/app", 10)));

        // txn.CreateSessionTxn: timeOut=30000
        put("txn.CreateSessionTxn", "2.5", "CreateSessionTxn", "CreateSessionTxn(30000)", rec(new CreateSessionTxn(30000)));

        // txn.CloseSessionTxn: paths2Delete=["/app/eph","/app/é"]
        put("txn.CloseSessionTxn", "2.5", "CloseSessionTxn", "CloseSessionTxn([/app/eph, /app/é])",
            rec(new CloseSessionTxn(list("/app/eph", "/app/\u00e9"))));

        // txn.CloseSessionTxn.empty: paths2Delete=[] (what a session without ephemerals logs)
        put("txn.CloseSessionTxn.empty", "2.5", "CloseSessionTxn", "CloseSessionTxn([])", rec(new CloseSessionTxn(list())));

        // txn.ErrorTxn: err=-101
        put("txn.ErrorTxn", "2.5", "ErrorTxn", "ErrorTxn(-101)", rec(new ErrorTxn(-101)));

        // txn.Txn: type=2 (delete), data=bytes of DeleteTxn("/app")
        put("txn.Txn", "2.5", "Txn", "Txn(2, bytes of DeleteTxn(/app))", rec(new Txn(OpCode.delete, rec(new DeleteTxn("/app")))));

        // txn.MultiTxn: txns=[Txn(5, SetDataTxn("/app","world",2)), Txn(13, CheckVersionTxn("/app",3)),
        // Txn(-1, ErrorTxn(-2))]
        put("txn.MultiTxn", "2.5", "MultiTxn", "MultiTxn([Txn(5, SetDataTxn), Txn(13, CheckVersionTxn), Txn(-1, ErrorTxn(-2))])",
            rec(new MultiTxn(list(
                new Txn(OpCode.setData, rec(new SetDataTxn("/app", ascii("world"), 2))),
                new Txn(OpCode.check, rec(new CheckVersionTxn("/app", 3))),
                new Txn(OpCode.error, rec(new ErrorTxn(-2)))))));
    }

    // ==================================================================
    // §5.7 txn entries (Util.marshallTxnEntry) -- scenario T
    // ==================================================================

    /**
     * Applies txns to a DataTree the way a server does and produces the log/proposal payloads.
     * The TxnDigest of each entry is the real tree digest AFTER applying the txn (what
     * PrepRequestProcessor precomputes); every digest is also pinned as a literal below so
     * that the values can be read from this source, and the run fails if ZooKeeper disagrees.
     */
    static final class Scenario {
        final DataTree tree = new DataTree();

        /** Applies the txn (to a deserialised copy, so that processTxn's in-place edits of a
         *  failed MultiTxn cannot leak into our record), checks and returns the digest. */
        long apply(TxnHeader hdr, Record txn, long expectedDigest) throws Exception {
            byte[] bytes = Util.marshallTxnEntry(hdr, txn, null);
            TxnHeader h2;
            Record t2;
            if (hdr.getType() == OpCode.check) {
                // SerializeUtils.deserializeTxn has no case for a top-level check; it changes nothing anyway.
                h2 = hdr;
                t2 = txn;
            } else {
                TxnLogEntry copy = SerializeUtils.deserializeTxn(bytes);
                h2 = copy.getHeader();
                t2 = copy.getTxn();
            }
            DataTree.ProcessTxnResult rc = tree.processTxn(h2, t2);
            boolean errorTxn = hdr.getType() == OpCode.error
                || (txn instanceof MultiTxn
                    && ((MultiTxn) txn).getTxns().stream().anyMatch(t -> t.getType() == OpCode.error));
            check(rc.err == 0 || errorTxn, String.format("zxid 0x%x failed to apply: err %d", hdr.getZxid(), rc.err));
            long digest = tree.getTreeDigest();
            pinned(digest == expectedDigest, String.format(
                "digest after zxid 0x%x: ZooKeeper computed 0x%016xL, source says 0x%016xL (rc.err=%d)",
                hdr.getZxid(), digest, expectedDigest, rc.err));
            return digest;
        }

        /** Applies and returns marshallTxnEntry(hdr, txn, TxnDigest(2, digest)). */
        byte[] entry(TxnHeader hdr, Record txn, long expectedDigest) throws Exception {
            long d = apply(hdr, txn, expectedDigest);
            return Util.marshallTxnEntry(hdr, txn, new TxnDigest(2, d));
        }
    }

    /** Bytes of txnentry.reconfig, also used by INFORMANDACTIVATE. Set by txnEntries(). */
    static byte[] reconfigEntryBytes;

    static void txnEntries() throws Exception {
        Scenario s = new Scenario();

        // Scenario T: one session S1 on a fresh DataTree (root cversion 0, /zookeeper, /zookeeper/quota,
        // /zookeeper/config). Digests: tree digest after each txn (DigestCalculator version 2).
        // Empty tree digest (root, /zookeeper only count):
        pinned(s.tree.getTreeDigest() == 0x0000000051c6d660L,
              String.format("empty tree digest 0x%016x", s.tree.getTreeDigest()));

        // txnentry.createSession: TxnHeader(S1, cxid 0, zxid 0x100000001, T0+1000, -10) +
        // CreateSessionTxn(30000) + TxnDigest(2, 0x0000000051c6d660) (unchanged tree)
        put("txnentry.createSession", "5.7", "TxnEntry", "createSession S1: hdr + CreateSessionTxn(30000) + digest",
            s.entry(new TxnHeader(S1, 0, 0x100000001L, T0 + 1000, OpCode.createSession),
                    new CreateSessionTxn(30000), 0x0000000051c6d660L));

        // txnentry.create: TxnHeader(S1, 1, 0x100000002, T0+2000, 1) +
        // CreateTxn("/app", "hello", OPEN, ephemeral=false, parentCVersion=1) + TxnDigest(2, 0x00000001471dbeb6L)
        put("txnentry.create", "5.7", "TxnEntry", "create /app: hdr + CreateTxn(/app, \"hello\", OPEN, false, 1) + digest",
            s.entry(new TxnHeader(S1, 1, 0x100000002L, T0 + 2000, OpCode.create),
                    new CreateTxn("/app", ascii("hello"), OPEN, false, 1), 0x00000001471dbeb6L));

        // txnentry.create2: TxnHeader(S1, 2, 0x100000003, T0+3000, 15) +
        // CreateTxn("/app/é", BIN, DIGEST_ALL, ephemeral=true, parentCVersion=1) + digest
        put("txnentry.create2", "5.7", "TxnEntry", "create2 ephemeral /app/é: hdr(type 15) + CreateTxn(/app/é, BIN, DIGEST_ALL, true, 1) + digest",
            s.entry(new TxnHeader(S1, 2, 0x100000003L, T0 + 3000, OpCode.create2),
                    new CreateTxn("/app/\u00e9", BIN, DIGEST_ALL, true, 1), 0x000000027d1401e4L));

        // txnentry.createContainer: TxnHeader(S1, 3, 0x100000004, T0+4000, 19) +
        // CreateContainerTxn("/app/container", data=null, IP_RWCD, parentCVersion=2) + digest
        put("txnentry.createContainer", "5.7", "TxnEntry", "createContainer /app/container: hdr(19) + CreateContainerTxn(null data, IP_RWCD, 2) + digest",
            s.entry(new TxnHeader(S1, 3, 0x100000004L, T0 + 4000, OpCode.createContainer),
                    new CreateContainerTxn("/app/container", null, IP_RWCD, 2), 0x00000003e3408bceL));

        // txnentry.createTTL: TxnHeader(S1, 4, 0x100000005, T0+5000, 21) +
        // CreateTTLTxn("/app/ttl", "t", OPEN, parentCVersion=3, ttl=60000) + digest
        put("txnentry.createTTL", "5.7", "TxnEntry", "createTTL /app/ttl: hdr(21) + CreateTTLTxn(\"t\", OPEN, 3, 60000) + digest",
            s.entry(new TxnHeader(S1, 4, 0x100000005L, T0 + 5000, OpCode.createTTL),
                    new CreateTTLTxn("/app/ttl", ascii("t"), OPEN, 3, 60000L), 0x00000004569cc39aL));

        // txnentry.setData: TxnHeader(S1, 5, 0x100000006, T0+6000, 5) + SetDataTxn("/app", "world", 1) + digest
        put("txnentry.setData", "5.7", "TxnEntry", "setData /app: hdr(5) + SetDataTxn(/app, \"world\", 1) + digest",
            s.entry(new TxnHeader(S1, 5, 0x100000006L, T0 + 6000, OpCode.setData),
                    new SetDataTxn("/app", ascii("world"), 1), 0x00000003d51c5b68L));

        // txnentry.setACL: TxnHeader(S1, 6, 0x100000007, T0+7000, 7) +
        // SetACLTxn("/app", [ACL(1,world:anyone), ACL(31,digest:DIGEST_ID)], version=1) + digest
        put("txnentry.setACL", "5.7", "TxnEntry", "setACL /app: hdr(7) + SetACLTxn(/app, [1 world, 31 digest], 1) + digest",
            s.entry(new TxnHeader(S1, 6, 0x100000007L, T0 + 7000, OpCode.setACL),
                    new SetACLTxn("/app", acls(new ACL(Perms.READ, WORLD), new ACL(Perms.ALL, DIGEST)), 1),
                    0x00000003e0636f2bL));

        // txnentry.check: a top-level check (accepted by 3.8.0): TxnHeader(S1, 7, 0x100000008, T0+8000, 13) +
        // CheckVersionTxn("/app", 2) (Prep writes current version + 1) + digest (unchanged tree)
        put("txnentry.check", "5.7", "TxnEntry", "top-level check: hdr(13) + CheckVersionTxn(/app, 2) + digest (SerializeUtils cannot read it back)",
            s.entry(new TxnHeader(S1, 7, 0x100000008L, T0 + 8000, OpCode.check),
                    new CheckVersionTxn("/app", 2), 0x00000003e0636f2bL));

        // txnentry.create.nodigest: TxnHeader(S1, 8, 0x100000009, T0+9000, 1) +
        // CreateTxn("/app/gone", "" (empty), OPEN, false, parentCVersion=4), NO TxnDigest trailer
        // (as written with digests disabled or by a pre-3.6 server)
        TxnHeader goneHdr = new TxnHeader(S1, 8, 0x100000009L, T0 + 9000, OpCode.create);
        CreateTxn goneTxn = new CreateTxn("/app/gone", new byte[0], OPEN, false, 4);
        s.apply(goneHdr, goneTxn, 0x00000004c8f58162L);
        put("txnentry.create.nodigest", "5.7", "TxnEntry", "create /app/gone without the TxnDigest trailer",
            Util.marshallTxnEntry(goneHdr, goneTxn, null));

        // txnentry.multi: TxnHeader(S1, 9, 0x10000000a, T0+10000, 14) + MultiTxn of
        //   Txn(1,  CreateTxn("/app/eph2", BIN, OPEN, ephemeral=true, parentCVersion=5))
        //   Txn(5,  SetDataTxn("/app/ttl", "t2", 1))
        //   Txn(2,  DeleteTxn("/app/gone"))
        //   Txn(13, CheckVersionTxn("/app", 2))
        // + digest. Each Txn.data is the sub-record serialised alone (PrepRequestProcessor).
        MultiTxn multi = new MultiTxn(list(
            new Txn(OpCode.create, rec(new CreateTxn("/app/eph2", BIN, OPEN, true, 5))),
            new Txn(OpCode.setData, rec(new SetDataTxn("/app/ttl", ascii("t2"), 1))),
            new Txn(OpCode.delete, rec(new DeleteTxn("/app/gone"))),
            new Txn(OpCode.check, rec(new CheckVersionTxn("/app", 2)))));
        put("txnentry.multi", "5.7", "TxnEntry", "multi: hdr(14) + MultiTxn[create /app/eph2, setData /app/ttl, delete /app/gone, check /app] + digest",
            s.entry(new TxnHeader(S1, 9, 0x10000000aL, T0 + 10000, OpCode.multi), multi, 0x00000004c89209d2L));

        // txnentry.multi.failed: what PrepRequestProcessor (3.8.0) logs for a failed multi of
        // [create /app/x, setData /nope, delete /app]: ops BEFORE the failing one keep their real
        // txn (Prep does not rewrite them; DataTree.processTxn turns them into ErrorTxn(0) when
        // applying), the failing op is ErrorTxn(-101), every later op is ErrorTxn(-2):
        //   Txn(1,  CreateTxn("/app/x", "x", OPEN, false, parentCVersion=6))
        //   Txn(-1, ErrorTxn(-101))
        //   Txn(-1, ErrorTxn(-2))
        // TxnHeader(S1, 10, 0x10000000b, T0+11000, 14); digest = unchanged tree digest.
        MultiTxn failed = new MultiTxn(list(
            new Txn(OpCode.create, rec(new CreateTxn("/app/x", ascii("x"), OPEN, false, 6))),
            new Txn(OpCode.error, rec(new ErrorTxn(-101))),
            new Txn(OpCode.error, rec(new ErrorTxn(-2)))));
        put("txnentry.multi.failed", "5.7", "TxnEntry", "failed multi as Prep logs it: MultiTxn[Txn(1, CreateTxn /app/x), Txn(-1, ErrorTxn(-101)), Txn(-1, ErrorTxn(-2))] + digest",
            s.entry(new TxnHeader(S1, 10, 0x10000000bL, T0 + 11000, OpCode.multi), failed, 0x00000004c89209d2L));

        // txnentry.delete: TxnHeader(S1, 11, 0x10000000c, T0+12000, 2) + DeleteTxn("/app/ttl") + digest
        put("txnentry.delete", "5.7", "TxnEntry", "delete /app/ttl: hdr(2) + DeleteTxn + digest",
            s.entry(new TxnHeader(S1, 11, 0x10000000cL, T0 + 12000, OpCode.delete),
                    new DeleteTxn("/app/ttl"), 0x00000004640a4b60L));

        // txnentry.deleteContainer: ContainerManager's request has sessionId 0 and cxid 0:
        // TxnHeader(0, 0, 0x10000000d, T0+13000, 20) + DeleteTxn("/app/container") + digest
        put("txnentry.deleteContainer", "5.7", "TxnEntry", "deleteContainer /app/container: hdr(clientId 0, cxid 0, type 20) + DeleteTxn + digest",
            s.entry(new TxnHeader(0L, 0, 0x10000000dL, T0 + 13000, OpCode.deleteContainer),
                    new DeleteTxn("/app/container"), 0x000000030525af56L));

        // txnentry.reconfig: TxnHeader(S1, 12, 0x10000000e, T0+14000, 16) +
        // SetDataTxn("/zookeeper/config", <new QuorumMaj text, version = this zxid>, version=-1) + digest.
        // Config text: "server.1=127.0.0.1:22888:23888:participant\nserver.2=127.0.0.1:22889:23889:participant\n
        // server.3=127.0.0.1:22890:23890:participant\nversion=10000000e" (no newline after the version)
        String cfg3 = quorumConfig(0x10000000eL,
            "server.1=127.0.0.1:22888:23888:participant",
            "server.2=127.0.0.1:22889:23889:participant",
            "server.3=127.0.0.1:22890:23890:participant");
        check(cfg3.equals(CONFIG_2 + "server.3=127.0.0.1:22890:23890:participant\nversion=10000000e"), "cfg3 " + cfg3);
        reconfigEntryBytes = s.entry(new TxnHeader(S1, 12, 0x10000000eL, T0 + 14000, OpCode.reconfig),
                                     new SetDataTxn(ZooDefs.CONFIG_NODE, utf8(cfg3), -1), 0x000000030525af56L);
        put("txnentry.reconfig", "5.7", "TxnEntry", "reconfig: hdr(16) + SetDataTxn(/zookeeper/config, 3-server config text, -1) + digest (unchanged)",
            reconfigEntryBytes);

        // txnentry.error: a failed single write (create /app -> NodeExists): PrepRequestProcessor turns
        // the header type into -1 and the txn into ErrorTxn(-110). The exception is thrown before any
        // digest is set, so 3.8.0 (and 3.9) log it WITHOUT a TxnDigest trailer:
        // TxnHeader(S1, 13, 0x10000000f, T0+15000, -1) + ErrorTxn(-110)
        TxnHeader errHdr = new TxnHeader(S1, 13, 0x10000000fL, T0 + 15000, OpCode.error);
        s.apply(errHdr, new ErrorTxn(-110), 0x000000030525af56L);
        put("txnentry.error", "5.7", "TxnEntry", "failed create: hdr(type -1) + ErrorTxn(-110), no digest (Prep sets none on KeeperException)",
            Util.marshallTxnEntry(errHdr, new ErrorTxn(-110), null));

        // txnentry.closeSession: TxnHeader(S1, 14, 0x100000010, T0+16000, -11) +
        // CloseSessionTxn(paths2Delete = S1's ephemerals as DataTree.getEphemerals(S1) lists them,
        // i.e. HashSet order: ["/app/eph2", "/app/é"]) + digest
        List<String> eph = new ArrayList<>(s.tree.getEphemerals(S1));
        pinned(eph.equals(list("/app/eph2", "/app/\u00e9")), "ephemerals " + eph);
        put("txnentry.closeSession", "5.7", "TxnEntry", "closeSession S1: hdr(-11) + CloseSessionTxn([/app/eph2, /app/é]) + digest",
            s.entry(new TxnHeader(S1, 14, 0x100000010L, T0 + 16000, OpCode.closeSession),
                    new CloseSessionTxn(eph), 0x0000000175d72b16L));
    }

    // ==================================================================
    // §6 disk formats -- scenario D
    // ==================================================================

    static final class DiskScenario {
        final Scenario s = new Scenario();
        final DataTree tree = s.tree;
        final List<TxnHeader> headers = new ArrayList<>();
        final List<Record> txns = new ArrayList<>();
        final List<TxnDigest> digests = new ArrayList<>();
        final Map<Long, Integer> sessions = new HashMap<>();

        void add(TxnHeader h, Record txn, long expectedDigest) throws Exception {
            long d = s.apply(h, txn, expectedDigest);
            headers.add(h);
            txns.add(txn);
            digests.add(new TxnDigest(2, d));
        }
    }

    static DiskScenario diskScenarioCache;

    /**
     * Scenario D, shared by disk.txnlog, disk.snapshot, quorum.snapbody and quorum.packet.PROPOSAL.
     * Txns, each logged with TxnDigest(2, DISK_DIGESTS[i]) (the tree digest after the txn):
     *  i  zxid        TxnHeader(clientId, cxid, time, type)  txn record                                    digest
     *  0  0x100000001 (S1, 0, T0+1000, -10)  CreateSessionTxn(30000)                                  0x0000000051c6d660
     *  1  0x100000002 (S2, 0, T0+2000, -10)  CreateSessionTxn(10000)                                  0x0000000051c6d660
     *  2  0x100000003 (S3, 0, T0+3000, -10)  CreateSessionTxn(40000)                                  0x0000000051c6d660
     *  3  0x100000004 (S1, 1, T0+4000, 1)    CreateTxn("/app", "hello", OPEN, false, 1)                 0x00000000fc5f1a23
     *  4  0x100000005 (S1, 2, T0+5000, 15)   CreateTxn("/app/é", BIN, DIGEST_ALL, false, 1)             0x00000000d2a9d939
     *  5  0x100000006 (S1, 3, T0+6000, 19)   CreateContainerTxn("/app/container", null, IP_RWCD, 2)     0x0000000228162fbf
     *  6  0x100000007 (S1, 4, T0+7000, 21)   CreateTTLTxn("/app/ttl", "" (empty), OPEN, 3, 60000)       0x0000000248281dea
     *  7  0x100000008 (S2, 1, T0+8000, 1)    CreateTxn("/app/container/eph", null, DIGEST_ALL, true, 1) 0x0000000301fcab23
     *  8  0x100000009 (S1, 5, T0+9000, 5)    SetDataTxn("/app", "world", 1)                             0x0000000326112077
     *  9  0x10000000a (S1, 6, T0+10000, 14)  MultiTxn[Txn(1, CreateTxn("/app/m", "m", OPEN, true, 4)),  0x00000002c91fbe38
     *                                                 Txn(5, SetDataTxn("/app/ttl", BIN, 1)),
     *                                                 Txn(13, CheckVersionTxn("/app", 2))]
     *  10 0x10000000b (S1, 7, T0+11000, -11) CloseSessionTxn(["/app/m"])                              0x0000000231d2b154
     * (ephemeral=true in a CreateTxn means ephemeralOwner = the header's clientId.)
     * Sessions left open: {S2: 10000, S3: 40000}. lastProcessedZxid 0x10000000b.
     * ACL cache (ReferenceCountedACLCache allocates refs 1, 2, 3... in first-use order):
     *   1 -> READ (set on /zookeeper/config by the DataTree constructor), 2 -> OPEN (yes, OPEN
     *   is stored too when a txn creates a node with it; only the constructor's built-in nodes
     *   use the -1 ref), 3 -> DIGEST_ALL, 4 -> IP_RWCD.
     * Resulting snapshot node order (HashSet order of children), path -> data, aclRef:
     *   ""                  -> "" (0 bytes), -1   cversion 1, pzxid 0x100000004
     *   /app                -> "world", 2         czxid 0x100000004, mzxid 0x100000009, version 1, cversion 4, pzxid 0x10000000b
     *   /app/container      -> null, 4            ephemeralOwner Long.MIN_VALUE (container), cversion 1, pzxid 0x100000008
     *   /app/container/eph  -> null, 3            ephemeralOwner S2
     *   /app/é              -> BIN, 3
     *   /app/ttl            -> BIN, 2             mzxid 0x10000000a, version 1, ephemeralOwner 0xff0000000000ea60 (TTL 60000)
     *   /zookeeper          -> "", -1
     *   /zookeeper/config   -> "", 1              aversion -1 (DataTree constructor's setACL(..., -1))
     *   /zookeeper/quota    -> "", -1
     */
    static final long[] DISK_DIGESTS = {
        0x0000000051c6d660L, 0x0000000051c6d660L, 0x0000000051c6d660L, 0x00000000fc5f1a23L,
        0x00000000d2a9d939L, 0x0000000228162fbfL, 0x0000000248281deaL, 0x0000000301fcab23L,
        0x0000000326112077L, 0x00000002c91fbe38L, 0x0000000231d2b154L,
    };

    static DiskScenario diskScenario() throws Exception {
        if (diskScenarioCache != null) {
            return diskScenarioCache;
        }
        DiskScenario d = new DiskScenario();
        int i = 0;
        d.add(new TxnHeader(S1, 0, 0x100000001L, T0 + 1000, OpCode.createSession), new CreateSessionTxn(30000), DISK_DIGESTS[i++]);
        d.add(new TxnHeader(S2, 0, 0x100000002L, T0 + 2000, OpCode.createSession), new CreateSessionTxn(10000), DISK_DIGESTS[i++]);
        d.add(new TxnHeader(S3, 0, 0x100000003L, T0 + 3000, OpCode.createSession), new CreateSessionTxn(40000), DISK_DIGESTS[i++]);
        d.add(new TxnHeader(S1, 1, 0x100000004L, T0 + 4000, OpCode.create),
              new CreateTxn("/app", ascii("hello"), OPEN, false, 1), DISK_DIGESTS[i++]);
        d.add(new TxnHeader(S1, 2, 0x100000005L, T0 + 5000, OpCode.create2),
              new CreateTxn("/app/\u00e9", BIN, DIGEST_ALL, false, 1), DISK_DIGESTS[i++]);
        d.add(new TxnHeader(S1, 3, 0x100000006L, T0 + 6000, OpCode.createContainer),
              new CreateContainerTxn("/app/container", null, IP_RWCD, 2), DISK_DIGESTS[i++]);
        d.add(new TxnHeader(S1, 4, 0x100000007L, T0 + 7000, OpCode.createTTL),
              new CreateTTLTxn("/app/ttl", new byte[0], OPEN, 3, 60000L), DISK_DIGESTS[i++]);
        d.add(new TxnHeader(S2, 1, 0x100000008L, T0 + 8000, OpCode.create),
              new CreateTxn("/app/container/eph", null, DIGEST_ALL, true, 1), DISK_DIGESTS[i++]);
        d.add(new TxnHeader(S1, 5, 0x100000009L, T0 + 9000, OpCode.setData),
              new SetDataTxn("/app", ascii("world"), 1), DISK_DIGESTS[i++]);
        d.add(new TxnHeader(S1, 6, 0x10000000aL, T0 + 10000, OpCode.multi),
              new MultiTxn(list(
                  new Txn(OpCode.create, rec(new CreateTxn("/app/m", ascii("m"), OPEN, true, 4))),
                  new Txn(OpCode.setData, rec(new SetDataTxn("/app/ttl", BIN, 1))),
                  new Txn(OpCode.check, rec(new CheckVersionTxn("/app", 2))))),
              DISK_DIGESTS[i++]);
        List<String> eph = new ArrayList<>(d.tree.getEphemerals(S1));
        pinned(eph.equals(list("/app/m")), "S1 ephemerals " + eph);
        d.add(new TxnHeader(S1, 7, 0x10000000bL, T0 + 11000, OpCode.closeSession), new CloseSessionTxn(eph), DISK_DIGESTS[i++]);
        check(i == DISK_DIGESTS.length, "digest count");
        d.sessions.put(S2, 10000);
        d.sessions.put(S3, 40000);
        check(d.tree.lastProcessedZxid == 0x10000000bL, "lastProcessedZxid");
        diskScenarioCache = d;
        return d;
    }

    /** SerializeUtils.serializeRequest of scenario D's z4 (create /app), as Leader.propose does. */
    static byte[] diskProposalCreateApp() throws Exception {
        DiskScenario d = diskScenario();
        TxnHeader h = d.headers.get(3);
        check(h.getZxid() == 0x100000004L, "z4");
        Request r = new Request(null, h.getClientId(), h.getCxid(), h.getType(), null, null);
        r.setHdr(h);
        r.setTxn(d.txns.get(3));
        r.setTxnDigest(d.digests.get(3));
        return SerializeUtils.serializeRequest(r);
    }

    static void deleteTree(File f) throws IOException {
        File[] kids = f.listFiles();
        if (kids != null) {
            for (File k : kids) {
                deleteTree(k);
            }
        }
        Files.deleteIfExists(f.toPath());
    }

    static void disk(File outDir) throws Exception {
        // disk.FileHeader.log: FileHeader(magic=FileTxnLog.TXNLOG_MAGIC "ZKLG", version=2, dbid=0)
        check(FileTxnLog.TXNLOG_MAGIC == 0x5a4b4c47, "ZKLG");
        put("disk.FileHeader.log", "6.2", "FileHeader", "FileHeader(\"ZKLG\", 2, 0)", rec(new FileHeader(FileTxnLog.TXNLOG_MAGIC, 2, 0L)));

        // disk.FileHeader.snap: FileHeader(magic=FileSnap.SNAP_MAGIC "ZKSN", version=2, dbid=-1)
        check(FileSnap.SNAP_MAGIC == 0x5a4b534e, "ZKSN");
        put("disk.FileHeader.snap", "6.3", "FileHeader", "FileHeader(\"ZKSN\", 2, -1)", rec(new FileHeader(FileSnap.SNAP_MAGIC, 2, -1L)));

        DiskScenario d = diskScenario();
        File tmp = Files.createTempDirectory("rzk-golden").toFile();
        try {
            // disk.txnlog: a real log file written by FileTxnLog (directory tmp/log): preAllocSize set
            // to 8192 bytes (FileTxnLog.setPreallocSize), then append(hdr, txn, digest) for each
            // scenario-D txn z1..zb, commit(), close(). File name log.100000001. The first append
            // pads the file to 16 + 8192 = 8208 bytes (FilePadding writes one zero byte at 8207);
            // the entries follow the 16-byte header and the rest is zeros.
            FileTxnLog.setPreallocSize(8192);
            File logDir = new File(tmp, "log");
            Files.createDirectories(logDir.toPath());
            FileTxnLog log = new FileTxnLog(logDir);
            for (int i = 0; i < d.headers.size(); i++) {
                log.append(d.headers.get(i), d.txns.get(i), d.digests.get(i));
            }
            log.commit();
            log.close();
            File logFile = new File(logDir, Util.makeLogName(0x100000001L));
            check(logFile.getName().equals("log.100000001"), "log name");
            File[] logs = logDir.listFiles();
            check(logs != null && logs.length == 1, "one log file");
            byte[] logBytes = Files.readAllBytes(logFile.toPath());
            check(logBytes.length == 8208, "log file size " + logBytes.length);
            put("disk.txnlog", "6.2", "TxnLogFile", "log.100000001 written by FileTxnLog (preAllocSize 8192): scenario D z1..zb, padded to 8208 bytes",
                logBytes);

            // disk.snapshot: a real snapshot written by FileSnap.serialize(tree, sessions, file, fsync=false)
            // of scenario D's DataTree (CHECKED mode, the default): FileHeader(ZKSN,2,-1), sessions,
            // ACL cache, nodes, "/", Adler32 seal + "/", ZxidDigest(0x10000000b, 2, DISK_DIGESTS[10]),
            // second seal + "/". File name snapshot.10000000b.
            File snapDir = new File(tmp, "snap");
            Files.createDirectories(snapDir.toPath());
            File snapFile = new File(snapDir, Util.makeSnapshotName(d.tree.lastProcessedZxid));
            check(snapFile.getName().equals("snapshot.10000000b"), "snapshot name");
            new FileSnap(snapDir).serialize(d.tree, d.sessions, snapFile, false);
            put("disk.snapshot", "6.3", "SnapshotFile", "snapshot.10000000b written by FileSnap.serialize: scenario D tree, sessions S2/S3, digest enabled",
                Files.readAllBytes(snapFile.toPath()));
        } finally {
            deleteTree(tmp);
        }
    }
}
