#!/bin/sh
# Installs the Debian tools named as arguments when they are missing (tmux for the real-terminal
# client test, openssl for test certificates and `deno task cert`). Whatever could not be installed
# is said in one line; the tests that need it skip and say why.
need=""
for tool in "$@"; do
  command -v "$tool" >/dev/null 2>&1 || need="$need $tool"
done
[ -z "$need" ] && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing:$need" >&2
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $need) >/dev/null 2>&1 ||
    echo "could not install$need; the tests that need it will skip" >&2
else
  echo "missing$need (not root, or no apt-get); the tests that need it will skip" >&2
fi
exit 0
