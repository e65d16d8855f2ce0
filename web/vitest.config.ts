import { defineConfig } from "vitest/config";

// Unit tests of the UI's logic (no DOM): files named *.test.ts beside the code they test. `npm test` runs them;
// ./test.sh runs them too and counts them with the other suites.
export default defineConfig({
  test: {
    include: ["src/**/*.test.ts"],
    environment: "node",
  },
});
