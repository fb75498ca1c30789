"""Deterministic unit-length embedding vectors derived from the text."""
import hashlib
import math

DEFAULT_DIMENSIONS = 16


def embedding_for(text, dimensions=None):
    size = int(dimensions or DEFAULT_DIMENSIONS)
    values = []
    counter = 0
    while len(values) < size:
        digest = hashlib.sha256(f"{counter}:{text}".encode()).digest()
        values += [(b - 127.5) / 127.5 for b in digest]
        counter += 1
    values = values[:size]
    norm = math.sqrt(sum(v * v for v in values)) or 1.0
    return [round(v / norm, 6) for v in values]
