"""Rebuild gazetteers/given-names.txt from the pinned ``names`` package (the `gazetteer` extra).

    .venv/bin/python scripts/build_given_names.py

The given names of the US Census Bureau's 1990 frequency lists (public
domain; 1,219 male and 4,275 female names), as shipped in the ``names``
package (MIT). The name finder uses them to tell a person's name from a
place ("Margaret," at the start of a sentence; "Marine Le Pen"; "Carl"):
a person's name gets no place suggestions. Sorted, one per line, so two runs
give the same file (tested).
"""

from __future__ import annotations

import argparse
from importlib import metadata, resources
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "gazetteers" / "given-names.txt"


def build() -> str:
    files = resources.files("names")
    found: set[str] = set()
    for table in ("dist.male.first", "dist.female.first"):
        for line in (files / table).read_text().splitlines():
            if line.split():
                found.add(line.split()[0].title())
    header = (
        f"# Given names: the US Census Bureau's 1990 given-name lists (public domain), from the names "
        f"{metadata.version('names')} package (MIT). Built by scripts/build_given_names.py; see gazetteers/README.md.\n"
    )
    return header + "".join(f"{n}\n" for n in sorted(found))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    text = build()
    args.out.write_text(text, encoding="utf-8")
    print(f"{args.out}: {text.count(chr(10)) - 1} names")


if __name__ == "__main__":
    main()
