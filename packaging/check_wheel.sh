#!/usr/bin/env bash
# Install a built wheel into a fresh venv, with no Rust toolchain on PATH and
# no source tree on sys.path, print what it takes on disk, and use it
# (packaging/installed_check.py). make wheel-check runs this; so does CI.
set -euo pipefail
wheel=$(realpath "${1:?usage: check_wheel.sh WHEEL}")
python=${PYTHON:-python3.11}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$python" -m venv "$work/venv"
site=$("$work/venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
before=$(du -sk "$site" | cut -f1)
"$work/venv/bin/pip" install -q --disable-pip-version-check "$wheel"
after=$(du -sk "$site" | cut -f1)
own=$(du -sk "$site/simcash_db" | cut -f1)
mb() { awk -v k="$1" 'BEGIN { printf "%.1f MB", k * 1024 / 1e6 }'; }
echo "wheel: $(basename "$wheel") ($(mb $(( $(stat -c %s "$wheel") / 1024 ))))"
echo "installed: simcash_db $(mb "$own"); with its runtime dependencies $(mb $(( after - before )))"

# The user's view: the venv and the system's tools, no ~/.cargo/bin; a scratch
# folder as the working directory, the check copied there.
cp "$here/installed_check.py" "$work/"
cd "$work"
env -i HOME="$work" PATH="$work/venv/bin:/usr/bin:/bin" LANG=C.UTF-8 \
    "$work/venv/bin/python" -I installed_check.py
