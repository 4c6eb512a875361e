/**
 * Colours a biologist can tell apart: the first eight categories take the Okabe–Ito palette
 * (distinguishable with the common colour-vision deficiencies), the next ones Paul Tol's "muted"
 * and "light" schemes; past those, hues step by the golden angle at three lightnesses, so no two
 * categories share a colour (neighbouring ones can still look alike: the legend outlines a
 * category's cells when clicked).
 * Similarity heat uses viridis, which is perceptually even and readable in grey.
 */
export const CATEGORICAL = [
  // Okabe–Ito (without black, which reads as "missing" on a map)
  '#E69F00', '#56B4E9', '#009E73', '#F0E442', '#0072B2', '#D55E00', '#CC79A7', '#999999',
  // Paul Tol muted
  '#332288', '#88CCEE', '#44AA99', '#117733', '#999933', '#DDCC77', '#CC6677', '#882255', '#AA4499',
  // Paul Tol light
  '#77AADD', '#EE8866', '#EEDD88', '#FFAABB', '#99DDFF', '#44BB99', '#BBCC33', '#AAAA00',
] as const;

/** Cells with no value in the column ("(no value)") are drawn light grey so they recede. */
export const NO_VALUE_COLOUR = '#D9D9D9';
/** Cells no longer in the atlas are not drawn (fully transparent; regl-scatterplot reads 8-digit hex as white). */
export const HIDDEN_COLOUR: [number, number, number, number] = [0, 0, 0, 0];

/** The n-th category's colour (0-based): the fixed palette, then golden-angle hues. */
export function categoricalColour(n: number): string {
  if (n < CATEGORICAL.length) return CATEGORICAL[n]!;
  const step = n - CATEGORICAL.length;
  const hue = (step * 137.50776405) % 360;
  const lightness = [0.45, 0.65, 0.32][step % 3]!;
  return hslToHex(hue, 0.62, lightness);
}

export function categoricalColours(names: readonly string[]): string[] {
  let next = 0;
  return names.map((name) => (name === '(no value)' ? NO_VALUE_COLOUR : categoricalColour(next++)));
}

function hslToHex(hue: number, saturation: number, lightness: number): string {
  const chroma = (1 - Math.abs(2 * lightness - 1)) * saturation;
  const f = (k: number) => {
    const at = (k + hue / 30) % 12;
    return lightness - (chroma / 2) * Math.max(-1, Math.min(at - 3, 9 - at, 1));
  };
  return rgbToHex([f(0), f(8), f(4)].map((v) => v * 255));
}

// viridis at 9 stops (matplotlib's), interpolated linearly in sRGB.
const VIRIDIS_STOPS = ['#440154', '#472d7b', '#3b528b', '#2c728e', '#21918c', '#28ae80', '#5ec962', '#addc30', '#fde725'];

function hexToRgb(hex: string): [number, number, number] {
  const n = Number.parseInt(hex.slice(1, 7), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

function rgbToHex([r, g, b]: readonly number[]): string {
  return `#${[r, g, b].map((v) => Math.round(v!).toString(16).padStart(2, '0')).join('')}`;
}

/** `steps` colours from dark purple (low) to yellow (high). */
export function viridis(steps: number): string[] {
  const stops = VIRIDIS_STOPS.map(hexToRgb);
  return Array.from({ length: steps }, (_, i) => {
    const t = steps === 1 ? 1 : i / (steps - 1);
    const at = t * (stops.length - 1);
    const lo = Math.floor(at);
    const hi = Math.min(stops.length - 1, lo + 1);
    const f = at - lo;
    return rgbToHex(stops[lo]!.map((v, c) => v + (stops[hi]![c]! - v) * f));
  });
}
