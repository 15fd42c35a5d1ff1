// Progress on a terminal, for scans that take more than a second: one line on
// stderr, rewritten in place (files done / total, rate; arches analysed), erased
// at the end.
// Nothing at all when stderr is not a terminal.
import type { Progress } from '../run/types.js';

const PHASES: Record<Progress['phase'], string> = { index: 'reading', select: 'selecting what can matter', build: 'parsing', analyse: 'analysing' };
const DELAY_MS = 1000;
const REFRESH_MS = 100;

export interface ProgressLine {
  update(p: Progress): void;
  /** Erases the line (before the report is written). */
  done(): void;
}

export function progressLine(stream: NodeJS.WriteStream, now: () => number = Date.now): ProgressLine | null {
  if (!stream.isTTY) return null;
  const start = now();
  let phaseStart = start;
  let phase: Progress['phase'] | null = null;
  let lastDraw = 0;
  let shown = false;
  const draw = (text: string): void => {
    stream.write(`\r\x1b[K${text}`);
    shown = true;
  };
  return {
    update(p) {
      const t = now();
      const newPhase = p.phase !== phase;
      if (newPhase) { phase = p.phase; phaseStart = t; }
      // Files come by the hundred (refreshed at most every REFRESH_MS); arches by the
      // handful, each of which may take a while: every one is shown.
      if (t - start < DELAY_MS || (t - lastDraw < REFRESH_MS && p.done !== p.total && !newPhase && p.phase !== 'analyse')) return;
      lastDraw = t;
      if (p.phase === 'analyse' && p.total > 1) { draw(`eqscheck: ${PHASES[p.phase]}, ${p.done}/${p.total} arches done`); return; }
      if (p.phase === 'analyse' || p.phase === 'select') { draw(`eqscheck: ${PHASES[p.phase]}…`); return; }
      const seconds = (t - phaseStart) / 1000;
      // A rate over less than half a second says nothing.
      const rate = seconds >= 0.5 ? ` (${Math.round(p.done / seconds)}/s)` : '';
      draw(`eqscheck: ${PHASES[p.phase]} ${p.done}/${p.total} files${rate}`);
    },
    done() {
      if (shown) stream.write('\r\x1b[K');
    },
  };
}
