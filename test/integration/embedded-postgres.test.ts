/**
 * The embedded PostgreSQL of `npm start` (no DATABASE_URL): a second process of the same checkout
 * uses the cluster already running on its data directory whatever port it was told, and a cluster
 * of another data directory answering on the port is refused, never used.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { startEmbeddedPostgres, type EmbeddedCluster } from '../../src/store/embedded-postgres.ts';
import { tempDir } from '../helpers/atlas-db.ts';

const log = () => undefined;
// A port of its own: the service's default (54329) may be in use by a developer's `npm start`.
const PORT = 54_400 + (process.pid % 500);
let cluster: EmbeddedCluster;
let dir: string;

beforeAll(async () => {
  dir = tempDir('embedded-pg');
  cluster = await startEmbeddedPostgres(dir, PORT, log);
}, 120_000);

afterAll(async () => {
  await cluster?.stop();
});

describe('the embedded PostgreSQL', () => {
  it('a second process of the same checkout finds the running cluster, whatever port it was told', async () => {
    const messages: string[] = [];
    const again = await startEmbeddedPostgres(dir, PORT + 1, (message) => messages.push(message));
    expect(again.url).toBe(cluster.url);
    expect(messages.join('\n')).toContain(`already runs on 127.0.0.1:${PORT}`);
    const client = new pg.Client({ connectionString: again.url });
    await client.connect();
    expect((await client.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    await client.end();
    // Its stop leaves the cluster to the process that started it.
    await again.stop();
    const still = new pg.Client({ connectionString: cluster.url });
    await still.connect();
    await still.end();
  });

  it('refuses the port when another checkout’s cluster answers on it', async () => {
    await expect(startEmbeddedPostgres(tempDir('embedded-pg-other'), PORT, log)).rejects.toMatchObject({
      code: 'PORT_IN_USE',
      message: expect.stringContaining('LANGCELL_EMBEDDED_PG_PORT'),
    });
  });
});
