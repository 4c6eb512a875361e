"""Run an exported ONNX graph from Python: onnxruntime when installed, else Node + onnxruntime-node.

Used by the tests and by the export's own load check; the TypeScript service runs the same graphs
with onnxruntime-node, so the Node path is the one that matters most.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from typing import Dict, List

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
_NODE_TYPES = {np.dtype(np.int64): "int64", np.dtype(np.float32): "float32"}


class OnnxRunError(RuntimeError):
    pass


def available_backend() -> str:
    """'onnxruntime', 'node', or '' when neither can run a graph."""
    try:
        import onnxruntime  # noqa: F401
        return "onnxruntime"
    except ImportError:
        pass
    node_module = os.path.join(HERE, "..", "..", "node_modules", "onnxruntime-node")
    if shutil.which("node") and os.path.isdir(node_module):
        return "node"
    return ""


def run_onnx(model_path: str, feeds: Dict[str, np.ndarray]) -> Dict[str, np.ndarray]:
    backend = available_backend()
    if backend == "onnxruntime":
        import onnxruntime
        session = onnxruntime.InferenceSession(model_path, providers=["CPUExecutionProvider"])
        names = [o.name for o in session.get_outputs()]
        return dict(zip(names, session.run(names, feeds)))
    if backend == "node":
        return _run_with_node(model_path, feeds)
    raise OnnxRunError("neither the onnxruntime Python package nor node + onnxruntime-node is available")


def session_io_names(model_path: str) -> Dict[str, List[str]]:
    """Input and output names as the runtime sees them (loads the graph without running it)."""
    backend = available_backend()
    if backend == "onnxruntime":
        import onnxruntime
        s = onnxruntime.InferenceSession(model_path, providers=["CPUExecutionProvider"])
        return {"inputs": [i.name for i in s.get_inputs()], "outputs": [o.name for o in s.get_outputs()]}
    script = ("const ort=require('onnxruntime-node');ort.InferenceSession.create(process.argv[1])"
              ".then(s=>console.log(JSON.stringify({inputs:s.inputNames,outputs:s.outputNames})))"
              ".catch(e=>{console.error(String(e));process.exit(1)})")
    proc = subprocess.run(["node", "-e", script, os.path.abspath(model_path)], cwd=HERE,
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise OnnxRunError(f"onnxruntime-node could not load {model_path}: {proc.stderr.strip()}")
    return json.loads(proc.stdout)


def _run_with_node(model_path: str, feeds: Dict[str, np.ndarray]) -> Dict[str, np.ndarray]:
    with tempfile.TemporaryDirectory(prefix="onnx-run-") as tmp:
        inputs = []
        for name, array in feeds.items():
            array = np.ascontiguousarray(array)
            if array.dtype not in _NODE_TYPES:
                raise OnnxRunError(f"input {name}: dtype {array.dtype} not supported by the node runner")
            file = os.path.join(tmp, f"in-{name}.bin")
            array.astype(array.dtype.newbyteorder("<")).tofile(file)
            inputs.append({"name": name, "type": _NODE_TYPES[array.dtype], "dims": list(array.shape), "file": file})
        request = os.path.join(tmp, "request.json")
        with open(request, "w") as f:
            json.dump({"model": os.path.abspath(model_path), "outDir": tmp, "inputs": inputs}, f)
        proc = subprocess.run(["node", os.path.join(HERE, "run_onnx.cjs"), request], capture_output=True, text=True)
        if proc.returncode != 0:
            raise OnnxRunError(f"onnxruntime-node failed on {model_path}: {proc.stderr.strip()}")
        with open(os.path.join(tmp, "outputs.json")) as f:
            described = json.load(f)
        dtypes = {"float32": "<f4", "int64": "<i8"}
        return {name: np.fromfile(o["file"], dtype=dtypes[o["type"]]).reshape(o["dims"])
                for name, o in described["outputs"].items()}
