#!/usr/bin/env python3
"""Generates cases.json: random JSON Schema 2020-12 schemas over the keywords NexusSchema supports, random
instances for each, and the verdict of Python's jsonschema (Draft202012Validator) for every pair.

DifferentialTests.swift reads cases.json and requires NexusSchema to give the same verdict on every pair.

Regenerate (from the repository root; needs `pip install jsonschema`):

    python3 Tests/NexusSchemaTests/Differential/generate.py [--seed 2026] [--schemas 400] [--instances 6]

Numbers are written and read back as decimal literals (json.loads(parse_float=Decimal)), so jsonschema compares and
divides them exactly, as NexusSchema does; `integer` accepts integral Decimals such as 1.0 (2020-12). Strings use
an alphabet on which Python's `re` and ECMA-262 agree for the generated patterns (no \\w or \\b over non-ASCII, no
newline before `$`).
"""
import argparse
import json
import random
import sys
from decimal import Decimal
from pathlib import Path

import jsonschema
from jsonschema import Draft202012Validator

HERE = Path(__file__).resolve().parent

TYPES = ["null", "boolean", "integer", "number", "string", "array", "object"]
NAMES = ["a", "b", "c", "x-1", "a/b", "m~n", "é"]
ALPHABET = "abcxy019_- é😀"
PATTERNS = ["^a", "b$", "^[a-c]+$", "x|y", "^(ab)+$", "^.{2,3}$", "[0-9]", r"^\d+$", r"\s", "^[^a]*$", "^a?b*c+$",
            "(?:xy){2}", "^é", ".😀", "^[a-zé]{1,3}$", r"^\d{1,2}-?[a-c]*$", "^(a|b|)$", r"^[\-_]", "^.*$", r"\.", "c{2,}"]
KEY_PATTERNS = ["^x-", "^[ab]$", "é", r"\d", "^m"]
NUMBERS = ["0", "1", "-1", "2", "3", "10", "0.5", "1.5", "2.0", "0.1", "0.3", "-0.5", "1e1", "2.5e0", "100", "-3", "7",
           "0.25", "1.0", "4.5", "19.99", "1e-1"]
DIVISORS = ["1", "2", "3", "0.1", "0.5", "0.25", "1.5", "0.01", "5", "2.5"]


