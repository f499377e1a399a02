// The IO a pipeline step is handed instead of reaching for globals: a logger (stderr in the
// CLI, silent or captured in tests), a progress reporter and a clock.

export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** Reports progress of a long step: `done` of `total` units (total may be unknown). */
export type Progress = (step: string, done: number, total?: number) => void;

export type Clock = () => Date;

export const silentLogger: Logger = { info() {}, warn() {}, error() {} };
export const noProgress: Progress = () => {};
export const systemClock: Clock = () => new Date();

/** A logger that keeps every line, for tests. */
export function memoryLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    info: (m) => lines.push(`info: ${m}`),
    warn: (m) => lines.push(`warn: ${m}`),
    error: (m) => lines.push(`error: ${m}`),
  };
}
