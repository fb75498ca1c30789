"""Deterministic token counting: one token per whitespace-separated word.

Tests can compute the expected usage of any request with the same helpers.
"""

IMAGE_TOKENS = 8     # each image in a prompt
TOOL_TOKENS = 5      # each tool definition offered


def count_words(text):
    return len(text.split()) if text else 0


def truncate_words(text, limit):
    """First `limit` words of `text`, keeping the original spacing of what is kept."""
    if limit is None or count_words(text) <= limit:
        return text, False
    if limit <= 0:
        return "", True
    words_seen = 0
    in_word = False
    for i, ch in enumerate(text):
        if not ch.isspace() and not in_word:
            if words_seen == limit:
                return text[:i].rstrip(), True
            words_seen += 1
            in_word = True
        elif ch.isspace():
            in_word = False
    return text, False
