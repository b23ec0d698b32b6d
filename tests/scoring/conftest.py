"""Scorer tests load models only from disk, as the scorer processes do (before any HF import)."""

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
