"""Recoup: collections KPIs and self-tracking OKRs from a receivables ledger."""

__version__ = "0.1.0"
