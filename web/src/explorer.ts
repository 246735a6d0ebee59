/**
 * The latent explorer: the latent map (of z₀, z₁, or for a latent of more than 2 dimensions of
 * the principal plane of some codes), a point dragged over it (mouse, pen or touch: pointer
 * events) whose decoding is drawn as it moves, and one slider per latent dimension. Every drag
 * event's decode-and-draw time is kept, so the page can report its median.
 */
import { noGrad, tensor, type Tensor } from "elbo";
import { mapImage, mapPlane, type MapPlane } from "./latent-map.js";
import type { LoadedModel } from "./model-files.js";
import { grayBytes, grayImage } from "./pixels.js";

/** Grid cells per side of the map, and the latent range it covers (±3 standard deviations of the prior). */
const MAP_CELLS = 15;
export const MAP_RANGE = 3;

export interface ExplorerElements {
  map: HTMLCanvasElement;
  overlay: HTMLCanvasElement;
  digit: HTMLCanvasElement;
  sliders: HTMLElement;
  readout: HTMLElement;
  caption: HTMLElement;
}

export class Explorer {
  private loaded: LoadedModel | null = null;
  /** The latent point shown; dimensions 0 and 1 follow the dragged point. */
  z = new Float32Array(2);
  /** The last decoding: pixel means in [0, 1]. */
  decoded = new Float32Array(0);
  /** Milliseconds to decode and draw, one entry per drag event. */
  readonly dragMilliseconds: number[] = [];
  private dragging = false;
  private plane: MapPlane = mapPlane(2);

  constructor(private readonly elements: ExplorerElements) {
    const { overlay } = elements;
    overlay.style.touchAction = "none"; // a touch drags the point instead of scrolling the page
    overlay.addEventListener("pointerdown", (event) => {
      this.dragging = true;
      overlay.setPointerCapture(event.pointerId);
      this.dragTo(event);
    });
    overlay.addEventListener("pointermove", (event) => {
      if (this.dragging) this.dragTo(event);
    });
    const end = (): void => {
      this.dragging = false;
    };
    overlay.addEventListener("pointerup", end);
    overlay.addEventListener("pointercancel", end);
  }

  get model(): LoadedModel | null {
    return this.loaded;
  }

  /**
   * Show a model: its map, sliders for every latent dimension, the decoding of z = 0. A latent
   * of more than 2 dimensions needs `codes` ([examples, latent]) whose principal plane the map shows.
   */
  show(loaded: LoadedModel, codes?: Tensor): void {
    this.loaded = loaded;
    this.z = new Float32Array(loaded.config.model.latentSize);
    this.plane = mapPlane(this.z.length, codes);
    this.buildSliders();
    this.drawMap(codes);
    this.update();
  }

  /** Median decode-and-draw time per drag event, in milliseconds (NaN before the first drag). */
  medianDragMilliseconds(): number {
    const sorted = [...this.dragMilliseconds].sort((a, b) => a - b);
    if (sorted.length === 0) return Number.NaN;
    const mid = sorted.length >> 1;
    return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  }

  private dragTo(event: PointerEvent): void {
    const started = performance.now();
    const box = this.elements.overlay.getBoundingClientRect();
    const clamp = (value: number): number => Math.min(1, Math.max(0, value));
    const x = MAP_RANGE * (2 * clamp((event.clientX - box.left) / box.width) - 1);
    const y = MAP_RANGE * (1 - 2 * clamp((event.clientY - box.top) / box.height));
    const { first, second } = this.plane;
    for (let d = 0; d < this.z.length; d++) this.z[d] = x * (first[d] as number) + y * (second[d] as number);
    this.update();
    this.dragMilliseconds.push(performance.now() - started);
  }

  /** Decode z, draw the digit and the point, and move the sliders and the readout to z. */
  private update(): void {
    const loaded = this.loaded;
    if (!loaded) return;
    const { height, width } = loaded.config.model;
    const z = tensor(this.z, { shape: [1, this.z.length], dtype: loaded.model.dtype });
    this.decoded = Float32Array.from(noGrad(() => loaded.model.decodeMean(z)).data);
    const digit = this.elements.digit;
    digit.width = width;
    digit.height = height;
    (digit.getContext("2d") as CanvasRenderingContext2D).putImageData(grayImage(grayBytes(this.decoded), width, height), 0, 0);
    this.drawPoint();
    this.elements.sliders.querySelectorAll("input").forEach((input, d) => {
      input.value = String(this.z[d]);
    });
    this.elements.readout.textContent = `z = (${Array.from(this.z, (v) => v.toFixed(2)).join(", ")})`;
  }

  private drawMap(codes?: Tensor): void {
    const loaded = this.loaded as LoadedModel;
    const { height, width } = loaded.config.model;
    const map = mapImage(loaded.model, MAP_CELLS, MAP_RANGE, { height, width }, codes);
    const canvas = this.elements.map;
    canvas.width = map.width;
    canvas.height = map.height;
    (canvas.getContext("2d") as CanvasRenderingContext2D).putImageData(grayImage(map.gray, map.width, map.height), 0, 0);
    const [a, b] = map.axes;
    this.elements.caption.textContent = `Decoded means over ${a}, ${b} ∈ [−${MAP_RANGE}, ${MAP_RANGE}]${codes ? " (the principal plane of the digits' codes)" : ""}; drag the point.`;
  }

  private drawPoint(): void {
    const { overlay, map } = this.elements;
    overlay.width = map.width;
    overlay.height = map.height;
    const context = overlay.getContext("2d") as CanvasRenderingContext2D;
    // z's coordinates in the map's plane (its axes are orthonormal).
    const along = (axis: Float64Array): number => this.z.reduce((sum, value, d) => sum + value * (axis[d] as number), 0);
    const x = ((along(this.plane.first) / MAP_RANGE + 1) / 2) * overlay.width;
    const y = ((1 - along(this.plane.second) / MAP_RANGE) / 2) * overlay.height;
    context.clearRect(0, 0, overlay.width, overlay.height);
    context.lineWidth = 3;
    context.strokeStyle = "#ff5a36";
    context.beginPath();
    context.arc(x, y, 9, 0, 2 * Math.PI);
    context.stroke();
  }

  /** One slider per latent dimension. */
  private buildSliders(): void {
    const container = this.elements.sliders;
    container.replaceChildren();
    this.z.forEach((_, d) => {
      const label = document.createElement("label");
      label.textContent = `z${d} `;
      const input = document.createElement("input");
      Object.assign(input, { type: "range", min: String(-MAP_RANGE), max: String(MAP_RANGE), step: "0.01", value: "0" });
      input.setAttribute("aria-label", `latent dimension ${d}`);
      input.addEventListener("input", () => {
        this.z[d] = Number(input.value);
        this.update();
      });
      label.append(input);
      container.append(label);
    });
  }
}
