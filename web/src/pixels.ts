/** Decoded pixel means in [0, 1] as 8-bit gray, the one conversion the page and its tests share. */
export function grayBytes(means: ArrayLike<number>): Uint8ClampedArray {
  const out = new Uint8ClampedArray(means.length);
  for (let i = 0; i < means.length; i++) out[i] = Math.round((means[i] as number) * 255);
  return out;
}

/** Gray bytes as the RGBA of an ImageData of `width` × `height`. */
export function grayImage(gray: Uint8ClampedArray, width: number, height: number): ImageData {
  const rgba = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    const value = gray[i] as number;
    rgba[4 * i] = value;
    rgba[4 * i + 1] = value;
    rgba[4 * i + 2] = value;
    rgba[4 * i + 3] = 255;
  }
  return new ImageData(rgba, width, height);
}
