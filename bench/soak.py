#!/usr/bin/env python3
"""Soak test of `tessera serve` (a script, not a timed test; stdlib only).

Starts `tessera serve` on 127.0.0.1 over a fresh index of synthetic
articles, then for --minutes runs --clients concurrent clients doing mixed
traces (by text and by document id), batch adds, deletes and reads through
the HTTP API, while another thread commits on the same index with the CLI
(`tessera index add`, `delete`, and every third round `compact`). The
server's resident memory and open file descriptors are sampled from /proc.

At the end it checks, and exits 1 if any check fails:
  * no error answer other than the expected ones (409 when a CLI command
    holds the writer lock, 503 when the server is busy), each counted;
  * every acknowledged write is present (GET 200 with its text) and every
    acknowledged delete absent (404), for the HTTP clients' documents and
    the CLI's; the live count of /v1/stats matches;
  * peak RSS <= --max-rss-mb, RSS growth from the end of the first minute
    to the end <= --max-rss-growth-mb, peak open fds <= --max-fds.

    bench/soak.py                       # 10 minutes, 64 clients
    bench/soak.py --minutes 1 --clients 16
    bench/soak.py --bin target/release/tessera --no-build
"""

import argparse
import http.client
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def words(rng, n=2000):
    syl = ["ka", "lo", "mi", "ter", "an", "dru", "vel", "so", "pra", "nek", "ul", "ost", "ri", "ba"]
    out = set()
    while len(out) < n:
        out.add("".join(rng.choice(syl) for _ in range(rng.randint(2, 4))))
    return sorted(out)


class Texts:
    """Synthetic articles; some reuse passages of earlier ones."""

    def __init__(self, seed):
        self.rng = random.Random(seed)
        self.vocab = words(self.rng)
        self.pool = []
        self.lock = threading.Lock()

    def sentence(self, rng):
        n = rng.randint(8, 20)
        return " ".join(rng.choice(self.vocab) for _ in range(n)).capitalize() + "."

    def article(self, rng):
        sentences = [self.sentence(rng) for _ in range(rng.randint(6, 14))]
        with self.lock:
            if self.pool and rng.random() < 0.6:
                src = rng.choice(self.pool).split(". ")
                k = rng.randint(0, max(0, len(src) - 3))
                sentences[rng.randint(0, len(sentences) - 1)] = ". ".join(src[k:k + 3])
        text = " ".join(sentences)
        with self.lock:
            if len(self.pool) < 2000:
                self.pool.append(text)
            else:
                self.pool[rng.randrange(len(self.pool))] = text
        return text


class Ledger:
    """What was acknowledged: id -> expected text, or None when deleted."""

    def __init__(self):
        self.state = {}
        self.lock = threading.Lock()

    def added(self, docs):
        with self.lock:
            for d in docs:
                self.state[d["id"]] = d["text"]

    def deleted(self, ids):
        with self.lock:
            for i in ids:
                self.state[i] = None


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.ops = Counter()
        self.codes = Counter()
        self.unexpected = []
        self.latency = {}

    def record(self, op, status, seconds, body=b""):
        with self.lock:
            self.ops[op] += 1
            self.codes[(op, status)] += 1
            self.latency.setdefault(op, []).append(seconds)
            expected = 200 <= status < 300 or status in (409, 503)
            if not expected and len(self.unexpected) < 20:
                self.unexpected.append((op, status, body[:300]))
            return expected


def request(conn_box, host, port, method, path, body=None, ctype=None):
    headers = {}
    if body is not None:
        headers["Content-Type"] = ctype or "application/json"
    for attempt in range(2):
        if conn_box[0] is None:
            conn_box[0] = http.client.HTTPConnection(host, port, timeout=120)
        try:
            conn_box[0].request(method, path, body=body, headers=headers)
            r = conn_box[0].getresponse()
            data = r.read()
            if r.getheader("Connection", "").lower() == "close":
                conn_box[0].close()
                conn_box[0] = None
            return r.status, data
        except (http.client.HTTPException, ConnectionError, OSError):
            # A kept-alive connection the server closed (idle timeout):
            # open a new one once; a second failure is an error.
            conn_box[0].close()
            conn_box[0] = None
            if attempt == 1:
                return 0, b"connection failed"
    return 0, b""


