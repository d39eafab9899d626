#!/usr/bin/env bash
# Extract a package's translatable strings into its Swedish catalog (created or updated):
#   bash scripts/i18n.sh patrol/review
# Then fill in the msgstr lines of <package>/translations/sv/LC_MESSAGES/messages.po.
# The app compiles stale catalogs at start; `flask --app app translations` lists what is missing.
# A shared string (e.g. in templates/) goes in patrol/translations (package: patrol, with --shared).
set -euo pipefail
cd "$(dirname "$0")/.."
pkg=${1:?usage: scripts/i18n.sh patrol/<feature> | --shared}
PYBABEL=${PYBABEL:-$(dirname "$(command -v python3)")/pybabel}
[ -x .venv/bin/pybabel ] && PYBABEL=.venv/bin/pybabel
if [ "$pkg" = "--shared" ]; then
  sources=(patrol/*.py templates); out=patrol/translations
else
  sources=("$pkg"); out="$pkg/translations"
fi
pot=$(mktemp --suffix=.pot)
"$PYBABEL" -q extract -F babel.cfg -k lazy_gettext -k _l -k N_ -k ValidationError --no-location --omit-header -o "$pot" "${sources[@]}"
if [ -f "$out/sv/LC_MESSAGES/messages.po" ]; then
  "$PYBABEL" -q update -i "$pot" -d "$out" -l sv --no-fuzzy-matching --ignore-obsolete
else
  "$PYBABEL" -q init -i "$pot" -d "$out" -l sv
fi
rm -f "$pot"
echo "catalog: $out/sv/LC_MESSAGES/messages.po"