class Gen:
    def __init__(self, rng):
        self.rng = rng
        self.defs = []  # names of the $defs generated so far (a def refers only to earlier ones: no in-place cycle)

    def num(self):
        return Decimal(self.rng.choice(NUMBERS)) if self.rng.random() < 0.7 else self.rng.randint(-5, 12)

    def string(self, lo=0, hi=5):
        return "".join(self.rng.choice(ALPHABET) for _ in range(self.rng.randint(lo, hi)))

    def scalar(self):
        r = self.rng.random()
        if r < 0.1: return None
        if r < 0.2: return self.rng.random() < 0.5
        if r < 0.55: return self.num()
        return self.string()

    def schema(self, depth, allow_root_ref=False):
        rng = self.rng
        if rng.random() < 0.06:
            return rng.random() < 0.7
        s = {}
        kinds = rng.sample(["type", "enum", "const", "number", "string", "array", "object", "combinator", "ref", "cond",
                            "type", "object", "number", "string"], rng.randint(1, 3))
        for kind in kinds:
            if kind == "type":
                if rng.random() < 0.7:
                    s["type"] = rng.choice(TYPES)
                else:
                    s["type"] = rng.sample(TYPES, rng.randint(1, 3))
            elif kind == "enum":
                s["enum"] = [self.scalar() for _ in range(rng.randint(1, 4))] + ([self.value(1)] if rng.random() < 0.3 else [])
            elif kind == "const":
                s["const"] = self.value(1) if rng.random() < 0.3 else self.scalar()
            elif kind == "number":
                for kw in rng.sample(["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"], rng.randint(1, 2)):
                    s[kw] = Decimal(rng.choice(DIVISORS)) if kw == "multipleOf" else self.num()
            elif kind == "string":
                for kw in rng.sample(["minLength", "maxLength", "pattern"], rng.randint(1, 2)):
                    s[kw] = rng.choice(PATTERNS) if kw == "pattern" else rng.randint(0, 4)
            elif kind == "array" and depth > 0:
                for kw in rng.sample(["items", "prefixItems", "minItems", "maxItems", "uniqueItems", "contains"], rng.randint(1, 3)):
                    if kw == "items": s["items"] = self.schema(depth - 1, True)
                    elif kw == "prefixItems": s["prefixItems"] = [self.schema(depth - 1, True) for _ in range(rng.randint(1, 3))]
                    elif kw == "uniqueItems": s["uniqueItems"] = rng.random() < 0.8
                    elif kw == "contains":
                        s["contains"] = self.schema(depth - 1)
                        if rng.random() < 0.4: s["minContains"] = rng.randint(0, 2)
                        if rng.random() < 0.4: s["maxContains"] = rng.randint(1, 3)
                    else: s[kw] = rng.randint(0, 4)
            elif kind == "object" and depth > 0:
                for kw in rng.sample(["properties", "required", "additionalProperties", "patternProperties", "minProperties",
                                      "maxProperties", "propertyNames", "dependentRequired", "dependentSchemas"], rng.randint(1, 3)):
                    if kw == "properties":
                        s["properties"] = {n: self.schema(depth - 1, True) for n in rng.sample(NAMES, rng.randint(1, 3))}
                    elif kw == "required": s["required"] = rng.sample(NAMES, rng.randint(1, 3))
                    elif kw == "additionalProperties": s["additionalProperties"] = (rng.random() < 0.5) if rng.random() < 0.5 else self.schema(depth - 1)
                    elif kw == "patternProperties":
                        s["patternProperties"] = {p: self.schema(depth - 1) for p in rng.sample(KEY_PATTERNS, rng.randint(1, 2))}
                    elif kw == "propertyNames": s["propertyNames"] = {"pattern": rng.choice(KEY_PATTERNS)} if rng.random() < 0.5 else {"maxLength": rng.randint(0, 2)}
                    elif kw == "dependentRequired": s["dependentRequired"] = {rng.choice(NAMES): rng.sample(NAMES, rng.randint(0, 2))}
                    elif kw == "dependentSchemas": s["dependentSchemas"] = {rng.choice(NAMES): self.schema(depth - 1)}
                    else: s[kw] = rng.randint(0, 3)
            elif kind == "combinator" and depth > 0:
                kw = rng.choice(["allOf", "anyOf", "oneOf", "not"])
                if kw == "not": s["not"] = self.schema(depth - 1)
                else: s[kw] = [self.schema(depth - 1) for _ in range(rng.randint(1, 3))]
            elif kind == "cond" and depth > 0:
                s["if"] = self.schema(depth - 1)
                if rng.random() < 0.8: s["then"] = self.schema(depth - 1)
                if rng.random() < 0.6: s["else"] = self.schema(depth - 1)
            elif kind == "ref":
                if self.defs and rng.random() < 0.8:
                    s["$ref"] = "#/$defs/" + rng.choice(self.defs)
                elif allow_root_ref:
                    s["$ref"] = "#"  # under properties/items: moves into the instance, so it terminates
        if rng.random() < 0.1:
            s["title"] = "t"
        return s

    def focused(self):
        """One keyword family with few distractions, so that boundary instances decide the verdict."""
        rng = self.rng
        family = rng.choice(["number", "number", "string", "array", "array", "object", "enum", "integer"])
        if family in ("number", "integer"):
            s = {"type": family} if rng.random() < 0.5 else {}
            for kw in rng.sample(["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"], rng.randint(1, 2)):
                s[kw] = Decimal(rng.choice(DIVISORS)) if kw == "multipleOf" else self.num()
            return s
        if family == "string":
            s = {}
            for kw in rng.sample(["minLength", "maxLength", "pattern"], rng.randint(1, 2)):
                s[kw] = rng.choice(PATTERNS) if kw == "pattern" else rng.randint(0, 4)
            return s
        if family == "array":
            s = {"type": "array"}
            kw = rng.choice(["uniqueItems", "minItems", "maxItems", "contains", "prefixItems"])
            if kw == "uniqueItems": s["uniqueItems"] = True
            elif kw == "contains":
                s["contains"] = rng.choice([{"type": "integer"}, {"minimum": 2}, {"type": "string"}, {"const": None}])
                if rng.random() < 0.5: s["minContains"] = rng.randint(0, 3)
                if rng.random() < 0.5: s["maxContains"] = rng.randint(0, 3)
            elif kw == "prefixItems":
                s["prefixItems"] = [{"type": rng.choice(TYPES)} for _ in range(rng.randint(1, 2))]
                if rng.random() < 0.7: s["items"] = rng.choice([False, {"type": "integer"}, {"maxLength": 1}])
            else: s[kw] = rng.randint(0, 3)
            return s
        if family == "object":
            s = {"type": "object", "properties": {n: {"type": rng.choice(TYPES)} for n in rng.sample(NAMES, 2)}}
            s["required"] = rng.sample(NAMES, rng.randint(1, 2))
            if rng.random() < 0.6: s["additionalProperties"] = False if rng.random() < 0.7 else {"type": "integer"}
            return s
        return {"enum": [Decimal("1.0"), 2, "a", [1, {"a": 1, "b": 2}], {"x": [True]}, None][: rng.randint(1, 6)]} if rng.random() < 0.6 \
            else {"const": rng.choice([1, Decimal("2.50"), [1, 2], {"a": 1, "b": [None]}, False, 0])}

    def variant(self, v):
        """A value equal to v in JSON Schema's sense but written differently (1 / 1.0, keys reordered)."""
        if isinstance(v, bool) or v is None or isinstance(v, str): return v
        if isinstance(v, (int, Decimal)):
            text = str(v)
            return Decimal(text + "0" if "." in text else text + ".0") if "E" not in text and "e" not in text else Decimal(text)
        if isinstance(v, list): return [self.variant(x) for x in v]
        return {k: self.variant(v[k]) for k in reversed(list(v))}

    def root(self):
        self.defs = []
        if self.rng.random() < 0.4:
            return self.focused()
        defs = {}
        for k in range(self.rng.choice([0, 0, 1, 2])):
            name = "d%d" % k
            defs[name] = self.schema(2)
            self.defs.append(name)
        s = self.schema(3)
        if isinstance(s, bool) or not defs:
            return s
        s["$defs"] = defs
        if self.rng.random() < 0.5 and "$ref" not in s:
            s["$ref"] = "#/$defs/" + self.rng.choice(self.defs)
        return s

    def value(self, depth):
        rng = self.rng
        r = rng.random()
        if depth <= 0 or r < 0.6: return self.scalar()
        if r < 0.8: return [self.value(depth - 1) for _ in range(rng.randint(0, 3))]
        return {n: self.value(depth - 1) for n in rng.sample(NAMES, rng.randint(0, 3))}

    def instance(self, schema, root, depth=3):
        """A value shaped by the schema (so that both verdicts are common), mutated now and then."""
        rng = self.rng
        if depth <= 0 or isinstance(schema, bool) or rng.random() < 0.15:
            return self.value(2)
        if "$ref" in schema and rng.random() < 0.5:
            target = root if schema["$ref"] == "#" else root["$defs"][schema["$ref"].split("/")[-1]]
            return self.instance(target, root, depth - 1)
        for kw in ("anyOf", "oneOf", "allOf"):
            if kw in schema and rng.random() < 0.5:
                return self.instance(rng.choice(schema[kw]), root, depth - 1)
        if "enum" in schema and rng.random() < 0.6: return self.variant(rng.choice(schema["enum"]))
        if "const" in schema and rng.random() < 0.6: return self.variant(schema["const"]) if rng.random() < 0.5 else schema["const"]
        t = schema.get("type")
        if isinstance(t, list): t = rng.choice(t)
        if t is None:
            if any(k in schema for k in ("properties", "required", "patternProperties", "additionalProperties", "dependentRequired")): t = "object"
            elif any(k in schema for k in ("items", "prefixItems", "contains", "minItems")): t = "array"
            elif any(k in schema for k in ("minLength", "maxLength", "pattern")): t = "string"
            elif any(k in schema for k in ("minimum", "maximum", "multipleOf", "exclusiveMinimum", "exclusiveMaximum")): t = "number"
            else: t = rng.choice(TYPES)
        if t == "null": return None
        if t == "boolean": return rng.random() < 0.5
        if t in ("integer", "number"):
            anchors = [schema[k] for k in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum") if k in schema]
            if "multipleOf" in schema and rng.random() < 0.6:
                return Decimal(schema["multipleOf"]) * rng.randint(-3, 9) + (Decimal("0.01") if rng.random() < 0.3 else 0)
            if anchors and rng.random() < 0.7:
                a = Decimal(rng.choice(anchors))
                return a + Decimal(rng.choice(["0", "0", "1", "-1", "0.5", "-0.5", "0.0", "0.01", "-0.01"]))
            return self.num() if t == "number" else rng.choice([rng.randint(-3, 12), Decimal("2.0"), Decimal("1e1")])
        if t == "string":
            lo = schema.get("minLength", 0)
            hi = max(lo, schema.get("maxLength", lo + 4))
            if "pattern" in schema and rng.random() < 0.3:
                return rng.choice(["ab", "abab", "a", "b", "xyxy", "12", "1-ab", "é", "a😀", "ccc", ".", "-x", "aaa"])
            return self.string(max(0, lo - 1), hi + 1)
        if t == "array":
            prefix = schema.get("prefixItems", [])
            n = rng.randint(0, 4)
            items = []
            for i in range(n):
                sub = prefix[i] if i < len(prefix) else schema.get("items", schema.get("contains", True))
                items.append(self.instance(sub, root, depth - 1))
            if schema.get("uniqueItems") and items and rng.random() < 0.5:
                items.append(self.variant(rng.choice(items)) if rng.random() < 0.6 else rng.choice(items))
            return items
        if t == "object":
            props = schema.get("properties", {})
            keys = list(schema.get("required", []))
            keys += [k for k in props if rng.random() < 0.7 and k not in keys]
            if rng.random() < 0.3: keys.append(rng.choice(NAMES + ["x-y", "zz"]))
            obj = {}
            for k in keys:
                if k in obj: continue
                sub = props.get(k, True)
                if sub is True:
                    for p, ps in schema.get("patternProperties", {}).items():
                        sub = ps
                        break
                obj[k] = self.instance(sub, root, depth - 1)
            if obj and rng.random() < 0.15:
                del obj[rng.choice(list(obj))]
            return obj
        return self.value(2)


def dump(v):
    """JSON text with Decimals as their literal and keys in insertion order."""
    if v is None: return "null"
    if v is True: return "true"
    if v is False: return "false"
    if isinstance(v, Decimal): return str(v)
    if isinstance(v, int): return str(v)
    if isinstance(v, str): return json.dumps(v, ensure_ascii=False)
    if isinstance(v, list): return "[" + ",".join(dump(x) for x in v) + "]"
    if isinstance(v, dict): return "{" + ",".join(dump(k) + ":" + dump(x) for k, x in v.items()) + "}"
    raise TypeError(type(v))


def load(text):
    return json.loads(text, parse_float=Decimal)


def is_integer(checker, instance):
    if isinstance(instance, bool): return False
    if isinstance(instance, int): return True
    return isinstance(instance, Decimal) and instance.is_finite() and instance == instance.to_integral_value()


Validator = jsonschema.validators.extend(
    Draft202012Validator, type_checker=Draft202012Validator.TYPE_CHECKER.redefine("integer", is_integer))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--schemas", type=int, default=600)
    ap.add_argument("--instances", type=int, default=8)
    ap.add_argument("--out", default=str(HERE / "cases.json"))
    args = ap.parse_args()
    rng = random.Random(args.seed)
    gen = Gen(rng)
    lines = []
    counts = {True: 0, False: 0}
    while len(lines) < args.schemas:
        schema = gen.root()
        schema_text = dump(schema)
        schema_doc = load(schema_text)
        validator = Validator(schema_doc)
        pairs = []
        seen = set()
        for _ in range(args.instances * 3):
            if len(pairs) == args.instances: break
            text = dump(gen.instance(schema, schema))
            if text in seen: continue
            seen.add(text)
            verdict = validator.is_valid(load(text))
            pairs.append("[" + text + "," + ("true" if verdict else "false") + "]")
            counts[verdict] += 1
        lines.append('{"schema":' + schema_text + ',"instances":[' + ",".join(pairs) + "]}")
    header = '{"generator":"generate.py","seed":%d,"jsonschema":"%s","cases":[\n' % (args.seed, _version())
    Path(args.out).write_text(header + ",\n".join(lines) + "\n]}\n", encoding="utf-8")
    print("%d schemas, %d pairs: %d valid, %d invalid -> %s" % (len(lines), counts[True] + counts[False], counts[True], counts[False], args.out),
          file=sys.stderr)


def _version():
    from importlib.metadata import version
    return version("jsonschema")


if __name__ == "__main__":
    main()
