#!/usr/bin/env python3
"""Trace latency of `tessera serve` as a user meets it: articles posted one
after another to POST /v1/trace on one connection, each timed by the client
from sending the request to reading the whole response.

    python3 bench/serve_latency.py --bin target/release/tessera --index DIR \\
        --corpus CORPUS.jsonl [--queries 300] [--warmup 10] [--slowest N]

The queries are --queries articles of CORPUS.jsonl taken at even intervals
(the corpus the index was built from, so each article finds at least
itself; its `id` and `text` are posted, as a client would). The server
binds to 127.0.0.1 on a free port and is stopped at the end. Prints the
number of queries and the p50, p90, p99 and max latency in milliseconds.
Standard library only.
"""

import argparse
import http.client
import json
import statistics
import subprocess
import time
import urllib.parse


def sample(path, n):
    with open(path, encoding="utf-8") as f:
        lines = sum(1 for _ in f)
    step = max(1, lines // n)
    out = []
    with open(path, encoding="utf-8") as f:
        for k, line in enumerate(f):
            if k % step == step // 2 and len(out) < n:
                d = json.loads(line)
                out.append(json.dumps({"id": d["id"], "text": d["text"]}).encode())
    return out


def percentile(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", required=True)
    ap.add_argument("--index", required=True)
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--queries", type=int, default=300)
    ap.add_argument("--warmup", type=int, default=10)
    ap.add_argument("--slowest", type=int, default=0, help="also list the N slowest queries")
    a = ap.parse_args()
    bodies = sample(a.corpus, a.queries)
    srv = subprocess.Popen(
        [a.bin, "serve", "--index", a.index, "--addr", "127.0.0.1:0", "--token", "bench", "-q"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = srv.stdout.readline()
        if not line.startswith("listening on "):
            raise SystemExit(f"error: the server did not start: {line!r}")
        url = urllib.parse.urlparse(line.split()[-1])
        conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
        headers = {"Content-Type": "application/json"}

        def post(body):
            t = time.perf_counter()
            conn.request("POST", "/v1/trace", body=body, headers=headers)
            r = conn.getresponse()
            r.read()
            if r.status != 200:
                raise SystemExit(f"error: HTTP {r.status}")
            return (time.perf_counter() - t) * 1000

        for k in range(a.warmup):
            post(bodies[k % len(bodies)])
        ms = [post(b) for b in bodies]
        for m, b in sorted(zip(ms, bodies), reverse=True)[: a.slowest]:
            print(f"{m:.1f} ms  {json.loads(b)['id']}  {len(b)} bytes")
        print(
            f"queries {len(ms)}  p50 {percentile(ms, 50):.1f} ms  p90 {percentile(ms, 90):.1f} ms  "
            f"p99 {percentile(ms, 99):.1f} ms  max {max(ms):.1f} ms  mean {statistics.mean(ms):.1f} ms"
        )
    finally:
        srv.terminate()
        srv.wait(timeout=30)


if __name__ == "__main__":
    main()
