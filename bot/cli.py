"""The ``buurtbot`` command: run the bot, upgrade the database, check the config, import areas."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import logging
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

from bot import cli_infopoints
from bot.config import Config, ConfigError, check_webhook_ready, load_config, resolve_path
from bot.redact import SecretFilter

_LOGGER = logging.getLogger("buurtbot")

BOTFATHER_HELP = (
    "No bot token. Talk to @BotFather in Telegram, send /newbot and copy the token it gives you.\n"
    "Then start again with: BUURTBOT_TOKEN=<your token> buurtbot run  (or set telegram.token)."
)


class TokenFilter(logging.Filter):
    """Blank out the bot token wherever it would end up in a log line."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self._token = token

    def filter(self, record: logging.LogRecord) -> bool:
        """Replace the token in the formatted message."""
        if self._token:
            message = record.getMessage()
            if self._token in message:
                record.msg, record.args = message.replace(self._token, "<token>"), None
        return True


def setup_logging(config: Config | None, level: int = logging.INFO) -> None:
    """Log to stderr, with the token blanked out should any line contain it."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    if config is not None:
        handler.addFilter(TokenFilter(config.telegram.token))
        handler.addFilter(SecretFilter(config.webhook.secret_token))
    logging.basicConfig(level=level, handlers=[handler], force=True)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)


def build_parser() -> argparse.ArgumentParser:
    """Describe the commands and their options."""
    parser = argparse.ArgumentParser(
        prog="buurtbot",
        description="Buurtbot: a Telegram bot for neighbourhood networks and neighbour help.",
    )
    parser.add_argument(
        "--config",
        metavar="PATH",
        help="TOML config file (default: $BUURTBOT_CONFIG, else ./config.toml if it exists)",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    run_parser = commands.add_parser(
        "run",
        help="upgrade the database, then run the bot (polling or webhook; leader or standby)",
    )
    run_parser.add_argument(
        "--webhook",
        action="store_true",
        help="receive updates over a webhook (see [webhook] in the config) instead of polling",
    )
    db = commands.add_parser("db", help="database maintenance")
    db_commands = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    db_commands.add_parser("upgrade", help="create or upgrade the tables to the newest version")
    down = db_commands.add_parser("downgrade", help="go back to an older version")
    down.add_argument("revision", help="revision id, or -1 for one step back")
    db_commands.add_parser("current", help="show the database's version")
    commands.add_parser("check-config", help="load and validate the config, then exit")
    areas = commands.add_parser("areas", help="wijken and buurten")
    area_commands = areas.add_subparsers(dest="areas_command", metavar="ACTION", required=True)
    area_import = area_commands.add_parser(
        "import", help="import wijken and buurten from GeoJSON files (wijken first)"
    )
    area_import.add_argument("files", nargs="+", type=Path, metavar="FILE")
    cli_infopoints.add_parser(commands)
    demo = commands.add_parser(
        "demo",
        help="try the bot without Telegram: a local chat page in the browser, made-up people",
    )
    demo.add_argument("--port", type=int, default=8470, help="the page's port (default 8470)")
    demo.add_argument(
        "--database",
        metavar="URL",
        help="an empty database to use (default: SQLite in a temporary folder, removed at exit)",
    )
    demo.add_argument(
        "--data",
        type=Path,
        metavar="FOLDER",
        help="wijk.geojson, buurt.geojson and infopoints.csv (default: the Utrecht example data)",
    )
    demo.add_argument("--no-browser", action="store_true", help="only print the page's address")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    args = build_parser().parse_args(argv)
    if args.command == "demo":  # its own config: a broken config.toml must not stop a try-out
        return demo(args)
    try:
        config = load_config(resolve_path(args.config))
    except ConfigError as exc:
        print(f"buurtbot: configuration error: {exc}", file=sys.stderr)
        return 2
    setup_logging(config)
    match args.command:
        case "check-config":
            return check_config(config)
        case "db":
            return database(config, args)
        case "areas":
            return asyncio.run(import_area_files(config, args.files))
        case "infopoints":
            return asyncio.run(cli_infopoints.run(config, args))
        case "run":
            return run(config, webhook=args.webhook)
    return 2  # pragma: no cover - argparse refuses other commands


def demo(args: argparse.Namespace) -> int:
    """Run ``buurtbot demo``."""
    from bot.sandbox.demo import DemoOptions, run

    setup_logging(None)
    options = DemoOptions(
        port=args.port, database=args.database, data=args.data, open_browser=not args.no_browser
    )
    try:
        return run(options)
    except FileNotFoundError as exc:
        print(f"buurtbot demo: {exc}", file=sys.stderr)
        return 2


def check_config(config: Config) -> int:
    """Report the configuration's main facts (never the token)."""
    token = "set" if config.telegram.token else "NOT SET (needed for 'run')"
    print(f"Config OK: {config.source}")
    print(f"  token: {token}")
    print(f"  database: {config.database.url.split('@')[-1]}")
    print(f"  language: {config.bot.default_language}, time zone: {config.bot.timezone}")
    print(f"  admins: {len(config.bot.admins)}; areas: {config.areas.file or '(none)'}")
    webhook, monitoring = config.webhook, config.monitoring
    print(f"  updates: {'webhook ' + webhook.url if webhook.enabled else 'long polling'}")
    where = f"http://{monitoring.host}:{monitoring.port}"
    print(f"  monitoring: {where + '/healthz, /metrics' if monitoring.enabled else 'off'}")
    return 0


