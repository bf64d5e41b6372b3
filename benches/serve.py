"""The dashboard (simcash-db serve) under load, and what watching costs a recording.

    python benches/serve.py                  # the README's table: 150 runs x 200,000 events
    python benches/serve.py --quick          # 12 runs x 20,000 events, 10 s
    python benches/serve.py --watch-real     # also a real simulator run, watched and not

Load: a database of RUNS runs x EVENTS events (three experiments, each run an
iteration's evaluation; made once and kept in bench-results/), served by
`simcash-db serve` in a process of its own; CLIENTS clients ask for every page and
JSON form in turn, each request on another run, experiment or tick, for
WARM_UP seconds (the server's caches fill, and it digests the finished runs in
the background: see simcash_db.serve.digests) and then SECONDS seconds
(measured); the first request of each endpoint on the fresh server is
reported too (a run page's first view before its run is digested). Prints each
endpoint's p50/p95/max latency, the errors, the server's memory over the
minute, and the Arrow export of one run's events against DuckDB's own Arrow
fetch of the same rows, in one run.

Watching (--watch-real, needs the real simulator's wheel): the real simulator
(../shared/simcash-upstream, scenario_fast.json) recorded by record_run into a
file that `serve` shows, with no page open and with CLIENTS pages open on the
run (each holds the live-update stream and fetches its page again every
second, as an open page does), against the plain run, in alternating rounds.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from collections import defaultdict
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow as pa

from simcash_db import DatabaseManager, ExperimentRecord, ExperimentRepository, SimulationRunRecord
from simcash_db.models import ExperimentIterationRecord
from simcash_db.workload import catalog_events

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench-results"
BANKS = 25


def build(path: Path, runs: int, events: int) -> None:
    """Three experiments sharing ``runs`` runs of ``events`` events each, and
    each run's transaction rows, as record_run stores them."""
    scratch = path.with_suffix(".partial")
    scratch.unlink(missing_ok=True)
    one_run = list(catalog_events(7, events, banks=BANKS))
    # What a recording stores at a run's end (record_run): its transaction rows.
    transactions = [
        {"tx_id": e["tx_id"], "sender_id": e["sender_id"], "receiver_id": e["receiver_id"],
         "amount": e["amount"], "priority": e["priority"], "is_divisible": e["is_divisible"],
         "arrival_tick": e["tick"], "arrival_day": e["tick"] // 100,
         "deadline_tick": e["deadline"],
         "status": "settled" if n % 10 else "pending",
         "settlement_tick": e["tick"] + n % 7 if n % 10 else None,
         "amount_settled": e["amount"] if n % 10 else 0}
        for n, e in enumerate(x for x in one_run if x["event_type"] == "Arrival")
    ]  # fmt: skip
    started = time.perf_counter()
    with DatabaseManager(scratch, share_reads=False) as db:
        db.setup()
        repo = ExperimentRepository(db)
        per_experiment = -(-runs // 3)
        for n in range(runs):
            experiment, iteration = f"exp-{n // per_experiment}", n % per_experiment
            if iteration == 0:
                repo.save_experiment(ExperimentRecord(
                    experiment_id=experiment, experiment_name="bench", experiment_type="policy",
                    config={"banks": BANKS}, master_seed=n,
                    num_iterations=per_experiment))  # fmt: skip
            sim = f"{experiment}-iter{iteration}-evaluation"
            db.save_simulation_run(SimulationRunRecord(
                simulation_id=sim, config_name="bench", config_hash="-",
                start_time=datetime(2026, 1, 1), ticks_per_day=100, num_days=events // 1_000 + 1,
                rng_seed=n, status="completed", experiment_id=experiment, iteration=iteration,
                run_purpose="evaluation", total_cost=1_000_000 - 1_000 * iteration))  # fmt: skip
            db.write_events(sim, one_run, batch_id="all")
            db.write_transactions(sim, transactions)
            costs = {f"BANK_{b:02}": 40_000 - 100 * iteration + b for b in range(BANKS)}
            repo.save_iteration(ExperimentIterationRecord(
                experiment_id=experiment, iteration=iteration, costs_per_agent=costs,
                accepted_changes={"BANK_00": iteration % 2 == 0},
                policies={f"BANK_{b:02}": {"threshold": iteration / 100, "bank": b}
                          for b in range(BANKS)},
                timestamp=f"2026-01-01T{iteration % 24:02}:00:00",
                evaluation_simulation_id=sim))  # fmt: skip
            print(f"\rbuilding {path.name}: run {n + 1}/{runs}", end="", flush=True)
    scratch.rename(path)
    print(f"\rbuilt {path.name}: {runs} runs x {events:,} events "
          f"in {time.perf_counter() - started:.0f} s")  # fmt: skip


def start_server(db: Path) -> tuple[subprocess.Popen[str], tuple[str, int]]:
    server = subprocess.Popen(
        [sys.executable, "-m", "simcash_db", "--db", str(db), "serve", "--port", "0"],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert server.stdout is not None
    url = server.stdout.readline().strip()
    host, port = url.removeprefix("http://").rstrip("/").rsplit(":", 1)
    address = (host, int(port))
    for _ in range(100):
        try:
            fetch(address, "/")
            break
        except OSError:
            time.sleep(0.1)
    return server, address


def fetch(address: tuple[str, int], path: str) -> tuple[int, int]:
    conn = http.client.HTTPConnection(*address, timeout=60)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, len(response.read())
    finally:
        conn.close()


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def endpoints(runs: int, i: int, events: int = 200_000) -> list[tuple[str, str]]:
    """Every page and form; the i-th request of a client picks the run, the
    experiment and the tick by i, so requests spread over the whole database."""
    per_experiment = -(-runs // 3)
    experiment = f"exp-{i % 3}"
    sim = f"{experiment}-iter{i % per_experiment}-evaluation"
    other = f"exp-{(i + 1) % 3}-iter{i % per_experiment}-evaluation"
    tick = (i * 37) % (events // 25)  # catalog runs hold ~23 events a tick
    return [
        ("experiments", "/"), ("experiments json", "/?format=json"),
        ("experiment", f"/experiments/{experiment}"),
        ("experiment json", f"/experiments/{experiment}?format=json"),
        ("policy diff", f"/experiments/{experiment}/diff?agent=BANK_03&from=0&to=1"),
        ("run", f"/runs/{sim}"), ("run json", f"/runs/{sim}?format=json"),
        ("tick replay", f"/runs/{sim}/ticks?tick={tick}"),
        ("tick replay filtered", f"/runs/{sim}/ticks?tick={tick}&type=Arrival&agent=BANK_01"),
        ("payment", f"/runs/{sim}/payments/tx_{3 * tick + 1:09}"),
        ("compare runs", f"/compare/runs?a={sim}&b={other}"),
        ("compare experiments", f"/compare/experiments?a={experiment}&b=exp-{(i + 1) % 3}"),
        ("iterations csv", f"/experiments/{experiment}?format=csv&table=iterations"),
    ]  # fmt: skip


def load(address: tuple[str, int], pid: int, clients: int, seconds: float,
         runs: int, events: int) -> dict[str, Any]:  # fmt: skip
    """CLIENTS threads asking for every endpoint in turn (HTTP is I/O: threads suffice)."""
    names = [name for name, _ in endpoints(runs, 0, events)]
    latencies: dict[str, list[float]] = defaultdict(list)
    errors: list[str] = []
    memory: list[float] = []
    stop = time.monotonic() + seconds

    def client(n: int) -> None:
        i = n
        while time.monotonic() < stop:
            name, path = endpoints(runs, i // len(names), events)[i % len(names)]
            i += 1
            started = time.perf_counter()
            try:
                status, _ = fetch(address, path)
            except OSError as exc:
                errors.append(f"{name}: {exc}")
                continue
            latencies[name].append(time.perf_counter() - started)
            if status != 200:
                errors.append(f"{name}: {status}")

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    while time.monotonic() < stop:
        memory.append(rss_mib(pid))
        time.sleep(1)
    for thread in threads:
        thread.join()
    return {"latencies": latencies, "errors": errors, "memory": memory}


def arrow_rate(address: tuple[str, int], db: Path, events: int) -> tuple[float, float, float]:
    """Events per second: the served Arrow export read as a notebook reads it
    (pyarrow over urllib), the same bytes only received (the client's share
    left out), and DuckDB's own Arrow fetch of the same rows."""
    sim = "exp-0-iter1-evaluation"
    path = f"/runs/{sim}/events?format=arrow"
    url = f"http://{address[0]}:{address[1]}{path}"

    def as_notebook() -> None:
        with urllib.request.urlopen(url) as stream:
            assert pa.ipc.open_stream(stream).read_all().num_rows == events

    def bytes_only() -> None:
        conn = http.client.HTTPConnection(*address, timeout=60)
        conn.request("GET", path)
        response, size = conn.getresponse(), 0
        while chunk := response.read1(1 << 20):
            size += len(chunk)
        conn.close()
        assert response.status == 200 and size > events

    with DatabaseManager(db, read_only=True, share_reads=False) as copy:

        def own() -> None:
            table = copy.conn.sql(
                "SELECT event_seq, tick, day, event_type, agent_id, tx_id, details"
                " FROM simulation_events WHERE simulation_id = ? ORDER BY event_seq",
                params=[sim],
            ).to_arrow_table()
            assert table.num_rows == events

        best = {read: float("inf") for read in (as_notebook, bytes_only, own)}
        for _ in range(7):  # taking turns: the machine's moods fall on all three
            for read in best:
                started = time.perf_counter()
                read()
                best[read] = min(best[read], time.perf_counter() - started)
    notebook, received, fetched = (events / seconds for seconds in best.values())
    return notebook, received, fetched


def bench_load(args: argparse.Namespace) -> None:
    RESULTS.mkdir(exist_ok=True)
    db = RESULTS / f"serve-{args.runs}x{args.events}-v2.duckdb"  # v2: with transactions
    if not db.exists():
        build(db, args.runs, args.events)
    server, address = start_server(db)
    try:
        cold = {}  # the first request of each page on a fresh server: nothing kept yet
        for name, path in endpoints(args.runs, 1, args.events):
            started = time.perf_counter()
            fetch(address, path)
            cold[name] = time.perf_counter() - started
        # A warm-up under the same load (DuckDB's block cache and the kept
        # answers fill), then the measured minute.
        load(address, server.pid, args.clients, args.warm_up, args.runs, args.events)
        result = load(address, server.pid, args.clients, args.seconds, args.runs, args.events)
        served, received, own = arrow_rate(address, db, args.events)
    finally:
        server.terminate()
        server.wait()
    total = args.runs * args.events
    print(f"\nserve: {args.runs} runs x {args.events:,} events ({total:,}), {args.clients} "
          f"clients for {args.seconds:.0f} s after {args.warm_up:.0f} s of warm-up, "
          "every endpoint in turn")  # fmt: skip
    print(f"{'endpoint':>21} {'requests':>9} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} "
          f"{'first ms':>9}")  # fmt: skip
    worst = 0.0
    for name, _ in endpoints(args.runs, 0, args.events):
        times = sorted(result["latencies"][name])
        p95 = times[int(0.95 * (len(times) - 1))] * 1000
        worst = max(worst, p95)
        print(f"{name:>21} {len(times):>9,} {statistics.median(times) * 1000:>8.1f} "
              f"{p95:>8.1f} {times[-1] * 1000:>8.1f} {cold[name] * 1000:>9.1f}")  # fmt: skip
    memory = result["memory"]
    tenth = max(1, len(memory) // 6)
    early, late = statistics.mean(memory[:tenth]), statistics.mean(memory[-tenth:])
    print(
        f"worst p95 {worst:.1f} ms (target 100); errors {len(result['errors'])}"
        + (f" (first: {result['errors'][0]})" if result["errors"] else "")
    )
    print(
        f"server memory: first {tenth} s {early:.0f} MiB, last {tenth} s {late:.0f} MiB "
        f"({late / early - 1:+.1%}; target within 10%), peak {max(memory):.0f} MiB"
    )
    print(
        f"Arrow export of one run ({args.events:,} events): {served / 1e6:.2f} M events/s "
        f"read by pyarrow over urllib (target 5 M/s), {received / 1e6:.2f} M/s as bytes only; "
        f"DuckDB's own fetch {own / 1e6:.2f} M/s ({served / own:.2f}x, {received / own:.2f}x)"
    )


def bench_watching(args: argparse.Namespace) -> None:
    sys.path.insert(0, str(Path(__file__).parent))
    import overhead_real  # the same simulator, loop and scenario as its own bench

    module = overhead_real.load_simulator()
    config = json.loads((overhead_real.UPSTREAM / "scenario_fast.json").read_text())
    config = {**config, "num_days": args.days}
    here = Path.cwd()
    os.chdir(overhead_real.UPSTREAM)  # the simulator finds its policy files from here
    folder = RESULTS / "watched"
    folder.mkdir(parents=True, exist_ok=True)
    times: dict[str, list[float]] = defaultdict(list)
    for n in range(-1, args.rounds):  # round -1 warms up and is not counted
        ways = ["plain", "recorded", "watched"]
        for way in ways[n % 3 :] + ways[: n % 3]:  # turned each round: drift favours none
            if way == "plain":
                took, events = overhead_real.plain(module, config)
            else:
                took = recorded(module, config, folder / f"{way}.duckdb", watch=way == "watched",
                                clients=args.clients)  # fmt: skip
            if n >= 0:
                times[way].append(took)
    os.chdir(here)
    bare = statistics.median(times["plain"])
    print(f"\nwatching a real simulator run ({args.days} days, {events:,} events, plain "
          f"{bare:.2f} s), {args.rounds} rounds:")  # fmt: skip
    for way in ("recorded", "watched"):
        overheads = [u / b - 1 for u, b in zip(times[way], times["plain"], strict=True)]
        print(f"{way:>10}: {statistics.median(overheads):+.1%} "
              f"({min(overheads):+.1%} .. {max(overheads):+.1%})")  # fmt: skip
    # The target is in points of the plain run's time; each round's watched
    # and recorded runs are compared with each other (they ran side by side).
    rises = [(w - r) / p for w, r, p in zip(times["watched"], times["recorded"],
                                            times["plain"], strict=True)]  # fmt: skip
    print(
        f"watching adds {statistics.median(rises) * 100:+.1f} points to the recording "
        f"(median of the rounds' differences, {min(rises) * 100:+.1f} .. "
        f"{max(rises) * 100:+.1f}; target +1 point)"
    )


def recorded(module: Any, config: dict[str, Any], path: Path, *, watch: bool,
             clients: int) -> float:  # fmt: skip
    """record_run into ``path``; with ``watch``, while ``clients`` pages show the run."""
    from simcash_db import record_run

    for stale in (path, Path(f"{path}.wal")):
        stale.unlink(missing_ok=True)
    with DatabaseManager(path) as db:
        db.setup()
    server = watchers = None
    if watch:
        server, address = start_server(path)
        watchers = subprocess.Popen(
            [sys.executable, __file__, "--watchers", f"{address[0]}:{address[1]}",
             "--clients", str(clients)], stdin=subprocess.PIPE, text=True,
        )  # fmt: skip
        time.sleep(1.0)  # the pages are open before the run starts
    try:
        with DatabaseManager(path) as db:  # claims the file from the dashboard
            start = time.perf_counter()
            record_run(db, module.Orchestrator.new(config), config, simulation_id="watched")
            took = time.perf_counter() - start
    finally:
        if watchers is not None and server is not None:
            watchers.communicate("")
            server.terminate()
            server.wait()
    return took


def run_watchers(address: str, clients: int) -> None:
    """CLIENTS open pages on the run, as live.js keeps them: each holds the
    live-update stream and fetches its page again whenever a message says
    something moved."""
    host, port = address.rsplit(":", 1)
    target = (host, int(port))
    stop = threading.Event()

    def page(n: int) -> None:
        path = ["/runs/watched?fragment=1", "/?fragment=1"][n % 2]
        stream = http.client.HTTPConnection(*target, timeout=5)
        stream.request("GET", "/live")
        response = stream.getresponse()
        while not stop.is_set():
            try:
                line = response.fp.readline()
            except TimeoutError:
                continue
            if not line:
                break
            if line.startswith(b"data: "):
                with contextlib.suppress(OSError):
                    fetch(target, path)
        stream.close()

    threads = [threading.Thread(target=page, args=(n,), daemon=True) for n in range(clients)]
    for thread in threads:
        thread.start()
    sys.stdin.read()
    stop.set()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=150)
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--warm-up", type=float, default=45)
    parser.add_argument("--quick", action="store_true", help="12 runs x 20,000 events, 10 s")
    parser.add_argument("--watch-real", action="store_true")
    parser.add_argument("--days", type=int, default=20, help="the watched real run's days")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--only-watching", action="store_true", help="skip the load table")
    parser.add_argument("--watchers", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.watchers:
        run_watchers(args.watchers, args.clients)
        return
    if args.quick:
        args.runs, args.events, args.seconds, args.warm_up = 12, 20_000, 10, 3
    if not args.only_watching:
        bench_load(args)
    if args.watch_real or args.only_watching:
        bench_watching(args)


if __name__ == "__main__":
    main()
