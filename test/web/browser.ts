/**
 * Debian's Chromium, headless, driven by playwright-core (no browser download): started as
 * this machine needs it (no sandbox as root, no background networking on a closed network).
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/** Builds the page into web/dist (`npm run build:web`), training the bundled model when it is missing. */
export function buildWeb(root: string): void {
  const built = spawnSync(process.execPath, ["--import", "tsx", join(root, "web", "build.ts")], { cwd: root, encoding: "utf8", timeout: 300_000 });
  if (built.status !== 0) throw new Error(`build:web failed (${built.status}): ${built.stderr}`);
}

/** Everything a page reports as going wrong: console errors, uncaught exceptions, failed or refused requests. */
export function watchForErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(`console: ${message.text()}`);
  });
  page.on("pageerror", (error) => errors.push(`uncaught: ${error.message}`));
  page.on("requestfailed", (request) => errors.push(`request failed: ${request.url()} ${request.failure()?.errorText ?? ""}`));
  page.on("response", (response) => {
    if (response.status() >= 400) errors.push(`HTTP ${response.status()}: ${response.url()}`);
  });
  return errors;
}
