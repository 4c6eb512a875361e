/**
 * Child process for the embedded-PostgreSQL shutdown test: opens the embedded cluster, starts a
 * query that takes 1.5 s, and on SIGINT lets that query finish before closing the database — what
 * `serve` does with requests in flight. Prints one line per step for the parent to follow.
 */
import { Database } from '../../src/store/database.ts';

const [dataDir, port] = process.argv.slice(2);
const database = await Database.open({ dataDir: dataDir!, embeddedPort: Number(port) });
const slowQuery = database.pool.query<{ finished: string }>("SELECT pg_sleep(1.5)::text || 'finished' AS finished");
process.once('SIGINT', () => {
  console.log('signal received');
  slowQuery
    .then((result) => console.log(`query ${result.rows[0]!.finished}`))
    .catch((error: unknown) => console.log(`query failed: ${(error as Error).message}`))
    .then(() => database.close())
    .then(() => {
      console.log('closed');
      process.exit(0);
    });
});
console.log('querying');
