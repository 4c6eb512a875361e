#!/usr/bin/env node
// The CLI entry point (`npx langcell-atlas`, `npm start`): the TypeScript sources run in this same
// process, so signals reach the CLI directly and there is one process to watch.
import './typescript-loader.mjs';

await import('../src/cli/main.ts');
