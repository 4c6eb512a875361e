import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The explorer is built into web/dist and served by the express app at /; the dev server
// (`npx vite --config web/vite.config.ts`) forwards the API to a running `npm start`.
const api = process.env.LANGCELL_API ?? 'http://127.0.0.1:4000';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 1500, reportCompressedSize: false },
  server: { proxy: { '/graphql': api, '/layout': api, '/uploads': api, '/annotation-jobs': api } },
});
