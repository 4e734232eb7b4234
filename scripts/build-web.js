// Builds the dashboard (web/) into web/dist with Vite; Tessera serves it at /dashboard/.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'web');
await build({
  root,
  base: '/dashboard/',
  logLevel: 'warn',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: { outDir: path.join(root, 'dist'), emptyOutDir: true, sourcemap: true, chunkSizeWarningLimit: 400 },
});
