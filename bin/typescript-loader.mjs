// `node --import ./bin/typescript-loader.mjs file.ts`: runs the project's TypeScript through tsx,
// with published packages loaded as they are (bin/packages-as-published.mjs says why). The CLI,
// the benchmarks and the tests' child processes all start this way.
import { register } from 'node:module';
import { register as registerTypeScript } from 'tsx/esm/api';

registerTypeScript();
// Hooks registered later run first, so this one sees node_modules before tsx does.
register('./packages-as-published.mjs', import.meta.url);
