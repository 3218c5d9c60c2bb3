#!/usr/bin/env bash
# Installs Debian's Chromium and ChromeDriver, which the web console's browser tests drive
# (tests/it/ui_browser.rs). Run by .ci/run, and by the tests themselves when the browser is
# missing, so `cargo test` alone sets up a fresh machine; the lock keeps parallel test
# processes from running apt-get at once.
set -euo pipefail
exec 9>"${TMPDIR:-/tmp}/iamlocal-browser-install.lock"
flock 9
if [ -x /usr/bin/chromedriver ] && [ -x /usr/bin/chromium ]; then
    exit 0
fi
sudo=""
if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
$sudo env DEBIAN_FRONTEND=noninteractive apt-get update
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium chromium-driver
