#!/usr/bin/env python3
"""kazoo against a ZooKeeper-compatible server: its main API and recipes.

Usage: kazoo_suite.py HOST:PORT

Every check asserts what Apache ZooKeeper 3.8 does; the same script runs
against Apache ZooKeeper and against rzk. Exits non-zero on the first
failure, printing which check failed. Ends with a line 'N passed, 0 failed'.
"""

import sys
import threading
import time
import uuid

from kazoo.client import KazooClient
from kazoo.exceptions import (BadVersionError, NoAuthError, NodeExistsError,
                              NoNodeError, NotEmptyError)
from kazoo.protocol.states import EventType, KazooState
from kazoo.security import make_digest_acl

HOSTS = sys.argv[1]
ROOT = "/kazoo-" + uuid.uuid4().hex[:8]
CHECKS = []


def check(fn):
    CHECKS.append(fn)
    return fn


def client(**kw):
    zk = KazooClient(hosts=HOSTS, timeout=10, **kw)
    zk.start(timeout=15)
    return zk


def wait_for(cond, what, limit=10.0):
    """Polls cond() until true, at most `limit` seconds."""
    step = 0.02
    waited = 0.0
    while not cond():
        if waited > limit:
            raise AssertionError("timed out waiting for " + what)
        time.sleep(step)
        waited += step


@check
def crud_and_stat(zk):
    p = zk.create(ROOT + "/a", b"x", makepath=True)
    assert p == ROOT + "/a"
    data, stat = zk.get(p)
    assert data == b"x" and stat.version == 0 and stat.dataLength == 1
    stat = zk.set(p, b"yy")
    assert stat.version == 1 and stat.dataLength == 2
    try:
        zk.set(p, b"z", version=0)
        raise AssertionError("stale version accepted")
    except BadVersionError:
        pass
    zk.create(p + "/c", b"")
    try:
        zk.delete(p)
        raise AssertionError("non-empty delete accepted")
    except NotEmptyError:
        pass
    assert zk.get_children(p) == ["c"]
    children, stat = zk.get_children(p, include_data=True)
    assert stat.numChildren == 1 and stat.cversion == 1
    zk.delete(p, recursive=True)
    assert zk.exists(p) is None
    try:
        zk.get(p)
        raise AssertionError("read of a deleted node")
    except NoNodeError:
        pass
    try:
        zk.create(ROOT + "/nope/x", b"")
        raise AssertionError("create without a parent")
    except NoNodeError:
        pass


@check
def sequential_and_ephemeral(zk):
    base = zk.create(ROOT + "/seq", b"", makepath=True)
    a = zk.create(base + "/n-", b"", sequence=True)
    b = zk.create(base + "/n-", b"", sequence=True, ephemeral=True)
    assert a == base + "/n-0000000000" and b == base + "/n-0000000001", (a, b)
    other = client()
    try:
        assert other.exists(b) is not None
        gone = threading.Event()
        other.exists(b, watch=lambda ev: gone.set() if ev.type == EventType.DELETED else None)
        zk2 = client()
        e = zk2.create(base + "/e", b"", ephemeral=True)
        zk2.stop()
        zk2.close()
        wait_for(lambda: other.exists(e) is None, "ephemeral removed at session close")
    finally:
        other.stop()
        other.close()


@check
def watches(zk):
    path = ROOT + "/w"
    events = []
    zk.exists(path, watch=events.append)
    zk.create(path, b"", makepath=True)
    wait_for(lambda: len(events) == 1, "NodeCreated")
    assert events[0].type == EventType.CREATED and events[0].path == path
    seen = []

    @zk.DataWatch(path)
    def on_data(data, stat):
        seen.append(data)

    zk.set(path, b"1")
    zk.set(path, b"2")
    wait_for(lambda: seen[-1:] == [b"2"], "DataWatch sees the last value")
    kids = []

    @zk.ChildrenWatch(path)
    def on_children(children):
        kids.append(sorted(children))

    zk.create(path + "/k1", b"")
    zk.create(path + "/k2", b"")
    wait_for(lambda: kids[-1:] == [["k1", "k2"]], "ChildrenWatch sees both children")


