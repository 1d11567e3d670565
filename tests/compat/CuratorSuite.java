/*
 * Curator 5.4 against a ZooKeeper-compatible server: InterProcessMutex with
 * 10 threads, LeaderLatch, CuratorCache, DistributedAtomicLong and
 * transactions. The same program runs against Apache ZooKeeper and rzk.
 *
 * Usage: java -cp <curator jars>:<classes> CuratorSuite HOST:PORT
 * Prints "ok: <check>" per check and ends with "N passed, 0 failed";
 * exits 1 on the first failure.
 */

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.api.transaction.CuratorOp;
import org.apache.curator.framework.api.transaction.CuratorTransactionResult;
import org.apache.curator.framework.recipes.atomic.AtomicValue;
import org.apache.curator.framework.recipes.atomic.DistributedAtomicLong;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.framework.recipes.cache.CuratorCacheListener;
import org.apache.curator.framework.recipes.leader.LeaderLatch;
import org.apache.curator.framework.recipes.locks.InterProcessMutex;
import org.apache.curator.retry.RetryNTimes;
import org.apache.zookeeper.KeeperException;

public final class CuratorSuite {
    static String hosts;
    static final String ROOT = "/curator-" + UUID.randomUUID().toString().substring(0, 8);

    interface Check {
        void run(CuratorFramework c) throws Exception;
    }

    static CuratorFramework client() throws InterruptedException {
        CuratorFramework c = CuratorFrameworkFactory.builder()
            .connectString(hosts)
            .sessionTimeoutMs(10000)
            .connectionTimeoutMs(10000)
            .retryPolicy(new RetryNTimes(5, 200))
            .build();
        c.start();
        if (!c.blockUntilConnected(15, TimeUnit.SECONDS)) {
            throw new AssertionError("not connected");
        }
        return c;
    }

    static void require(boolean ok, String what) {
        if (!ok) {
            throw new AssertionError(what);
        }
    }

