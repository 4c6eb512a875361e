#!/usr/bin/env node
// Builds the explorer (web/) into web/dist when its sources changed since the last build: run by
// `npm ci` (postinstall), `npm start` and `npm test` (pre-scripts), so a fresh clone, a pull and a
// test run all serve the page that matches the code. Unchanged sources cost one hash (~10 ms).
// `--force` rebuilds anyway.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const web = join(root, 'web');
const stamp = join(web, 'dist', '.source-hash');

function files(dir) {
  return readdirSync(dir)
    .filter((name) => name !== 'dist' && name !== 'node_modules')
    .flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? files(path) : [path];
    })
    .sort();
}

const hash = createHash('sha256');
for (const path of [...files(web), join(root, 'package-lock.json')]) {
  hash.update(relative(root, path));
  hash.update(readFileSync(path));
}
const digest = hash.digest('hex');
const built = existsSync(stamp) ? readFileSync(stamp, 'utf8').trim() : '';
if (built === digest && !process.argv.includes('--force')) process.exit(0);

const vite = join(root, 'node_modules', 'vite', 'bin', 'vite.js');
if (!existsSync(vite)) {
  // `npm ci --omit=dev` leaves the build tools out; the server then says how to build the page.
  console.warn('explorer not built: vite is not installed (npm ci without --omit=dev installs it)');
  process.exit(0);
}
const started = Date.now();
execFileSync(process.execPath, [vite, 'build', '--config', join(web, 'vite.config.ts'), '--logLevel', 'warn'], { cwd: root, stdio: 'inherit' });
writeFileSync(stamp, `${digest}\n`);
console.log(`explorer built in web/dist (${((Date.now() - started) / 1000).toFixed(1)} s)`);
