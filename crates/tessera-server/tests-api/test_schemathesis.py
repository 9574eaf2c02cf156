"""The OpenAPI document against the real server, with schemathesis.

Starts `tessera serve` on 127.0.0.1 (a port the system picks) over a small
index built for the run, then runs `schemathesis run` with every check and
a bounded number of examples per operation; any failed check fails the test.

    TESSERA_BIN=target/debug/tessera python -m pytest crates/tessera-server/tests-api

Needs `schemathesis` and `pytest` (PyPI). `TESSERA_ST_EXAMPLES` sets the
examples per operation (default 25).
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

TOKEN = "schemathesis-token"
WIRE = (
    "On the second and final day of his visit to Moscow, Kerry called for stepping up "
    "cooperation between the United States and Russia to thwart jihadist groups and revive "
    "the stalled Syria peace process, officials said on Friday in Geneva."
)


def tessera_bin():
    path = os.environ.get("TESSERA_BIN")
    if not path:
        pytest.skip("TESSERA_BIN (the path of the tessera binary) is not set")
    return path


def schemathesis_cmd():
    exe = shutil.which("schemathesis") or shutil.which("st")
    if exe:
        return [exe]
    return [sys.executable, "-m", "schemathesis.cli"]


@pytest.fixture()
def server():
    binary = tessera_bin()
    work = Path(tempfile.mkdtemp(prefix="tessera-st-"))
    docs = work / "docs.jsonl"
    docs.write_text(
        "".join(
            json.dumps({"id": f"doc-{k}", "text": f"{WIRE} Item {k}.", "date": "2016-07-15"}) + "\n"
            for k in range(5)
        )
    )
    index = work / "idx"
    subprocess.run([binary, "index", "add", str(docs), "--index", str(index), "-q"], check=True)
    env = {k: v for k, v in os.environ.items() if k not in ("TESSERA_TOKEN", "TESSERA_FAILPOINT")}
    proc = subprocess.Popen(
        [
            binary, "serve", "--index", str(index), "--addr", "127.0.0.1:0",
            "--token", TOKEN, "--shutdown-after", "600s", "--timeout", "10s", "-q",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
        text=True,
    )
    try:
        first = proc.stdout.readline().strip()
        assert first.startswith("listening on "), first
        yield first.removeprefix("listening on ")
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(work, ignore_errors=True)


def test_the_server_matches_its_openapi_document(server):
    examples = os.environ.get("TESSERA_ST_EXAMPLES", "25")
    cmd = schemathesis_cmd() + [
        "--config-file", str(Path(__file__).parent / "schemathesis.toml"),
        "run",
        f"{server}/v1/openapi.json",
        "--url", server,
        "--checks", "all",
        "--max-examples", examples,
        "--seed", "7",
        "--header", f"Authorization: Bearer {TOKEN}",
        "--request-timeout", "30",
        "--max-failures", "20",
    ]
    env = dict(os.environ)
    env["SCHEMATHESIS_HOOKS"] = "st_hooks"
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in [str(Path(__file__).parent), env.get("PYTHONPATH", "")] if p
    )
    run = subprocess.run(cmd, capture_output=True, text=True, timeout=1200, env=env)
    print(run.stdout[-20000:])
    print(run.stderr[-5000:], file=sys.stderr)
    assert run.returncode == 0, "schemathesis found failures (see the output above)"
