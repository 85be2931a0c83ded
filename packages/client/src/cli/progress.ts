import { formatPercent } from "./format";

/** Where progress goes: a writable with an optional TTY width. */
export interface ProgressSink {
  write(text: string): unknown;
  columns?: number;
}

/** Shows the progress of one transfer or job. */
export interface Progress {
  /** Reports `done` of `total` units, with a short detail such as "3.1 MiB / 8 MiB". */
  update(done: number, total: number, detail?: string): void;
  /** Prints a line of its own (above the bar on a TTY; nothing in "none" mode). */
  log(line: string): void;
  /** Removes the bar (TTY) so that the next output starts on a clean line. */
  finish(): void;
}

/** Options of {@link createProgress}. */
export interface ProgressOptions {
  /** "bar" redraws one line (TTY), "lines" prints a line per 10%, "none" prints nothing. */
  mode: "bar" | "lines" | "none";
  /** The clock, injectable for tests; used to redraw the bar at most 10 times a second. */
  now?: () => number;
}

const CLEAR_LINE = "\r\x1b[2K";

/** Draws "label [#####.....]  45.0%  detail" to fit `columns`. */
export function renderBar(label: string, done: number, total: number, detail: string, columns: number): string {
  const ratio = total <= 0 ? 1 : Math.min(1, done / total);
  const tail = ` ${formatPercent(done, total).padStart(6)}  ${detail}`;
  const width = Math.max(10, Math.min(40, columns - label.length - tail.length - 4));
  const filled = Math.round(ratio * width);
  return `${label} [${"#".repeat(filled)}${".".repeat(width - filled)}]${tail}`.slice(0, Math.max(20, columns - 1));
}

/**
 * Creates a progress display: a redrawn bar on a terminal, plain lines at every 10% step
 * otherwise (logs and CI keep a readable record), or nothing.
 */
export function createProgress(sink: ProgressSink, label: string, options: ProgressOptions): Progress {
  const now = options.now ?? Date.now;
  let lastDraw = -Infinity;
  let lastStep = -1;
  let shown = "";
  const draw = (line: string): void => {
    shown = line;
    sink.write(`${CLEAR_LINE}${line}`);
  };
  return {
    update(done, total, detail = "") {
      if (options.mode === "none") return;
      if (options.mode === "lines") {
        const step = total <= 0 ? 10 : Math.floor(Math.min(1, done / total) * 10);
        if (step > lastStep) {
          lastStep = step;
          sink.write(`${label}: ${formatPercent(done, total)}${detail ? ` (${detail})` : ""}\n`);
        }
        return;
      }
      const time = now();
      if (time - lastDraw < 100 && done < total) return;
      lastDraw = time;
      draw(renderBar(label, done, total, detail, sink.columns ?? 80));
    },
    log(line) {
      if (options.mode === "none") return;
      if (options.mode === "bar" && shown !== "") {
        sink.write(`${CLEAR_LINE}${line}\n${shown}`);
      } else {
        sink.write(`${line}\n`);
      }
    },
    finish() {
      if (options.mode === "bar" && shown !== "") sink.write(CLEAR_LINE);
      shown = "";
    },
  };
}
