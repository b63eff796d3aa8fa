"""The machine a benchmark ran on, so a figure can travel: a CPU calibration (a fixed Python
loop, best of 5) and the CPU steal and busy share over the sitting (from /proc/stat).

    machine.py mark var/bench/stat0.json     # at the start of the sitting
    machine.py calibrate                     # prints the calibration line
    machine.py since var/bench/stat0.json    # steal and busy since the mark, as JSON
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

CALIBRATION = "sum(range(10**6))"


def stat() -> dict[str, float]:
    """Jiffies of all CPUs: user nice system idle iowait irq softirq steal (Linux only)."""
    try:
        with open("/proc/stat") as f:
            ticks = [float(x) for x in f.readline().split()[1:9]]
    except OSError:
        return {}
    names = ("user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal")
    return {"time": time.time(), **dict(zip(names, ticks, strict=False))}


def since(mark: dict[str, float]) -> dict[str, float]:
    now = stat()
    if not mark or not now:
        return {}
    d = {k: now[k] - mark.get(k, 0.0) for k in now}
    total = sum(v for k, v in d.items() if k != "time") or 1.0
    return {"seconds": d["time"], "steal_pct": 100 * d.get("steal", 0.0) / total,
            "busy_pct": 100 * (total - d["idle"] - d["iowait"]) / total}


def calibrate(python: str = sys.executable) -> dict[str, Any]:
    out = subprocess.run([python, "-m", "timeit", "-r", "5", CALIBRATION],
                         capture_output=True, text=True, check=True).stdout.strip()
    m = re.search(r"([\d.]+) (nsec|usec|msec|sec) per loop", out)
    scale = {"nsec": 1e-6, "usec": 1e-3, "msec": 1.0, "sec": 1e3}
    ms = float(m.group(1)) * scale[m.group(2)] if m else float("nan")
    return {"stmt": CALIBRATION, "best_of_5_ms": ms, "timeit": out}


def calibration_line(cal: dict[str, Any]) -> str:
    return (f"CPU calibration: python -m timeit -r 5 '{cal['stmt']}': "
            f"{cal['best_of_5_ms']:.2f} ms per loop (best of 5)")


def main(argv: list[str]) -> None:
    if argv[:1] == ["mark"]:
        Path(argv[1]).parent.mkdir(parents=True, exist_ok=True)
        Path(argv[1]).write_text(json.dumps(stat()))
    elif argv[:1] == ["calibrate"]:
        print(calibration_line(calibrate()))
    elif argv[:1] == ["since"]:
        print(json.dumps(since(json.loads(Path(argv[1]).read_text()))))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
