"""Importers: readers, column mappings, validation and the all-or-nothing load."""
