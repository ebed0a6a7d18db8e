"""Validate a delta of every task family on CUDA in half precision, then run the throughput benchmark there.

    python bench/gpu_check.py [--skip-bench] [--device cpu]

For each family a small backbone is saved as the worker receives it (sharded, bf16 or float32), a LoRA of that
family beside it, and the family's suites (small splits, from the registry) are sent to the worker's own
confined evaluator child with device "cuda". Checks: every suite scores with finite metrics, the recorded device
is the GPU, the model ran in half precision (a float32 backbone is cast after its hash check), and the child
hands back no error. Then `bench_validation.py --device cuda`. Exits non-zero on any failure. Needs a GPU
(`--device cpu` runs the same requests without the GPU checks, to try the script anywhere); no database,
bucket or network.
"""

import argparse
import json
import math
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "client")]

import torch  # noqa: E402

from deltacenter.backbone_hash import backbone_hash  # noqa: E402
from deltacenter.push import save_backbone  # noqa: E402
from hub.evaluation.catalogue import REGISTRY, evaluator_suite  # noqa: E402
from workers.validation.evaluator import Evaluator  # noqa: E402

SIZES = {
    "rotten-tomatoes-sentiment": 64,
    "wnut16-ner": 64,
    "bbc-news-headline-retrieval": 32,
    "bbc-news-perplexity": 16,
    "rotten-tomatoes-sentiment-choice": 64,
    "bbc-news-topic-choice": 32,
    "bbc-news-headlines": 16,
}


def backbones():
    """(label, family, task type, LoRA targets, model, dtype, suites)."""
    from transformers import (
        BertConfig,
        BertForSequenceClassification,
        BertForTokenClassification,
        BertModel,
        GPT2Config,
        GPT2LMHeadModel,
        LlamaConfig,
        LlamaForCausalLM,
        T5Config,
        T5ForConditionalGeneration,
    )

    bert = dict(vocab_size=1000, hidden_size=128, num_hidden_layers=2, num_attention_heads=4, intermediate_size=256)
    llama = LlamaConfig(
        vocab_size=1000,
        hidden_size=128,
        intermediate_size=256,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=4,
    )
    tags = len(REGISTRY["wnut16-ner"].label_names)
    lm_suites = ["bbc-news-perplexity", "rotten-tomatoes-sentiment-choice", "bbc-news-topic-choice"]
    seq2seq_suites = ["bbc-news-headlines", "rotten-tomatoes-sentiment-choice"]
    return [
        ("bert", "sequence-classification", "SEQ_CLS", ["query", "value"],
         lambda: BertForSequenceClassification(BertConfig(**bert, num_labels=2)), torch.bfloat16,
         ["rotten-tomatoes-sentiment"]),
        ("bert", "token-classification", "TOKEN_CLS", ["query", "value"],
         lambda: BertForTokenClassification(BertConfig(**bert, num_labels=tags)), torch.bfloat16, ["wnut16-ner"]),
        ("bert", "feature-extraction", "FEATURE_EXTRACTION", ["query", "value"],
         lambda: BertModel(BertConfig(**bert)), torch.float16, ["bbc-news-headline-retrieval"]),
        ("llama", "causal-lm", "CAUSAL_LM", ["q_proj", "v_proj"], lambda: LlamaForCausalLM(llama), torch.bfloat16,
         lm_suites),
        ("gpt2 (float32, cast on the GPU)", "causal-lm", "CAUSAL_LM", ["c_attn"],
         lambda: GPT2LMHeadModel(GPT2Config(vocab_size=1000, n_embd=128, n_layer=2, n_head=4)), torch.float32,
         lm_suites),
        ("t5", "seq2seq-lm", "SEQ_2_SEQ_LM", ["q", "v"],
         lambda: T5ForConditionalGeneration(
             T5Config(vocab_size=1000, d_model=128, d_kv=32, d_ff=256, num_layers=2, num_heads=4,
                      decoder_start_token_id=0)
         ), torch.bfloat16, seq2seq_suites),
    ]  # fmt: skip


def check_family(evaluator, workdir, label, family, task_type, targets, build, dtype, suites):
    device = evaluator.device
    from peft import LoraConfig, get_peft_model

    torch.manual_seed(0)
    model = build().to(dtype).eval()
    content_hash = backbone_hash(model)
    backbone_dir, delta_dir = workdir / f"{label}-{family}-backbone", workdir / f"{label}-{family}-lora"
    save_backbone(model, backbone_dir, max_shard_size="200KB")
    lora = get_peft_model(model, LoraConfig(r=8, target_modules=targets, task_type=task_type))
    lora.save_pretrained(delta_dir)
    request = {
        "kind": "evaluate",
        "device": device,
        "delta_dir": str(delta_dir),
        "backbone_hash": content_hash,
        "backbone_dir": str(backbone_dir),
        "family": family,
        "num_labels": len(REGISTRY[suites[0]].label_names) if family.endswith("classification") else None,
        "suites": [evaluator_suite(REGISTRY[name], workdir, SIZES[name]) for name in suites],
    }
    events = []
    started = time.perf_counter()
    last = evaluator.request(request, events.append, time.monotonic() + 600)
    elapsed = time.perf_counter() - started
    problems = [] if last == {"done": True} else [f"ended with {json.dumps(last)[:400]}"]
    runtime = next((e["runtime"] for e in events if "runtime" in e), {})
    dtype_name = runtime.get("software", {}).get("dtype")
    if device == "cuda" and runtime.get("device", "cpu") == "cpu":
        problems.append(f"recorded device {runtime.get('device')!r}")
    if device == "cuda" and dtype_name not in ("bfloat16", "float16"):
        problems.append(f"ran in {dtype_name}")
    outcomes = {e["suite"]: e["outcome"] for e in events if "outcome" in e}
    if set(outcomes) != set(suites):
        problems.append(f"scored {sorted(outcomes)} of {suites}")
    for name, outcome in outcomes.items():
        if not all(math.isfinite(v) for v in outcome["metrics"].values()):
            problems.append(f"{name}: {outcome['metrics']}")
    scores = ", ".join(f"{name} {outcome['score']:.3f}" for name, outcome in outcomes.items())
    status = "ok" if not problems else "FAILED: " + "; ".join(problems)
    print(f"{label:<32} {family:<24} {dtype_name} {elapsed:6.1f} s  {scores}  {status}")
    return not problems


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-bench", action="store_true")
    parser.add_argument("--device", default="cuda")
    args = parser.parse_args()
    if args.device == "cuda" and not torch.cuda.is_available():
        sys.exit("No CUDA device: this check is for a GPU machine (--device cpu tries it without one).")
    print(f"{torch.cuda.get_device_name() if args.device == 'cuda' else 'cpu'}, torch {torch.__version__}")
    evaluator = Evaluator(args.device)
    try:
        with tempfile.TemporaryDirectory() as workdir:
            results = [check_family(evaluator, Path(workdir), *entry) for entry in backbones()]
    finally:
        evaluator.stop()
    if not args.skip_bench:
        bench = [sys.executable, str(ROOT / "bench" / "bench_validation.py"), "--device", args.device]
        results.append(subprocess.run(bench, check=False).returncode == 0)
    sys.exit(0 if all(results) else 1)


if __name__ == "__main__":
    main()
