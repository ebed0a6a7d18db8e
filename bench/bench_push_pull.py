"""Push and pull through the client vs plain boto3 against the same S3, in two parts.

A 200 MB delta (BENCH_DELTA_MB): push and pull throughput as ratios to boto3's PUT/GET of the same bytes (target:
at least 0.9 each way) and the bytes a re-push sends (target: 0). A pull also writes the file and checks its
sha256, which a plain get_object().read() does not, so boto3's download_file (which writes the file too) is shown
beside it.

A 6 GB backbone in two shards (BENCH_BACKBONE_GB; 0 skips it), written here as random bytes in a valid safetensors
layout and pushed by the client in a child process: the upload's throughput as a ratio to boto3's managed
multipart upload_file with the same part size and concurrency (target: at least 0.9), the time from the last
byte sent to the backbone's files being attached (the hub hashes and moves them meanwhile), the client's peak RSS
(target: under 300 MB), and a push killed at about half and run again: the bytes both runs sent as a ratio to
the size (target: at most 1.1).
"""

import json
import os
import secrets
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from hubstack import ROOT, celery_worker, running_hub

SIZE_MB = int(os.environ.get("BENCH_DELTA_MB", "200"))
BACKBONE_GB = float(os.environ.get("BENCH_BACKBONE_GB", "6"))
PART_BYTES = 64 * 1024 * 1024  # the hub's default part size
CONCURRENCY = 8  # the client's default


WEIGHTS = "adapter_model.safetensors"


