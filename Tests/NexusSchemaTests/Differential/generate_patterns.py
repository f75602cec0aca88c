#!/usr/bin/env python3
"""Generates patterns.json: random regular expressions in the ECMA-262 subset NexusSchema's Pattern supports,
random strings, and Python's `re.search` verdict for every pair. DifferentialTests.swift requires the same
verdicts from Pattern.

Regenerate (from the repository root): python3 Tests/NexusSchemaTests/Differential/generate_patterns.py [--seed N]

Python's `re` and ECMA-262 agree on this subset over an ASCII alphabet without newlines: \\d \\w \\s \\b differ only
outside ASCII (Python's are Unicode-aware), and Python's `$` also matches before a final newline. One more
difference: before Python 3.14, \\B never matches an empty string, where ECMA-262 (and Pattern) match it (no word
character on either side: not a boundary), so patterns with \\B are not paired with the empty string.
"""
import argparse
import json
import random
import re
from pathlib import Path

HERE = Path(__file__).resolve().parent
LITERALS = ["a", "b", "c", "0", "1", " ", "-", "_", r"\.", r"\-", r"\x61", r"\u0062"]
CLASSES = [".", "[ab]", "[^a]", "[a-c0]", "[^ -]", r"[\d_]", r"[\w-]", r"\d", r"\w", r"\s", r"\D", r"\W", r"\S"]
ALPHABET = "ab01 -_c."


def node(rng, depth):
    r = rng.random()
    if depth <= 0 or r < 0.45:
        atom = rng.choice(LITERALS if rng.random() < 0.6 else CLASSES)
    elif r < 0.6:
        atom = "(" + ("?:" if rng.random() < 0.5 else "") + alternation(rng, depth - 1) + ")"
    elif r < 0.7:
        return rng.choice(["^", "$", r"\b", r"\B"])
    else:
        atom = rng.choice(LITERALS)
    q = rng.random()
    if q < 0.55:
        return atom
    quantifier = rng.choice(["*", "+", "?", "{2}", "{1,}", "{0,2}", "{1,3}", "{0}"])
    if rng.random() < 0.2:
        quantifier += "?"
    return atom + quantifier


def sequence(rng, depth):
    return "".join(node(rng, depth) for _ in range(rng.randint(1, 4)))


def alternation(rng, depth):
    branches = [sequence(rng, depth) for _ in range(1 if rng.random() < 0.7 else rng.randint(2, 3))]
    if rng.random() < 0.05:
        branches.append("")
    return "|".join(branches)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--patterns", type=int, default=1000)
    ap.add_argument("--strings", type=int, default=10)
    ap.add_argument("--out", default=str(HERE / "patterns.json"))
    args = ap.parse_args()
    rng = random.Random(args.seed)
    lines = []
    seen = set()
    matches = total = 0
    while len(lines) < args.patterns:
        pattern = alternation(rng, 2)
        if pattern in seen:
            continue
        seen.add(pattern)
        compiled = re.compile(pattern)
        pairs = []
        for _ in range(args.strings):
            s = "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0 if r"\B" not in pattern else 1, 8)))
            verdict = compiled.search(s) is not None
            matches += verdict
            total += 1
            pairs.append([s, verdict])
        lines.append(json.dumps({"pattern": pattern, "strings": pairs}, ensure_ascii=False))
    Path(args.out).write_text('{"generator":"generate_patterns.py","seed":%d,"cases":[\n' % args.seed + ",\n".join(lines) + "\n]}\n",
                              encoding="utf-8")
    print("%d patterns, %d pairs, %d matches -> %s" % (len(lines), total, matches, args.out))


if __name__ == "__main__":
    main()
