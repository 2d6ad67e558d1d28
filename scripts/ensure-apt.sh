#!/usr/bin/env bash
# Install Debian packages when missing: `ensure-apt.sh WHAT PACKAGE...` (WHAT names them in
# messages). Used for the fonts of the built-in fonts-cjk dataset, the headless Chromium of
# the web-UI tests and the PostgreSQL binaries of the database tests. As root it runs apt-get
# itself; otherwise it prints the sudo command and fails.
set -euo pipefail
what=$1
shift
packages=("$@")
if ! command -v dpkg-query >/dev/null; then
  echo "ensure-apt: not a Debian/Ubuntu system; install the $what by other means: ${packages[*]}" >&2
  exit 0
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "ensure-apt: missing $what packages; run: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "ensure-apt: installing $what: ${missing[*]}"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
