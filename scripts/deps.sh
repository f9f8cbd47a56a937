#!/usr/bin/env bash
# `make deps`: the system packages the test suite needs — the one list of them (`.ci/run` calls `make deps`).
#
# Checks each; installs the missing ones with apt-get when it may (root, or sudo without a password);
# otherwise prints the command to run and exits 0, so `make test` still runs what it can (and its last line
# says what did not run). Exits non-zero only when an installation it attempted failed.
set -uo pipefail

# name|Debian package|what needs it
PREREQUISITES=(
    "PostgreSQL server and client (initdb, pg_ctl, psql, pg_dump, pg_restore)|postgresql|the PostgreSQL half of the suite and its backup tests"
    "Chromium (/usr/bin/chromium)|chromium|the browser tests (tests/browser/)"
    "a CJK font (fc-list :lang=zh)|fonts-noto-cjk|Chinese in the browser tests' screenshots"
    "LibreOffice Calc (soffice)|libreoffice-calc-nogui|rendering the exported workbooks to PDF"
    "poppler (pdftoppm, pdfinfo, pdftotext)|poppler-utils|reading the rendered PDFs"
)

# A PostgreSQL program where tests/pg_cluster.py looks for it: the distribution's versioned folder, then PATH.
pg_bin() {
    local found
    found=$(ls -d /usr/lib/postgresql/*/bin/"$1" 2>/dev/null | sort -V | tail -1)
    [ -n "$found" ] && [ -x "$found" ] || found=$(command -v "$1" 2>/dev/null)
    [ -n "$found" ] && [ -x "$found" ]
}

present() {  # present <package>: is what the package gives us on this machine?
    case "$1" in
        postgresql) pg_bin initdb && pg_bin pg_ctl && pg_bin psql && pg_bin pg_dump && pg_bin pg_restore ;;
        chromium) [ -x /usr/bin/chromium ] ;;  # where tests/browser/conftest.py launches it
        fonts-noto-cjk) command -v fc-list >/dev/null && [ -n "$(fc-list :lang=zh family 2>/dev/null)" ] ;;
        libreoffice-calc-nogui) command -v soffice >/dev/null || command -v libreoffice >/dev/null ;;
        poppler-utils) command -v pdftoppm >/dev/null && command -v pdfinfo >/dev/null \
                           && command -v pdftotext >/dev/null ;;
        *) return 1 ;;
    esac
}

check() {  # prints each prerequisite; sets MISSING to the packages of those missing
    MISSING=()
    local entry what package needed_by
    for entry in "${PREREQUISITES[@]}"; do
        IFS='|' read -r what package needed_by <<<"$entry"
        if present "$package"; then
            printf '  %-8s %s\n' "present" "$what"
        else
            printf '  %-8s %s — for %s (apt package %s)\n' "MISSING" "$what" "$needed_by" "$package"
            MISSING+=("$package")
        fi
    done
}

echo "make deps: what the test suite needs from the machine"
check
if [ ${#MISSING[@]} -eq 0 ]; then
    echo "make deps: all present, nothing to install."
    exit 0
fi

COMMAND="apt-get install -y --no-install-recommends ${MISSING[*]}"
if ! command -v apt-get >/dev/null; then
    echo "make deps: no apt-get on this system: install the equivalents of ${MISSING[*]} with its package manager."
    echo "make deps: not installed; \`make test\` runs without them and says what did not run."
    exit 0
fi
if [ "$(id -u)" -eq 0 ]; then
    SUDO=()
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    SUDO=(sudo -n)
else
    echo "make deps: cannot install (not root, and no sudo without a password). As root run:"
    echo "    make deps        # or: apt-get update && $COMMAND"
    echo "make deps: not installed; \`make test\` runs without them and says what did not run."
    exit 0
fi

echo "make deps: installing ${MISSING[*]}"
APT=("${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get)
"${APT[@]}" update -qq || exit 1
"${APT[@]}" install -y -qq --no-install-recommends "${MISSING[@]}" >/dev/null || exit 1

echo "make deps: after installing"
check
if [ ${#MISSING[@]} -ne 0 ]; then
    echo "make deps: still missing after apt-get: ${MISSING[*]}"
    exit 1
fi
echo "make deps: all present."
