"""Comparing two evaluation runs item by item."""
