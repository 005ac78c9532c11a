"""Exit 0 when the named service answers at the URL: `service_check.py postgres|redis URL`."""

import sys

import redis
import sqlalchemy as sa


def main(kind: str, url: str) -> int:
    """Try one connection, with a short timeout."""
    try:
        if kind == "postgres":
            engine = sa.create_engine(url, connect_args={"connect_timeout": 3})
            with engine.connect() as connection:
                connection.execute(sa.text("SELECT 1"))
            engine.dispose()
        else:
            redis.Redis.from_url(url, socket_connect_timeout=3).ping()
    except (sa.exc.SQLAlchemyError, redis.RedisError):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
