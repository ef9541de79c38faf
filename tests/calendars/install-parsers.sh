#!/bin/sh
# The real calendar parsers the calendars tests check every feed and invite with, and the real IMAP server (Dovecot)
# that is the program mailbox of the calendar answers tests (all offline afterwards).
# Run from the repository root: sh tests/calendars/install-parsers.sh
set -eu
# libical (GNOME's parser, with its RFC 5546 restriction checks): headers and library for the small C checker.
if ! pkg-config --exists libical; then
  apt-get update
  apt-get install -y --no-install-recommends libical-dev gcc pkg-config
fi
# Dovecot, Debian's IMAP server: tests/support/imap_server.py runs it unprivileged on a loopback port.
if ! command -v dovecot >/dev/null 2>&1 && [ ! -x /usr/sbin/dovecot ]; then
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends dovecot-imapd
fi
# Mozilla's ical.js (Thunderbird's parser), pinned by tests/calendars/js/package-lock.json.
npm ci --prefix tests/calendars/js
# Python: the `ical` parser, Radicale (a real CalDAV server), and the runtime libraries of the domain.
${PYTHON:-.venv/bin/python} -m pip install "ical>=8" "radicale>=3.2" "recurring-ical-events>=3" "cryptography>=44"
