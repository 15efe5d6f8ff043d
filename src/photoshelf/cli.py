"""The `photoshelf` command: serve, migrate, import, users and tokens, and Django's commands
(`manage`)."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from datetime import date, timedelta
from pathlib import Path

import django
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command, execute_from_command_line
from django.core.management.base import BaseCommand
from django.db import connections

from photoshelf.core import datadir
from photoshelf.core.migrating import migration_lock
from photoshelf.ingest.incoming import remove_stale_spool_files
from photoshelf.server import serve

# Modules that define models (the gallery, the importer, accounts) are imported inside the
# commands, after _setup_django(): Django allows no model import before it is set up.

EXIT_USAGE = 2


def _setup_django() -> None:
    """Django, set up, and the data folder made (every command needs both)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "photoshelf.settings")
    django.setup()
    datadir.prepare()


def _migrate(verbosity: int = 1, *, then_collect_static: bool = False) -> None:
    # With Django's system checks: a misconfiguration stops `serve` before it listens. Under
    # the lock, so servers started together migrate one after another (core/migrating.py);
    # static files too, since servers on one machine may share the data folder they go to.
    # The checks come first: they explain a data folder or database that cannot be used,
    # where taking the lock would only fail.
    # The data folder first: the database's own checks would only fail to open a file in it.
    BaseCommand().check(tags=[datadir.CHECK_TAG])
    BaseCommand().check(databases=["default"])  # what `migrate` runs, raising the same error
    with migration_lock(connections["default"]):
        call_command("migrate", interactive=False, verbosity=verbosity, skip_checks=True)
        if then_collect_static:
            call_command("collectstatic", interactive=False, verbosity=0)


def cmd_migrate(args: argparse.Namespace) -> int:
    _setup_django()
    _migrate()
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    _setup_django()
    from photoshelf.gallery import in_flight

    _migrate(verbosity=0, then_collect_static=True)

    remove_stale_spool_files(Path(settings.FILE_UPLOAD_TEMP_DIR))
    # Before listening: what uploads of a killed server wrote goes (those of live servers on
    # other machines stay, see gallery/in_flight.py).
    in_flight.sweep()
    connections.close_all()  # the workers forked from here open connections of their own

    serve(host=args.host, port=args.port, workers=args.workers, threads=args.threads)
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    _setup_django()
    from photoshelf.gallery.consistency import check

    report = check(repair=args.repair, grace=timedelta(minutes=args.grace_minutes))
    for line in report.lines():
        print(line)
    fixed = args.repair and report.repaired_all
    print("consistent" if report.clean else ("repaired" if fixed else "inconsistent"))
    return 0 if report.clean or fixed else 1


def cmd_trash_purge(args: argparse.Namespace) -> int:
    if args.older_than is not None and args.older_than < 0:
        print("photoshelf trash purge: --older-than must be 0 or more days", file=sys.stderr)
        return EXIT_USAGE
    _setup_django()
    _migrate(verbosity=0)
    from photoshelf.gallery import trash

    older_than = None if args.older_than is None else timedelta(days=args.older_than)
    purged = trash.purge_expired(older_than)
    print(f"purged {purged} photo(s) from the trash")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    _setup_django()
    _migrate(verbosity=0)
    from photoshelf.importer.export import Options, run_export

    user_id = None
    if args.user is not None:
        user = get_user_model().objects.filter(username=args.user).first()
        if user is None:
            print(f"photoshelf export: there is no user named {args.user!r}", file=sys.stderr)
            return EXIT_USAGE
        user_id = user.pk
    album_id = None
    if args.album is not None:
        album_id, problem = _album_named(args.album)
        if problem:
            print(f"photoshelf export: {problem}", file=sys.stderr)
            return EXIT_USAGE
    try:
        options = Options(folder=args.folder, user_id=user_id, album_id=album_id, since=args.since)
        run_export(options)
    except OSError as error:
        print(f"photoshelf export: {error}", file=sys.stderr)
        return 1
    return 0


def _album_named(text: str) -> tuple[int | None, str]:
    """An album by id or by title (a title several albums share names none: give the id)."""
    from photoshelf.gallery.models import Album

    if text.isdigit() and Album.objects.filter(pk=int(text)).exists():
        return int(text), ""
    ids = list(Album.objects.filter(title=text.strip()).order_by("pk").values_list("pk", flat=True))
    if not ids:
        return None, f"there is no album with the id or title {text!r}"
    if len(ids) > 1:
        listed = ", ".join(map(str, ids))
        return None, f"several albums are titled {text!r} (ids {listed}): give one's id"
    return ids[0], ""


