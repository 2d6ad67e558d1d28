#!/usr/bin/env bash
# Install the Debian font packages the built-in fonts-cjk dataset renders from, when missing.
# As root it runs apt-get itself; otherwise it prints the sudo command and fails.
set -euo pipefail
packages=(fonts-arphic-ukai fonts-arphic-uming fonts-wqy-zenhei fonts-cwtex-fs fonts-cwtex-yen
          fonts-kouzan-mouhitsu fonts-misaki)
if ! command -v dpkg-query >/dev/null; then
  echo "ensure-fonts: not a Debian/Ubuntu system; install these fonts by other means: ${packages[*]}" >&2
  exit 0
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "ensure-fonts: missing font packages; run: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "ensure-fonts: installing ${missing[*]}"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
