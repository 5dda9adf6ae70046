#!/bin/sh
# Installs the IRC servers the benchmark compares parley with (ngircd, inspircd) from Debian's
# packages when they are missing. Usage: sh scripts/install_bench_peers.sh [ngircd] [inspircd]
# (no arguments: both). The packages' own services are not needed: the benchmark starts each
# server itself with a generated configuration on a free loopback port.
want="$*"
[ -z "$want" ] && want="ngircd inspircd"
need=""
for name in $want; do
  command -v "$name" >/dev/null 2>&1 || [ -x "/usr/sbin/$name" ] || need="$need $name"
done
[ -z "$need" ] && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing benchmark peers:$need" >&2
  export DEBIAN_FRONTEND=noninteractive
  (apt-get update -qq && apt-get install -y -qq $need) >/dev/null 2>&1 || {
    echo "could not install$need; the benchmark skips them" >&2
    exit 1
  }
  # Debian starts the packaged services; the benchmark does not use them.
  for name in $need; do
    if command -v systemctl >/dev/null 2>&1; then
      systemctl stop "$name" >/dev/null 2>&1 || true
    fi
  done
else
  echo "missing$need (not root, or no apt-get); the benchmark skips them" >&2
  exit 1
fi
exit 0