def client(k, args, texts, ledger, stats, stop, host, port):
    rng = random.Random(1000 + k)
    box = [None]
    mine = []  # acknowledged, not deleted
    n = 0
    while not stop.is_set():
        p = rng.random()
        t0 = time.monotonic()
        if p < 0.55:
            body = json.dumps({"text": texts.article(rng)})
            st, data = request(box, host, port, "POST", "/v1/trace", body)
            stats.record("trace_text", st, time.monotonic() - t0, data)
        elif p < 0.65 and mine:
            body = json.dumps({"document_id": rng.choice(mine)})
            st, data = request(box, host, port, "POST", "/v1/trace", body)
            stats.record("trace_id", st, time.monotonic() - t0, data)
        elif p < 0.82:
            docs = []
            for _ in range(rng.randint(1, 5)):
                n += 1
                docs.append({"id": f"c{k}-{n}", "title": f"client {k} doc {n}", "text": texts.article(rng)})
            body = "".join(json.dumps(d) + "\n" for d in docs)
            st, data = request(box, host, port, "POST", "/v1/documents", body, "application/x-ndjson")
            if stats.record("add", st, time.monotonic() - t0, data) and st == 200:
                ledger.added(docs)
                mine.extend(d["id"] for d in docs)
        elif p < 0.92 and mine:
            victim = mine.pop(rng.randrange(len(mine)))
            st, data = request(box, host, port, "DELETE", f"/v1/documents/{victim}")
            if stats.record("delete", st, time.monotonic() - t0, data) and st == 200:
                ledger.deleted([victim])
            else:
                mine.append(victim)
        elif mine:
            st, data = request(box, host, port, "GET", f"/v1/documents/{rng.choice(mine)}")
            stats.record("get", st, time.monotonic() - t0, data)
        else:
            st, data = request(box, host, port, "GET", "/v1/health")
            stats.record("health", st, time.monotonic() - t0, data)


def cli_writer(args, bin_, index, tmp, texts, ledger, stats, stop):
    rng = random.Random(7)
    live = []
    rounds = 0
    while not stop.wait(args.cli_every):
        rounds += 1
        docs = [{"id": f"cli-{rounds}-{i}", "text": texts.article(rng)} for i in range(50)]
        path = os.path.join(tmp, f"cli-{rounds}.jsonl")
        with open(path, "w") as f:
            for d in docs:
                f.write(json.dumps(d) + "\n")
        steps = [("cli_add", ["index", "add", path, "--index", index, "-q"], docs, None)]
        if live:
            victims = rng.sample(live, min(len(live), 10))
            steps.append(("cli_delete", ["index", "delete", *victims, "--index", index, "-q"], None, victims))
        if rounds % 3 == 0:
            steps.append(("cli_compact", ["index", "compact", "--index", index, "-q"], None, None))
        for op, argv, added, deleted in steps:
            for _ in range(100):
                t0 = time.monotonic()
                r = subprocess.run([bin_, *argv], capture_output=True, text=True)
                ok = r.returncode == 0
                locked = "holds the index" in r.stderr or "lock" in r.stderr.lower()
                stats.record(op, 200 if ok else (409 if locked else 500 + r.returncode),
                             time.monotonic() - t0, r.stderr.encode())
                if ok:
                    if added:
                        ledger.added(added)
                        live.extend(d["id"] for d in added)
                    if deleted:
                        ledger.deleted(deleted)
                        live = [i for i in live if i not in deleted]
                    break
                if not locked:
                    break
                time.sleep(0.1)


def sampler(pid, samples, stop):
    t0 = time.monotonic()
    while True:
        try:
            with open(f"/proc/{pid}/status") as f:
                rss = int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1)) // 1024
            fds = len(os.listdir(f"/proc/{pid}/fd"))
        except (OSError, AttributeError):
            return
        samples.append((time.monotonic() - t0, rss, fds))
        if stop.wait(2):
            return


