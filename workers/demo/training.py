"""Brief CPU training of the demo deltas: a LoRA and a BitFit delta on MiniLM, for sentiment."""

LEARNING_RATE = 3e-3
BATCH_SIZE = 16


def load_classifier(path):
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    torch.manual_seed(0)
    model = AutoModelForSequenceClassification.from_pretrained(str(path), num_labels=2, local_files_only=True)
    return model, AutoTokenizer.from_pretrained(str(path), local_files_only=True)


def train(model, tokenizer, texts, labels, steps, parameters):
    import torch

    optimizer = torch.optim.AdamW(parameters, lr=LEARNING_RATE)
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


def train_lora(path, texts, labels, steps, directory):
    from peft import LoraConfig, get_peft_model

    model, tokenizer = load_classifier(path)
    lora = get_peft_model(model, LoraConfig(r=8, lora_alpha=16, target_modules=["query", "value"], task_type="SEQ_CLS"))
    accuracy = train(lora, tokenizer, texts, labels, steps, [p for p in lora.parameters() if p.requires_grad])
    lora.save_pretrained(str(directory), safe_serialization=True)
    return accuracy


def train_bitfit(path, texts, labels, steps, directory):
    from deltacenter.formats import bias_names, save_bitfit

    model, tokenizer = load_classifier(path)
    names = set(bias_names(model))
    trainable = [p for n, p in model.base_model.named_parameters() if n in names]
    for parameter in model.parameters():
        parameter.requires_grad_(False)
    for parameter in trainable:
        parameter.requires_grad_(True)
    accuracy = train(model, tokenizer, texts, labels, steps, trainable)
    save_bitfit(model, directory)
    return accuracy
