#!/bin/sh
# What trip documents (letters of invitation, certificates) are laid out with: Pango for WeasyPrint, and Debian's
# Noto fonts for names in Latin, Arabic and CJK script. The Docker image installs the same packages.
# Run from the repository root: sh tests/trips/install-documents.sh
set -eu
packages="libpango-1.0-0 libpangoft2-1.0-0 fonts-noto-core fonts-noto-cjk fonts-dejavu-core"
missing=""
for package in $packages; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing="$missing $package"
done
if [ -n "$missing" ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
fc-list : family | grep -q "Noto Sans CJK SC" || { echo "Noto Sans CJK SC is missing" >&2; exit 1; }
