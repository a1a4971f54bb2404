"""Project wiring: settings, root URLs, WSGI, middleware and context processors; no domain
code. It may import every package; none imports it.
"""