    /** 10 threads, each with its own session, 20 increments each under the lock. */
    static void mutex(CuratorFramework unused) throws Exception {
        String lockPath = ROOT + "/lock";
        int[] counter = {0};
        AtomicInteger holders = new AtomicInteger();
        AtomicInteger maxHolders = new AtomicInteger();
        List<Throwable> errors = new CopyOnWriteArrayList<>();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 10; t++) {
            Thread th = new Thread(() -> {
                try (CuratorFramework c = client()) {
                    InterProcessMutex m = new InterProcessMutex(c, lockPath);
                    for (int i = 0; i < 20; i++) {
                        require(m.acquire(30, TimeUnit.SECONDS), "acquire timed out");
                        try {
                            maxHolders.accumulateAndGet(holders.incrementAndGet(), Math::max);
                            int v = counter[0];
                            Thread.yield();
                            counter[0] = v + 1;
                            holders.decrementAndGet();
                        } finally {
                            m.release();
                        }
                    }
                } catch (Throwable e) {
                    errors.add(e);
                }
            });
            threads.add(th);
            th.start();
        }
        for (Thread th : threads) {
            th.join(120_000);
        }
        require(errors.isEmpty(), "errors: " + errors);
        require(counter[0] == 200, "lost increments: " + counter[0]);
        require(maxHolders.get() == 1, "holders at once: " + maxHolders.get());
    }

    static void leaderLatch(CuratorFramework unused) throws Exception {
        String path = ROOT + "/latch";
        try (CuratorFramework a = client(); CuratorFramework b = client()) {
            LeaderLatch la = new LeaderLatch(a, path, "a");
            LeaderLatch lb = new LeaderLatch(b, path, "b");
            la.start();
            require(la.await(15, TimeUnit.SECONDS), "a never led");
            lb.start();
            require(!lb.await(500, TimeUnit.MILLISECONDS), "two leaders");
            la.close();
            require(lb.await(15, TimeUnit.SECONDS), "no handover to b");
            lb.close();
        }
    }

    static void cache(CuratorFramework c) throws Exception {
        String path = ROOT + "/cache";
        c.create().creatingParentsIfNeeded().forPath(path, "0".getBytes());
        CountDownLatch created = new CountDownLatch(1);
        CountDownLatch changed = new CountDownLatch(1);
        CountDownLatch deleted = new CountDownLatch(1);
        try (CuratorCache cache = CuratorCache.build(c, path)) {
            cache.listenable().addListener(CuratorCacheListener.builder()
                .forCreates(n -> { if (n.getPath().equals(path + "/x")) created.countDown(); })
                .forChanges((o, n) -> { if (n.getPath().equals(path + "/x")) changed.countDown(); })
                .forDeletes(n -> { if (n.getPath().equals(path + "/x")) deleted.countDown(); })
                .build());
            cache.start();
            c.create().forPath(path + "/x", "1".getBytes());
            require(created.await(15, TimeUnit.SECONDS), "no create event");
            c.setData().forPath(path + "/x", "2".getBytes());
            require(changed.await(15, TimeUnit.SECONDS), "no change event");
            c.delete().forPath(path + "/x");
            require(deleted.await(15, TimeUnit.SECONDS), "no delete event");
            require(cache.get(path).isPresent(), "root not cached");
        }
    }

    static void atomicLong(CuratorFramework unused) throws Exception {
        String path = ROOT + "/atomic";
        List<Thread> threads = new ArrayList<>();
        List<Throwable> errors = new CopyOnWriteArrayList<>();
        for (int t = 0; t < 5; t++) {
            Thread th = new Thread(() -> {
                try (CuratorFramework c = client()) {
                    DistributedAtomicLong l = new DistributedAtomicLong(c, path, new RetryNTimes(1000, 1));
                    for (int i = 0; i < 20; i++) {
                        AtomicValue<Long> v = l.increment();
                        require(v.succeeded(), "increment failed");
                    }
                } catch (Throwable e) {
                    errors.add(e);
                }
            });
            threads.add(th);
            th.start();
        }
        for (Thread th : threads) {
            th.join(120_000);
        }
        require(errors.isEmpty(), "errors: " + errors);
        try (CuratorFramework c = client()) {
            long v = new DistributedAtomicLong(c, path, new RetryNTimes(3, 10)).get().postValue();
            require(v == 100, "lost increments: " + v);
        }
    }

    static void transactions(CuratorFramework c) throws Exception {
        String base = ROOT + "/tx";
        c.create().creatingParentsIfNeeded().forPath(base);
        CuratorOp create = c.transactionOp().create().forPath(base + "/a", "a".getBytes());
        CuratorOp set = c.transactionOp().setData().forPath(base + "/a", "b".getBytes());
        CuratorOp check = c.transactionOp().check().withVersion(1).forPath(base + "/a");
        List<CuratorTransactionResult> results = c.transaction().forOperations(create, set, check);
        require(results.size() == 3, "results: " + results);
        require(new String(c.getData().forPath(base + "/a")).equals("b"), "data");
        try {
            c.transaction().forOperations(
                c.transactionOp().create().forPath(base + "/b"),
                c.transactionOp().delete().forPath(base + "/missing"));
            throw new AssertionError("failed transaction committed");
        } catch (KeeperException.NoNodeException expected) {
            // the whole transaction is rejected
        }
        require(c.checkExists().forPath(base + "/b") == null, "partial transaction applied");
    }

    public static void main(String[] args) throws Exception {
        hosts = args[0];
        String[] names = {"mutex", "leaderLatch", "cache", "atomicLong", "transactions"};
        Check[] checks = {CuratorSuite::mutex, CuratorSuite::leaderLatch, CuratorSuite::cache,
                          CuratorSuite::atomicLong, CuratorSuite::transactions};
        int passed = 0;
        try (CuratorFramework c = client()) {
            for (int i = 0; i < checks.length; i++) {
                try {
                    checks[i].run(c);
                } catch (Throwable e) {
                    System.out.println("FAILED: " + names[i] + ": " + e);
                    e.printStackTrace(System.out);
                    System.exit(1);
                }
                System.out.println("ok: " + names[i]);
                passed++;
            }
            c.delete().deletingChildrenIfNeeded().forPath(ROOT);
        }
        System.out.println(passed + " passed, 0 failed");
        System.exit(0);
    }
}
