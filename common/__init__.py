"""Helpers with no domain: form widgets, Swedish month names, CSV/XLSX responses, cell
formatting. It imports Django and the standard library only; every app may import it.
"""
