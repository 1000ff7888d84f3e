#!/bin/sh
# hub_bench.sh — ingest throughput and load figures for amends-hub.
#
#   bench/hub_bench.sh BUILD_DIR [sqlite|postgresql|postgresql-2hubs] [KIOSKS] [SECONDS|xBATCHES] [PAUSE_MS]
#
# Makes a throwaway CA and certificate, a hub config with the rate limit
# off, provisions KIOSKS kiosks and a manager, starts the hub (two hubs on
# one database for postgresql-2hubs; PostgreSQL itself is started from
# Debian's postgresql package in a temporary directory, as the postgres
# user), runs build/bench/hub_bench against it and stops everything.
# SECONDS runs for that long; xN posts N batches per kiosk instead.
# PAUSE_MS (default 0: flat out) is each kiosk's mean pause between batches.
# Example: throughput with 4 kiosks posting 250 batches of 100 each:
#   bench/hub_bench.sh build sqlite 4 x250
# The 200-kiosk load test for 60 s:
#   bench/hub_bench.sh build postgresql-2hubs 200 60
set -eu

build=$(cd "${1:?usage: hub_bench.sh BUILD_DIR [backend] [kiosks] [seconds|xBATCHES]}" && pwd)
backend=${2:-sqlite}
kiosks=${3:-200}
span=${4:-60}
pause=${5:-0}
hub="$build/bin/amends-hub"
bench="$build/bench/hub_bench"
pgbin=/usr/lib/postgresql/15/bin

work=$(mktemp -d /tmp/amends-hub-bench.XXXXXX)
chmod 755 "$work"
pids=""
pg_running=0
cleanup() {
    for p in $pids; do kill -TERM "$p" 2>/dev/null || true; done
    for p in $pids; do wait "$p" 2>/dev/null || true; done
    if [ "$pg_running" = 1 ]; then
        runuser -u postgres -- "$pgbin/pg_ctl" -D "$work/pg/data" -m fast -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT INT TERM

cd "$work"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key \
    -out ca.crt -days 2 -subj '/CN=bench CA' 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout hub.key -out hub.csr \
    -subj '/CN=127.0.0.1' 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n' > ext.cnf
openssl x509 -req -in hub.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out hub.crt -days 2 \
    -extfile ext.cnf 2>/dev/null

case "$backend" in
sqlite)
    db="backend = sqlite
path = hub.db" ;;
postgresql|postgresql-2hubs)
    mkdir pg && chown postgres:postgres pg
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    runuser -u postgres -- "$pgbin/initdb" -D "$work/pg/data" -A trust -U amends -E UTF8 \
        --locale=C.UTF-8 >/dev/null
    runuser -u postgres -- "$pgbin/pg_ctl" -D "$work/pg/data" -l "$work/pg/server.log" -w \
        -o "-p $port -k $work/pg -c listen_addresses=127.0.0.1 -c max_connections=100" start >/dev/null
    pg_running=1
    db="backend = postgresql
conninfo = host=127.0.0.1 port=$port dbname=postgres user=amends" ;;
*) echo "hub_bench.sh: backend is sqlite, postgresql or postgresql-2hubs" >&2; exit 2 ;;
esac

cat > hub.conf <<CONF
[hub]
listen = 127.0.0.1:0
cert = hub.crt
key = hub.key
threads = 8
rate_per_minute = 0
log_level = warn
[db]
$db
CONF

i=0
: > kiosks.txt
while [ "$i" -lt "$kiosks" ]; do
    "$hub" --config hub.conf kiosk add "bench-$i" 2>/dev/null |
        awk '/^kiosk:/{k=$2} /^token:/{t=$2} /^secret:/{s=$2} END{print k, t, s}' >> kiosks.txt
    i=$((i + 1))
done
manager=$("$hub" --config hub.conf manager add bench | awk '/^token:/{print $2}')

# Starts hub number $1 and appends its URL to $urls.
urls=""
start_hub() {
    # log_level warn keeps the hub quiet under load; an info-level copy of
    # the config prints the "ready" line with the port.
    sed 's/^log_level = warn/log_level = info/' hub.conf > "hub-$1.conf"
    "$hub" --config "hub-$1.conf" > /dev/null 2> "hub-$1.log" &
    pids="$pids $!"
    n=0
    while ! grep -q 'ready: https://' "hub-$1.log" 2>/dev/null; do
        n=$((n + 1)); [ "$n" -lt 200 ] || { cat "hub-$1.log" >&2; exit 1; }
        sleep 0.05
    done
    url=$(sed -n 's/.*ready: \(https:[^ ]*\).*/\1/p' "hub-$1.log" | head -1)
    urls="${urls:+$urls,}$url"
}
start_hub 1
if [ "$backend" = postgresql-2hubs ]; then
    start_hub 2
fi

case "$span" in
x*) limit="--batches ${span#x}" ;;
*) limit="--seconds $span" ;;
esac
echo "== amends-hub $backend, $kiosks kiosks, $span, mean pause $pause ms"
# shellcheck disable=SC2086
"$bench" --urls "$urls" --ca ca.crt --kiosks kiosks.txt --manager "$manager" $limit --batch 100 --interval-ms "$pause"
