"""Load-path and reference-target benchmarks, measured side by side in one run on loopback.

Prints figures, never asserts: the targets (issue 6) are ratios a person judges.

1. Arrival accuracy: the open-model generator's achieved / planned arrivals in every
   one-second window, at several rates, against a bare endpoint that is never the bottleneck.
2. CPU per request of the load path: bmscert's generator (classification and sampled
   validation included) against a bare Locust FastHttpUser and against wrk, same endpoint.
3. Throughput: a reference-target read (throttling disabled with a deliberate fault, so the
   request path is measured, not the limiter's refusals) against a bare Starlette endpoint
   serving the same body under the same server, both driven by wrk.
4. With --shapes: the ceiling scenario against the reference target under each limiter
   shape, and the estimate's error against the configured ceiling.

Usage: python benchmarks/bench_load.py [--shapes] [--seconds N]
wrk comes from Debian (apt-get install wrk); without it, its rows are skipped.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from bmscert.core.catalogue import load_catalogue
from bmscert.runners.schedule import (
    PLAN_ENV,
    SAMPLES_DIR_ENV,
    LoadPlan,
    Segment,
    Stream,
)

REPO = Path(__file__).resolve().parents[1]
TOKEN = "bench-token-0123456789"
BARE_APP = """
import sys
import uvicorn
from starlette.responses import Response
from starlette.routing import Route, Router
from bmscert.target.server import bind

BODY = open(sys.argv[2], "rb").read()

async def serve_body(request):
    return Response(BODY, media_type="application/json")

app = Router(routes=[Route("/bench", serve_body)])
sock = bind("127.0.0.1", int(sys.argv[1]), "--port")
uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False,
                              lifespan="off")).run(sockets=[sock])
