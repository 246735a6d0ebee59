import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/fashion/**/*.test.ts"],
    testTimeout: 60_000,
  },
});
