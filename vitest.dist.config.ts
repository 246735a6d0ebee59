import { defineConfig } from "vitest/config";

// What is shipped, tested as a user meets it: the packed npm package (test/package) and the web page
// in headless Chromium (test/web). `npm run test:dist`; CI installs Debian's chromium first.
export default defineConfig({
  test: {
    include: ["test/package/**/*.test.ts", "test/web/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 240_000,
    fileParallelism: false,
  },
});
