import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// `npm run dev` serves the console with hot reload and forwards /api to a service on :5433 (npm start in the root).
export default defineConfig({
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false, chunkSizeWarningLimit: 800 },
  server: { proxy: { '/api': { target: 'http://127.0.0.1:5433', changeOrigin: false } } },
});
