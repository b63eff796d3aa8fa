#!/usr/bin/env bash
# The system libraries the PDFs need (pesanan.documents renders with WeasyPrint): Pango for text
# layout and the DejaVu fonts the documents name. Installed from Debian when missing; quiet
# when they are there. `make run`, `make test` and CI call this.
set -euo pipefail
wanted=(libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core)
missing=()
for pkg in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "installing ${missing[*]} for the PDF documents" >&2
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
fi
test -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf \
  || { echo "DejaVu Sans is missing (fonts-dejavu-core)" >&2; exit 1; }
