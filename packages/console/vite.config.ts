import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// Served by `coffer server` at /-/console/ (packages/server/src/http/console-static.ts): assets are
// hashed, so the server caches them for a year and revalidates only index.html.
export default defineConfig({
  base: '/-/console/',
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false, chunkSizeWarningLimit: 1200 },
});
