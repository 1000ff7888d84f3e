#!/bin/sh
# Installs what building and testing amends needs on Debian 12, as root.
# Used by the README's two commands and by .ci/run. Safe to run again.
set -eu

packages="
  build-essential cmake pkg-config git ca-certificates
  libsqlite3-dev sqlite3 libinih-dev libcjson-dev libcmocka-dev
  clang clang-format libsystemd-dev tzdata python3
  libsdl2-dev libsdl2-ttf-dev libsdl2-image-dev libqrencode-dev libpng-dev xvfb xauth chromium chromium-driver
  libsodium-dev nettle-dev wamerican
  libhyphen-dev hyphen-en-us hyphen-de hyphen-fr hyphen-es
  libmicrohttpd-dev libgnutls28-dev libpq-dev libcurl4-openssl-dev postgresql curl openssl sslscan
  dpkg-dev fakeroot lintian systemd man-db groff-base cage zbar-tools
"

if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps.sh: run as root (it installs Debian packages with apt-get)" >&2
    exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-deps.sh: apt-get not found; amends is built on Debian 12" >&2
    exit 1
fi

missing=""
for p in $packages; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done
if [ -z "$missing" ]; then
    echo "install-deps.sh: all build and test packages are installed"
    exit 0
fi
echo "install-deps.sh: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing
