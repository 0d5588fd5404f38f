"""python -m bench [--claims N] [--seed S] [--out FILE] [--rebuild] …: build (or reuse) the
corpus, measure, print a Markdown table and write the figures as JSON (and the table next to
it, as .md)."""

import argparse
import dataclasses
import os
import secrets
import sys
import warnings
from pathlib import Path

from bench import PARTS

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/claimdesk_bench"


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--claims", type=int, default=10_000, help="corpus size (default 10000)")
    parser.add_argument("--seed", type=int, default=1, help="corpus seed (default 1)")
    parser.add_argument(
        "--out",
        type=Path,
        help="JSON file to write (default bench/results/bench-<claims>.json); the Markdown "
        "table goes next to it as .md",
    )
    parser.add_argument("--rounds", type=int, default=40, help="measured rounds (default 40)")
    parser.add_argument("--warmup", type=int, default=3, help="warm-up rounds (default 3)")
    parser.add_argument(
        "--export-runs", type=int, default=0, help="export runs (default 3, 1 from 20k claims)"
    )
    parser.add_argument(
        "--export-max-claims",
        type=int,
        default=0,
        help="stop reading each export after this many claims (default 0: the whole corpus)",
    )
    parser.add_argument(
        "--import-files", type=int, default=0, help="text files to import (default claims/20)"
    )
    parser.add_argument(
        "--rebuild", action="store_true", help="build a new corpus even if one is there"
    )
    parser.add_argument(
        "--only",
        type=lambda value: tuple(part.strip() for part in value.split(",") if part.strip()),
        default=(),
        help=f"measure only these parts, comma-separated: {', '.join(PARTS)} (default: all)",
    )
    parser.add_argument(
        "--mixed-seconds",
        type=float,
        default=60.0,
        help="how long the mixed load runs, warm-up aside (default 60)",
    )
    args = parser.parse_args(argv)
    unknown = [part for part in args.only if part not in PARTS]
    if unknown:
        parser.error(f"--only takes {', '.join(PARTS)}, not {', '.join(unknown)}")
    if args.mixed_seconds <= 0:
        parser.error(f"--mixed-seconds must be more than 0, not {args.mixed_seconds}")
    if args.claims < 1:
        parser.error(f"--claims must be at least 1, not {args.claims}")
    if args.export_max_claims < 0:
        parser.error(f"--export-max-claims must be 0 or more, not {args.export_max_claims}")
    if args.rounds < 1 or args.warmup < 0:
        parser.error("--rounds must be at least 1 and --warmup at least 0")
    return args


def configure_environment() -> None:
    """Production settings (DEBUG off) against the benchmark database; the throttle is kept
    in the request path but raised so that the benchmark's own requests are not refused."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    os.environ.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(50))
    os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "localhost")
    os.environ.setdefault("DJANGO_LOG_LEVEL", "WARNING")
    os.environ.setdefault("CLAIMDESK_API_ANON_RATE", "100000000/minute")
    os.environ.setdefault("CLAIMDESK_API_USER_RATE", "100000000/minute")


def ensure_database(url: str) -> None:
    """Create the benchmark's PostgreSQL database if it does not exist yet."""
    import psycopg
    from psycopg import sql

    if not url.startswith(("postgres://", "postgresql://")):
        return
    try:
        psycopg.connect(url).close()
        return
    except psycopg.OperationalError as exc:
        if "does not exist" not in str(exc):
            raise SystemExit(f"Cannot connect to {url}: {exc}") from None
    info = psycopg.conninfo.conninfo_to_dict(url)
    name = info.pop("dbname")
    with psycopg.connect(**info, dbname="postgres", autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    print(f"Created the database {name}.", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    configure_environment()
    ensure_database(os.environ["DATABASE_URL"])
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    # WhiteNoise warns when collectstatic has not run; the API serves no static files.
    warnings.filterwarnings("ignore", "No directory at", UserWarning)
    import django

    django.setup()
    from django.core.management import call_command

    from bench import load, runner

    call_command("migrate", verbosity=0, interactive=False)
    out = args.out or Path("bench/results") / f"bench-{args.claims}.json"
    # The runner's options the command line gives, under their own names.
    named = [f.name for f in dataclasses.fields(runner.Options) if hasattr(args, f.name)]
    options = runner.Options(
        **{name: getattr(args, name) for name in named if name != "out"},
        out=out,
        log=lambda message: print(message, file=sys.stderr, flush=True),
    )
    try:
        result = runner.run(options)
    except load.ForeignContentError as exc:
        print(exc, file=sys.stderr)
        return 2
    markdown = runner.write(result, out)
    print(runner.table(result))
    print(f"\nWritten: {out} and {markdown}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
