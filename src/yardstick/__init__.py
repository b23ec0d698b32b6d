"""Yardstick: a self-hostable LLM evaluation platform speaking the SGP v5 API."""