def cmd_import(args: argparse.Namespace) -> int:
    missing = [str(path) for path in args.paths if not path.exists()]
    if missing:
        print(f"photoshelf import: no such file or folder: {', '.join(missing)}", file=sys.stderr)
        return EXIT_USAGE
    if args.jobs is not None and args.jobs < 1:
        print("photoshelf import: --jobs must be at least 1", file=sys.stderr)
        return EXIT_USAGE
    _setup_django()
    _migrate(verbosity=0)
    from photoshelf.importer.run import Options, default_jobs, run_import

    user_id = None
    if args.user is not None:
        user = get_user_model().objects.filter(username=args.user, is_active=True).first()
        if user is None:
            print(
                f"photoshelf import: there is no active user named {args.user!r}", file=sys.stderr
            )
            return EXIT_USAGE
        user_id = user.pk
    options = Options(
        paths=args.paths,
        recursive=args.recursive,
        jobs=args.jobs or default_jobs(),
        dry_run=args.dry_run,
        name_from=args.name_from,
        report=args.report,
        user_id=user_id,
    )
    try:
        return run_import(options).exit_code
    except KeyboardInterrupt:  # a second Ctrl-C: what was stored is complete, nothing else is
        return 130


def _read_password(args: argparse.Namespace) -> str:
    """From standard input (first line) with --password-stdin, else prompted twice, unechoed."""
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    password = getpass.getpass("Password: ")
    if getpass.getpass("Password again: ") != password:
        raise SystemExit("photoshelf: the two passwords differ; no user was created")
    return password


def cmd_createuser(args: argparse.Namespace) -> int:
    _setup_django()
    _migrate(verbosity=0)
    from photoshelf.accounts import users

    try:
        user = users.create(args.name, _read_password(args), admin=args.admin)
    except users.UserError as error:
        print(f"photoshelf: {error}", file=sys.stderr)
        return 1
    role = "administrator" if args.admin else "user"
    print(f"Created {role} {user.get_username()}.")
    return 0


def cmd_removeuser(args: argparse.Namespace) -> int:
    _setup_django()
    from photoshelf.accounts import users

    user = users.named(args.name)
    if user is None:
        print(f"photoshelf: there is no user named {args.name!r}", file=sys.stderr)
        return 1
    users.remove(user.pk)
    print(f"Removed {args.name}; their photos stay (only administrators may delete them now).")
    return 0


def cmd_token_create(args: argparse.Namespace) -> int:
    _setup_django()
    _migrate(verbosity=0)
    from photoshelf.accounts import tokens

    user = get_user_model().objects.filter(username=args.user, is_active=True).first()
    if user is None:
        print(f"photoshelf: there is no active user named {args.user!r}", file=sys.stderr)
        return 1
    _, secret = tokens.create(user, args.name)
    # The secret alone on stdout (so `$(photoshelf token create ...)` works); it is not stored.
    print(secret)
    print("This token is shown only once; keep it somewhere safe.", file=sys.stderr)
    return 0


