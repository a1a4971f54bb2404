"""Log-in, lock-out, two factors, sessions and log out everywhere. May import rehab and
common; only config sits above it.
"""
