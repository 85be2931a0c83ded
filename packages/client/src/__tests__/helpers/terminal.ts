import { spawn } from "node:child_process";

/**
 * What a terminal shows after `raw` was written to it: carriage returns move to the start of
 * the line, `ESC[2K` clears it (how inferctl redraws and removes its progress bar), newlines
 * end it. Enough of a terminal for inferctl's output, nothing more.
 */
export function renderTerminal(raw: string): string {
  const lines: string[] = [];
  let line = "";
  let column = 0;
  for (let index = 0; index < raw.length; index++) {
    if (raw.startsWith("\x1b[2K", index)) {
      line = " ".repeat(column);
      index += 3;
      continue;
    }
    const char = raw[index] as string;
    if (char === "\r") column = 0;
    else if (char === "\n") {
      lines.push(line.trimEnd());
      line = "";
      column = 0;
    } else {
      line = line.slice(0, column).padEnd(column) + char + line.slice(column + 1);
      column += 1;
    }
  }
  if (line.trimEnd() !== "") lines.push(line.trimEnd());
  return lines.join("\n");
}

/** How a command run on a pseudo-terminal ended, and what the terminal showed. */
export interface TerminalRun {
  code: number | null;
  /** The screen's text, stdout and stderr interleaved as a user sees them. */
  screen: string;
}

/**
 * Runs a shell command line on a pseudo-terminal (util-linux `script`), so that programs see
 * a TTY on stdout and stderr exactly as in a user's terminal, and renders what it showed.
 */
export function runOnTerminal(commandLine: string, options: { cwd: string; env: Record<string, string> }): Promise<TerminalRun> {
  const child = spawn("script", ["-qec", commandLine, "/dev/null"], { cwd: options.cwd, env: options.env, stdio: ["ignore", "pipe", "pipe"] });
  let raw = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (raw += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (raw += chunk));
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, screen: renderTerminal(raw) }));
  });
}
