// Child processes of the benchmarks: a benchmark's own worker (a fresh node process per measured
// configuration, so its peak RSS and onnxruntime's memory arena belong to that configuration alone)
// and the Python/PyTorch side.

import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** How a benchmark's TypeScript child starts (see bin/typescript-loader.mjs). */
const TYPESCRIPT_LOADER = fileURLToPath(new URL('../../bin/typescript-loader.mjs', import.meta.url));

interface Captured {
  code: number | null;
  stdout: string;
}

function run(command: string, args: readonly string[], cwd?: string): Promise<Captured> {
  return new Promise((resolve, reject) => {
    // stderr is passed through (progress lines); stdout carries the one JSON result.
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'], ...(cwd ? { cwd } : {}) });
    let stdout = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (text: string) => {
      stdout += text;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout }));
  });
}

function lastJsonLine(stdout: string, what: string): unknown {
  const line = stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line);
  } catch {
    throw new Error(`${what} printed no JSON result (last line: ${line.slice(0, 200)})`);
  }
}

/** Runs `script` (a .ts file) in a new node process with `args`; returns the JSON it prints last on stdout. */
export async function runWorker<T>(script: string, args: readonly string[]): Promise<T> {
  const result = await run(process.execPath, ['--import', TYPESCRIPT_LOADER, script, ...args]);
  if (result.code !== 0) throw new Error(`worker ${script} ${args.join(' ')} exited with ${result.code}`);
  return lastJsonLine(result.stdout, `worker ${script}`) as T;
}

/** A python3 that can import torch (Debian's /usr/bin/python3 first, as tools/model/find-python.sh). */
export function findTorchPython(): string | undefined {
  for (const candidate of ['/usr/bin/python3', 'python3']) {
    const probe = spawnSync(candidate, ['-c', 'import torch, numpy'], { stdio: 'ignore' });
    if (probe.status === 0) return candidate;
  }
  return undefined;
}

/** Runs a Python script with `args` from `cwd`; returns the JSON it prints last on stdout. */
export async function runPython<T>(python: string, script: string, args: readonly string[], cwd: string): Promise<T> {
  const result = await run(python, [script, ...args], cwd);
  if (result.code !== 0) throw new Error(`${python} ${script} ${args.join(' ')} exited with ${result.code}`);
  return lastJsonLine(result.stdout, script) as T;
}
