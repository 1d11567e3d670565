// Curator 5.4 recipes driven by tests/recipes.rs, to prove rzk's recipes
// and Curator's cooperate on the same znodes. One line of stdout per step.
//
//   java CuratorRecipes <connect> mutex-try <lock> <timeoutMs>
//       prints ACQUIRED or TIMEOUT (and releases at once if acquired)
//   java CuratorRecipes <connect> mutex-hold <lock>
//       prints HELD <node>, holds until a line arrives on stdin, prints RELEASED
//   java CuratorRecipes <connect> mutex-increment <lock> <counter> <n>
//       n times: acquire, read the decimal counter, write it + 1 with no
//       version check (only the lock protects it), release; prints DONE
//   java CuratorRecipes <connect> latch <path> <id>
//       joins a LeaderLatch; prints STARTED, then LEADER / FOLLOWER on each
//       change; a line on stdin closes it (prints CLOSED)
//   java CuratorRecipes <connect> atomic-increment <path> <n>
//       DistributedAtomicLong.increment() n times, each must succeed; DONE
//   java CuratorRecipes <connect> semaphore-hold <path> <maxLeases>
//       takes one InterProcessSemaphoreV2 lease, prints HELD <lease node>,
//       returns it when a line arrives on stdin (prints RELEASED)
//
// Compiled by the test with javac against Debian's Curator 5.4 jars.

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.recipes.atomic.AtomicValue;
import org.apache.curator.framework.recipes.atomic.DistributedAtomicLong;
import org.apache.curator.framework.recipes.leader.LeaderLatch;
import org.apache.curator.framework.recipes.leader.LeaderLatchListener;
import org.apache.curator.framework.recipes.locks.InterProcessMutex;
import org.apache.curator.framework.recipes.locks.InterProcessSemaphoreV2;
import org.apache.curator.framework.recipes.locks.Lease;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.curator.retry.RetryNTimes;

public class CuratorRecipes {
    static synchronized void say(String line) {
        System.out.println(line);
        System.out.flush();
    }

    static void awaitLine() throws Exception {
        new BufferedReader(new InputStreamReader(System.in)).readLine();
    }

    public static void main(String[] args) throws Exception {
        String connect = args[0];
        String mode = args[1];
        try (CuratorFramework client = CuratorFrameworkFactory.newClient(
                connect, 10000, 10000, new ExponentialBackoffRetry(100, 5))) {
            client.start();
            if (!client.blockUntilConnected(20, TimeUnit.SECONDS)) {
                throw new IllegalStateException("could not connect to " + connect);
            }
            switch (mode) {
                case "mutex-try": {
                    InterProcessMutex mutex = new InterProcessMutex(client, args[2]);
                    if (mutex.acquire(Long.parseLong(args[3]), TimeUnit.MILLISECONDS)) {
                        say("ACQUIRED");
                        mutex.release();
                    } else {
                        say("TIMEOUT");
                    }
                    break;
                }
                case "mutex-hold": {
                    InterProcessMutex mutex = new InterProcessMutex(client, args[2]);
                    mutex.acquire();
                    say("HELD " + mutex.getParticipantNodes().iterator().next());
                    awaitLine();
                    mutex.release();
                    say("RELEASED");
                    break;
                }
                case "mutex-increment": {
                    InterProcessMutex mutex = new InterProcessMutex(client, args[2]);
                    String counter = args[3];
                    int n = Integer.parseInt(args[4]);
                    for (int i = 0; i < n; i++) {
                        mutex.acquire();
                        try {
                            byte[] data = client.getData().forPath(counter);
                            long v = Long.parseLong(new String(data, StandardCharsets.UTF_8).trim());
                            client.setData().forPath(counter,
                                    Long.toString(v + 1).getBytes(StandardCharsets.UTF_8));
                        } finally {
                            mutex.release();
                        }
                    }
                    say("DONE");
                    break;
                }
                case "latch": {
                    LeaderLatch latch = new LeaderLatch(client, args[2], args[3]);
                    latch.addListener(new LeaderLatchListener() {
                        @Override public void isLeader() { say("LEADER"); }
                        @Override public void notLeader() { say("FOLLOWER"); }
                    });
                    latch.start();
                    say("STARTED");
                    awaitLine();
                    latch.close();
                    say("CLOSED");
                    break;
                }
                case "atomic-increment": {
                    DistributedAtomicLong n = new DistributedAtomicLong(
                            client, args[2], new RetryNTimes(1000, 1));
                    int times = Integer.parseInt(args[3]);
                    for (int i = 0; i < times; i++) {
                        AtomicValue<Long> v = n.increment();
                        if (!v.succeeded()) {
                            throw new IllegalStateException("increment failed after retries");
                        }
                    }
                    say("DONE");
                    break;
                }
                case "semaphore-hold": {
                    InterProcessSemaphoreV2 sem = new InterProcessSemaphoreV2(
                            client, args[2], Integer.parseInt(args[3]));
                    Lease lease = sem.acquire();
                    say("HELD " + lease.getNodeName());
                    awaitLine();
                    sem.returnLease(lease);
                    say("RELEASED");
                    break;
                }
                default:
                    throw new IllegalArgumentException("unknown mode " + mode);
            }
        }
    }
}