def verify(ledger, host, port, workers=16):
    items = list(ledger.state.items())
    bad = []
    lock = threading.Lock()

    def run(chunk):
        box = [None]
        for id_, text in chunk:
            st, data = request(box, host, port, "GET", f"/v1/documents/{id_}")
            ok = (st == 200 and json.loads(data).get("text") == text) if text is not None else st == 404
            if not ok:
                with lock:
                    bad.append((id_, "present" if text is not None else "absent", st))

    threads = [threading.Thread(target=run, args=(items[i::workers],)) for i in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return len(items), sum(1 for _, t in items if t is not None), bad


def pct(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))] if xs else 0.0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--minutes", type=float, default=10)
    ap.add_argument("--clients", type=int, default=64)
    ap.add_argument("--seed-docs", type=int, default=2000)
    ap.add_argument("--cli-every", type=float, default=15, help="seconds between CLI commit rounds")
    ap.add_argument("--bin", default=os.path.join(ROOT, "target", "release", "tessera"))
    ap.add_argument("--no-build", action="store_true")
    ap.add_argument("--max-rss-mb", type=float, default=1024)
    ap.add_argument("--max-rss-growth-mb", type=float, default=128)
    ap.add_argument("--max-fds", type=int, default=256)
    args = ap.parse_args()

    if not args.no_build:
        subprocess.run(["cargo", "build", "--release", "-q", "-p", "tessera-cli"], cwd=ROOT, check=True)
    bin_ = args.bin
    tmp = tempfile.mkdtemp(prefix="tessera-soak-")
    index = os.path.join(tmp, "index")
    texts = Texts(1)
    ledger = Ledger()
    stats = Stats()
    rng = random.Random(2)
    seed = os.path.join(tmp, "seed.jsonl")
    with open(seed, "w") as f:
        docs = [{"id": f"seed-{i}", "text": texts.article(rng)} for i in range(args.seed_docs)]
        for d in docs:
            f.write(json.dumps(d) + "\n")
    subprocess.run([bin_, "index", "add", seed, "--index", index, "-q"], check=True)
    ledger.added(docs)

    log = open(os.path.join(tmp, "serve.log"), "w")
    limit = int(args.minutes * 60 + 300)
    srv = subprocess.Popen([bin_, "serve", "--index", index, "--addr", "127.0.0.1:0",
                            "--shutdown-after", f"{limit}s"],
                           stdout=subprocess.PIPE, stderr=log, text=True)
    failures = []
    try:
        first = srv.stdout.readline().strip()
        m = re.match(r"listening on http://([\d.]+):(\d+)", first)
        if not m:
            raise SystemExit(f"unexpected first line of tessera serve: {first!r}")
        host, port = m.group(1), int(m.group(2))
        print(f"soak: {args.clients} clients for {args.minutes:g} min on {host}:{port}, "
              f"{args.seed_docs} seed documents, CLI commits every {args.cli_every:g} s", flush=True)

        stop, stop_sampler = threading.Event(), threading.Event()
        samples = []
        threads = [threading.Thread(target=sampler, args=(srv.pid, samples, stop_sampler))]
        threads += [threading.Thread(target=client, args=(k, args, texts, ledger, stats, stop, host, port))
                    for k in range(args.clients)]
        threads.append(threading.Thread(target=cli_writer,
                                        args=(args, bin_, index, tmp, texts, ledger, stats, stop)))
        started = time.monotonic()
        for t in threads:
            t.start()
        while time.monotonic() - started < args.minutes * 60:
            time.sleep(min(30, max(0.1, args.minutes * 60 - (time.monotonic() - started))))
            if samples:
                _, rss, fds = samples[-1]
                print(f"  {time.monotonic() - started:5.0f} s: {sum(stats.ops.values())} requests, "
                      f"RSS {rss} MB, {fds} fds", flush=True)
        stop.set()
        for t in threads[1:]:
            t.join()
        elapsed = time.monotonic() - started
        time.sleep(3)  # the server picks up the CLI's last commit (refresh: 1 s)
        stop_sampler.set()
        threads[0].join()

        checked, present, bad = verify(ledger, host, port)
        box = [None]
        st, data = request(box, host, port, "GET", "/v1/stats")
        live = json.loads(data).get("documents") if st == 200 else None

        print(f"\nran {elapsed:.0f} s; requests by kind and status:")
        for (op, code), n in sorted(stats.codes.items()):
            lat = stats.latency[op]
            print(f"  {op:12} {code}: {n:7d}   (p50 {pct(lat, .5) * 1000:.0f} ms, p99 {pct(lat, .99) * 1000:.0f} ms)")
        total = sum(stats.ops.values())
        print(f"  {total} operations, {total / elapsed:.0f}/s")
        rss = [s[1] for s in samples]
        fds = [s[2] for s in samples]
        warm = [s[1] for s in samples if s[0] <= 60] or rss[:1]
        growth = max(rss) - max(warm)
        print(f"server RSS: start {rss[0]} MB, end of first minute {max(warm)} MB, peak {max(rss)} MB, "
              f"end {rss[-1]} MB (growth after the first minute {growth} MB)")
        print(f"server open fds: start {fds[0]}, peak {max(fds)}, end {fds[-1]}")
        print(f"acknowledged ids checked: {checked} ({present} present, {checked - present} deleted); "
              f"wrong: {len(bad)}; live documents served: {live}")

        unexpected = [(k, n) for k, n in stats.codes.items() if not (200 <= k[1] < 300 or k[1] in (409, 503))]
        if unexpected:
            failures.append(f"unexpected answers: {unexpected}; first: {stats.unexpected[:3]}")
        if bad:
            failures.append(f"{len(bad)} acknowledged writes wrong, e.g. {bad[:5]}")
        if live != present:
            failures.append(f"/v1/stats says {live} live documents, {present} expected")
        if max(rss) > args.max_rss_mb:
            failures.append(f"peak RSS {max(rss)} MB > {args.max_rss_mb:g} MB")
        if growth > args.max_rss_growth_mb:
            failures.append(f"RSS grew {growth} MB after the first minute > {args.max_rss_growth_mb:g} MB")
        if max(fds) > args.max_fds:
            failures.append(f"peak fds {max(fds)} > {args.max_fds}")
        print(f"bounds: peak RSS <= {args.max_rss_mb:g} MB, growth after the first minute <= "
              f"{args.max_rss_growth_mb:g} MB, fds <= {args.max_fds}")
    finally:
        srv.send_signal(signal.SIGTERM)
        try:
            srv.wait(timeout=30)
        except subprocess.TimeoutExpired:
            srv.kill()
        log.close()
        with open(os.path.join(tmp, "serve.log")) as f:
            warnings = [line for line in f if " WARN " in line or " ERROR " in line]
        print(f"server log: {len(warnings)} warnings or errors" + (f", first: {warnings[0].strip()}" if warnings else ""))
        shutil.rmtree(tmp, ignore_errors=True)
    if failures:
        print("FAIL\n  " + "\n  ".join(failures))
        sys.exit(1)
    print("PASS")


if __name__ == "__main__":
    main()
