#!/bin/sh
# sync_bench.sh — the sync worker draining a backlog to the real amends-hub
# over HTTPS on loopback: batches of 100 against the same number of records
# sent one per request, in the same run.
#
#   bench/sync_bench.sh BUILD_DIR [RECORDS [ROUNDS]]   (default 10000 3)
#
# Makes a throwaway CA and certificate, a hub config with the rate limit
# off (SQLite backend), provisions two kiosks, starts the hub, runs
# BUILD_DIR/bench/sync_bench and stops everything. Exits 1 when a record
# is lost or duplicated, or a target is missed.
set -eu

build=$(cd "${1:?usage: sync_bench.sh BUILD_DIR [RECORDS]}" && pwd)
records=${2:-10000}
rounds=${3:-3}
hub="$build/bin/amends-hub"
bench="$build/bench/sync_bench"

work=$(mktemp -d /tmp/amends-sync-bench.XXXXXX)
hub_pid=""
cleanup() {
    if [ -n "$hub_pid" ]; then
        kill -TERM "$hub_pid" 2>/dev/null || true
        wait "$hub_pid" 2>/dev/null || true
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

cat > hub.conf <<CONF
[hub]
listen = 127.0.0.1:0
cert = hub.crt
key = hub.key
threads = 4
rate_per_minute = 0
log_level = info
[db]
backend = sqlite
path = hub.db
CONF

for k in batched single; do
    "$hub" --config hub.conf kiosk add "$k" > "$k.txt"
    (umask 077; awk '/^token:/{print $2}' "$k.txt" > "$k.token")
    (umask 077; awk '/^secret:/{print $2}' "$k.txt" > "$k.secret")
done

"$hub" --config hub.conf > /dev/null 2> hub.log &
hub_pid=$!
n=0
while ! grep -q 'ready: https://' hub.log; do
    n=$((n + 1)); [ "$n" -lt 200 ] || { cat hub.log >&2; exit 1; }
    sleep 0.05
done
url=$(sed -n 's/.*ready: \(https:[^ ]*\).*/\1/p' hub.log | head -1)

echo "== sync worker → amends-hub (sqlite, TLS, loopback), $records records, $rounds round(s)"
"$bench" --url "$url" --ca ca.crt --dir "$work" --records "$records" --rounds "$rounds" \
    --hub-db "$work/hub.db"
