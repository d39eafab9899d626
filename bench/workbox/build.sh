#!/bin/sh
# Rebuild workbox-background-sync.js: Workbox's background-sync `Queue` (npm
# workbox-background-sync, MIT, Google LLC) as one ES module, for bench/client.py --network
# only: it replays the same entries as the app's sync, side by side. Never shipped or served by
# the app (bench/client.py serves it from its own bench app).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
cd "$work"
npm install --no-audit --no-fund workbox-background-sync@7.4.1 esbuild@0.28.2 >/dev/null
echo 'export { Queue } from "workbox-background-sync";' > entry.js
./node_modules/.bin/esbuild entry.js --bundle --format=esm --minify \
  --define:process.env.NODE_ENV='"production"' --outfile="$here/workbox-background-sync.js"
rm -rf "$work"
