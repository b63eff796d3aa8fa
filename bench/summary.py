"""The sitting's summary table: Pesanan over HTTP beside the raw pgbench replay of its own
place-order transaction (bench/rawsql.py), with CPU per order, a CPU calibration line and the
machine's steal, so the ratio (which travels between machines) is read with its conditions.

    summary.py --http var/bench/http.json [--raw var/bench/raw.json] --mark var/bench/stat0.json
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from machine import calibrate, calibration_line, since


def rate(r: dict[str, Any]) -> float:
    """A raw run's steady rate: its second half (every connection has prepared its scripts by
    then), or the whole run's for older files."""
    return float(r.get("steady_tps") or r["tps"])


def best_raw(raw: list[dict[str, Any]], clients: int) -> dict[str, Any] | None:
    """The better protocol's run at this client count: the ratio is against the raw limit."""
    runs = [r for r in raw if r["clients"] == clients and r["check"].startswith("ok")]
    return max(runs, key=rate) if runs else None


def cpu(d: dict[str, float], *parties: str) -> str:
    return " / ".join(f"{d[p]:.2f}" if p in d else "-" for p in parties)


def table(http: list[dict[str, Any]], raw: list[dict[str, Any]]) -> list[str]:
    out = [f"{'SKUs':6s} {'cl':>3s} {'Pesanan/s':>9s} {'p50':>6s} {'p99':>7s} | "
           f"{'raw tps':>8s} {'(mode)':9s} {'p50':>6s} {'p99':>7s} | {'P ÷ raw':>7s} | "
           f"{'CPU ms/order srv / pg / client':30s} | raw CPU ms/tx pg / pgbench"]
    for h in http:
        r = best_raw(raw, h["clients"]) if h["mode"] == "random" else None
        ratio = f"{h['orders_per_s'] / rate(r):7.3f}" if r else f"{'-':>7s}"
        rawcols = (f"{rate(r):8.1f} {('(' + r['protocol'] + ')'):9s} {r['p50_ms']:6.1f} "
                   f"{r['p99_ms']:7.1f}" if r else f"{'-':>8s} {'':9s} {'-':>6s} {'-':>7s}")
        out.append(f"{h['mode']:6s} {h['clients']:3d} {h['orders_per_s']:9.1f} "
                   f"{h['p50_ms']:6.1f} {h['p99_ms']:7.1f} | {rawcols} | {ratio} | "
                   f"{cpu(h['cpu_ms'], 'server', 'postgres', 'client'):30s} | "
                   + (cpu(r["cpu_ms"], "postgres", "client") if r else "-"))
    return out


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--http", required=True)
    p.add_argument("--raw")
    p.add_argument("--mark", help="machine.py mark file from the start of the sitting")
    args = p.parse_args(argv)
    http = json.loads(Path(args.http).read_text())
    raw = json.loads(Path(args.raw).read_text())["runs"] if args.raw else []
    print("== summary (Pesanan over HTTP; raw = pgbench of its own transaction, the better "
          "protocol, tps over the run's 2nd half; P ÷ raw at random SKUs; latency ms)")
    for line in table(http, raw):
        print("  " + line)
    others = [f"{r['protocol']} {r['clients']}: {rate(r):.1f} ({r['tps']:.1f})" for r in raw]
    if others:
        print("  raw tps by protocol, run's 2nd half (whole run): " + ", ".join(others))
    print("  " + calibration_line(calibrate()))
    if args.mark:
        m = since(json.loads(Path(args.mark).read_text()))
        if m:
            print(f"  machine over the sitting ({m['seconds']:.0f}s): steal {m['steal_pct']:.1f} %,"
                  f" all CPUs busy {m['busy_pct']:.0f} % (any process)")


if __name__ == "__main__":
    main()
