"""Sentence embeddings: an optional model that finds articles by what they mean.

A model folder (made by `helpdesk kb model`, see `modelbuild.py`) holds an ONNX sentence
encoder whose output is one normalized vector per text, its `tokenizer.json`, and a small
manifest. It runs on ONNX Runtime with Hugging Face's `tokenizers`, both from the optional
`semantic` extra; without them, or without a model, search stays lexical. Nothing is ever
downloaded here: a model is only read from its folder.

The encoder encodes one text at a time (large batches cost memory: the whole batch's
activations at once) on up to two threads, which halves the time of a long text (the
indexing thread embedding every article) for the same CPU. Its threads sleep as soon as a
text is done instead of spinning for the next one, so a web worker's idle encoder takes no
CPU from the others.
"""

import hashlib
import json
import logging
import os
import threading
from collections import OrderedDict
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

MODEL_FILE = "model.onnx"
TOKENIZER_FILE = "tokenizer.json"
MANIFEST_FILE = "helpdesk-model.json"
MAX_TOKENS = 256  # what the model was trained on; longer texts are cut
BATCH = 1  # articles encoded at once: int8 activations are scaled per batch, so one at a time
# gives each article the same vector whatever it is embedded with (and is no slower)
THREADS = min(2, os.cpu_count() or 1)
QUERY_CACHE = 4096  # query vectors remembered (one keystroke each)
ARTICLE_WORDS = 200  # of an article's text embedded, after its title and tags
PASSAGE_WORDS = 60  # of each passage embedded on its own, after the article's title
PASSAGES = 6  # passages per article, from the start of its text


def available():
    """Whether the semantic extra (onnxruntime, tokenizers) is installed."""
    try:
        import onnxruntime  # noqa: F401
        import tokenizers  # noqa: F401
    except ImportError:
        return False
    return True


def article_text(title, tags, body, words=ARTICLE_WORDS):
    """What is embedded for an article: its title, tags and first words. Tags that are
    version numbers ("2.4.1") say nothing about meaning and are left out."""
    tags = ", ".join(tag for tag in tags if not tag[:1].isdigit())
    return f"{' '.join([title, tags]).strip()}. {' '.join(body.split()[:words])}".strip()


def article_texts(title, tags, body):
    """Every text embedded for an article: the whole (`article_text`), then its passages,
    each headed by the title. A user describing one symptom meets the passage that
    describes it, though most of the article is about something else (versions, steps)."""
    words = body.split()
    passages = [f"{title}. {' '.join(words[start:start + PASSAGE_WORDS])}"
                for start in range(0, min(len(words), PASSAGE_WORDS * PASSAGES), PASSAGE_WORDS)]
    return [article_text(title, tags, body), *passages]


class Encoder:
    """One ONNX sentence encoder: texts in, normalized float32 vectors out."""

    def __init__(self, folder):
        import onnxruntime
        from tokenizers import Tokenizer
        self.folder = Path(folder)
        self.manifest = read_manifest(self.folder)
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = THREADS
        options.inter_op_num_threads = 1
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self._session = onnxruntime.InferenceSession(
            str(self.folder / MODEL_FILE), options, providers=["CPUExecutionProvider"])
        self._tokenizer = Tokenizer.from_file(str(self.folder / TOKENIZER_FILE))
        self._tokenizer.no_padding()  # shipped files may pad every text to a fixed length
        self._tokenizer.enable_truncation(MAX_TOKENS)
        self.id = (f"{self.manifest['model_sha256']}:{MAX_TOKENS}:{ARTICLE_WORDS}"
                   f":{PASSAGE_WORDS}x{PASSAGES}")
        self.dimensions = int(self.manifest["dimensions"])
        self._queries = OrderedDict()
        self._lock = threading.Lock()

    def encode(self, texts, batch=BATCH):
        """Vectors of `texts`, in order, shape (len(texts), dimensions)."""
        out = np.zeros((len(texts), self.dimensions), dtype=np.float32)
        # Similar lengths together: a batch is padded to its longest text.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(order), batch):
            chosen = order[start:start + batch]
            out[chosen] = self._run([texts[i] for i in chosen])
        return out

    def query(self, text):
        """The vector of a query, remembered: keystrokes repeat."""
        key = " ".join(text.lower().split())
        with self._lock:
            found = self._queries.get(key)
            if found is not None:
                self._queries.move_to_end(key)
                return found
        vector = self._run([key])[0]
        vector.flags.writeable = False
        with self._lock:
            self._queries[key] = vector
            while len(self._queries) > QUERY_CACHE:
                self._queries.popitem(last=False)
        return vector

    def _run(self, texts):
        encoded = self._tokenizer.encode_batch(texts)
        width = max(len(e.ids) for e in encoded)
        ids = np.zeros((len(encoded), width), dtype=np.int64)
        mask = np.zeros((len(encoded), width), dtype=np.int64)
        for row, e in enumerate(encoded):
            ids[row, :len(e.ids)] = e.ids
            mask[row, :len(e.ids)] = 1
        (vectors,) = self._session.run(None, {"input_ids": ids, "attention_mask": mask})
        return vectors.astype(np.float32, copy=False)


def read_manifest(folder):
    """The model folder's manifest; raises ValueError when it is missing or incomplete."""
    try:
        data = json.loads((Path(folder) / MANIFEST_FILE).read_text())
    except (OSError, ValueError) as exc:
        raise ValueError(f"no readable {MANIFEST_FILE} in {folder}: {exc}") from None
    if not isinstance(data, dict) or not {"model_sha256", "dimensions"} <= data.keys():
        raise ValueError(f"{MANIFEST_FILE} in {folder} lacks model_sha256 or dimensions")
    return data


def file_sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def load_encoder(folder):
    """The encoder in `folder`, or None (with the reason logged) when the extra is missing
    or the folder does not hold a model."""
    if not available():
        log.warning("SEARCH_SEMANTIC_MODEL is set but the semantic extra is not installed"
                    " (pip install 'helpdesk[semantic]'): search stays lexical")
        return None
    folder = Path(folder)
    if not (folder / MODEL_FILE).is_file() or not (folder / TOKENIZER_FILE).is_file():
        log.warning("no semantic model in %s (run `helpdesk kb model`): search stays lexical",
                    folder)
        return None
    try:
        return Encoder(folder)
    except Exception as exc:  # a broken file must not take the site down
        log.error("semantic model in %s unusable: %s: %s", folder, exc.__class__.__name__, exc)
        return None