"""


def _pin(core: int) -> list[str]:
    """Pin a process to one core when taskset exists, so server and load do not collide."""
    return ["taskset", "-c", str(core)] if shutil.which("taskset") and os.cpu_count() > 1 else []


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for(url: str, headers: dict[str, str] | None = None) -> None:
    import httpx

    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.HTTPError):
            httpx.get(url, headers=headers, timeout=1)
            return
        time.sleep(0.1)
    raise SystemExit(f"no answer from {url}")


@contextlib.contextmanager
def reference_target(folder: Path, *extra: str):
    ready = folder / f"target-{time.monotonic_ns()}.json"
    env = {**os.environ, "BMSCERT_TARGET_TOKEN": TOKEN}
    command = [
        *_pin(0),
        sys.executable,
        "-m",
        "bmscert",
        "serve",
        "--ready-file",
        str(ready),
        *extra,
    ]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
    try:
        while not ready.exists():
            time.sleep(0.05)
        yield json.loads(ready.read_text())
    finally:
        process.terminate()
        process.wait(timeout=10)


@contextlib.contextmanager
def bare_endpoint(folder: Path, body: bytes):
    script, body_file, port = folder / "bare_app.py", folder / "body.json", _free_port()
    script.write_text(BARE_APP)
    body_file.write_bytes(body)
    process = subprocess.Popen([*_pin(0), sys.executable, str(script), str(port), str(body_file)])
    url = f"http://127.0.0.1:{port}/bench"
    try:
        _wait_for(url)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def _child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _measured(command: list[str], env: dict[str, str] | None = None) -> tuple[float, str]:
    """CPU seconds a child used, and its output."""
    before = _child_cpu()
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    return _child_cpu() - before, done.stdout + done.stderr


def wrk(url: str, seconds: int, connections: int = 32) -> tuple[float, float] | None:
    """Requests per second and CPU microseconds per request, or None without wrk."""
    if not shutil.which("wrk"):
        return None
    command = [
        *_pin(1),
        "wrk",
        "-t1",
        f"-c{connections}",
        f"-d{seconds}s",
        "-H",
        f"X-Auth-Token: {TOKEN}",
        url,
    ]
    cpu, output = _measured(command)
    total = int(re.search(r"(\d+) requests in", output).group(1))
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    return rate, cpu / total * 1e6


def _plan(url: str, rate: float, seconds: float, schema: str | None) -> LoadPlan:
    base, path = url.split("/", 3)[:3], "/" + url.split("/", 3)[3]
    stream = Stream(
        "ShowTenantQuota",
        "GET",
        "/".join(base),
        path,
        None,
        (Segment("bench", 0.0, seconds, rate),),
        response_schema=schema,
    )
    return LoadPlan("bench", 60, "BMSCERT_BENCH_TOKEN", (stream,), start_epoch=time.time() + 3)


def bmscert_generator(folder: Path, url: str, rate: float, seconds: float, schema=None):
    """Run the open-model generator; CPU per request, and per-second achieved/planned."""
    plan = _plan(url, rate, seconds, schema)
    samples = Path(tempfile.mkdtemp(dir=folder, prefix="samples-"))
    plan_file = samples / "plan.json"
    plan_file.write_text(plan.to_json())
    env = {
        **os.environ,
        PLAN_ENV: str(plan_file),
        SAMPLES_DIR_ENV: str(samples),
        "BMSCERT_BENCH_TOKEN": TOKEN,
    }
    run_time = int(3 + seconds + 3)
    command = [
        *_pin(1),
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(REPO / "load/locustfile.py"),
        "--headless",
        "-u",
        "1",
        "-r",
        "1",
        "--run-time",
        f"{run_time}s",
        "--stop-timeout",
        "3",
        "--only-summary",
        "--loglevel",
        "WARNING",
    ]
    cpu, _ = _measured(command, env)
    per_second: Counter = Counter()
    issued = 0
    for path in samples.glob("samples-*.csv"):
        with path.open() as handle:
            for row in csv.DictReader(handle):
                if row["outcome"] != "dropped":
                    issued += 1
                    per_second[int(float(row["sent"]))] += 1
    return cpu, issued, per_second


def bare_locust(folder: Path, url: str, rate: float, seconds: float) -> tuple[float, int]:
    users = 20
    locustfile = folder / "bare_locustfile.py"
    locustfile.write_text(
        "from locust import FastHttpUser, constant_throughput, task\n"
        "class Bare(FastHttpUser):\n"
        f"    host = {url.rsplit('/', 1)[0]!r}\n"
        f"    wait_time = constant_throughput({rate / users})\n"
        "    @task\n"
        "    def get(self):\n"
        f"        self.client.get('/bench', headers={{'X-Auth-Token': {TOKEN!r}}})\n"
    )
    stats = folder / "bare"
    command = [
        *_pin(1),
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(locustfile),
        "--headless",
        "-u",
        str(users),
        "-r",
        str(users),
        "--run-time",
        f"{int(seconds)}s",
        "--csv",
        str(stats),
        "--only-summary",
        "--loglevel",
        "WARNING",
    ]
    cpu, _ = _measured(command)
    with (folder / "bare_stats.csv").open() as handle:
        total = next(row for row in csv.DictReader(handle) if row["Name"] == "Aggregated")
    return cpu, int(total["Request Count"])


def arrival_accuracy(folder: Path, url: str, seconds: float) -> None:
    print("\n1. arrival accuracy (achieved / planned per one-second window, bare endpoint)")
    print(f"   {'rate/s':>8} {'worst window':>13} {'best window':>12} {'overall':>8}")
    for rate in (100, 500, 1000, 2000):
        _, issued, per_second = bmscert_generator(folder, url, rate, seconds)
        windows = [per_second[s] / rate for s in range(int(seconds))]
        print(
            f"   {rate:>8} {min(windows):>13.3f} {max(windows):>12.3f} "
            f"{issued / (rate * seconds):>8.3f}"
        )


def cpu_per_request(folder: Path, url: str, seconds: float) -> None:
    rate = 1000
    print(f"\n2. CPU per request at {rate}/s for {seconds:g} s (same endpoint, one core each)")
    baseline, _, _ = bmscert_generator(folder, url, 1, 1)
    ours, ours_total, _ = bmscert_generator(
        folder, url, rate, seconds, "bms/ShowTenantQuota.response.json"
    )
    bare_baseline, _ = bare_locust(folder, url, 1, 2)
    bare, bare_total = bare_locust(folder, url, rate, seconds)
    ours_us = (ours - baseline) / ours_total * 1e6
    bare_us = (bare - bare_baseline) / bare_total * 1e6
    print(f"   bmscert open-model generator : {ours_us:7.1f} µs/request ({ours_total} requests)")
    print(f"   bare Locust FastHttpUser     : {bare_us:7.1f} µs/request ({bare_total} requests)")
    measured = wrk(url, int(seconds))
    if measured:
        print(f"   wrk (loopback limit)         : {measured[1]:7.1f} µs/request")
    print(f"   ratio bmscert / bare Locust  : {ours_us / bare_us:7.2f}  (target: at most 2)")


def throughput(folder: Path, seconds: float) -> None:
    print("\n3. throughput with wrk: reference-target read vs bare Starlette, same server")
    with reference_target(folder, "--fault", "no-throttle:ShowTenantQuota") as info:
        url = (
            f"{info['endpoints']['bms']}/v1/{info['resources']['project_id']}"
            "/baremetalservers/limits"
        )
        import httpx

        body = httpx.get(url, headers={"X-Auth-Token": TOKEN}).content
        target = wrk(url, int(seconds))
    with bare_endpoint(folder, body) as bare_url:
        bare = wrk(bare_url, int(seconds))
    if not (target and bare):
        print("   wrk is not installed (apt-get install wrk); skipped")
        return
    print(f"   reference target ShowTenantQuota : {target[0]:9.0f} requests/s")
    print(f"   bare Starlette, same body        : {bare[0]:9.0f} requests/s")
    print(f"   ratio                            : {target[0] / bare[0]:9.2f}  (target: 0.60+)")


def shapes(folder: Path) -> None:
    print("\n4. ceiling estimates per limiter shape (window 10 s, 1.5 windows per step)")
    operations = "ShowWindowsBaremetalServerPwd,ShowResetPwd,ListBareMetalServerDetails"
    catalogue = load_catalogue()
    for shape in ("fixed", "moving", "sliding", "token-bucket"):
        profile = folder / f"{shape}.yaml"
        profile.write_text(
            f"name: {shape}\ntarget: {{kind: embedded, limiter: {shape}}}\n"
            "window_seconds: 10\nsafety: {allow: [readonly]}\n"
        )
        reports = folder / f"reports-{shape}"
        subprocess.run(
            [
                sys.executable,
                "-m",
                "bmscert",
                "load",
                "--target",
                str(profile),
                "--operations",
                operations,
                "--reports",
                str(reports),
            ],
            capture_output=True,
            check=False,
        )
        (run,) = reports.iterdir()
        findings = json.loads((run / "capacity.json").read_text())
        for operation, finding in findings.items():
            ceiling = catalogue[operation].ceiling_per_minute
            error = (finding["estimate_per_window"] - ceiling) / ceiling
            print(
                f"   {shape:>12} {operation:<32} shape {finding['shape']:<15} "
                f"estimate {finding['estimate_per_window']:>7g} of {ceiling:>5} "
                f"({error:+.2%})"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--shapes", action="store_true", help="also run the shape estimates")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp)
        with reference_target(folder) as info:
            import httpx

            quota = (
                f"{info['endpoints']['bms']}/v1/{info['resources']['project_id']}"
                "/baremetalservers/limits"
            )
            body = httpx.get(quota, headers={"X-Auth-Token": TOKEN}).content
        with bare_endpoint(folder, body) as url:
            arrival_accuracy(folder, url, args.seconds)
            cpu_per_request(folder, url, args.seconds)
        throughput(folder, args.seconds)
        if args.shapes:
            shapes(folder)


if __name__ == "__main__":
    main()
