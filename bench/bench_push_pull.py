"""Push and pull a 200 MB delta through the client vs plain boto3 PUT/GET of the same bytes to the same S3.

Prints each throughput as a ratio to boto3's (target: at least 0.9 each way) and the bytes a re-push sends
(target: 0). A pull also writes the file and checks its sha256, which a plain get_object().read() does not,
so boto3's download_file (which writes the file too) is shown beside it.
"""

import json
import os
import secrets
import struct
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from hubstack import running_hub

SIZE_MB = int(os.environ.get("BENCH_DELTA_MB", "200"))


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
    from deltacenter import DeltaCenter, push_to_hub
    from deltacenter.pull import download_snapshot

    with running_hub() as (endpoint, token, env), tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
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
        pull_s = best_of(
            rounds, lambda i: download_snapshot(hub, f"{username}/big-lora-{i}", "main", tmp / f"cache{i}")
        )
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


if __name__ == "__main__":
    main()
