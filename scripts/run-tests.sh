#!/usr/bin/env bash
# Runs the suite on SQLite, then on PostgreSQL with Redis when they answer.
# With REQUIRE_SERVICES=1 (CI), a missing PostgreSQL or Redis is a failure, not a skip.
set -uo pipefail
cd "$(dirname "$0")/.."
pg_url=$1
redis_url=$2
py=.venv/bin/python
skipped=()
status=0

echo "== test suite on SQLite (no Redis) =="
env -u TEST_DATABASE_URL -u TEST_REDIS_URL $py -m pytest || status=1

if $py scripts/service_check.py postgres "$pg_url"; then
  redis_env=()
  if $py scripts/service_check.py redis "$redis_url"; then
    redis_env=(TEST_REDIS_URL="$redis_url")
  else
    skipped+=("Redis-backed tests in the PostgreSQL run: no Redis answers at $redis_url")
  fi
  echo "== test suite on PostgreSQL ${redis_env:+with Redis} =="
  env TEST_DATABASE_URL="$pg_url" "${redis_env[@]}" $py -m pytest || status=1
else
  skipped+=("the whole PostgreSQL run: no PostgreSQL answers at $pg_url")
fi

if [ ${#skipped[@]} -gt 0 ]; then
  echo
  echo "Not run on this machine:"
  printf -- '- %s\n' "${skipped[@]}"
  if [ "${REQUIRE_SERVICES:-0}" = 1 ]; then
    echo "REQUIRE_SERVICES=1: a missing service is a failure."
    status=1
  fi
fi
exit $status
