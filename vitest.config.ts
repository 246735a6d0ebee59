import { defineConfig } from "vitest/config";

// The Fashion-MNIST tests need the Debian package dataset-fashion-mnist: `npm run test:fashion`.
const exclude = ["test/fashion/**", "test/package/**", "test/web/**", "node_modules/**"];

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    projects: [
      // Default kernels: WebAssembly SIMD for float32 where available.
      { test: { name: "default", include: ["test/**/*.test.ts"], exclude, testTimeout: 60_000, hookTimeout: 120_000 } },
      // The same engine tests on the plain-JavaScript kernels.
      {
        test: {
          name: "js-kernels",
          include: ["test/{tensor,autograd,nn,vae}/**/*.test.ts"],
          setupFiles: ["test/support/js-kernels.ts"],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