@check
def transactions(zk):
    base = zk.create(ROOT + "/tx", b"", makepath=True)
    t = zk.transaction()
    t.create(base + "/a", b"a")
    t.set_data(base + "/a", b"b")
    t.check(base + "/a", 1)
    results = t.commit()
    assert results[0] == base + "/a", results
    t = zk.transaction()
    t.create(base + "/b", b"")
    t.delete(base + "/missing")
    results = t.commit()
    assert isinstance(results[1], NoNodeError), results
    assert zk.exists(base + "/b") is None


@check
def acl_and_auth(zk):
    secure = client(auth_data=[("digest", "alice:secret")])
    try:
        acl = make_digest_acl("alice", "secret", all=True)
        secure.create(ROOT + "/secret", b"s", acl=[acl], makepath=True)
        try:
            zk.get(ROOT + "/secret")
            raise AssertionError("read without auth")
        except NoAuthError:
            pass
        assert secure.get(ROOT + "/secret")[0] == b"s"
        acls, _ = secure.get_acls(ROOT + "/secret")
        assert acls[0].id.scheme == "digest" and acls[0].id.id.startswith("alice:")
        secure.delete(ROOT + "/secret")
    finally:
        secure.stop()
        secure.close()


@check
def lock_is_mutually_exclusive(zk):
    holders = []
    counter = [0, 0]
    lock_path = ROOT + "/lock"
    errors = []

    def worker():
        c = client()
        try:
            lock = c.Lock(lock_path, "w")
            for _ in range(5):
                with lock:
                    holders.append(1)
                    counter[1] = max(counter[1], len(holders))
                    v = counter[0]
                    time.sleep(0.001)
                    counter[0] = v + 1
                    holders.pop()
        except Exception as e:  # reported below
            errors.append(e)
        finally:
            c.stop()
            c.close()

    threads = [threading.Thread(target=worker) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    assert counter == [25, 1], counter


@check
def election_has_one_leader(zk):
    leaders = []
    done = threading.Event()
    c = client()
    try:
        election = c.Election(ROOT + "/election", "me")

        def lead():
            leaders.append(1)
            done.set()

        threading.Thread(target=election.run, args=(lead,), daemon=True).start()
        wait_for(done.is_set, "leadership")
        assert leaders == [1]
        assert len(election.contenders()) in (0, 1)
    finally:
        c.stop()
        c.close()


@check
def counter_barrier_queue(zk):
    counter = zk.Counter(ROOT + "/counter")
    for _ in range(10):
        counter += 1
    assert counter.value == 10
    barrier = zk.Barrier(ROOT + "/barrier")
    barrier.create()
    released = threading.Event()
    threading.Thread(target=lambda: (barrier.wait(15), released.set()), daemon=True).start()
    time.sleep(0.2)
    assert not released.is_set(), "barrier released while it stands"
    barrier.remove()
    wait_for(released.is_set, "barrier release")
    q = zk.Queue(ROOT + "/queue")
    for item in [b"1", b"2", b"3"]:
        q.put(item)
    assert [q.get(), q.get(), q.get()] == [b"1", b"2", b"3"]


@check
def session_state_and_close(zk):
    states = []
    c = KazooClient(hosts=HOSTS, timeout=10)
    c.add_listener(states.append)
    c.start(timeout=15)
    assert c.state == KazooState.CONNECTED
    assert c.client_id[0] >> 56 == 1, hex(c.client_id[0])
    c.stop()
    c.close()
    assert KazooState.LOST in states, states


def main():
    zk = client()
    passed = 0
    try:
        for fn in CHECKS:
            try:
                fn(zk)
            except Exception:
                print("FAILED: " + fn.__name__, flush=True)
                raise
            print("ok: " + fn.__name__, flush=True)
            passed += 1
        zk.delete(ROOT, recursive=True)
    finally:
        zk.stop()
        zk.close()
    print("%d passed, 0 failed" % passed)


if __name__ == "__main__":
    main()
