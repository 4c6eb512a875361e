"""Graphs without their weights, for carrying to a GPU machine (bench/gpu/make-carry.sh).

Every float initializer of more than 4096 elements (weight matrices, embeddings) moves to external
data in ``<graph>.weights`` and is listed in ``layout.json`` with its offset and length; small
tensors (LayerNorm, biases, position ids) stay in the graph. run.sh refills the weights with seeded
N(0, 0.02) values: random weights at LangCell's size, the same on the GPU and the CPU that checks it.

    python3 bench/gpu/skeleton.py BUNDLE_DIR OUT_DIR
"""

from __future__ import annotations

import json
import os
import sys

import onnx
from onnx import TensorProto

GRAPHS = ("cell_encoder.onnx", "text_encoder.onnx", "ctm.onnx")
MIN_ELEMENTS = 4096


def skeleton(src: str, out_dir: str) -> dict:
    name = os.path.basename(src)
    weights = name.replace(".onnx", ".weights")
    model = onnx.load(src)
    offset, tensors = 0, []
    for init in model.graph.initializer:
        count = 1
        for d in init.dims:
            count *= d
        if init.data_type != TensorProto.FLOAT or count <= MIN_ELEMENTS:
            continue
        length = count * 4
        init.ClearField("raw_data")
        del init.float_data[:]
        init.data_location = TensorProto.EXTERNAL
        del init.external_data[:]
        for key, value in (("location", weights), ("offset", str(offset)), ("length", str(length))):
            entry = init.external_data.add()
            entry.key, entry.value = key, value
        tensors.append({"name": init.name, "dims": list(init.dims), "offset": offset, "length": length})
        offset += length
    with open(os.path.join(out_dir, name), "wb") as f:
        f.write(model.SerializeToString())
    return {"weights": weights, "bytes": offset, "tensors": tensors}


def main(argv) -> int:
    bundle, out_dir = argv
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(bundle, "manifest.json")) as f:
        manifest = json.load(f)
    layout = {"source": manifest["id"], "std": 0.02, "graphs": {g: skeleton(os.path.join(bundle, g), out_dir) for g in GRAPHS},
              "cell": manifest["cell"], "text": manifest["text"]}
    with open(os.path.join(out_dir, "layout.json"), "w") as f:
        json.dump(layout, f, indent=1)
    for g, entry in layout["graphs"].items():
        print(f"{g}: {len(entry['tensors'])} weights, {entry['bytes'] / 1e6:.0f} MB to generate, "
              f"graph {os.path.getsize(os.path.join(out_dir, g)) / 1e6:.2f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
