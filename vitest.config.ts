import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // The Fashion-MNIST tests need the Debian package dataset-fashion-mnist: `npm run test:fashion`.
    exclude: ["test/fashion/**", "node_modules/**"],
    testTimeout: 60_000,
  },
});
