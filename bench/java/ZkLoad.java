// An independent load driver on Apache ZooKeeper's own Java client, to check
// `rzk bench run`: same sessions x in-flight shape, same op, same duration;
// the two drivers' throughputs against one server must agree.
//
//   java -cp <zookeeper jars>:bench/java ZkLoad HOST:PORT create|get SESSIONS IN_FLIGHT SECONDS WARMUP_SECONDS KEYS VALUE_SIZE
//
// Prints one line: op=… sessions=… in_flight=… ops=… errors=… elapsed_s=… ops_per_sec=…
// Each session keeps IN_FLIGHT async requests outstanding (a semaphore);
// completions are counted only inside the measured window.

import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.zookeeper.AsyncCallback;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;

public final class ZkLoad {
    static volatile boolean measuring = false;
    static volatile boolean stopping = false;
    static final AtomicLong ok = new AtomicLong();
    static final AtomicLong errors = new AtomicLong();

    public static void main(String[] args) throws Exception {
        if (args.length != 8) {
            System.err.println("usage: ZkLoad HOST:PORT create|get SESSIONS IN_FLIGHT SECONDS WARMUP_SECONDS KEYS VALUE_SIZE");
            System.exit(2);
        }
        String connect = args[0];
        String op = args[1];
        int sessions = Integer.parseInt(args[2]);
        int inFlight = Integer.parseInt(args[3]);
        double seconds = Double.parseDouble(args[4]);
        double warmup = Double.parseDouble(args[5]);
        int keys = Integer.parseInt(args[6]);
        byte[] value = new byte[Integer.parseInt(args[7])];
        new Random(1).nextBytes(value);
        if (!op.equals("create") && !op.equals("get")) {
            System.err.println("op must be create or get");
            System.exit(2);
        }

        ZooKeeper[] zks = new ZooKeeper[sessions];
        for (int i = 0; i < sessions; i++) {
            zks[i] = connect(connect);
        }
        String root = "/zkload-" + Long.toHexString(zks[0].getSessionId());
        zks[0].create(root, new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
        if (op.equals("get")) {
            populate(zks[0], root, keys, value);
        }

        Thread[] drivers = new Thread[sessions];
        for (int i = 0; i < sessions; i++) {
            final ZooKeeper zk = zks[i];
            final int s = i;
            drivers[i] = new Thread(() -> drive(zk, s, op, root, inFlight, keys, value));
            drivers[i].start();
        }
        Thread.sleep((long) (warmup * 1000));
        long start = System.nanoTime();
        measuring = true;
        Thread.sleep((long) (seconds * 1000));
        measuring = false;
        long end = System.nanoTime();
        stopping = true;
        for (Thread t : drivers) {
            t.join();
        }
        for (ZooKeeper zk : zks) {
            zk.close();
        }
        double elapsed = (end - start) / 1e9;
        System.out.printf("op=%s sessions=%d in_flight=%d ops=%d errors=%d elapsed_s=%.3f ops_per_sec=%.1f%n",
                op, sessions, inFlight, ok.get(), errors.get(), elapsed, ok.get() / elapsed);
    }

    static ZooKeeper connect(String connect) throws Exception {
        CountDownLatch connected = new CountDownLatch(1);
        ZooKeeper zk = new ZooKeeper(connect, 30000, e -> {
            if (e.getState() == Watcher.Event.KeeperState.SyncConnected) {
                connected.countDown();
            }
        });
        if (!connected.await(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException("could not connect to " + connect);
        }
        return zk;
    }

    /** Creates the keys read by a get load, 256 requests in flight. */
    static void populate(ZooKeeper zk, String root, int keys, byte[] value) throws Exception {
        Semaphore window = new Semaphore(256);
        AtomicLong failed = new AtomicLong();
        for (int k = 0; k < keys; k++) {
            window.acquire();
            zk.create(root + "/k" + k, value, ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT,
                    (rc, path, ctx, name) -> {
                        if (rc != 0) {
                            failed.incrementAndGet();
                        }
                        window.release();
                    }, null);
        }
        window.acquire(256);
        if (failed.get() > 0) {
            throw new IllegalStateException(failed.get() + " key creates failed");
        }
    }

    static void done(int rc) {
        if (measuring) {
            if (rc == KeeperException.Code.OK.intValue()) {
                ok.incrementAndGet();
            } else {
                errors.incrementAndGet();
            }
        }
    }

    static void drive(ZooKeeper zk, int session, String op, String root, int inFlight, int keys, byte[] value) {
        Semaphore window = new Semaphore(inFlight);
        Random rng = new Random(session);
        AsyncCallback.StringCallback created = (rc, path, ctx, name) -> {
            done(rc);
            window.release();
        };
        AsyncCallback.DataCallback read = (rc, path, ctx, data, stat) -> {
            done(rc);
            window.release();
        };
        long n = 0;
        try {
            while (!stopping) {
                if (!window.tryAcquire(100, TimeUnit.MILLISECONDS)) {
                    continue;
                }
                if (op.equals("create")) {
                    zk.create(root + "/s" + session + "-" + n++, value, ZooDefs.Ids.OPEN_ACL_UNSAFE,
                            CreateMode.PERSISTENT, created, null);
                } else {
                    zk.getData(root + "/k" + rng.nextInt(keys), false, read, null);
                }
            }
            // Drain what is still in flight before the session closes.
            window.tryAcquire(inFlight, 30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
