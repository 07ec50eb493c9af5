"""``buurtbot infopoints ...``: import, export, geocode, hide and show information points."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from bot.config import Config

# The database, models and geocoder are imported in the functions that use them: bot/cli.py
# imports this module for its parser, and ``buurtbot run`` imports them later, in start-up's
# pause of the garbage collector (see cli.start_up_frozen).

PAUSE = 0.2  # seconds between two geocoder lookups


def add_parser(commands: argparse._SubParsersAction) -> None:
    """Describe the infopoints commands."""
    infopoints = commands.add_parser("infopoints", help="walk-in information points")
    actions = infopoints.add_subparsers(dest="infopoints_command", metavar="ACTION", required=True)
    imp = actions.add_parser("import", help="add or update points from a CSV or GeoJSON file")
    imp.add_argument("file", type=Path, metavar="FILE")
    imp.add_argument("--dry-run", action="store_true", help="check every row, change nothing")
    exp = actions.add_parser("export", help="write every point to a .csv or .geojson file")
    exp.add_argument("file", type=Path, metavar="FILE")
    geo = actions.add_parser("geocode", help="fill missing coordinates from addresses (PDOK)")
    geo.add_argument("--yes", action="store_true", help="also take weak matches without asking")
    geo.add_argument("--limit", type=int, default=1000, help="look up at most this many points")
    for name, text in (("hide", "hide a point from residents"), ("show", "show a hidden point")):
        action = actions.add_parser(name, help=text)
        action.add_argument("key", help="the point's key (see the export)")


async def run(config: Config, args: argparse.Namespace, ask: Callable[[str], str] = input) -> int:
    """Carry out one infopoints command."""
    from sqlalchemy import select

    from models.db import create_engine, create_sessionmaker
    from models.infopoint_io import export_rows, write_csv, write_geojson
    from models.infopoints import InfoPoint

    engine = create_engine(
        config.database.url, sqlite_synchronous=config.database.sqlite_synchronous
    )
    sessionmaker = create_sessionmaker(engine)
    try:
        match args.infopoints_command:
            case "import":
                return await _import(config, sessionmaker, args.file, args.dry_run)
            case "export":
                async with sessionmaker() as session:
                    rows = await export_rows(session)
                geojson = args.file.suffix.lower() in (".geojson", ".json")
                args.file.write_text(
                    write_geojson(rows) if geojson else write_csv(rows), encoding="utf-8"
                )
                print(f"{len(rows)} point(s) written to {args.file}.")
                return 0
            case "geocode":
                return await _geocode(config, sessionmaker, yes=args.yes, limit=args.limit, ask=ask)
            case "hide" | "show":
                async with sessionmaker.begin() as session:
                    point = await session.scalar(select(InfoPoint).where(InfoPoint.key == args.key))
                    if point is None:
                        print(f"buurtbot: no point with key {args.key!r}", file=sys.stderr)
                        return 1
                    point.hidden = args.infopoints_command == "hide"
                print(f"{point.name}: {'hidden' if point.hidden else 'shown'}.")
                return 0
    finally:
        await engine.dispose()
    return 2  # pragma: no cover - argparse refuses other actions


async def _import(
    config: Config, sessionmaker: async_sessionmaker[AsyncSession], path: Path, dry_run: bool
) -> int:
    """Import a file; report each bad row with its line and reason."""
    from models.infopoint_io import import_points, read_rows

    try:
        rows = read_rows(path)
    except (OSError, ValueError) as exc:
        print(f"buurtbot: cannot read {path}: {exc}", file=sys.stderr)
        return 1
    async with sessionmaker.begin() as session:
        report = await import_points(session, rows, tz=config.bot.tz, dry_run=dry_run)
        if dry_run:
            await session.rollback()
    for error in report.errors:
        print(f"{path}:{error.line}: {error.reason}", file=sys.stderr)
    verb = "would be" if dry_run else "were"
    print(
        f"{report.added} point(s) {verb} added, {report.updated} updated, "
        f"{len(report.errors)} row(s) skipped."
    )
    return 1 if report.errors else 0


async def _geocode(
    config: Config,
    sessionmaker: async_sessionmaker[AsyncSession],
    *,
    yes: bool,
    limit: int,
    ask: Callable[[str], str],
) -> int:
    """Look up coordinates for points that have an address but no coordinates."""
    from sqlalchemy import select

    from bot.geocoding import GeocodingError, PdokGeocoder
    from models.areas import locate
    from models.infopoints import InfoPoint

    async with sessionmaker() as session:
        points = list(
            await session.scalars(
                select(InfoPoint)
                .where(InfoPoint.latitude.is_(None), InfoPoint.street != "")
                .order_by(InfoPoint.key)
                .limit(limit)
            )
        )
    found = skipped = 0
    async with PdokGeocoder(config.infopoints.geocoder_url) as geocoder:
        for number, point in enumerate(points):
            if number:
                await asyncio.sleep(PAUSE)  # a free public service: one lookup at a time, slowly
            try:
                result = await geocoder.lookup(
                    street=point.street, house_number=point.house_number or None,
                    postcode=point.postcode or None, city=point.city or "",
                )  # fmt: skip
            except GeocodingError as exc:
                print(f"buurtbot: the geocoder failed: {exc}", file=sys.stderr)
                return 1
            if result is None:
                print(f"- {point.name}: not found ({point.address})")
                skipped += 1
                continue
            if not result.strong and not yes:
                question = f"? {point.name} ({point.address}) -> {result.label}. Use this? [y/N] "
                try:
                    answer = ask(question)
                except EOFError:  # no one at the keyboard (a script, CI): a weak match is a no
                    answer = ""
                if answer.strip().lower() not in ("y", "yes", "j", "ja"):
                    skipped += 1
                    continue
            async with sessionmaker.begin() as session:
                stored = await session.get(InfoPoint, point.id)
                assert stored is not None
                placement = await locate(
                    session, latitude=result.latitude, longitude=result.longitude
                )
                if placement.wijk is None:
                    print(f"- {point.name}: {result.label} lies outside the wijken; not saved")
                    skipped += 1
                    continue
                stored.latitude, stored.longitude = result.latitude, result.longitude
                stored.wijk_id = placement.wijk.id
                stored.buurt_id = placement.buurt.id if placement.buurt else None
            print(f"+ {point.name}: {result.label}")
            found += 1
    print(f"{found} point(s) geocoded, {skipped} skipped.")
    return 0
