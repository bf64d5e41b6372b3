"""Does a SIGKILL inside a DuckDB CHECKPOINT leave a file that no longer opens?

Uses only ``duckdb`` (no simcash-db), so that it runs under any installed
version:

    python repro/checkpoint_kill.py --kills 100
    python repro/checkpoint_kill.py --kills 100 --checkpoint auto --threshold 1MB
    python repro/checkpoint_kill.py --kills 100 --threads 1 --compression uncompressed

A child process appends batches to one table (small ones, through the WAL,
and every fourth a large one, written straight to the file), each with its
ledger row, in one transaction; it prints ``ack`` once a commit has returned
and ``checkpoint`` right before each CHECKPOINT. The parent kills it with
SIGKILL a random moment into a CHECKPOINT (``--checkpoint explicit``: one
every ``--every`` batches), or a random moment after an acknowledgement
(``--checkpoint auto``: DuckDB's own, at ``--threshold`` of WAL), then opens
the file: it must open, and hold every acknowledged batch whole. The same
file takes the next child (it grows, as a recording's does); a file that no
longer opens is set aside and a fresh one started. Prints the counts.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import duckdb


def child(args: argparse.Namespace) -> None:
    con = duckdb.connect(args.path, config=settings(args))
    # The layout of simcash-db's simulation_events (JSON details compressed with zstd).
    details = "JSON USING COMPRESSION zstd" if args.compression == "auto" else "JSON"
    con.execute(
        "CREATE TABLE IF NOT EXISTS events (run VARCHAR, seq BIGINT, batch BIGINT, "
        f"tick BIGINT, day BIGINT, kind VARCHAR, agent VARCHAR, tx VARCHAR, details {details})"
    )
    con.execute("CREATE TABLE IF NOT EXISTS ledger (batch BIGINT, rows BIGINT)")
    (k,) = con.execute("SELECT coalesce(max(batch) + 1, 0) FROM ledger").fetchone()
    while True:
        rows = args.large if k % 4 == 3 else args.small
        con.execute(
            f"BEGIN TRANSACTION; INSERT INTO events SELECT 'run-1', i, {k}, i // 40, i // 4000, "
            f"'Kind' || (i % 17), 'BANK_' || (i % 25), md5((i + {k})::VARCHAR), "
            "'{\"amount\": ' || (i * 7919 % 1000003) || ', \"priority\": ' || (i % 10) || "
            f"', \"tx\": \"' || md5((i + {k})::VARCHAR) || '\"}}' FROM range({rows}) t(i); "
            f"INSERT INTO ledger VALUES ({k}, {rows}); COMMIT"
        )
        print(f"ack {k} {rows}", flush=True)
        if args.checkpoint == "explicit" and k % args.every == args.every - 1:
            print("checkpoint", flush=True)
            con.execute("CHECKPOINT")
            print("checkpointed", flush=True)
        k += 1


def settings(args: argparse.Namespace) -> dict[str, str]:
    config = {"threads": str(args.threads)} if args.threads else {}
    if args.threshold:
        config["checkpoint_threshold"] = args.threshold
    if args.compression != "auto":
        config["force_compression"] = args.compression
    return config


class Child:
    def __init__(self, args: argparse.Namespace, path: Path) -> None:
        command = [sys.executable, __file__, "--child", str(path), *passed_on(args)]
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        self.lines: list[tuple[float, str]] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append((time.monotonic(), line.strip()))

    def wait_for(self, word: str, count: int) -> None:
        deadline = time.monotonic() + 60
        while sum(line.startswith(word) for _, line in self.lines) < count:
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"the child stopped: {self.lines[-3:]}")
            time.sleep(0.001)

    def kill(self) -> dict[int, int]:
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait()
        return {
            int(p[1]): int(p[2]) for p in (line.split() for _, line in self.lines) if p[0] == "ack"
        }

    def checkpoint_seconds(self) -> list[float]:
        started = None
        spans = []
        for at, line in self.lines:
            if line == "checkpoint":
                started = at
            elif line == "checkpointed" and started is not None:
                spans.append(at - started)
        return spans


def passed_on(args: argparse.Namespace) -> list[str]:
    return [
        f"--small={args.small}", f"--large={args.large}", f"--every={args.every}",
        f"--checkpoint={args.checkpoint}", f"--threads={args.threads}",
        f"--threshold={args.threshold}", f"--compression={args.compression}",
    ]  # fmt: skip


def check(path: Path, acknowledged: dict[int, int]) -> str:
    """``ok``, ``corrupt`` (the file does not open) or ``lost`` (it opens
    without an acknowledged batch, or with part of one)."""
    try:
        con = duckdb.connect(str(path))
    except duckdb.Error as exc:
        print(f"  does not open: {str(exc).splitlines()[0][:150]}")
        return "corrupt"
    try:
        ledger = dict(con.execute("SELECT batch, rows FROM ledger").fetchall())
        counts = dict(con.execute("SELECT batch, count(*) FROM events GROUP BY batch").fetchall())
    finally:
        con.close()
    if any(ledger.get(k) != n for k, n in acknowledged.items()) or counts != ledger:
        return "lost"
    return "ok"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=100)
    parser.add_argument("--checkpoint", choices=["explicit", "auto"], default="explicit")
    parser.add_argument("--every", type=int, default=3, help="batches per explicit CHECKPOINT")
    parser.add_argument("--threshold", default="", help="checkpoint_threshold, e.g. 1MB")
    parser.add_argument("--threads", type=int, default=0, help="DuckDB threads (0: its default)")
    parser.add_argument("--compression", default="auto", help="force_compression")
    parser.add_argument("--small", type=int, default=2_000)
    parser.add_argument("--large", type=int, default=123_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", type=Path, help="a folder to keep the files that do not open")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        args.path = args.child
        child(args)
        return
    rng = random.Random(args.seed)
    outcomes = {"ok": 0, "corrupt": 0, "lost": 0}
    spans: list[float] = []
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "repro.duckdb"
        acknowledged: dict[int, int] = {}
        for kill in range(args.kills):
            process = Child(args, path)
            if args.checkpoint == "explicit":
                process.wait_for("checkpoint", 1)
                # A random moment of a typical CHECKPOINT (as long as the ones seen so far).
                longest = max(spans[-20:], default=0.02)
                time.sleep(rng.uniform(0, longest))
            else:
                process.wait_for("ack", rng.randint(1, 6))
                time.sleep(rng.uniform(0, 0.05))
            acknowledged.update(process.kill())
            spans += process.checkpoint_seconds()
            outcome = check(path, acknowledged)
            outcomes[outcome] += 1
            if (kill + 1) % 25 == 0:
                print(f"  {kill + 1} kills: {outcomes}", flush=True)
            if outcome != "ok":
                if args.keep:
                    args.keep.mkdir(parents=True, exist_ok=True)
                    for name in (path, Path(f"{path}.wal")):
                        if name.exists():
                            shutil.copy(name, args.keep / f"kill{kill}-{name.name}")
                for name in (path, Path(f"{path}.wal")):
                    name.unlink(missing_ok=True)
                acknowledged = {}
    mean = sum(spans) / len(spans) if spans else 0.0
    print(
        f"duckdb {duckdb.__version__}, checkpoint {args.checkpoint}"
        f"{f' every {args.every}' if args.checkpoint == 'explicit' else ''}, "
        f"threshold {args.threshold or 'default'}, threads {args.threads or 'default'}, "
        f"compression {args.compression}: {args.kills} kills, {outcomes['corrupt']} files "
        f"that no longer open, {outcomes['lost']} with acknowledged batches lost "
        f"(CHECKPOINTs seen to end took {mean * 1000:.0f} ms on average)"
    )


if __name__ == "__main__":
    main()
