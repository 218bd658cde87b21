"""Export a BERT sentence encoder to int8 ONNX (run once, by `helpdesk kb model`).

    python export_onnx.py WEIGHTS_DIR OUT_DIR

Runs in a throwaway environment that has torch, transformers, onnx and onnxruntime (the
web app needs none of them). WEIGHTS_DIR holds a Hugging Face BERT checkpoint
(`config.json`, `model.safetensors`); OUT_DIR receives `model.onnx`: mean pooling over the
tokens and L2 normalization are part of the graph, so the app only feeds token ids and
reads one vector per text. Weights are quantized to int8 per output channel (per tensor
drifted too far from the original), then the int8 model is compared with the original on a
few sentences; the mean cosine is printed as JSON for the caller to record.
"""

import json
import sys
import tempfile
from pathlib import Path

PROBES = [
    "customers are logged out after paying on the bank's page",
    "realpath_cache_size recommended value",
    "How do I reset my admin password?",
    "SQLSTATE[HY000] [2006] MySQL server has gone away",
    "the website crashed right after installing a hotfix",
]


def main(weights, out):
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from transformers import BertModel

    bert = BertModel.from_pretrained(weights, attn_implementation="eager").eval()
    encoder = _pooled(torch, bert)
    with tempfile.TemporaryDirectory() as tmp:
        plain = Path(tmp) / "plain.onnx"
        ids = torch.tensor([[101, 7592, 2088, 102]])
        axes = {0: "batch", 1: "tokens"}
        torch.onnx.export(encoder, (ids, torch.ones_like(ids)), str(plain),
                          input_names=["input_ids", "attention_mask"],
                          output_names=["embedding"], opset_version=17, dynamo=False,
                          dynamic_axes={"input_ids": axes, "attention_mask": axes,
                                        "embedding": {0: "batch"}})
        target = Path(out) / "model.onnx"
        quantize_dynamic(str(plain), str(target), per_channel=True,
                         weight_type=QuantType.QInt8)
    print(json.dumps({"dimensions": bert.config.hidden_size,
                      "mean_cosine_to_original": _agreement(torch, encoder, weights, target)}))


def _pooled(torch, bert):
    """BERT's token vectors averaged over the real tokens, then normalized."""
    class Pooled(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.bert = bert

        def forward(self, input_ids, attention_mask):
            hidden = self.bert(input_ids=input_ids,
                               attention_mask=attention_mask).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            mean = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(mean, dim=-1)
    return Pooled().eval()


def _agreement(torch, encoder, weights, model_path):
    """Mean cosine between the int8 model's vectors and the original's on PROBES."""
    import numpy as np
    import onnxruntime
    from tokenizers import Tokenizer
    tokenizer = Tokenizer.from_file(str(Path(weights) / "tokenizer.json"))
    tokenizer.no_padding()
    session = onnxruntime.InferenceSession(str(model_path), providers=["CPUExecutionProvider"])
    cosines = []
    for text in PROBES:
        ids = np.array([tokenizer.encode(text).ids], dtype=np.int64)
        mask = np.ones_like(ids)
        (quantized,) = session.run(None, {"input_ids": ids, "attention_mask": mask})
        with torch.no_grad():
            original = encoder(torch.tensor(ids), torch.tensor(mask)).numpy()
        cosines.append(float((quantized * original).sum()))
    return sum(cosines) / len(cosines)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__.split("\n\n")[1])
    main(sys.argv[1], sys.argv[2])
