import { defineConfig } from "vitest/config";

// Tests that need the machine to themselves run alone, one file at a time, after the main suite:
// fault tests stop and restart the shared RabbitMQ; load tests (test/load/) compare CPU costs at
// different depths, which other files running beside them would skew.
// biome-ignore lint/style/noDefaultExport: vitest loads the default export
export default defineConfig({
  test: {
    include: ["test/faults/**/*.test.ts", "test/load/**/*.test.ts"],
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 60_000,
    reporters: ["default", ["json", { outputFile: ".vitest-faults.json" }]],
  },
});
