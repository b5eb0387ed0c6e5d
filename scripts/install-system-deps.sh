#!/usr/bin/env bash
# Install what perfgen needs outside Python: LibreOffice Writer (layout engine for 目录 page numbers and
# PDF) with its Python bridge, Calc (opens the workbook in the tests), poppler (PDF checks) and the CJK fonts that
# perfgen/office/fonts.conf maps the official fonts to. Idempotent; Debian/Ubuntu (apt-get).
set -euo pipefail

packages=(libreoffice-writer-nogui libreoffice-calc-nogui python3-uno poppler-utils fonts-noto-cjk fonts-arphic-ukai fonts-liberation)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "perfgen: apt-get not found; install these yourself: ${missing[*]}" >&2
  echo "perfgen: without LibreOffice, documents are built with a 目录 that is updated when opened." >&2
  exit 0
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  sudo="sudo"
fi
echo "perfgen: installing ${missing[*]}" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
