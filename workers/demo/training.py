"""Brief CPU training of the demo deltas: a LoRA and a BitFit delta on MiniLM, for sentiment."""

LEARNING_RATE = 3e-3
BATCH_SIZE = 16
# BitFit moves biases only, too little to train a random head from scratch in a few dozen steps: the head is
# fitted first on the frozen backbone's features (a linear probe), then tuned with the biases (LP-FT).
BITFIT_LEARNING_RATE = 1e-3
PROBE_STEPS = 100
PROBE_LEARNING_RATE = 0.05


def load_classifier(path):
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    torch.manual_seed(0)
    model = AutoModelForSequenceClassification.from_pretrained(str(path), num_labels=2, local_files_only=True)
    return model, AutoTokenizer.from_pretrained(str(path), local_files_only=True)


def _batches(tokenizer, texts, size):
    for start in range(0, len(texts), size):
        yield tokenizer(texts[start : start + size], truncation=True, max_length=64, padding=True, return_tensors="pt")


def train(model, tokenizer, texts, labels, steps, parameters, learning_rate=LEARNING_RATE):
    import torch

    optimizer = torch.optim.AdamW(parameters, lr=learning_rate)
    model.train()
    correct = seen = 0
    for step in range(steps):
        start = (step * BATCH_SIZE) % len(texts)
        batch = tokenizer(
            texts[start : start + BATCH_SIZE], truncation=True, max_length=64, padding=True, return_tensors="pt"
        )
        target = torch.tensor(labels[start : start + BATCH_SIZE])
        output = model(**batch, labels=target)
        output.loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        correct += int((output.logits.argmax(-1) == target).sum())
        seen += len(target)
    model.eval()
    return correct / seen


def probe_head(model, tokenizer, texts, labels):
    """Fit the classifier on what the frozen model feeds it, for every training text at once."""
    import torch

    features = []
    hook = model.classifier.register_forward_pre_hook(lambda module, args: features.append(args[0].detach()))
    model.eval()
    try:
        with torch.no_grad():
            for batch in _batches(tokenizer, texts, 64):
                model(**batch)
    finally:
        hook.remove()
    inputs, target = torch.cat(features), torch.tensor(labels)
    for parameter in model.classifier.parameters():
        parameter.requires_grad_(True)
    optimizer = torch.optim.AdamW(model.classifier.parameters(), lr=PROBE_LEARNING_RATE, weight_decay=0.0)
    for _ in range(PROBE_STEPS):
        loss = torch.nn.functional.cross_entropy(model.classifier(inputs), target)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


def train_lora(path, texts, labels, steps, directory):
    from peft import LoraConfig, get_peft_model

    model, tokenizer = load_classifier(path)
    lora = get_peft_model(model, LoraConfig(r=8, lora_alpha=16, target_modules=["query", "value"], task_type="SEQ_CLS"))
    accuracy = train(lora, tokenizer, texts, labels, steps, [p for p in lora.parameters() if p.requires_grad])
    lora.save_pretrained(str(directory), safe_serialization=True)
    return accuracy


def train_bitfit(path, texts, labels, steps, directory):
    """Biases and the classifier head are trained; both are saved, the head in the delta's head.safetensors."""
    from deltacenter.formats import bias_names, head_names, save_bitfit

    model, tokenizer = load_classifier(path)
    for parameter in model.parameters():
        parameter.requires_grad_(False)
    probe_head(model, tokenizer, texts, labels)
    biases, head = set(bias_names(model)), set(head_names(model))
    trainable = [p for n, p in model.base_model.named_parameters() if n in biases]
    trainable += [p for n, p in model.named_parameters() if n in head]
    for parameter in trainable:
        parameter.requires_grad_(True)
    accuracy = train(model, tokenizer, texts, labels, steps, trainable, BITFIT_LEARNING_RATE)
    save_bitfit(model, directory)
    return accuracy
