#!/usr/bin/env node
// The CLI entry point (`npx langcell-atlas`, `npm start`): the TypeScript sources run in this same
// process, so signals reach the CLI directly and there is one process to watch. The demo seed
// and its held-out cells live in seed/, outside src/, and reach `serve` and `fidelity` from here as
// hooks (imported only when used).
import './typescript-loader.mjs';

const { runCli } = await import('../src/cli/main.ts');
await runCli(process.argv, {
  seedWhenEmpty: async (runtime) => (await import('../seed/seed-database.ts')).seedIfEmpty(runtime),
  demoReference: async () => (await import('../seed/demo-reference.ts')).demoReference(),
});
