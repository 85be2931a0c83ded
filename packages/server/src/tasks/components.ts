/** One 8-connected region of equal label. */
export interface Component {
  /** The region's label (class id, or 255 for text). */
  readonly label: number;
  /** Bounding box in map pixels: x0/y0 inclusive, x1/y1 exclusive. */
  readonly x0: number;
  readonly y0: number;
  readonly x1: number;
  readonly y1: number;
  /** Pixels in the region. */
  readonly area: number;
  /** Sum of `scores` over the region (for mean confidence); 0 without scores. */
  readonly scoreSum: number;
}

/**
 * Finds the 8-connected regions of equal label in a label map, skipping `background`. One
 * linear pass with an explicit stack (no recursion, so big regions cannot overflow the call
 * stack); `scores`, when given, is summed over each region.
 */
export function connectedComponents(
  labels: Uint8Array | Uint16Array,
  width: number,
  height: number,
  background: number,
  scores?: Float32Array,
): Component[] {
  const size = width * height;
  const seen = new Uint8Array(size);
  const stack = new Int32Array(size);
  const components: Component[] = [];
  for (let start = 0; start < size; start++) {
    const label = labels[start] as number;
    if (seen[start] || label === background) continue;
    seen[start] = 1;
    let top = 0;
    stack[top++] = start;
    let x0 = width;
    let y0 = height;
    let x1 = 0;
    let y1 = 0;
    let area = 0;
    let scoreSum = 0;
    while (top > 0) {
      const index = stack[--top] as number;
      const x = index % width;
      const y = (index - x) / width;
      area++;
      if (scores) scoreSum += scores[index] as number;
      if (x < x0) x0 = x;
      if (y < y0) y0 = y;
      if (x >= x1) x1 = x + 1;
      if (y >= y1) y1 = y + 1;
      const yFrom = y > 0 ? y - 1 : y;
      const yTo = y < height - 1 ? y + 1 : y;
      const xFrom = x > 0 ? x - 1 : x;
      const xTo = x < width - 1 ? x + 1 : x;
      for (let ny = yFrom; ny <= yTo; ny++) {
        for (let nx = xFrom; nx <= xTo; nx++) {
          const next = ny * width + nx;
          if (seen[next] || labels[next] !== label) continue;
          seen[next] = 1;
          stack[top++] = next;
        }
      }
    }
    components.push({ label, x0, y0, x1, y1, area, scoreSum });
  }
  return components;
}