def cmd_manage(args: argparse.Namespace) -> int:
    _setup_django()
    execute_from_command_line(["photoshelf manage", *args.rest])
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="photoshelf", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="apply pending migrations, then serve over HTTP")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port to bind (default 8000)")
    serve.add_argument(
        "--workers", type=int, default=None, help="server processes (default: one per CPU core)"
    )
    serve.add_argument(
        "--threads", type=int, default=4, help="request threads per process (default 4)"
    )
    serve.set_defaults(func=cmd_serve)

    migrate = sub.add_parser("migrate", help="apply pending database migrations")
    migrate.set_defaults(func=cmd_migrate)

    check = sub.add_parser(
        "check", help="report rows whose files are missing, and files no row references"
    )
    check.add_argument(
        "--repair",
        action="store_true",
        help="make missing renditions again from the original and remove orphan files",
    )
    check.add_argument(
        "--grace-minutes",
        type=float,
        default=10,
        metavar="M",
        help="--repair leaves unreferenced files younger than this (uploads in progress; "
        "default 10)",
    )
    check.set_defaults(func=cmd_check)

    trash = sub.add_parser("trash", help="the trash of deleted photos")
    trash_sub = trash.add_subparsers(dest="trash_command", required=True)
    purge = trash_sub.add_parser(
        "purge",
        help="delete forever the photos whose time in the trash is over",
        description="Delete forever (files, then row) the photos in the trash for longer than "
        "PHOTOSHELF_TRASH_DAYS, or than --older-than. Safe to run while servers run, and on "
        "many machines at once: each photo is purged once.",
    )
    purge.add_argument(
        "--older-than",
        type=float,
        default=None,
        metavar="D",
        help="purge photos deleted more than D days ago (default PHOTOSHELF_TRASH_DAYS; "
        "0: everything in the trash)",
    )
    purge.set_defaults(func=cmd_trash_purge)

    exp = sub.add_parser(
        "export",
        help="copy every photo, with a JSON sidecar each and a manifest, to a folder",
        description="Copy the originals of the gallery (not the trash) to FOLDER/photos under "
        "safe, unique names, each with a JSON sidecar (name, file name, SHA-256, format, camera, "
        "date taken with its offset and source, upload date, uploader, albums), and "
        "FOLDER/manifest.json listing them. Run it again to copy only what is missing. "
        "`photoshelf import FOLDER` brings it back, albums included.",
    )
    exp.add_argument("folder", type=Path, metavar="FOLDER", help="where to write the export")
    exp.add_argument("--user", default=None, metavar="U", help="only the photos U uploaded")
    exp.add_argument(
        "--album", default=None, metavar="A", help="only the photos of album A (its id or title)"
    )
    exp.add_argument(
        "--since",
        type=date.fromisoformat,
        default=None,
        metavar="DATE",
        help="only photos uploaded on or after DATE (YYYY-MM-DD, UTC)",
    )
    exp.set_defaults(func=cmd_export)

    imp = sub.add_parser(
        "import",
        help="import photo files and folders through the upload pipeline",
        description="Import files, and the files of folders, exactly as uploads would be: "
        "same rules, storage and database. Already imported files are skipped (by SHA-256), "
        "so an interrupted import finishes when run again. A folder made by `photoshelf export` "
        "is recognised by its manifest: its photos get back their names, upload dates and "
        "uploaders (those with an account here), and the date rules are not applied again; "
        "its albums are made again with their photos (owned by the account of the same name, "
        "else by --user, else by the oldest administrator), once however often it is run. "
        "Exit status: 0 when every file "
        "was accepted or refused for a rule, 1 when some could not be handled, 130 when "
        "interrupted.",
    )
    imp.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="files or folders")
    imp.add_argument("-r", "--recursive", action="store_true", help="descend into sub-folders")
    imp.add_argument(
        "-j",
        "--jobs",
        type=int,
        default=None,
        help="files imported at once (default: one per CPU core)",
    )
    imp.add_argument(
        "--dry-run", action="store_true", help="run every check and report, but store nothing"
    )
    imp.add_argument(
        "--name-from",
        choices=["stem", "path"],
        default="stem",
        help="display name: the file name without extension (default, as an upload) "
        "or its path below the folder given, without extension",
    )
    imp.add_argument(
        "--report",
        type=Path,
        default=None,
        metavar="FILE",
        help="write one line per file: CSV when FILE ends in .csv, else JSON lines",
    )
    imp.add_argument(
        "--user",
        default=None,
        metavar="U",
        help="record this user as the uploader of every imported photo (default: "
        "none: such photos can be deleted by administrators only)",
    )
    imp.set_defaults(func=cmd_import)

    createuser = sub.add_parser("createuser", help="add a user (prompts for the password)")
    createuser.add_argument("name", help="the user name")
    createuser.add_argument("--admin", action="store_true", help="an administrator")
    createuser.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from the first line of standard input",
    )
    createuser.set_defaults(func=cmd_createuser)

    removeuser = sub.add_parser("removeuser", help="remove a user (their photos stay)")
    removeuser.add_argument("name", help="the user name")
    removeuser.set_defaults(func=cmd_removeuser)

    token = sub.add_parser("token", help="API tokens")
    token_sub = token.add_subparsers(dest="token_command", required=True)
    token_create = token_sub.add_parser("create", help="create a token and print it (once)")
    token_create.add_argument("name", help="what the token is for, e.g. 'phone backup'")
    token_create.add_argument("--user", required=True, help="the user the token acts as")
    token_create.set_defaults(func=cmd_token_create)

    manage = sub.add_parser("manage", help="run a Django management command")
    manage.add_argument("rest", nargs=argparse.REMAINDER)
    manage.set_defaults(func=cmd_manage)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
