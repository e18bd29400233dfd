"""The kernel's own behaviour, implemented as ordinary plugins on the public hooks.

Each fallback is marked ``trylast`` so that any installed plugin answers first.
"""