def write_delta_dir(directory):
    """A LoRA-shaped directory whose weights file holds SIZE_MB of random float32."""
    directory.mkdir()
    data = os.urandom(SIZE_MB * 1024 * 1024)
    header = json.dumps(
        {"base_model.lora_A.weight": {"dtype": "F32", "shape": [len(data) // 4], "data_offsets": [0, len(data)]}}
    ).encode()
    (directory / WEIGHTS).write_bytes(struct.pack("<Q", len(header)) + header + data)
    (directory / "adapter_config.json").write_text(json.dumps({"peft_type": "LORA", "r": 8}))
    return directory


def boto3_client(env):
    import boto3

    return boto3.client(
        "s3",
        endpoint_url=env["S3_ENDPOINT_URL"],
        aws_access_key_id=env["S3_ACCESS_KEY_ID"],
        aws_secret_access_key=env["S3_SECRET_ACCESS_KEY"],
        region_name="us-east-1",
    )


def timed(action):
    start = time.perf_counter()
    result = action()
    return time.perf_counter() - start, result


def best_of(rounds, action):
    return min(timed(lambda i=i: action(i))[0] for i in range(rounds))


def main():
    os.environ.setdefault("TQDM_DISABLE", "1")  # progress bars would compete for the CPU with what is measured
    with running_hub() as (endpoint, token, env), tempfile.TemporaryDirectory(dir=_scratch()) as tmp:
        if SIZE_MB:
            delta_bench(endpoint, token, env, Path(tmp))
        if BACKBONE_GB:
            with celery_worker(env):  # it finalizes the shards (the deltas' validations are left out)
                backbone_bench(endpoint, token, env, Path(tmp))


def _scratch():
    return os.environ.get("BENCH_TMPDIR") or None


def delta_bench(endpoint, token, env, tmp):
    from deltacenter import DeltaCenter, push_to_hub
    from deltacenter.pull import download_snapshot

    s3, bucket = boto3_client(env), env["S3_BUCKET"]
    hub = DeltaCenter(endpoint, token)
    content_hash = secrets.token_hex(32)
    hub.register_backbone(
        {
            "content_hash": content_hash,
            "structure_hash": secrets.token_hex(32),
            "name": "bench-backbone",
            "num_parameters": 10**9,
        }
    )

    username = hub.whoami()["username"]
    rounds = 3
    # Fresh random files each round, so every push really sends its bytes and no read is served from cache.
    directories = [write_delta_dir(tmp / f"delta{i}") for i in range(rounds)]
    boto_put = best_of(
        rounds,
        lambda i: s3.put_object(Bucket=bucket, Key=f"bench/plain{i}", Body=(directories[i] / WEIGHTS).read_bytes()),
    )
    push_s = best_of(
        rounds,
        lambda i: push_to_hub(
            directories[i], f"{username}/big-lora-{i}", backbone=content_hash, endpoint=endpoint, token=token
        ),
    )
    repo = f"{username}/big-lora-0"
    repush_s, again = timed(
        lambda: push_to_hub(directories[0], repo, backbone=content_hash, endpoint=endpoint, token=token)
    )
    boto_get = best_of(rounds, lambda i: s3.get_object(Bucket=bucket, Key=f"bench/plain{i}")["Body"].read())
    boto_file = best_of(rounds, lambda i: s3.download_file(bucket, f"bench/plain{i}", str(tmp / f"plain{i}")))
    pull_s = best_of(rounds, lambda i: download_snapshot(hub, f"{username}/big-lora-{i}", "main", tmp / f"cache{i}"))
    size = (directories[0] / WEIGHTS).stat().st_size

    mb = size / 1e6
    print(f"delta: {mb:.0f} MB in {repo}")
    print(
        f"push : client {mb / push_s:7.1f} MB/s   boto3 put_object {mb / boto_put:7.1f} MB/s   "
        f"ratio {boto_put / push_s:.2f} (target >= 0.9)"
    )
    print(
        f"pull : client {mb / pull_s:7.1f} MB/s   boto3 get_object {mb / boto_get:7.1f} MB/s   "
        f"ratio {boto_get / pull_s:.2f} (target >= 0.9)"
    )
    print(
        f"       (boto3 download_file, which also writes the file: {mb / boto_file:7.1f} MB/s; "
        f"ratio {boto_file / pull_s:.2f})"
    )
    print(f"re-push: {again.bytes_uploaded} bytes sent in {repush_s:.2f} s, new version: {again.created}")
    for i in range(rounds):
        s3.delete_object(Bucket=bucket, Key=f"bench/plain{i}")


def write_shard(path, size, seed):
    """A safetensors file of about `size` bytes: one BF16 tensor of random bytes, written 64 MiB at a time."""
    import numpy as np

    data_bytes = size - size % 2
    header = json.dumps({"weight": {"dtype": "BF16", "shape": [data_bytes // 2], "data_offsets": [0, data_bytes]}})
    header = header.encode().ljust(-(-len(header) // 8) * 8)
    rng = np.random.default_rng(seed)
    with open(path, "wb") as out:
        out.write(struct.pack("<Q", len(header)) + header)
        for start in range(0, data_bytes, PART_BYTES):
            out.write(rng.bytes(min(PART_BYTES, data_bytes - start)))


def write_backbone(directory, total_bytes):
    directory.mkdir()
    names = [f"model-0000{i}-of-00002.safetensors" for i in (1, 2)]
    for seed, name in enumerate(names):
        write_shard(directory / name, total_bytes // 2, seed)
    index = {
        "metadata": {"total_size": total_bytes},
        "weight_map": {f"shard{i}.weight": n for i, n in enumerate(names)},
    }
    (directory / "model.safetensors.index.json").write_text(json.dumps(index))
    (directory / "config.json").write_text(json.dumps({"model_type": "bench", "architectures": ["BenchModel"]}))
    return [directory / name for name in names]


def change_each_shard(shards):
    """New content for the hub (one byte of each shard's data), in place: no second copy on disk."""
    for shard in shards:
        with open(shard, "r+b") as f:
            f.seek(-1, os.SEEK_END)
            last = f.read(1)
            f.seek(-1, os.SEEK_END)
            f.write(bytes([last[0] ^ 0xFF]))


CHILD_PUSH = """
import json, os, struct, sys, time
import deltacenter.upload as upload
from deltacenter import DeltaCenter
from deltacenter.files import describe_files

directory, content_hash, counter = sys.argv[1], sys.argv[2], os.open(sys.argv[3], os.O_WRONLY)
sent, read = [0], upload.PartReader.read

def counted(self, size=-1):  # every byte read to be sent, retries included, kept where the parent can read it
    data = read(self, size)
    sent[0] += len(data)
    os.pwrite(counter, struct.pack("<Q", sent[0]), 0)
    return data

upload.PartReader.read = counted
hub = DeltaCenter()
start = time.perf_counter()
files = describe_files(directory)
hashed = time.perf_counter()
declared, report = hub._upload(f"api/backbones/{content_hash}/upload", files)
uploaded = time.perf_counter()
hub._commit(f"api/backbones/{content_hash}/files", {"files": declared})
attached = time.perf_counter()
print(json.dumps({"hash_s": hashed - start, "upload_s": uploaded - hashed, "finalize_s": attached - uploaded,
                  "sent": report.sent_bytes, "skipped": report.skipped_bytes, "read_to_send": sent[0]}))
"""


def push_in_child(endpoint, token, directory, content_hash, tmp, kill_after=None):
    """Push in a child process, sampling its RSS with psutil and the bytes it read to send (retries included).

    Returns (its report, or None when killed after `kill_after` bytes, peak RSS, bytes read to send)."""
    import psutil

    counter = tmp / f"sent-{secrets.token_hex(4)}"
    counter.write_bytes(b"\0" * 8)
    env = {**os.environ, "DELTACENTER_ENDPOINT": endpoint, "DELTACENTER_TOKEN": token, "TQDM_DISABLE": "1",
           "PYTHONPATH": f"{ROOT}:{ROOT / 'client'}", "TMPDIR": str(tmp)}  # fmt: skip
    child = psutil.Popen(
        [sys.executable, "-c", CHILD_PUSH, str(directory), content_hash, str(counter)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    peak = 0
    while child.poll() is None:
        try:
            peak = max(peak, child.memory_info().rss)
        except psutil.NoSuchProcess:
            break
        if kill_after is not None and _sent(counter) >= kill_after:
            child.kill()
            child.wait()
            return None, peak, _sent(counter)
        time.sleep(0.02)
    out, err = child.communicate()
    if child.returncode != 0:
        raise RuntimeError(f"the push failed:\n{err.decode()[-3000:]}")
    return json.loads(out.decode().strip().splitlines()[-1]), peak, _sent(counter)


def _sent(counter):
    return struct.unpack("<Q", counter.read_bytes()[:8])[0]


def boto3_multipart(env, paths):
    """boto3's managed multipart upload of the same files, same part size and concurrency; seconds taken."""
    from boto3.s3.transfer import TransferConfig

    s3, bucket = boto3_client(env), env["S3_BUCKET"]
    config = TransferConfig(
        multipart_threshold=PART_BYTES, multipart_chunksize=PART_BYTES, max_concurrency=CONCURRENCY, use_threads=True
    )
    start = time.perf_counter()
    for i, path in enumerate(paths):
        s3.upload_file(str(path), bucket, f"bench/boto3-shard{i}", Config=config)
    took = time.perf_counter() - start
    for i in range(len(paths)):
        s3.delete_object(Bucket=bucket, Key=f"bench/boto3-shard{i}")
    return took


def register_bench_backbone(hub, name):
    content_hash = secrets.token_hex(32)
    hub.register_backbone({"content_hash": content_hash, "structure_hash": secrets.token_hex(32), "name": name})
    return content_hash


def backbone_bench(endpoint, token, env, tmp):
    from deltacenter import DeltaCenter

    hub = DeltaCenter(endpoint, token)
    total = int(BACKBONE_GB * 1e9)
    start = time.perf_counter()
    shards = write_backbone(tmp / "backbone", total)
    size = sum(p.stat().st_size for p in (tmp / "backbone").iterdir())
    print(f"\nbackbone: {size / 1e9:.2f} GB in two shards, written in {time.perf_counter() - start:.0f} s")

    boto_s = boto3_multipart(env, shards)
    content_hash = register_bench_backbone(hub, "bench-6gb")
    report, peak, _ = push_in_child(endpoint, token, tmp / "backbone", content_hash, tmp)
    shard_bytes = sum(p.stat().st_size for p in shards)
    print(
        f"push : client upload {shard_bytes / 1e6 / report['upload_s']:7.1f} MB/s   boto3 upload_file "
        f"{shard_bytes / 1e6 / boto_s:7.1f} MB/s   ratio {boto_s / report['upload_s']:.2f} (target >= 0.9; "
        f"{PART_BYTES >> 20} MiB parts, {CONCURRENCY} at once)"
    )
    print(f"       hashing the files first took {report['hash_s']:.1f} s; sent {report['sent'] / 1e9:.2f} GB")
    print(f"last byte sent -> backbone files attached: {report['finalize_s']:.1f} s (the hub hashes and moves them)")
    print(f"client peak RSS during the push: {peak / 2**20:.0f} MB (target < 300 MB)")

    change_each_shard(shards)
    content_hash = register_bench_backbone(hub, "bench-6gb-resumed")
    _, _, first = push_in_child(endpoint, token, tmp / "backbone", content_hash, tmp, kill_after=size // 2)
    report, _, second = push_in_child(endpoint, token, tmp / "backbone", content_hash, tmp)
    print(
        f"interrupted push: killed after sending {first / 1e9:.2f} GB; the second run sent "
        f"{second / 1e9:.2f} GB and skipped {report['skipped'] / 1e9:.2f} GB; in all {(first + second) / size:.3f}"
        " × the size (target <= 1.1)"
    )


if __name__ == "__main__":
    main()
