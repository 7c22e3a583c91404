"""``bct``: the operator's command line. Wraps Django management commands.

``bct serve`` (development server, or gunicorn with --prod), ``bct worker`` (task worker and
periodic-job scheduler),
``bct migrate`` (as the migration owner), ``bct dev`` (what `make run` starts), plus every
management command with dashes or underscores (``bct seed-demo``, ``bct check --deploy``).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys

HELP = """usage: bct COMMAND [options]

Black Canyon Tickets operator commands:
  serve [ADDR:PORT] [--prod]  run the web server (development server; gunicorn with --prod)
  worker [--batch]            run the background task worker and the periodic jobs
                              (config/schedule.py); --batch: run what is due, then exit
  migrate                     apply database migrations (uses MIGRATE_DATABASE_URL when set)
  dev                         migrate, seed demo data once, serve on 127.0.0.1:8000 + worker
  seed-demo                   create the demo organizer, events and logins
  api-token create|list|revoke  organizer API tokens (--organizer SLUG --name NAME)
  check [--deploy]            Django system checks (--deploy: production readiness)
  createsuperuser             create a platform staff account
  help-all                    list every management command

Configuration comes from the environment; see .env.example.
"""


def _setup_env(process: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "blackcanyon.config.settings")
    os.environ.setdefault("BCT_PROCESS", process)


def _manage(argv: list[str]) -> None:
    from django.core.management import execute_from_command_line

    execute_from_command_line(["bct", *argv])


def _serve(args: list[str]) -> None:
    if "--prod" in args:
        args = [a for a in args if a != "--prod"]
        bind = args[0] if args else os.environ.get("BIND", "127.0.0.1:8000")
        workers = os.environ.get("WEB_CONCURRENCY", "2")
        os.execvp(  # noqa: S606 - fixed argv, replaces this process with gunicorn
            sys.executable,
            [
                sys.executable,
                "-m",
                "gunicorn",
                "blackcanyon.config.wsgi",
                "--bind",
                bind,
                "--workers",
                workers,
                "--access-logfile",
                "-",
            ],
        )
    _manage(["runserver", *(args or ["127.0.0.1:8000"])])


def _dev() -> int:
    """Migrate, seed once, then run web server and worker together until Ctrl-C."""
    env = {**os.environ, "BCT_PROCESS": "migrate"}
    bct = [sys.executable, "-m", "blackcanyon.cli"]
    subprocess.run([*bct, "migrate", "--verbosity", "0"], check=True, env=env)  # noqa: S603
    subprocess.run([*bct, "seed-demo", "--once"], check=True)  # noqa: S603
    worker = subprocess.Popen([*bct, "worker"], env={**os.environ, "BCT_PROCESS": "worker"})  # noqa: S603
    web = subprocess.Popen([*bct, "serve", "127.0.0.1:8000", "--noreload"])  # noqa: S603
    print("\nBlack Canyon Tickets is running at http://127.0.0.1:8000  (Ctrl-C stops it)\n")
    try:
        return web.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        for proc in (web, worker):
            if proc.poll() is None:
                proc.send_signal(signal.SIGINT)
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()


def main(argv: list[str] | None = None) -> int:
    from django.core.exceptions import ImproperlyConfigured

    try:
        return _main(argv)
    except ImproperlyConfigured as error:
        # The production guard's message names every problem; a traceback adds nothing.
        print(f"bct: {error}", file=sys.stderr)
        return 2


def _main(argv: list[str] | None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in {"-h", "--help", "help"}:
        print(HELP)
        return 0
    command, rest = args[0], args[1:]
    if command == "help-all":
        _setup_env("web")
        _manage(["help"])
        return 0
    if command == "serve":
        _setup_env("web")
        _serve(rest)
        return 0
    if command == "worker":
        _setup_env("worker")
        _manage(["worker", *rest])  # core's db_worker + the scheduler thread
        return 0
    if command == "migrate":
        _setup_env("migrate")
        _manage(["migrate", *rest])
        return 0
    if command == "dev":
        _setup_env("web")
        return _dev()
    _setup_env("web")
    _manage([command.replace("-", "_"), *rest])
    return 0


if __name__ == "__main__":
    sys.exit(main())
