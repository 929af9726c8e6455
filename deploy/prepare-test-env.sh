#!/usr/bin/env bash
# Bring up what the tests talk to, on this machine: RabbitMQ (AMQP and the management
# API), PostgreSQL with a database `lgv_test`, and Debian's Chromium for the web page's
# browser test (installed with apt-get when missing). Idempotent; meant to run as root on a
# machine where both are installed from Debian's packages. Exits non-zero, saying why,
# when something cannot be brought up: tests that need these services must fail, not skip.
# `--no-browser` (for `make bench`) leaves Chromium out.
set -euo pipefail

PATH="$PATH:/usr/sbin:/sbin:/usr/local/sbin"
RABBIT_HOST=127.0.0.1
RABBIT_PORT=5672
RABBIT_MGMT_PORT=15672
PG_HOST=127.0.0.1
PG_PORT=5432
PG_ADMIN_USER="${LGV_PG_ADMIN_USER:-postgres}"
PG_TEST_DB="${LGV_PG_TEST_DB:-lgv_test}"
CHROMIUM="${LGV_CHROMIUM:-/usr/bin/chromium}"
TIMEOUT="${LGV_SERVICE_TIMEOUT:-90}"

say() { echo "prepare-test-env: $*"; }
die() { echo "prepare-test-env: ERROR: $*" >&2; exit 1; }

port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

wait_port() {  # host port what
    local deadline=$((SECONDS + TIMEOUT))
    until port_open "$1" "$2"; do
        [ "$SECONDS" -lt "$deadline" ] || die "$3 does not answer on $1:$2 after ${TIMEOUT}s"
        sleep 1
    done
}

ensure_rabbitmq() {
    if ! port_open "$RABBIT_HOST" "$RABBIT_PORT"; then
        command -v rabbitmq-server >/dev/null || die "RabbitMQ is not running on $RABBIT_HOST:$RABBIT_PORT and rabbitmq-server is not installed"
        say "starting RabbitMQ (rabbitmq-server -detached)"
        rabbitmq-server -detached || die "rabbitmq-server -detached failed"
        wait_port "$RABBIT_HOST" "$RABBIT_PORT" "RabbitMQ"
    fi
    say "RabbitMQ answers on $RABBIT_HOST:$RABBIT_PORT"
}

ensure_rabbitmq_management() {
    if ! rabbitmq-plugins is_enabled rabbitmq_management >/dev/null 2>&1; then
        say "enabling rabbitmq_management"
        rabbitmq-plugins enable rabbitmq_management >/dev/null || die "could not enable rabbitmq_management"
    fi
    wait_port "$RABBIT_HOST" "$RABBIT_MGMT_PORT" "RabbitMQ management"
    say "RabbitMQ management answers on $RABBIT_HOST:$RABBIT_MGMT_PORT"
}

ensure_postgres() {
    if ! port_open "$PG_HOST" "$PG_PORT"; then
        command -v pg_ctlcluster >/dev/null || die "PostgreSQL is not running on $PG_HOST:$PG_PORT and pg_ctlcluster is not installed"
        local version
        version="$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1)"
        [ -n "$version" ] || die "PostgreSQL is not running and no cluster is configured under /etc/postgresql"
        say "starting PostgreSQL $version/main"
        pg_ctlcluster --skip-systemctl-redirect "$version" main start || die "pg_ctlcluster $version main start failed"
        wait_port "$PG_HOST" "$PG_PORT" "PostgreSQL"
    fi
    local deadline=$((SECONDS + TIMEOUT))
    until psql -h "$PG_HOST" -p "$PG_PORT" -U "$PG_ADMIN_USER" -d postgres -Atqc 'select 1' >/dev/null 2>&1; do
        [ "$SECONDS" -lt "$deadline" ] || die "PostgreSQL on $PG_HOST:$PG_PORT does not accept user $PG_ADMIN_USER"
        sleep 1
    done
    say "PostgreSQL answers on $PG_HOST:$PG_PORT (user $PG_ADMIN_USER)"
}

test_database_exists() {
    [ "$(psql -h "$PG_HOST" -p "$PG_PORT" -U "$PG_ADMIN_USER" -d postgres -Atqc \
        "select 1 from pg_database where datname = '$PG_TEST_DB'")" = "1" ]
}

ensure_test_database() {
    if ! test_database_exists; then
        say "creating database $PG_TEST_DB"
        # A concurrent run may create it first; only its absence afterwards is an error.
        psql -h "$PG_HOST" -p "$PG_PORT" -U "$PG_ADMIN_USER" -d postgres -qc "create database \"$PG_TEST_DB\"" \
            || test_database_exists || die "could not create database $PG_TEST_DB"
    fi
    say "database $PG_TEST_DB is ready: postgresql+psycopg://$PG_ADMIN_USER@$PG_HOST:$PG_PORT/$PG_TEST_DB"
}

install_chromium() {
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium chromium-driver >/dev/null
}

ensure_chromium() {
    if [ ! -x "$CHROMIUM" ]; then
        command -v apt-get >/dev/null || die "$CHROMIUM is missing and apt-get is not available to install it"
        say "installing chromium and chromium-driver (apt-get)"
        install_chromium || { apt-get update -qq && install_chromium; } || die "could not install chromium"
        [ -x "$CHROMIUM" ] || die "chromium was installed but $CHROMIUM is not there"
    fi
    say "Chromium is at $CHROMIUM"
}

[ "${1:-}" = "--no-browser" ] || ensure_chromium
ensure_rabbitmq
ensure_rabbitmq_management
ensure_postgres
ensure_test_database