def database(config: Config, args: argparse.Namespace) -> int:
    """Upgrade, downgrade or show the database version."""
    from models import migrate

    url = config.database.url
    match args.db_command:
        case "upgrade":
            migrate.upgrade(url)
            print(f"Database is at version {migrate.head_revision()}.")
        case "downgrade":
            migrate.downgrade(url, args.revision)
            print(f"Database downgraded to {args.revision}.")
        case "current":
            print(asyncio.run(migrate.current_revision(url)) or "empty (run 'buurtbot db upgrade')")
    return 0


async def import_area_files(config: Config, files: Sequence[Path]) -> int:
    """Import GeoJSON area files in one transaction."""
    from models.areas import AreaFileError, import_areas, read_area_file
    from models.db import create_engine, create_sessionmaker

    try:
        features = [f for path in files for f in read_area_file(path)]
    except AreaFileError as exc:
        print(f"buurtbot: {exc}", file=sys.stderr)
        return 1
    engine = create_engine(
        config.database.url, sqlite_synchronous=config.database.sqlite_synchronous
    )
    try:
        async with create_sessionmaker(engine).begin() as session:
            result = await import_areas(session, features)
    except AreaFileError as exc:
        print(f"buurtbot: {exc}", file=sys.stderr)
        return 1
    finally:
        await engine.dispose()
    print(
        f"Wijken: {result.wijken_added} added, {result.wijken_updated} updated. "
        f"Buurten: {result.buurten_added} added, {result.buurten_updated} updated."
    )
    return 0


@contextlib.contextmanager
def start_up_frozen() -> Iterator[None]:
    """Keep the garbage collector out of a part of start-up, then exempt what it built.

    Start-up creates about 180,000 objects that live as long as the process (modules, tables,
    handlers) and a few hundred that are garbage; the collector would walk the lot again and
    again while they are made (a tenth of the start-up time), and every full collection later
    would walk them once more (a pause of ~0.1 s). gc.freeze() moves them out of its sight; the
    few garbage cycles among them stay (kilobytes, once).
    """
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.enable()


def run(config: Config, *, webhook: bool = False) -> int:
    """Upgrade the database and serve Telegram (polling or a webhook; leader or standby)."""
    if not config.telegram.token:
        print(BOTFATHER_HELP, file=sys.stderr)
        return 2
    if webhook or config.webhook.enabled:
        try:
            check_webhook_ready(config.webhook, config.source)
        except ConfigError as exc:
            print(f"buurtbot: configuration error: {exc}", file=sys.stderr)
            return 2
        webhook = True
    with start_up_frozen():
        from sqlalchemy.exc import SQLAlchemyError
        from telegram.error import InvalidToken, NetworkError

        from bot import serve
        from bot.app import build_application
        from bot.leader import AlreadyRunning, SingleInstance, leadership_for
        from models import migrate

    where = config.database.url.split("@")[-1]
    leadership = leadership_for(config)
    try:
        if isinstance(leadership, SingleInstance):
            leadership.claim_file()  # before migrating: a second instance must touch nothing
    except AlreadyRunning as exc:
        print(f"buurtbot: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"buurtbot: cannot open the database {where}: {exc}", file=sys.stderr)
        return 1
    try:
        migrate.upgrade(config.database.url)
    except (SQLAlchemyError, OSError) as exc:
        print(f"buurtbot: cannot open the database {where}: {exc}", file=sys.stderr)
        return 1
    # Alembic, when it migrates, leaves some 10,000 garbage objects that must not be frozen
    # below. With the imports frozen already, collecting takes ~10 ms (under 1 ms without
    # migrations).
    gc.collect()
    with start_up_frozen():
        application = build_application(config)
    try:
        if webhook:
            from bot.webhook import describe, webhook_receiver

            _LOGGER.info("Buurtbot starts (database %s, %s)", where, describe(config))
            code = serve.run(application, config, leadership, webhook_receiver(config))
        else:
            _LOGGER.info("Buurtbot starts (database %s)", where)
            code = serve.run(application, config, leadership)
    except InvalidToken:
        print(
            "buurtbot: Telegram does not accept the bot token. " + BOTFATHER_HELP, file=sys.stderr
        )
        return 2
    except NetworkError as exc:
        print(
            f"buurtbot: cannot reach Telegram at {config.telegram.api_base_url}: {exc}",
            file=sys.stderr,
        )
        return 1
    if code == serve.LOST_LEADERSHIP:
        print("buurtbot: another instance took over the leadership; exiting", file=sys.stderr)
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
