"""Build the sdist, and a manylinux wheel from that sdist (make sdist, make wheel).

The wheel is built from the unpacked sdist, not from the work tree, so one build
proves both: the sdist holds everything a build needs, and the wheel is what a
user gets. maturin links through zig (the `ziglang` package) against glibc 2.17,
the oldest glibc Rust's standard library supports, so the wheel's platform tag is
manylinux_2_17 whatever glibc this machine has; `auditwheel show` then checks
the symbols the built library really uses.

Usage (run by the build venv's python; see the Makefile):
    python packaging/build.py sdist
    python packaging/build.py wheel [--python python3.11]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DIST = ROOT / "dist"
# Cargo's build cache for wheels, kept apart from the dev build's (other flags).
WHEEL_TARGET = ROOT / "target" / "wheel"
BASELINE = "manylinux2014"  # glibc 2.17
TOOLS = Path(sys.executable).parent


def run(*args: str | Path, cwd: Path = ROOT, env_target: bool = False) -> str:
    # maturin finds zig as `python -m ziglang` with the python on PATH: this venv's.
    env = {**os.environ, "PATH": f"{TOOLS}{os.pathsep}{os.environ['PATH']}"}
    if env_target:
        env["CARGO_TARGET_DIR"] = str(WHEEL_TARGET)
    done = subprocess.run([str(a) for a in args], cwd=cwd, env=env, text=True, capture_output=True)
    if done.returncode != 0:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"failed ({done.returncode}): {' '.join(map(str, args))}")
    return done.stdout + done.stderr


def megabytes(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB"


def build_sdist() -> Path:
    DIST.mkdir(exist_ok=True)
    for old in DIST.glob("simcash_db-*.tar.gz"):
        old.unlink()
    run(TOOLS / "maturin", "sdist", "--out", DIST)
    (sdist,) = DIST.glob("simcash_db-*.tar.gz")
    print(f"sdist: {sdist.relative_to(ROOT)} ({megabytes(sdist.stat().st_size)})")
    return sdist


def platform_tag(wheel: Path) -> str:
    shown = " ".join(run(TOOLS / "auditwheel", "show", wheel).split())
    found = re.search(r'consistent with the following platform tag: "([^"]+)"', shown)
    if found is None or not found.group(1).startswith("manylinux"):
        raise SystemExit(f"auditwheel does not find a manylinux tag for {wheel.name}:\n{shown}")
    return found.group(1)


def build_wheel(python: str) -> Path:
    sdist = build_sdist()
    for old in DIST.glob("simcash_db-*.whl"):
        old.unlink()
    with tempfile.TemporaryDirectory() as tmp:
        with tarfile.open(sdist) as archive:
            archive.extractall(tmp, filter="data")
        (source,) = Path(tmp).iterdir()
        print(f"building the wheel for {python} from the sdist (about 90 s)", flush=True)
        run(
            TOOLS / "maturin", "build", "--release", "--zig", "--compatibility", BASELINE,
            "--interpreter", python, "--out", DIST,
            cwd=source, env_target=True,
        )  # fmt: skip
    (wheel,) = DIST.glob("simcash_db-*.whl")
    tag = platform_tag(wheel)
    print(f"wheel: {wheel.relative_to(ROOT)} ({megabytes(wheel.stat().st_size)})")
    print(f"auditwheel: consistent with {tag}")
    return wheel


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["sdist", "wheel"])
    parser.add_argument("--python", default="python3.11", help="the interpreter to build for")
    args = parser.parse_args()
    if shutil.which("cargo") is None:
        raise SystemExit("building needs Rust's cargo on PATH")
    if args.what == "sdist":
        build_sdist()
    else:
        build_wheel(args.python)


if __name__ == "__main__":
    main()
