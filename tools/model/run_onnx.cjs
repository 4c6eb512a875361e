// Runs one ONNX graph with onnxruntime-node for the Python tests (Python has no onnxruntime here).
// usage: node run_onnx.cjs request.json
// request: { "model": path, "outDir": path, "inputs": [{ "name", "type": "int64"|"float32", "dims", "file" }] }
// Tensors travel as raw little-endian files; outputs are written to outDir with outputs.json.
'use strict';
const fs = require('fs');
const path = require('path');
const ort = require('onnxruntime-node');

const ARRAYS = { int64: BigInt64Array, float32: Float32Array };

async function main() {
  const request = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
  const session = await ort.InferenceSession.create(request.model);
  const feeds = {};
  for (const input of request.inputs) {
    // Copy into a fresh ArrayBuffer: typed arrays need an offset aligned to their element size.
    const bytes = new Uint8Array(fs.readFileSync(input.file));
    const Ctor = ARRAYS[input.type];
    const data = new Ctor(bytes.buffer, 0, bytes.byteLength / Ctor.BYTES_PER_ELEMENT);
    feeds[input.name] = new ort.Tensor(input.type, data, input.dims);
  }
  const results = await session.run(feeds);
  const manifest = { inputNames: session.inputNames, outputNames: session.outputNames, outputs: {} };
  for (const [name, tensor] of Object.entries(results)) {
    const file = path.join(request.outDir, `${name}.bin`);
    fs.writeFileSync(file, Buffer.from(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength));
    manifest.outputs[name] = { type: tensor.type, dims: tensor.dims, file };
  }
  fs.writeFileSync(path.join(request.outDir, 'outputs.json'), JSON.stringify(manifest));
}

main().catch((err) => {
  console.error(err && err.stack ? err.stack : String(err));
  process.exit(1);
});
