/**
 * The install is quiet and offline-safe on the Node a fresh machine has: every locked package
 * accepts the oldest Node the project declares, and onnxruntime-node's CUDA download is denied
 * where npm reads the policy (package.json), not through an .npmrc key npm does not know.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import semver from 'semver';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  engines: { node: string; npm: string };
  allowScripts: Record<string, boolean>;
};
const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, { version?: string; engines?: { node?: string } | string[]; dev?: boolean }>;
};

describe('install', () => {
  it('declares a Node range that every locked package accepts at its oldest version', () => {
    const oldest = semver.minVersion(manifest.engines.node)!.version;
    expect(oldest).toBe('20.19.0');
    const refusing = Object.entries(lock.packages).flatMap(([path, entry]) => {
      const wanted = !entry.engines || Array.isArray(entry.engines) ? undefined : entry.engines.node;
      return path !== '' && wanted !== undefined && !semver.satisfies(oldest, wanted) ? [`${path}@${entry.version} wants node ${wanted}`] : [];
    });
    expect(refusing).toEqual([]);
  });

  it('is running on a Node the project declares', () => {
    expect(semver.satisfies(process.versions.node, manifest.engines.node)).toBe(true);
  });

  it('denies the CUDA download in package.json and has no .npmrc key npm warns about', () => {
    expect(manifest.allowScripts['onnxruntime-node']).toBe(false);
    expect(existsSync(join(root, '.npmrc'))).toBe(false);
  });
});
