#!/usr/bin/env bash
# Ensure Debian's Chromium is available for the Playwright browser tests
# (tests/browser/harness.py drives /usr/bin/chromium; Playwright never downloads a browser).
# Safe to call repeatedly from .ci/run: does nothing but print the version if present.
set -euo pipefail

CHROMIUM="${OPENNRM_CHROMIUM:-/usr/bin/chromium}"

if [ ! -x "$CHROMIUM" ]; then
    echo "installing chromium (Debian package)..."
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then
        SUDO="sudo"
    fi
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -q
    $SUDO apt-get install -y -q --no-install-recommends chromium fonts-liberation
fi

if [ ! -x "$CHROMIUM" ]; then
    echo "error: $CHROMIUM still missing after apt-get install" >&2
    exit 1
fi

# Debian's /usr/bin/chromium wrapper is a shell script; --version is cheap and headless.
"$CHROMIUM" --version 2>/dev/null
