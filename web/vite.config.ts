import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

// `npm run dev` proxies the API to a running server: ARIANE_URL, else ./ariane serve's default address.
const server = process.env.ARIANE_URL ?? "http://127.0.0.1:9095";

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
    proxy: { "/api": server, "/-": server, "/metrics": server },
  },
});
