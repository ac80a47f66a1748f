"""Lists the statements of the freshly generated install script (`cargo pgrx schema`, or the
facesign--<version>.sql that `cargo pgrx install` writes) that neither a released install
script nor the upgrade scripts contain: the objects new, or changed, since that release, each
as pgrx generates it, ready to be copied into the upgrade script (a changed one as an ALTER
FUNCTION, or CREATE OR REPLACE FUNCTION where only its markings or symbol changed).

pgrx writes each object as a block between `/* <begin connected objects> */` and
`/* </end connected objects> */`, in an order that changes from build to build; blocks are
compared without comments and whitespace.

Usage: python3 tests/upgrade/new_objects.py FRESH.sql RELEASED.sql [UPGRADE.sql …]
"""
import re
import sys

BLOCK = re.compile(r"/\* <begin connected objects> \*/(.*?)/\* </end connected objects> \*/", re.S)


def normalised(sql: str) -> str:
    sql = re.sub(r"/\*.*?\*/", " ", sql, flags=re.S)
    sql = re.sub(r"--[^\n]*", " ", sql)
    return " ".join(sql.split())


def blocks(sql: str) -> list:
    return [block.strip() for block in BLOCK.findall(sql) if normalised(block)]


def new_blocks(fresh: str, released: str, upgrades: list) -> list:
    known = {normalised(block) for block in blocks(released)}
    written = " ".join(normalised(script) for script in upgrades)
    return [block for block in blocks(fresh)
            if normalised(block) not in known and normalised(block) not in written]


def main() -> int:
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    read = lambda path: open(path, encoding="utf-8").read()  # noqa: E731
    found = new_blocks(read(sys.argv[1]), read(sys.argv[2]), [read(p) for p in sys.argv[3:]])
    for block in found:
        print(block, end="\n\n")
    print(f"-- {len(found)} statement(s) of {sys.argv[1]} in neither {sys.argv[2]} nor the upgrade scripts")
    return 0


if __name__ == "__main__":
    sys.exit(main())
