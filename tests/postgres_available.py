"""Exit 0 when the PostgreSQL admin URL given answers, so `make test` runs the suite there too."""

import sys

import psycopg
from sqlalchemy.engine import make_url


def main() -> int:
    url = make_url(sys.argv[1])
    try:
        with psycopg.connect(
            host=url.host,
            port=url.port or 5432,
            user=url.username,
            dbname=url.database,
            password=url.password,
            connect_timeout=3,
        ):
            return 0
    except psycopg.Error:
        return 1


if __name__ == "__main__":
    sys.exit(main())
