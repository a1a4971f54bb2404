"""Project wiring: settings, root URLs, WSGI, middleware and context processors.

No domain code lives here; it may import every app, and no app imports it.
"""
