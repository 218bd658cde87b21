"""Semantic models for tests: a small real one made on the spot, and the real one.

The small model is a genuine ONNX sentence encoder with its own `tokenizer.json`, run by
the app's own code (ONNX Runtime, tokenizers): each word of a group of synonyms maps to
the same direction, so "basket" and "cart" mean the same to it and nothing else does. It
builds in milliseconds, so the wiring (vectors at index time, beside the index, swapped,
fused, falling back to words) is tested without the 23 MB model. The real model is the
one `helpdesk kb model` makes; `.ci/run` makes it and names it in
HELPDESK_TEST_SEMANTIC_MODEL.
"""

import hashlib
import json
import os
from pathlib import Path

import numpy as np
from support import missing


def require_semantic():
    """Skip (fail under CI) unless the semantic extra and onnx are installed."""
    for module in ("onnxruntime", "tokenizers", "onnx"):
        try:
            __import__(module)
        except ImportError:
            missing(f"{module} is not installed (pip install -e '.[test,semantic]')")


def real_model():
    """The folder of the real model, or a skip (a failure under CI) without one."""
    folder = os.environ.get("HELPDESK_TEST_SEMANTIC_MODEL", "")
    if not folder or not (Path(folder) / "model.onnx").is_file():
        missing("no semantic model: make one with `helpdesk kb model --output DIR` and set"
                " HELPDESK_TEST_SEMANTIC_MODEL=DIR")
    return Path(folder)


def tiny_model(folder, groups, texts=(), dimensions=512, seed=7):
    """Write a model folder where the words of each group (a list of words) mean the same.

    Every other token of `texts` (and the unknown-word token) gets a direction of its own,
    drawn at random: unrelated words are then nearly orthogonal, as in a real model.
    """
    require_semantic()
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    vocab, rows = {"[PAD]": 0, "[UNK]": 1}, [np.zeros(dimensions), _direction(rng, dimensions)]
    for group in groups:
        shared = _direction(rng, dimensions)
        for word in group:
            vocab[word.lower()] = len(rows)
            rows.append(shared)
    split = pre_tokenizers.Whitespace()
    for text in texts:
        for word, _ in split.pre_tokenize_str(text.lower()):
            if word not in vocab:
                vocab[word] = len(rows)
                rows.append(_direction(rng, dimensions))
    table = np.stack(rows).astype(np.float32)
    tokenizer = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.Lowercase()
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    tokenizer.save(str(folder / "tokenizer.json"))
    onnx.save(_graph(helper, numpy_helper, TensorProto, table), str(folder / "model.onnx"))
    digest = hashlib.sha256((folder / "model.onnx").read_bytes()).hexdigest()
    (folder / "helpdesk-model.json").write_text(json.dumps(
        {"name": "tiny", "model_sha256": digest, "dimensions": dimensions}))
    return folder


def folder_texts(folder):
    """The text of every English Markdown file under `folder` (not its translations,
    name.fr.md): the words a tiny model should know."""
    return [p.read_text(encoding="utf-8") for p in sorted(Path(folder).rglob("*.md"))
            if len(p.suffixes) < 2]


def _direction(rng, dimensions):
    vector = rng.standard_normal(dimensions)
    return vector / np.linalg.norm(vector)


def _graph(helper, numpy_helper, TensorProto, table):
    """Mean of the token vectors over the real tokens, normalized."""
    nodes = [
        helper.make_node("Gather", ["table", "input_ids"], ["tokens"]),
        helper.make_node("Cast", ["attention_mask"], ["mask"], to=TensorProto.FLOAT),
        helper.make_node("Unsqueeze", ["mask", "last"], ["mask3"]),
        helper.make_node("Mul", ["tokens", "mask3"], ["kept"]),
        helper.make_node("ReduceSum", ["kept", "tokens_axis"], ["summed"], keepdims=0),
        helper.make_node("LpNormalization", ["summed"], ["embedding"], axis=1, p=2),
    ]
    ints = TensorProto.INT64
    graph = helper.make_graph(
        nodes, "tiny-encoder",
        [helper.make_tensor_value_info("input_ids", ints, ["batch", "tokens"]),
         helper.make_tensor_value_info("attention_mask", ints, ["batch", "tokens"])],
        [helper.make_tensor_value_info("embedding", TensorProto.FLOAT, ["batch", table.shape[1]])],
        initializer=[numpy_helper.from_array(table, "table"),
                     helper.make_tensor("last", ints, [1], [2]),
                     helper.make_tensor("tokens_axis", ints, [1], [1])])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
