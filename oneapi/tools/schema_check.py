"""A small JSON-schema validator for the subset the matrix's schemas use.

Supported keywords: type (one or a list), properties, required, additionalProperties (bool or schema), enum,
const, items, minimum/maximum, minLength/maxLength, minItems/maxItems, anyOf/oneOf. Annotation keywords
($schema, description, title, default, examples, strict) are ignored. Unknown keywords are ignored too, which
errs on the side of accepting: the matrix only needs to know a value obeys its schema's structure.
"""
from __future__ import annotations

_TYPES = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool) or (isinstance(v, float) and v.is_integer()),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
}


def errors(value, schema: dict, path: str = "$") -> list[str]:
    """Every way ``value`` breaks ``schema``, as short human-readable strings (empty when it validates)."""
    if not isinstance(schema, dict):
        return []
    found: list[str] = []
    kind = schema.get("type")
    if kind is not None:
        kinds = kind if isinstance(kind, list) else [kind]
        if not any(_TYPES.get(k, lambda v: True)(value) for k in kinds):
            return [f"{path}: expected {'/'.join(kinds)}, got {type(value).__name__}"]
    if "enum" in schema and value not in schema["enum"]:
        found.append(f"{path}: {value!r} not in {schema['enum']}")
    if "const" in schema and value != schema["const"]:
        found.append(f"{path}: {value!r} is not {schema['const']!r}")
    if isinstance(value, dict):
        found += _object_errors(value, schema, path)
    if isinstance(value, list):
        if isinstance(schema.get("items"), dict):
            for i, item in enumerate(value):
                found += errors(item, schema["items"], f"{path}[{i}]")
        if len(value) < schema.get("minItems", 0):
            found.append(f"{path}: fewer than {schema['minItems']} items")
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            found.append(f"{path}: more than {schema['maxItems']} items")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if "minimum" in schema and value < schema["minimum"]:
            found.append(f"{path}: {value} < minimum {schema['minimum']}")
        if "maximum" in schema and value > schema["maximum"]:
            found.append(f"{path}: {value} > maximum {schema['maximum']}")
    if isinstance(value, str):
        if len(value) < schema.get("minLength", 0):
            found.append(f"{path}: shorter than {schema['minLength']}")
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            found.append(f"{path}: longer than {schema['maxLength']}")
    for key in ("anyOf", "oneOf"):
        options = schema.get(key)
        if isinstance(options, list) and options:
            matching = sum(1 for option in options if not errors(value, option, path))
            if matching == 0 or (key == "oneOf" and matching > 1):
                found.append(f"{path}: does not match {key}")
    return found


def _object_errors(value: dict, schema: dict, path: str) -> list[str]:
    found = []
    props = schema.get("properties") or {}
    for name in schema.get("required") or []:
        if name not in value:
            found.append(f"{path}: missing required {name!r}")
    extra = schema.get("additionalProperties", True)
    for name, item in value.items():
        if name in props:
            found += errors(item, props[name], f"{path}.{name}")
        elif extra is False:
            found.append(f"{path}: unexpected property {name!r}")
        elif isinstance(extra, dict):
            found += errors(item, extra, f"{path}.{name}")
    return found


def validate(value, schema: dict) -> str | None:
    """None when ``value`` validates, else the first problem."""
    problems = errors(value, schema)
    return problems[0] if problems else None
