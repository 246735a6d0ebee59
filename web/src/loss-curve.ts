/** The live loss curve: −ELBO (nats per example) per training step, redrawn as steps arrive. */
export class LossCurve {
  /** The losses drawn so far, one per step. */
  readonly losses: number[] = [];

  constructor(private readonly canvas: HTMLCanvasElement) {}

  clear(): void {
    this.losses.length = 0;
    this.draw();
  }

  add(loss: number): void {
    this.losses.push(loss);
    this.draw();
  }

  private draw(): void {
    const { canvas, losses } = this;
    const context = canvas.getContext("2d") as CanvasRenderingContext2D;
    const [width, height, margin] = [canvas.width, canvas.height, 36];
    context.clearRect(0, 0, width, height);
    context.fillStyle = "#555";
    context.font = "11px sans-serif";
    context.fillText("−ELBO (nats) per step", margin, 12);
    if (losses.length < 2) return;
    // Bounded below by the data, above by the 5th step (the first steps fall far too fast to share a scale).
    const top = Math.max(...losses.slice(Math.min(4, losses.length - 1)));
    const bottom = Math.min(...losses);
    const span = top - bottom || 1;
    const x = (i: number): number => margin + ((width - margin - 8) * i) / (losses.length - 1);
    const y = (loss: number): number => 20 + (height - 40) * (1 - (Math.min(loss, top) - bottom) / span);
    context.strokeStyle = "#bbb";
    context.strokeRect(margin, 20, width - margin - 8, height - 40);
    context.fillText(top.toFixed(0), 2, 24);
    context.fillText(bottom.toFixed(0), 2, height - 20);
    context.fillText(`step ${losses.length}`, width - 60, height - 6);
    context.strokeStyle = "#1f77b4";
    context.lineWidth = 1.5;
    context.beginPath();
    losses.forEach((loss, i) => (i === 0 ? context.moveTo(x(i), y(loss)) : context.lineTo(x(i), y(loss))));
    context.stroke();
  }
}
