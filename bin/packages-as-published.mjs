// Module-loader hook: ES modules inside node_modules are handed to Node exactly as published,
// bypassing tsx. tsx rewrites every `import(` it finds in plain JavaScript and builds a fine-grained
// source map for it; on h5wasm's 4 MB single-line build (the HDF5 reader) that cost about 600 MB of
// resident memory for the life of the process. Published packages never need TypeScript handling.

import { readFile } from 'node:fs/promises';

const TYPESCRIPT = /\.[cm]?tsx?$/;

export async function load(url, context, nextLoad) {
  if (context.format === 'module' && url.startsWith('file:') && url.includes('/node_modules/') && !TYPESCRIPT.test(new URL(url).pathname)) {
    return { format: 'module', source: await readFile(new URL(url)), shortCircuit: true };
  }
  return nextLoad(url, context);
}
