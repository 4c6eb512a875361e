import pg from 'pg';

/** A fresh database for one benchmark run on the server at `adminUrl`, dropped by `drop`. */
export async function scratchDatabase(adminUrl: string, tag: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `langcell_bench_${tag}_${process.pid}_${Date.now()}`;
  const run = async (sql: string) => {
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    try {
      await admin.query(sql);
    } finally {
      await admin.end();
    }
  };
  await run(`CREATE DATABASE "${name}"`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => run(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`) };
}
