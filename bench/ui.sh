#!/usr/bin/env bash
# The web UI's benchmark (issue 12): builds the server (./ariane) and bench/Ariane.Bench.Ui, backfills 100 series x
# 1,000 points and 10,000 series into a fresh data folder, starts the server on it, and measures in headless Chromium
# (Debian's /usr/bin/chromium) the time to the first graph and to the table drawn, the JS heap after each, and the
# app's initial bundle gzipped. Markdown on stdout.
#
#   bench/ui.sh [--runs 5] [--profile]   (--profile: the last run's CPU profile, self time by function)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
cd "$repo"
./ariane --help >/dev/null
dotnet build bench/Ariane.Bench.Ui -c Release -nologo -v quiet >/dev/null
exec dotnet bench/Ariane.Bench.Ui/bin/Release/net10.0/ariane-bench-ui.dll --repo "$repo" "$@"
