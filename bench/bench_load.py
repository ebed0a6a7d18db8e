"""Load on the read paths, and the same load while anonymous clients hammer /api/health.

For 30 s each (BENCH_LOAD_SECONDS), 16 connections (BENCH_LOAD_CONNECTIONS) ask GET /api/deltas, /, a resolve URL
and /api/health; then /api/deltas again while 16 more anonymous connections ask /api/health. Prints requests/s and
p99 per phase, any answer that is not the expected one (200, or 302 for the resolve redirect), and the ratio of
/api/deltas throughput with the health storm to without (target: at least 0.8), and to that with as many
clients asking /api/health/live (the cheapest answer the hub has: what any storm of requests costs). Each load's
clients run in a process of their own, niced, on the same machine as the hub.
"""

import multiprocessing
import os
import sys
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from hubstack import running_hub

SECONDS = float(os.environ.get("BENCH_LOAD_SECONDS", "30"))
CONNECTIONS = int(os.environ.get("BENCH_LOAD_CONNECTIONS", "16"))


class Phase:
    """Several connections asking one URL as fast as answers come, for a while."""

    def __init__(self, url, expected=200):
        self.url, self.expected = url, expected
        self.latencies, self.unexpected, self.lock = [], {}, threading.Lock()

    def run(self, connections, seconds):
        """Keep `connections` threads asking for `seconds`; returns (requests/s, p99 ms, unexpected answers)."""
        stop = threading.Event()
        threads = [threading.Thread(target=self._client, args=(stop,)) for _ in range(connections)]
        for thread in threads:
            thread.start()
        time.sleep(seconds)
        stop.set()
        for thread in threads:
            thread.join()
        return self.summary(seconds)

    def _client(self, stop):
        session = requests.Session()
        while not stop.is_set():
            started = time.perf_counter()
            try:
                status = session.get(self.url, allow_redirects=False, timeout=60).status_code
            except requests.RequestException as exc:
                status = type(exc).__name__
            elapsed = time.perf_counter() - started
            with self.lock:
                self.latencies.append(elapsed)
                if status != self.expected:
                    self.unexpected[status] = self.unexpected.get(status, 0) + 1

    def summary(self, seconds):
        done = sorted(self.latencies)
        p99 = done[int(len(done) * 0.99) - 1] * 1000 if done else float("nan")
        return len(done) / seconds, p99, dict(self.unexpected)


def _run_phase(url, expected, connections, seconds):
    os.nice(10)  # the hub's processes come first on a machine the clients share with it
    return Phase(url, expected).run(connections, seconds)


def measure(*loads):
    """Run each (url, expected, connections) load at once, each from a process of its own (so that the clients'
    interpreter lock is not what is measured); returns their summaries."""
    with ProcessPoolExecutor(len(loads), mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = [pool.submit(_run_phase, url, expected, n, SECONDS) for url, expected, n in loads]
        return [future.result() for future in futures]


def seed(endpoint, token):
    """A public delta to list and to resolve."""
    import secrets

    from deltacenter import DeltaCenter, push_to_hub

    hub = DeltaCenter(endpoint, token)
    backbone = secrets.token_hex(32)
    hub.register_backbone({"content_hash": backbone, "structure_hash": secrets.token_hex(32), "name": "load"})
    with tempfile.TemporaryDirectory() as tmp:
        from bench_push_pull import write_delta_dir

        os.environ.setdefault("BENCH_DELTA_MB", "1")
        directory = write_delta_dir(Path(tmp) / "delta")
        result = push_to_hub(directory, f"{hub.whoami()['username']}/load-lora", backbone=backbone,
                             endpoint=endpoint, token=token)  # fmt: skip
    return result.repo_id


def wait_until_healthy(endpoint, timeout=90):
    deadline = time.monotonic() + timeout
    while requests.get(f"{endpoint}/api/health", timeout=10).status_code != 200:
        if time.monotonic() > deadline:
            raise RuntimeError(f"The hub is not healthy: {requests.get(f'{endpoint}/api/health', timeout=10).text}")
        time.sleep(1)


def main():
    os.environ["BENCH_DELTA_MB"] = "1"
    with running_hub(workers=4, celery=True) as (endpoint, token, _):
        repo = seed(endpoint, token)
        wait_until_healthy(endpoint)
        urls = {
            "GET /api/deltas": (f"{endpoint}/api/deltas", 200),
            "GET /": (f"{endpoint}/", 200),
            "GET resolve": (f"{endpoint}/{repo}/resolve/main/adapter_config.json", 302),
            "GET /api/health": (f"{endpoint}/api/health", 200),
        }
        print(f"{CONNECTIONS} connections, {SECONDS:.0f} s a phase, gunicorn with 4 workers on {os.cpu_count()} cores")
        print(f"{'phase':<36} {'req/s':>8} {'p99 ms':>9}  unexpected answers")
        alone = None
        for label, (url, expected) in urls.items():
            ((rate, p99, bad),) = measure((url, expected, CONNECTIONS))
            alone = rate if label == "GET /api/deltas" else alone
            print(f"{label:<36} {rate:8.1f} {p99:9.1f}  {bad or 'none'}")
        deltas, health = measure((*urls["GET /api/deltas"], CONNECTIONS), (*urls["GET /api/health"], CONNECTIONS))
        print(f"{'GET /api/deltas during a health storm':<36} {deltas[0]:8.1f} {deltas[1]:9.1f}  {deltas[2] or 'none'}")
        print(f"{'  the storm: GET /api/health':<36} {health[0]:8.1f} {health[1]:9.1f}  {health[2] or 'none'}")
        probes = (f"{endpoint}/api/health/live", 200, CONNECTIONS)
        control, live = measure((*urls["GET /api/deltas"], CONNECTIONS), probes)
        print(f"{'GET /api/deltas, as many on /live':<36} {control[0]:8.1f} {control[1]:9.1f}  {control[2] or 'none'}")
        print(f"{'  GET /api/health/live':<36} {live[0]:8.1f} {live[1]:9.1f}  {live[2] or 'none'}")
        print(f"/api/deltas throughput during the storm / alone: {deltas[0] / alone:.2f} (target >= 0.8)")
        print(f"/api/deltas throughput during the storm / during as many liveness probes: {deltas[0] / control[0]:.2f}")


if __name__ == "__main__":
    main()
