// Progress on a terminal: one self-overwriting line on stderr when stderr is a TTY, nothing otherwise
// (so `--json` output and CI logs stay clean).

export interface ProgressReporter {
  update(stage: string, done: number, total: number): void;
  done(message?: string): void;
}

export function terminalProgress(stream: NodeJS.WriteStream = process.stderr, enabled = !!stream.isTTY): ProgressReporter {
  let lastDraw = 0;
  let drawn = false;
  return {
    update(stage, done, total) {
      if (!enabled) return;
      const now = Date.now();
      if (now - lastDraw < 100 && done < total) return;
      lastDraw = now;
      const pct = total > 0 ? Math.floor((100 * done) / total) : 100;
      const bar = '#'.repeat(Math.floor(pct / 5)).padEnd(20, '.');
      stream.write(`\r  ${stage.padEnd(14)} [${bar}] ${String(pct).padStart(3)}%  ${done}/${total}   `);
      drawn = true;
    },
    done(message) {
      if (enabled && drawn) stream.write('\r' + ' '.repeat(70) + '\r');
      drawn = false;
      if (enabled && message) stream.write(message + '\n');
    },
  };
}
