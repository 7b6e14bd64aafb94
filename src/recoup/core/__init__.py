"""Shared kernel: money, time, errors, base models, bulk database helpers."""
