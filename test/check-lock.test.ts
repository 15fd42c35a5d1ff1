// The lock that lets checkers run at once (make -j) share one analysis.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { oneAtATime } from '../src/cli/check-lock.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'eqscheck-check-lock-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The id of a process that has ended. */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '']).pid!;
}

describe('the checkers\' lock', () => {
  it('is taken over at once from a checker that was killed holding it (make\'s ^C), not after minutes', async () => {
    const lock = path.join(dir, 'check-killed.lock');
    writeFileSync(lock, `${deadPid()}\n`);
    expect(await oneAtATime(dir, 'killed', async () => readFileSync(lock, 'latin1'))).toBe(`${process.pid}\n`);
    expect(existsSync(lock)).toBe(false);
  });

  it('is not removed by a holder whose lock another checker took over', async () => {
    const lock = path.join(dir, 'check-taken.lock');
    const other = `${process.pid + 1}\n`;
    await oneAtATime(dir, 'taken', async () => { writeFileSync(lock, other); });
    expect(readFileSync(lock, 'latin1')).toBe(other);
  });
});
