import { defineConfig } from "vitest/config";

// Fault tests stop and restart the shared RabbitMQ, so they run alone, one file at a time, after
// the main suite.
// biome-ignore lint/style/noDefaultExport: vitest loads the default export
export default defineConfig({
  test: {
    include: ["test/faults/**/*.test.ts"],
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 60_000,
    reporters: ["default", ["json", { outputFile: ".vitest-faults.json" }]],
  },
});
