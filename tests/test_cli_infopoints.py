"""``buurtbot infopoints``: import, dry run, export, re-import, geocode, hide, as processes."""

from __future__ import annotations

import csv
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models.infopoints import InfoPoint
from tests.conftest import PG_URL
from tests.fake_pdok import FakePdok
from tests.test_cli import buurtbot

REPO = Path(__file__).resolve().parents[1]
SEED = REPO / "data" / "infopoints" / "utrecht.csv"


def config_file(tmp_path: Path, db_url: str, pdok_url: str = "http://127.0.0.1:9/none") -> Path:
    path = tmp_path / "config.toml"
    path.write_text(f'[database]\nurl = "{db_url}"\n[infopoints]\ngeocoder_url = "{pdok_url}"\n')
    return path


async def test_import_dry_run_export_and_reimport(
    tmp_path: Path, db_url: str, utrecht: Path
) -> None:
    config = str(config_file(tmp_path, db_url))
    code, _, err = await buurtbot(
        "--config",
        config,
        "areas",
        "import",
        str(utrecht / "wijk.geojson"),
        str(utrecht / "buurt.geojson"),
    )
    assert code == 0, err
    code, out, err = await buurtbot(
        "--config", config, "infopoints", "import", str(SEED), "--dry-run"
    )
    assert (code, err) == (0, "")
    assert "34 point(s) would be added" in out
    code, out, _ = await buurtbot("--config", config, "infopoints", "import", str(SEED))
    assert "34 point(s) were added, 0 updated, 0 row(s) skipped" in out

    # Three bad rows among good ones: each reported with its line and reason.
    rows = list(csv.DictReader(SEED.open(encoding="utf-8")))
    rows[3]["opening_hours"] = "Mo-Fr 9-17"
    rows[5]["wijk"] = "Atlantis"
    rows[7]["name"] = ""
    broken = tmp_path / "broken.csv"
    with broken.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    code, out, err = await buurtbot("--config", config, "infopoints", "import", str(broken))
    assert code == 1
    assert "0 point(s) were added, 31 updated, 3 row(s) skipped" in out
    lines = err.strip().splitlines()
    assert [line.split(": ", 1)[0] for line in lines] == [
        f"{broken}:5",
        f"{broken}:7",
        f"{broken}:9",
    ]
    assert "bad opening hours" in lines[0]
    assert "unknown wijk 'Atlantis'" in lines[1]
    assert "missing name" in lines[2]

    for name in ("points.csv", "points.geojson"):
        exported = tmp_path / name
        code, out, _ = await buurtbot("--config", config, "infopoints", "export", str(exported))
        assert "34 point(s) written" in out
        code, out, _ = await buurtbot("--config", config, "infopoints", "import", str(exported))
        assert "0 point(s) were added, 34 updated, 0 row(s) skipped" in out
    again = tmp_path / "again.csv"
    await buurtbot("--config", config, "infopoints", "export", str(again))
    assert again.read_text(encoding="utf-8") == (tmp_path / "points.csv").read_text(
        encoding="utf-8"
    )

    code, out, _ = await buurtbot("--config", config, "infopoints", "hide", "wijkbureau-overvecht")
    assert "hidden" in out
    code, _, err = await buurtbot("--config", config, "infopoints", "hide", "nope")
    assert (code, "no point with key 'nope'" in err) == (1, True)


async def test_geocode_fills_strong_matches_and_skips_weak_ones(
    tmp_path: Path, db_url: str, utrecht: Path, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    async with FakePdok() as pdok:
        config = str(config_file(tmp_path, db_url, pdok.base_url))
        await buurtbot(
            "--config",
            config,
            "areas",
            "import",
            str(utrecht / "wijk.geojson"),
            str(utrecht / "buurt.geojson"),
        )
        await buurtbot("--config", config, "infopoints", "import", str(SEED))
        code, out, err = await buurtbot("--config", config, "infopoints", "geocode")
        assert code == 0, err
        assert pdok.queries  # it asked the (fake) geocoder, never the internet
    assert "+ Wijkbureau Overvecht: Zamenhofdreef 17" in out
    async with sessionmaker() as session:
        overvecht = await session.scalar(
            select(InfoPoint).where(InfoPoint.key == "wijkbureau-overvecht")
        )
        neude = await session.scalar(
            select(InfoPoint).where(InfoPoint.name.like("Bibliotheek Neude%"))
        )
    assert overvecht is not None
    assert overvecht.latitude is not None
    assert overvecht.wijk_id is not None
    assert neude is not None
    assert neude.latitude is None  # a street without a house number is weak: not taken unasked


async def test_geocoder_down_is_reported(tmp_path: Path, db_url: str, utrecht: Path) -> None:
    config = str(config_file(tmp_path, db_url))  # nothing listens on port 9
    await buurtbot("--config", config, "areas", "import", str(utrecht / "wijk.geojson"))
    await buurtbot("--config", config, "infopoints", "import", str(SEED))
    code, _, err = await buurtbot("--config", config, "infopoints", "geocode")
    assert code == 1
    assert "the geocoder failed" in err
    assert "Traceback" not in err


assert PG_URL is not None  # the suite's database choice applies to these tests too
