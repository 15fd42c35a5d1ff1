// The progress line: only on a terminal, only after a second, erased at the end.
import { describe, expect, it } from 'vitest';
import { progressLine } from '../src/cli/progress.js';

function fakeStream(isTTY: boolean): NodeJS.WriteStream & { written: string } {
  const s = { isTTY, written: '', write(chunk: string) { s.written += chunk; return true; } };
  return s as unknown as NodeJS.WriteStream & { written: string };
}

describe('progress line', () => {
  it('writes nothing when stderr is not a terminal', () => {
    expect(progressLine(fakeStream(false))).toBeNull();
  });

  it('stays silent for the first second, then shows files done, total and rate, and erases itself', () => {
    let t = 0;
    const stream = fakeStream(true);
    const line = progressLine(stream, () => t)!;
    line.update({ phase: 'index', done: 10, total: 100 });
    t = 500;
    line.update({ phase: 'index', done: 50, total: 100 });
    expect(stream.written).toBe('');
    t = 2000;
    line.update({ phase: 'index', done: 100, total: 100 });
    expect(stream.written).toBe('\r\x1b[Keqscheck: reading 100/100 files (50/s)');
    t = 2030;
    line.update({ phase: 'select', done: 0, total: 1 });
    expect(stream.written).toContain('\r\x1b[Keqscheck: selecting what can matter…'); // a new phase is shown at once
    t = 2050;
    line.update({ phase: 'build', done: 1, total: 40 });
    t = 2060;
    line.update({ phase: 'build', done: 2, total: 40 });
    expect(stream.written).not.toContain('parsing 2/40'); // refreshed at most every 100 ms
    t = 3050;
    line.update({ phase: 'build', done: 20, total: 40 });
    expect(stream.written).toContain('\r\x1b[Keqscheck: parsing 20/40 files (20/s)');
    // Arches are shown one by one, however close together (the next may take long).
    t = 3060;
    line.update({ phase: 'analyse', done: 1, total: 6 });
    t = 3070;
    line.update({ phase: 'analyse', done: 2, total: 6 });
    expect(stream.written).toContain('\r\x1b[Keqscheck: analysing, 2/6 arches done');
    line.done();
    expect(stream.written.endsWith('\r\x1b[K')).toBe(true);
  });

  it('a quick scan leaves no trace', () => {
    let t = 0;
    const stream = fakeStream(true);
    const line = progressLine(stream, () => t)!;
    line.update({ phase: 'index', done: 1, total: 1 });
    t = 300;
    line.update({ phase: 'analyse', done: 1, total: 1 });
    line.done();
    expect(stream.written).toBe('');
  });
});
