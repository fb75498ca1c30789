"""Build a JSON value that validates against a JSON Schema (or Gemini's OpenAPI-style subset).

Covers what tool parameters and structured-output schemas use in practice: types (also upper-case
Gemini names and type lists), enum/const, $ref into $defs/definitions, anyOf/oneOf/allOf, required,
items with minItems, numeric bounds, string length and common formats.
"""

import math

FORMAT_EXAMPLES = {
    "date-time": "2024-01-01T00:00:00Z",
    "date": "2024-01-01",
    "time": "00:00:00",
    "email": "user@example.com",
    "uri": "https://example.com/",
    "url": "https://example.com/",
    "uuid": "00000000-0000-4000-8000-000000000000",
    "ipv4": "127.0.0.1",
    "hostname": "example.com",
}


def value_for_schema(schema, hint="", root=None, depth=0):
    """A deterministic value satisfying `schema`; strings are filled with `hint` (from the prompt)."""
    root = root if root is not None else schema
    if not isinstance(schema, dict) or depth > 12:
        return hint or "value"
    if "$ref" in schema:
        return value_for_schema(_resolve_ref(schema["$ref"], root), hint, root, depth + 1)
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    for key in ("anyOf", "oneOf"):
        if schema.get(key):
            options = [s for s in schema[key] if _type_of(s) != "null"] or schema[key]
            return value_for_schema(options[0], hint, root, depth + 1)
    if schema.get("allOf"):
        merged = {}
        for part in schema["allOf"]:
            part = _resolve_ref(part["$ref"], root) if "$ref" in part else part
            for k, v in part.items():
                if k in ("properties",) and k in merged:
                    merged[k] = {**merged[k], **v}
                elif k == "required" and k in merged:
                    merged[k] = merged[k] + v
                else:
                    merged[k] = v
        return value_for_schema(merged, hint, root, depth + 1)

    kind = _type_of(schema)
    if kind == "object" or (kind is None and "properties" in schema):
        return _object(schema, hint, root, depth)
    if kind == "array":
        return _array(schema, hint, root, depth)
    if kind == "integer":
        return _number(schema, 1)
    if kind == "number":
        return _number(schema, 0.5)
    if kind == "boolean":
        return True
    if kind == "null":
        return None
    return _string(schema, hint)


def _type_of(schema):
    kind = schema.get("type") if isinstance(schema, dict) else None
    if isinstance(kind, list):
        non_null = [k for k in kind if str(k).lower() != "null"]
        kind = non_null[0] if non_null else "null"
    return kind.lower() if isinstance(kind, str) else None


def _resolve_ref(ref, root):
    node = root
    for part in ref.lstrip("#/").split("/"):
        if part:
            node = node.get(part.replace("~1", "/").replace("~0", "~"), {})
    return node


def _object(schema, hint, root, depth):
    props = schema.get("properties") or {}
    order = schema.get("propertyOrdering") or list(props)
    result = {}
    for name in order:
        if name in props:
            result[name] = value_for_schema(props[name], hint, root, depth + 1)
    for name in schema.get("required") or []:
        if name not in result:
            result[name] = hint or name
    return result


def _array(schema, hint, root, depth):
    count = max(1, int(schema.get("minItems", 1)))
    if "maxItems" in schema:
        count = min(count, int(schema["maxItems"]))
    if isinstance(schema.get("prefixItems"), list):
        return [value_for_schema(s, hint, root, depth + 1) for s in schema["prefixItems"]]
    items = schema.get("items") or {"type": "string"}
    return [value_for_schema(items, hint, root, depth + 1) for _ in range(count)]


def _bound(schema, inclusive_key, exclusive_key):
    """(limit, exclusive) from draft-6+ numbers or draft-4 boolean exclusive flags."""
    exclusive = schema.get(exclusive_key)
    if _is_number(exclusive):
        return float(exclusive), True
    limit = schema.get(inclusive_key)
    return (float(limit), exclusive is True) if _is_number(limit) else (None, False)


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _number(schema, preferred):
    low, low_exclusive = _bound(schema, "minimum", "exclusiveMinimum")
    high, high_exclusive = _bound(schema, "maximum", "exclusiveMaximum")
    if low is not None and high is not None:
        value = (low + high) / 2
    else:
        value = float(preferred)
        if low is not None and (value < low or (low_exclusive and value <= low)):
            value = low + (1 if low_exclusive else 0)
        if high is not None and (value > high or (high_exclusive and value >= high)):
            value = high - (1 if high_exclusive else 0)
    multiple = schema.get("multipleOf")
    if _is_number(multiple) and multiple:
        value = multiple * math.ceil(value / multiple)
    if _type_of(schema) == "integer":
        value = math.ceil(value)
        if high is not None and (value > high or (high_exclusive and value >= high)):
            value -= 1
        return int(value)
    return value


def _string(schema, hint):
    if schema.get("format") in FORMAT_EXAMPLES:
        return FORMAT_EXAMPLES[schema["format"]]
    text = hint or "value"
    min_len = int(schema.get("minLength", 0) or 0)
    if len(text) < min_len:
        text = text + "x" * (min_len - len(text))
    if "maxLength" in schema:
        text = text[: int(schema["maxLength"])]
    return text
