"""Push and pull a 200 MB adapter with the stock huggingface_hub through HF_ENDPOINT, as a ratio to the deltacenter
client's push and pull of the same files to the same hub, in the same run (target: at least 0.8 each way).

huggingface_hub runs as its users run it: a process of its own with HF_ENDPOINT and HF_TOKEN set. Its upload is
timed both ways it can go: with Xet installed the files go inside the commit (up to DELTACENTER_HF_INLINE_MAX_BYTES);
with HF_HUB_DISABLE_XET=1 and a file over that limit, through Git LFS straight to S3.
"""

import os
import secrets
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_push_pull import WEIGHTS, best_of, write_delta_dir
from hubstack import celery_worker, running_hub

ROUNDS = 2
UPLOAD = """
import time
from huggingface_hub import HfApi
api = HfApi()
api.create_repo("{repo}")
start = time.perf_counter()
api.upload_folder(repo_id="{repo}", folder_path="{folder}")
print(time.perf_counter() - start)
"""
DOWNLOAD = """
import time
from huggingface_hub import snapshot_download
start = time.perf_counter()
snapshot_download("{repo}", cache_dir="{cache}")
print(time.perf_counter() - start)
"""


class Session:
    """One hub, the deltacenter client and huggingface_hub pointed at it, and fresh 200 MB adapters."""

    def __init__(self, endpoint, token, tmp, hf_env=None):
        from deltacenter import DeltaCenter

        self.endpoint, self.token, self.tmp, self.hf_env = endpoint, token, tmp, hf_env or {}
        self.hub = DeltaCenter(endpoint, token)
        self.user = self.hub.whoami()["username"]
        self.backbone = secrets.token_hex(32)
        self.hub.register_backbone(
            {"content_hash": self.backbone, "structure_hash": secrets.token_hex(32), "name": "bench"}
        )
        self.count = 0

    def fresh_adapter(self):
        self.count += 1
        return write_delta_dir(self.tmp / f"delta{self.count}")

    def run_hf(self, script):
        env = {
            "PATH": os.environ["PATH"],
            "HOME": str(self.tmp),
            "HF_HOME": str(self.tmp / "hf"),
            "HF_ENDPOINT": self.endpoint,
            "HF_TOKEN": self.token,
            "HF_HUB_DISABLE_TELEMETRY": "1",
            "HF_HUB_DISABLE_PROGRESS_BARS": "1",
            **self.hf_env,
        }
        done = subprocess.run([sys.executable, "-c", textwrap.dedent(script)], env=env, capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(done.stderr[-3000:])
        return float(done.stdout.strip().splitlines()[-1])

    def ours_push(self, i):
        from deltacenter import push_to_hub

        push_to_hub(self.fresh_adapter(), f"{self.user}/ours-{i}", backbone=self.backbone, token=self.token,
                    endpoint=self.endpoint)  # fmt: skip

    def hf_push(self, i):
        return self.run_hf(UPLOAD.format(repo=f"{self.user}/hf-{i}", folder=self.fresh_adapter()))

    def ours_pull(self, i):
        from deltacenter.pull import download_snapshot

        download_snapshot(self.hub, f"{self.user}/ours-{i}", "main", self.tmp / f"ours-cache{i}")

    def hf_pull(self, i):
        return self.run_hf(DOWNLOAD.format(repo=f"{self.user}/hf-{i}", cache=self.tmp / f"hf-cache{i}"))


def ratio_line(action, ours_s, hf_s, how, size_mb):
    return (
        f"{action:<5} deltacenter {size_mb / ours_s:7.1f} MB/s   huggingface_hub {how} {size_mb / hf_s:7.1f} MB/s"
        f"   ratio {ours_s / hf_s:.2f} (target >= 0.8)"
    )


def measure(settings, hf_env, pulls):
    with (
        running_hub(settings=settings) as (endpoint, token, env),
        celery_worker(env),  # it finalizes commits of files sent through Git LFS
        tempfile.TemporaryDirectory() as tmp,
    ):
        session = Session(endpoint, token, Path(tmp), hf_env)
        ours_up = best_of(ROUNDS, session.ours_push)
        hf_up = min(session.hf_push(i) for i in range(ROUNDS))
        size_mb = (session.tmp / "delta1" / WEIGHTS).stat().st_size / 1e6
        result = {"size_mb": size_mb, "push": (ours_up, hf_up)}
        if pulls:
            result["pull"] = (best_of(ROUNDS, session.ours_pull), min(session.hf_pull(i) for i in range(ROUNDS)))
        return result


def main():
    os.environ.setdefault("TQDM_DISABLE", "1")  # progress bars would compete for the CPU with what is measured
    inline = measure({}, {}, pulls=True)
    lfs = measure({"DELTACENTER_HF_INLINE_MAX_BYTES": str(64 * 1024**2)}, {"HF_HUB_DISABLE_XET": "1"}, pulls=False)
    size = inline["size_mb"]
    print(f"adapter: {size:.0f} MB, best of {ROUNDS}")
    print(ratio_line("push", *inline["push"], "upload_folder, inline (Xet installed)", size))
    print(ratio_line("push", *lfs["push"], "upload_folder, Git LFS (HF_HUB_DISABLE_XET=1)", size))
    print(ratio_line("pull", *inline["pull"], "snapshot_download", size))


if __name__ == "__main__":
    main()
