// Worker threads for the per-file work (analysis/file-tasks.ts). Tasks go out in
// order, a couple at a time per worker (so memory stays bounded: a worker holds
// one file's syntax tree at a time, freed between messages), and results come
// back by position: the output does not depend on how many workers ran.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { InternalError } from '../errors.js';
import type { WorkerSetup } from './file-tasks.js';

export type TaskKind = 'index' | 'build';

interface Pending {
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
}

/** Compiled next to this module; absent when running from the TypeScript sources. */
const WORKER_SCRIPT = fileURLToPath(new URL('./worker.js', import.meta.url));
const IN_FLIGHT_PER_WORKER = 2;

/** A task's result, or its error's trace (and, for an InternalError, its message: see errors.ts). */
interface WorkerReply { id: number; result?: unknown; error?: string; internal?: string }

export class WorkerPool {
  private readonly workers: Worker[] = [];
  private readonly load: number[] = [];
  private readonly pending = new Map<number, Pending & { worker: number }>();
  private nextId = 0;
  private failure: Error | null = null;
  private closed = false;

  private constructor(size: number, setup: WorkerSetup) {
    for (let i = 0; i < size; i++) {
      const worker = new Worker(WORKER_SCRIPT, { workerData: setup });
      worker.on('message', (m: WorkerReply) => this.settle(m));
      worker.on('error', (err) => this.fail(err));
      worker.on('exit', (code) => { if (code !== 0 && !this.closed) this.fail(new Error(`worker exited with code ${code}`)); });
      this.workers.push(worker);
      this.load.push(0);
    }
  }

  /** A pool of `size` workers, or null when workers cannot be used here. */
  static start(size: number, setup: WorkerSetup): WorkerPool | null {
    if (size < 1 || !existsSync(WORKER_SCRIPT)) return null;
    return new WorkerPool(size, setup);
  }

  /** Runs every task; results in the tasks' order. `onDone` sees each completion. */
  async map<T, R>(kind: TaskKind, tasks: readonly T[], onDone?: () => void): Promise<R[]> {
    const results = new Array<R>(tasks.length);
    let next = 0;
    await new Promise<void>((resolve, reject) => {
      let done = 0;
      if (!tasks.length) { resolve(); return; }
      const feed = (): void => {
        for (let w = 0; w < this.workers.length; w++) {
          while (this.load[w]! < IN_FLIGHT_PER_WORKER && next < tasks.length) {
            const position = next++;
            this.send(w, kind, tasks[position]).then((r) => {
              results[position] = r as R;
              onDone?.();
              if (++done === tasks.length) resolve();
              else feed();
            }, reject);
          }
        }
      };
      feed();
    });
    return results;
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private send(worker: number, kind: TaskKind, task: unknown): Promise<unknown> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    this.load[worker]!++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, worker });
      this.workers[worker]!.postMessage({ id, kind, task });
    });
  }

  private settle(m: WorkerReply): void {
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    this.load[p.worker]!--;
    if (m.internal !== undefined) p.reject(new InternalError(m.internal, m.error));
    else if (m.error !== undefined) p.reject(new Error(`in a worker: ${m.error}`));
    else p.resolve(m.result);
  }

  private fail(err: Error): void {
    this.failure = err;
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }
}
