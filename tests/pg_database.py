"""Create or drop a throw-away PostgreSQL database for the test run.

    python tests/pg_database.py create|drop postgresql+psycopg://user@host:port NAME
"""

import re
import sys

import psycopg


def main(action: str, server_url: str, name: str) -> int:
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", name):
        print(f"bad database name {name!r}", file=sys.stderr)
        return 2
    dsn = server_url.replace("postgresql+psycopg://", "postgresql://") + "/postgres"
    try:
        with psycopg.connect(dsn, autocommit=True, connect_timeout=5) as conn:
            if action == "create":
                conn.execute(f"DROP DATABASE IF EXISTS {name}")
                conn.execute(f"CREATE DATABASE {name}")
            else:
                conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    except psycopg.OperationalError as error:
        print(f"PostgreSQL is unreachable at {server_url}: {error}\n"
              "The suite runs on PostgreSQL too; start the server or set PG_URL.", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
