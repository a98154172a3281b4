#!/usr/bin/env bash
# System packages blamine uses: tesseract with the language data for OCR of scanned pages, and Debian's
# chromium with its chromedriver for the headless-browser test of the web page (tests/test_web.py).
# Idempotent and quiet when everything is present; uses apt (Debian/Ubuntu). On other systems it
# prints what to install and exits 0, so the Python parts still work (OCR pages are then left empty
# with a warning, and the OCR and browser tests skip).
set -euo pipefail

LANGS=(eng fra nld deu spa por ita ara osd)
PACKAGES=(tesseract-ocr)
for lang in "${LANGS[@]}"; do PACKAGES+=("tesseract-ocr-$lang"); done

missing=()
if ! command -v tesseract >/dev/null 2>&1; then
  missing=("${PACKAGES[@]}")
else
  have=$(tesseract --list-langs 2>/dev/null | tail -n +2)
  for lang in "${LANGS[@]}"; do
    grep -qx "$lang" <<<"$have" || missing+=("tesseract-ocr-$lang")
  done
fi
if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then
  missing+=(chromium chromium-driver)
fi
[ ${#missing[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-system-deps: apt-get not found; please install: ${missing[*]}" >&2
  exit 0
fi
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
echo "install-system-deps: installing ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
