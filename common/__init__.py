"""Helpers with no domain: widgets, month names, form errors, queries, CSV/XLSX responses and
cell formatting. Imports Django and the standard library only; every package may import it.
"""
