import { describe, expect, it } from "vitest";
import { formatDuration, ProgressReporter } from "../../src/io/progress.js";

function capture(isTTY: boolean): { stream: { write(s: string): void; isTTY: boolean }; output: string[] } {
  const output: string[] = [];
  return { stream: { write: (s: string) => void output.push(s), isTTY }, output };
}

describe("ProgressReporter", () => {
  it("on a terminal redraws one line in place with epoch, step, bar, rate, ELBO and ETA", () => {
    let clock = 0;
    const { stream, output } = capture(true);
    const progress = new ProgressReporter(stream, { epoch: 2, epochs: 5, totalSteps: 10, now: () => clock });
    clock = 1;
    progress.update(1, 100, -120);
    clock = 2;
    progress.update(2, 100, -110);
    expect(output).toHaveLength(2);
    expect(output[1]).toBe("\repoch 2/5 step 2/10 [#####...................] 100 examples/s, ELBO -115.00, ETA 0:08");
    progress.finish();
    expect(output[2]).toMatch(/^\r +\r$/);
  });

  it("redraws a terminal at most every redrawSeconds", () => {
    let clock = 0;
    const { stream, output } = capture(true);
    const progress = new ProgressReporter(stream, { epoch: 1, epochs: 1, totalSteps: 1000, redrawSeconds: 0.5, now: () => clock });
    for (let step = 1; step <= 100; step++) {
      clock = step * 0.01;
      progress.update(step, 1, -1);
    }
    expect(output).toHaveLength(2); // at 0.5 s and 1.0 s
  });

  it("blanks the rest of a longer line when the redrawn one is shorter, and clears what is shown", () => {
    let clock = 0;
    const { stream, output } = capture(true);
    const progress = new ProgressReporter(stream, { epoch: 1, epochs: 1, totalSteps: 100, now: () => clock });
    clock = 1;
    progress.update(1, 10_000, -100); // 10000 examples/s
    clock = 3;
    progress.update(2, 8_000, -100); // 6000 examples/s: one character shorter
    const [first, second] = output as [string, string];
    expect(second.length).toBe(first.length);
    expect(second).toMatch(/ETA 2:27 $/); // 98 steps left at 1.5 s a step
    progress.finish();
    expect(output[2]).toBe(`\r${" ".repeat(second.trimEnd().length - 1)}\r`); // what is still visible
  });

  it("off a terminal writes whole lines, no more often than lineSeconds", () => {
    let clock = 0;
    const { stream, output } = capture(false);
    const progress = new ProgressReporter(stream, { epoch: 1, epochs: 3, totalSteps: 100, lineSeconds: 10, now: () => clock });
    for (let step = 1; step <= 100; step++) {
      clock = step * 0.5;
      progress.update(step, 128, -100);
    }
    expect(output).toHaveLength(5);
    for (const line of output) {
      expect(line).toMatch(/^epoch 1\/3 step \d+\/100 256 examples\/s, ELBO -100\.00, ETA \d+:\d\d\n$/);
      expect(line).not.toContain("\r");
    }
    expect(output[0]).toContain("step 20/100");
    expect(output[0]).toContain("ETA 0:40");
    progress.finish();
    expect(output).toHaveLength(5);
  });
});

describe("formatDuration", () => {
  it("formats minutes and seconds, and ? when unknown", () => {
    expect(formatDuration(65)).toBe("1:05");
    expect(formatDuration(7.4)).toBe("0:07");
    expect(formatDuration(Number.NaN)).toBe("?");
  });
});
