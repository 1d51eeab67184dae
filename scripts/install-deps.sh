#!/bin/sh
# Installs what Ward's build, tests and demo need on a Debian machine. Idempotent: it asks
# apt only for packages that are missing and runs npm ci only when the lock file changed.
set -eu
cd "$(dirname "$0")/.."

APT_PACKAGES="containerd runc busybox-static swtpm swtpm-tools tpm2-tools golang-go \
  golang-github-containerd-ttrpc-dev golang-github-hashicorp-go-plugin-dev golang-google-grpc-dev \
  golang-github-gogo-protobuf-dev golang-google-protobuf-dev iproute2 util-linux"

missing=""
for p in $APT_PACKAGES; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
if [ -n "$missing" ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: missing Debian packages:$missing (run as root to install them); continuing" >&2
  else
    echo "install-deps: apt-get install$missing" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $missing >/dev/null
  fi
fi

stamp=node_modules/.ward-npm-stamp
if [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ] || [ package.json -nt "$stamp" ]; then
  echo "install-deps: npm ci" >&2
  if ! npm ci --no-audit --no-fund --loglevel=error 2>/tmp/ward-npm-ci.err; then
    # npm 11 writes lock files without the optional packages of other platforms (Biome ships one
    # binary package per platform) and then `npm ci` calls the lock out of sync. `npm install`
    # still installs exactly the versions the lock names; --no-save keeps the lock untouched.
    grep -q 'EUSAGE' /tmp/ward-npm-ci.err || { cat /tmp/ward-npm-ci.err >&2; exit 1; }
    echo "install-deps: npm ci refused the lock file (npm's optional-platform quirk); npm install --no-save" >&2
    npm install --no-save --no-audit --no-fund --loglevel=error
  fi
  touch "$stamp"
fi
