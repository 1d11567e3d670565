// Curator's InterProcessMutex, driven by tests/recipes.rs to prove that an
// rzk mutex and a Curator mutex on the same path exclude each other.
//
//   java CuratorMutex <connect> <lockPath> try <timeoutMs>
//       prints ACQUIRED or TIMEOUT (and releases at once if acquired)
//   java CuratorMutex <connect> <lockPath> hold
//       prints HELD <node>, holds until a line arrives on stdin, prints RELEASED
//   java CuratorMutex <connect> <lockPath> increment <counterPath> <n>
//       n times: acquire, read the decimal counter, write it + 1 with no
//       version check (only the lock protects it), release; prints DONE
//
// Compiled by the test with javac against Debian's Curator 5.4 jars.

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.recipes.locks.InterProcessMutex;
import org.apache.curator.retry.ExponentialBackoffRetry;

public class CuratorMutex {
    public static void main(String[] args) throws Exception {
        String connect = args[0];
        String lockPath = args[1];
        String mode = args[2];
        try (CuratorFramework client = CuratorFrameworkFactory.newClient(
                connect, 10000, 10000, new ExponentialBackoffRetry(100, 5))) {
            client.start();
            if (!client.blockUntilConnected(20, TimeUnit.SECONDS)) {
                throw new IllegalStateException("could not connect to " + connect);
            }
            InterProcessMutex mutex = new InterProcessMutex(client, lockPath);
            switch (mode) {
                case "try": {
                    long ms = Long.parseLong(args[3]);
                    if (mutex.acquire(ms, TimeUnit.MILLISECONDS)) {
                        System.out.println("ACQUIRED");
                        mutex.release();
                    } else {
                        System.out.println("TIMEOUT");
                    }
                    break;
                }
                case "hold": {
                    mutex.acquire();
                    System.out.println("HELD " + mutex.getParticipantNodes().iterator().next());
                    System.out.flush();
                    new BufferedReader(new InputStreamReader(System.in)).readLine();
                    mutex.release();
                    System.out.println("RELEASED");
                    break;
                }
                case "increment": {
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
                    System.out.println("DONE");
                    break;
                }
                default:
                    throw new IllegalArgumentException("unknown mode " + mode);
            }
            System.out.flush();
        }
    }
}
