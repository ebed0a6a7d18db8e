"""The worker side of validation: fetch, check, attach and evaluate a delta version. Imports torch lazily."""
