#!/bin/sh
# Installs the Debian tools the test suite drives (tmux for the real-terminal client test).
# Tests that need a tool that could not be installed skip with a message naming it.
need=""
command -v tmux >/dev/null 2>&1 || need="$need tmux"
[ -z "$need" ] && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing test tools:$need" >&2
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $need) >/dev/null 2>&1 ||
    echo "could not install$need; the tests that need it will skip" >&2
else
  echo "missing$need (not root, or no apt-get); the tests that need it will skip" >&2
fi
exit 0
