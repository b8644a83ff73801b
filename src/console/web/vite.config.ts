/**
 * Builds the console's web application: `vite build src/console/web` (npm run build:console) writes
 * it to <repo>/dist/console, which `samsa console` serves. `vite src/console/web` serves it in
 * development, with /api sent on to a running `samsa console` (SAMSA_CONSOLE_URL, default :8080).
 */
import { defineConfig } from 'vite';
import preact from '@preact/preset-vite';

const consoleUrl = process.env['SAMSA_CONSOLE_URL'] ?? 'http://127.0.0.1:8080';

export default defineConfig({
  // Paths below are relative to this folder, the root when Vite is given it (vite build src/console/web).
  plugins: [preact()],
  base: '/',
  build: {
    outDir: '../../../dist/console',
    emptyOutDir: true,
    // One small app: a chunk-size warning would only be noise.
    chunkSizeWarningLimit: 400,
  },
  server: { host: '127.0.0.1', proxy: { '/api': consoleUrl } },
});
