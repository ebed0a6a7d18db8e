"""Demo content for an empty hub: the real MiniLM backbone and two deltas trained on it briefly."""
