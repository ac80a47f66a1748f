"""Compares what the facesign extension is in two databases, as tests/upgrade/catalog.sql
describes it: an upgraded one (CREATE EXTENSION facesign VERSION '<released>', then ALTER
EXTENSION facesign UPDATE) and a fresh one (CREATE EXTENSION facesign). Prints every object
one has and the other lacks, and every attribute (volatility, strictness, cost, C symbol, …)
they disagree on, naming the object; exits 1 when there is any.

Usage: python3 tests/upgrade/compare_catalog.py UPGRADED.json FRESH.json [--from VERSION]
"""
import argparse
import json
import sys

# pg_proc's and pg_type's one-letter codes, spelled out in the messages.
CODES = {
    "volatility": {"i": "IMMUTABLE", "s": "STABLE", "v": "VOLATILE"},
    "parallel safety": {"s": "PARALLEL SAFE", "r": "PARALLEL RESTRICTED", "u": "PARALLEL UNSAFE"},
    "strict": {"true": "STRICT", "false": "CALLED ON NULL INPUT"},
    "kind": {"f": "function", "p": "procedure", "a": "aggregate", "w": "window function",
             "b": "base type", "c": "composite type", "d": "domain", "e": "enum", "r": "range", "m": "multirange"},
}


def spelled(attribute: str, value: str) -> str:
    return CODES.get(attribute, {}).get(value, repr(value))


def differences(upgraded: dict, fresh: dict, released: str) -> list:
    problems = []
    for name in sorted(set(fresh) - set(upgraded)):
        problems.append(f"{name}: missing after the update from {released} (a fresh install has it; "
                        "create it in the upgrade script)")
    for name in sorted(set(upgraded) - set(fresh)):
        problems.append(f"{name}: only after the update from {released} (a fresh install has no such object; "
                        "drop it in the upgrade script)")
    for name in sorted(set(upgraded) & set(fresh)):
        for attribute in sorted(set(upgraded[name]) | set(fresh[name])):
            after, want = upgraded[name].get(attribute), fresh[name].get(attribute)
            if after != want:
                problems.append(f"{name}: {attribute} is {spelled(attribute, after)} after the update from "
                                f"{released}, {spelled(attribute, want)} in a fresh install")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("upgraded")
    parser.add_argument("fresh")
    parser.add_argument("--from", dest="released", default="the released version")
    args = parser.parse_args()
    upgraded = json.load(open(args.upgraded, encoding="utf-8"))
    fresh = json.load(open(args.fresh, encoding="utf-8"))
    if not fresh:
        print("catalog: the fresh database has no facesign extension", file=sys.stderr)
        return 1
    problems = differences(upgraded, fresh, args.released)
    for problem in problems:
        print("catalog:", problem)
    compared = sum(len(attributes) for attributes in fresh.values())
    print(f"catalog from {args.released}: {len(fresh)} objects, {compared} attributes compared, "
          f"{len(problems)} differences")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
