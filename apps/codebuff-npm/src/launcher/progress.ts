import { transferProgress } from '@codebuff/release/units';

/**
 * The launcher's stderr: one-off lines (`codebuff: …`) and, on a terminal only, a progress line
 * redrawn in place while a download runs. Piped stderr (npm install, CI, an IDE) never gets
 * carriage returns or escape codes; it gets the lines alone.
 */
export interface StatusOutput {
  log(line: string): void;
  progress(bytes: number, total: number): void;
  /** Clears the progress line, if one is drawn. */
  done(): void;
}

const REDRAW_MS = 200;

export function statusOutput(stream: NodeJS.WriteStream = process.stderr): StatusOutput {
  const tty = stream.isTTY === true;
  let drawn = false;
  let lastDraw = 0;
  let started = 0;
  let startBytes = 0;
  const clear = () => {
    if (drawn) stream.write('\r\x1b[K');
    drawn = false;
  };
  return {
    log(line) {
      clear();
      stream.write(`codebuff: ${line}\n`);
    },
    progress(bytes, total) {
      if (!tty) return;
      const now = Date.now();
      if (!started) {
        started = now;
        startBytes = bytes;
      }
      if (drawn && now - lastDraw < REDRAW_MS && bytes < total) return;
      lastDraw = now;
      const seconds = (now - started) / 1000;
      const rate = seconds > 0.5 ? (bytes - startBytes) / seconds : 0;
      stream.write(`\r\x1b[Kcodebuff: ${transferProgress(bytes, total, rate)}`);
      drawn = true;
    },
    done: clear,
  };
}
