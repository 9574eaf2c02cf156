#!/usr/bin/env python3
"""Runs a command and reports its wall time, CPU time and peak memory.

    python3 bench/measure.py OUT.json -- COMMAND [ARGS...]

Peak memory is sampled from /proc/PID/status every 0.2 s: the resident set
(VmRSS) and its two parts, anonymous memory (RssAnon: what the process
allocated) and file pages (RssFile: the memory-mapped index, which the kernel
can drop and read again at will). The kernel's own peak of VmRSS (VmHWM) is
read at the end too. CPU time is the child's user + system time (wait4).
Writes the figures as JSON to OUT.json (with `series`: one [seconds, RSS,
anonymous, file] sample, in bytes, every 2 s) and exits with the command's
status.
Standard library only; Linux only.
"""

import json
import os
import subprocess
import sys
import threading
import time


def status(pid):
    out = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                k, _, v = line.partition(":")
                if k in ("VmRSS", "RssAnon", "RssFile", "VmHWM"):
                    out[k] = int(v.split()[0]) * 1024
    except OSError:
        pass
    return out


def main():
    if len(sys.argv) < 4 or sys.argv[2] != "--":
        sys.exit(__doc__)
    out_path, cmd = sys.argv[1], sys.argv[3:]
    start = time.perf_counter()
    child = subprocess.Popen(cmd)
    peak = {"VmRSS": 0, "RssAnon": 0, "RssFile": 0, "VmHWM": 0}
    done = threading.Event()
    series = []

    def sample():
        n = 0
        while not done.is_set():
            st = status(child.pid)
            for k, v in st.items():
                peak[k] = max(peak[k], v)
            if n % 10 == 0 and st:
                series.append([round(time.perf_counter() - start, 1), st.get("VmRSS", 0), st.get("RssAnon", 0), st.get("RssFile", 0)])
            n += 1
            done.wait(0.2)

    t = threading.Thread(target=sample, daemon=True)
    t.start()
    _, code, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    done.set()
    t.join()
    rc = os.waitstatus_to_exitcode(code)
    child.returncode = rc
    result = {
        "command": cmd,
        "exit": rc,
        "wall_s": round(wall, 2),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
        "peak_rss_bytes": max(peak["VmRSS"], usage.ru_maxrss * 1024),
        "peak_anon_bytes": peak["RssAnon"],
        "peak_file_bytes": peak["RssFile"],
        "series": series,
    }
    with open(out_path, "w") as f:
        json.dump(result, f)
    sys.exit(rc)


if __name__ == "__main__":
    main()
