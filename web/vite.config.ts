import { defineConfig } from 'vite';

// Run as `vite build web`: the root is this folder, the output web/dist (git-ignored, served by the API at `/`).
export default defineConfig({
  base: './',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // The page's CSP allows only its own scripts; the polyfill would be inlined and is not needed by modern browsers.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    reportCompressedSize: false,
  },
  server: {
    // `npx vite web` during development: the API runs on its default port.
    proxy: { '/v1': 'http://127.0.0.1:8000' },
  },
});
