// One analysis for checkers run at once (make -j): a lock file beside the cache.
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import path from 'node:path';

/** A lock older than this was left by a checker that died (on another machine, or
 *  whose process id is not known): taken over. */
const STALE_LOCK_MS = 10 * 60_000;
const LOCK_POLL_MS = 200;

/** make -j runs several checkers at once, and the files of one directory share
 *  one analysis: the first checker to reach it does it, and the others wait for
 *  it to be in the cache rather than each doing it again. The lock holds its
 *  holder's process id, so that one killed with the build (make's ^C) does not
 *  hold up the next build. */
export async function oneAtATime<T>(cacheDir: string | null, key: string, work: () => Promise<T>): Promise<T> {
  if (cacheDir === null) return work();
  try { mkdirSync(cacheDir, { recursive: true }); } catch { return work(); }
  const lock = path.join(cacheDir, `check-${key}.lock`);
  const mine = `${process.pid}\n`;
  for (;;) {
    try {
      const fd = openSync(lock, 'wx');
      try { writeSync(fd, mine); } finally { closeSync(fd); }
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') return work();
      const age = lockAge(lock);
      if (age === null) continue;
      if (age > STALE_LOCK_MS || holderIsGone(readLock(lock))) rmSync(lock, { force: true });
      else await new Promise((resolve) => setTimeout(resolve, LOCK_POLL_MS));
    }
  }
  try {
    return await work();
  } finally {
    // A checker that took the lock over as stale holds it now: it is not ours to remove.
    if (readLock(lock) === mine) rmSync(lock, { force: true });
  }
}

function lockAge(lock: string): number | null {
  try { return Date.now() - statSync(lock).mtimeMs; } catch { return null; }
}

function readLock(lock: string): string | null {
  try { return readFileSync(lock, 'latin1'); } catch { return null; }
}

/** Whether the process a lock names has ended (on this machine); false when it names none yet. */
function holderIsGone(content: string | null): boolean {
  const pid = content && /^(\d+)\n$/.exec(content) ? Number(content.slice(0, -1)) : null;
  if (pid === null) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
