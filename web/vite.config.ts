import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

// The app is served by Ariane itself: index.html at every client route, hashed assets under /assets/.
export default defineConfig({
  plugins: [react()],
  base: "/",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    sourcemap: false,
    assetsDir: "assets",
  },
  server: {
    // `npm run dev` beside `./ariane serve`: the API answers from the real server.
    proxy: { "/api": "http://127.0.0.1:9095", "/-": "http://127.0.0.1:9095", "/metrics": "http://127.0.0.1:9095" },
  },
});
