"""The Hugging Face Hub protocol: `HF_ENDPOINT` points huggingface_hub, transformers and PEFT at this hub."""
