// `langcell-atlas serve` as a child process for the benchmarks that drive it over HTTP (service,
// soak): its own data dir, embedded PostgreSQL on a free port, loopback only, an admin token.

import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { REPO_ROOT } from './workloads.ts';

export const ADMIN_TOKEN = 'bench-admin-token-0123456789';

export interface RunningServer {
  readonly url: string;
  readonly pid: number;
  /** Port of the server's embedded PostgreSQL (127.0.0.1). */
  readonly pgPort: number;
  readonly child: ChildProcess;
  stop(): Promise<number | null>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no port'))));
    });
  });
}

export async function startServer(dataDir: string, logPath: string, env: Record<string, string> = {}): Promise<RunningServer> {
  const [port, pgPort] = [await freePort(), await freePort()];
  // node itself (not npm or tsx's launcher) so that the pid is the server's for /proc readings.
  const child = spawn(process.execPath, ['bin/langcell-atlas.js', 'serve'], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      LANGCELL_DATA_DIR: dataDir,
      LANGCELL_EMBEDDED_PG_PORT: String(pgPort),
      LANGCELL_ADMIN_TOKENS: ADMIN_TOKEN,
      LANGCELL_LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log = createWriteStream(logPath);
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);
  const exited = new Promise<number | null>((resolveExit) => child.once('exit', (code) => resolveExit(code)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 10 * 60_000;
  for (;;) {
    const early = await Promise.race([exited.then((code) => `exited with ${code}`), new Promise<null>((r) => setTimeout(() => r(null), 1_000))]);
    if (early) throw new Error(`server ${early} before it was ready; see ${logPath}`);
    try {
      const health = await fetch(`${url}/healthz`);
      if (health.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`server not ready after 10 minutes; see ${logPath}`);
  }
  return {
    url,
    pid: child.pid!,
    pgPort,
    child,
    async stop() {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

/** Resident and peak resident memory of a process, MiB, from /proc (Linux). */
export function processMemoryMiB(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN) / 1024;
  return { rss: field('VmRSS'), peak: field('VmHWM') };
}
