"""Checks the docs' table of SQL functions (docs/sql.md) against the installed extension:
every function of schema facesign (each overload) is in the table with the same arguments and
result (result columns by name for set-returning functions), and the table names no function
the extension lacks. The table's rows are read from the markdown file given as the only argument: every line
that starts `| `facesign.name(args) → result``.

Usage: psql -XAt -F '|' -c "<the catalog query below>" | python3 tests/readme/check_sql_reference.py docs/sql.md
"""
import re
import sys

CATALOG_QUERY = """SELECT p.proname, pg_get_function_identity_arguments(p.oid), pg_get_function_result(p.oid)
FROM pg_proc p WHERE p.pronamespace = 'facesign'::regnamespace ORDER BY 1"""


def normalise_result(result: str) -> str:
    """TABLE(a text, b integer) -> TABLE(a, b); anything else as it is, schema-qualified."""
    result = result.strip()
    match = re.fullmatch(r"TABLE\((.*)\)", result)
    if match:
        names = [column.strip().split()[0] for column in match.group(1).split(",")]
        return "TABLE(" + ", ".join(names) + ")"
    return result


def documented_functions(markdown: str) -> dict:
    functions = {}
    for line in open(markdown, encoding="utf-8"):
        match = re.match(r"\| `facesign\.(\w+)\(([^)]*)\) → ([^`]+)`", line)
        if match:
            name, arguments, result = match.groups()
            functions[(name, arguments.strip())] = normalise_result(result)
    return functions


def main() -> int:
    if len(sys.argv) != 2:
        print("usage: ... | python3 tests/readme/check_sql_reference.py docs/sql.md", file=sys.stderr)
        return 2
    doc = sys.argv[1]
    documented = documented_functions(doc)
    installed = {}
    for row in sys.stdin.read().splitlines():
        if row.strip():
            name, arguments, result = row.split("|", 2)
            installed[(name, arguments.strip())] = normalise_result(result)
    problems = []
    for (name, arguments), result in sorted(installed.items()):
        if (name, arguments) not in documented:
            problems.append(f"facesign.{name}({arguments}) → {result} is not in {doc}'s table")
        elif documented[(name, arguments)] != result:
            problems.append(f"facesign.{name}({arguments}): {doc} says → {documented[(name, arguments)]}, the extension has → {result}")
    for name, arguments in sorted(set(documented) - set(installed)):
        problems.append(f"{doc} documents facesign.{name}({arguments}), which the extension does not have")
    checks = len(installed) + len(documented)
    if not installed:
        problems.append("no functions read from the catalog: is the extension installed?")
    for p in problems:
        print("sql reference:", p, file=sys.stderr)
    print(f"sql reference: {checks - len(problems)} passed, {len(problems)} failed")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
