"""Content packs: read native and foreign trees into one in-memory pack, validate it, import it.

Packs sit above the catalog: they write the catalog's models, the catalog never imports them.
"""
