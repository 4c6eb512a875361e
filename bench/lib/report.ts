// Benchmark reports: what machine and versions a figure was taken on, the parameters, the results
// as JSON, and a Markdown page for people. Files land in bench/results/<name>-<YYYY-MM-DD>.{json,md}
// (a later run on the same day replaces them).

import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { cpus, totalmem, type as osType, release as osRelease, arch } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const RESULTS_DIR = fileURLToPath(new URL('../results/', import.meta.url));

export interface MachineInfo {
  cpu: string;
  cores: number;
  memoryGiB: number;
  node: string;
  onnxruntime: string;
  os: string;
  date: string;
}

export interface BenchReport {
  name: string;
  title: string;
  parameters: Record<string, unknown>;
  results: unknown;
  markdown: string;
  /** Distinguishes runs of one benchmark kept side by side (e.g. `1m` for the HNSW run at 1M vectors). */
  variant?: string;
}

function packageVersion(name: string): string {
  try {
    const require = createRequire(import.meta.url);
    // The package's main entry lives below its root; walk up to its package.json.
    let dir = dirname(require.resolve(name));
    for (let i = 0; i < 5; i += 1) {
      try {
        const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
        if (pkg.name === name && pkg.version) return pkg.version;
      } catch {
        // no package.json at this level
      }
      dir = dirname(dir);
    }
  } catch {
    // not installed
  }
  return 'unknown';
}

/** The machine and software a benchmark ran on; absolute figures hold only there. */
export function machineInfo(): MachineInfo {
  const processors = cpus();
  return {
    cpu: processors[0]?.model.trim() ?? 'unknown',
    cores: processors.length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    onnxruntime: `onnxruntime-node ${packageVersion('onnxruntime-node')}`,
    os: `${osType()} ${osRelease()} ${arch()}`,
    date: new Date().toISOString(),
  };
}

function markdownValue(value: unknown): string {
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}

/** Writes `bench/results/<name>[-<variant>]-<YYYY-MM-DD>.json` and `.md`; returns both paths. */
export async function writeReport(report: BenchReport): Promise<{ jsonPath: string; mdPath: string }> {
  const machine = machineInfo();
  const day = machine.date.slice(0, 10);
  await mkdir(RESULTS_DIR, { recursive: true });
  const base = join(RESULTS_DIR, `${report.name}${report.variant ? `-${report.variant}` : ''}-${day}`);
  const jsonPath = `${base}.json`;
  const mdPath = `${base}.md`;
  const json = { name: report.name, title: report.title, machine, parameters: report.parameters, results: report.results };
  await writeFile(jsonPath, `${JSON.stringify(json, null, 2)}\n`);
  const header = [
    `# ${report.title}`,
    '',
    `Run \`${['npm run bench --', report.name, ...process.argv.slice(2)].join(' ')}\` on ${machine.date}.`,
    '',
    '| machine | |',
    '|---|---|',
    `| cpu | ${machine.cpu} × ${machine.cores} |`,
    `| memory | ${machine.memoryGiB} GiB |`,
    `| node | ${machine.node} |`,
    `| runtime | ${machine.onnxruntime} |`,
    `| os | ${machine.os} |`,
    '',
    '| parameter | value |',
    '|---|---|',
    ...Object.entries(report.parameters).map(([key, value]) => `| ${key} | ${markdownValue(value).replace(/\|/g, '\\|')} |`),
    '',
    'Absolute times hold only on this machine; compare ratios taken in one run.',
    '',
  ];
  await writeFile(mdPath, `${header.join('\n')}\n${report.markdown.trimEnd()}\n`);
  return { jsonPath, mdPath };
}
