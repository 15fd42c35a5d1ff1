// Temporary directories that do not outlive the command: removed when the work is
// done, when it fails, and on SIGINT/SIGTERM (then the signal is raised again, or
// the process exits with 128 + its number, after the cleanup). Child processes
// started meanwhile (git) are stopped first, so that none writes into a directory
// being removed.
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const live = new Set<TempSpace>();
const children = new Set<ChildProcess>();
const SIGNALS = ['SIGINT', 'SIGTERM'] as const;
type HandledSignal = (typeof SIGNALS)[number];
const SIGNAL_NUMBER: Record<HandledSignal, number> = { SIGINT: 2, SIGTERM: 15 };

let installed = false;

function onSignal(signal: HandledSignal): void {
  disposeAll();
  uninstall();
  // Our handler is gone: with no other listener, raising the signal again ends the
  // process as the signal would have; with one, exit with the conventional status.
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  else process.exit(128 + SIGNAL_NUMBER[signal]);
}

const handlers: Record<HandledSignal, () => void> = { SIGINT: () => onSignal('SIGINT'), SIGTERM: () => onSignal('SIGTERM') };
const onExit = (): void => disposeAll();

function install(): void {
  if (installed) return;
  installed = true;
  for (const s of SIGNALS) process.on(s, handlers[s]);
  process.on('exit', onExit);
}

function uninstall(): void {
  if (!installed) return;
  installed = false;
  for (const s of SIGNALS) process.removeListener(s, handlers[s]);
  process.removeListener('exit', onExit);
}

function disposeAll(): void {
  for (const child of children) {
    try {
      child.kill('SIGTERM');
    } catch {
      // already gone
    }
  }
  children.clear();
  for (const space of [...live]) space.dispose();
}

/** A child process to stop if the command is interrupted (until it exits). */
export function trackChild(child: ChildProcess): void {
  children.add(child);
  child.once('exit', () => children.delete(child));
  child.once('error', () => children.delete(child));
}

/** One temporary directory under os.tmpdir(), named eqscheck-…. */
export class TempSpace {
  readonly dir: string;
  private disposed = false;

  constructor(prefix = 'eqscheck-') {
    install();
    this.dir = mkdtempSync(path.join(os.tmpdir(), prefix));
    live.add(this);
  }

  /** A path inside the directory. */
  path(...parts: string[]): string {
    return path.join(this.dir, ...parts);
  }

  /** Removes the directory (symbolic links inside it are removed, never followed). */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    live.delete(this);
    rmSync(this.dir, { recursive: true, force: true, maxRetries: 3 });
    if (!live.size) uninstall();
  }
}

/** Runs `work` with a temporary directory that is removed afterwards, whatever happens. */
export async function withTempSpace<T>(work: (space: TempSpace) => Promise<T>): Promise<T> {
  const space = new TempSpace();
  try {
    return await work(space);
  } finally {
    space.dispose();
  }
}

/** How many temporary directories are alive (for tests). */
export function liveTempSpaces(): number {
  return live.size;
}
