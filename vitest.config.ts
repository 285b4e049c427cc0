import { defineConfig } from "vitest/config";

// biome-ignore lint/style/noDefaultExport: vitest loads the default export
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    exclude: ["test/faults/**", "test/load/**", "node_modules/**"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // The JSON report feeds the one-line summary `.ci/run` prints.
    reporters: ["default", ["json", { outputFile: ".vitest-results.json" }]],
  },
});
