// Runs per-file tasks: from the cache when an entry is there, else in the worker
// pool (or inline), storing what was computed. Results come back in the tasks'
// order whatever ran them.
import type { Cache } from '../cache/cache.js';
import type { Progress } from './types.js';
import type { TaskKind, WorkerPool } from './worker-pool.js';
import { yieldToEventLoop } from '../util/event-loop.js';

export class TaskRunner {
  constructor(private readonly pool: WorkerPool | null, private readonly cache: Cache | null,
    private readonly progress: (p: Progress) => void) {}

  /** @param keyOf the task's cache key (null: not cached)
   *  @param inline the task, run in this thread
   *  @param prepare completes a task the cache does not have, before it runs */
  async run<T, R>(kind: TaskKind, tasks: readonly T[], keyOf: (task: T, i: number) => string | null,
    inline: (task: T) => R | Promise<R>, prepare: (task: T) => T = (t) => t): Promise<R[]> {
    const results = new Array<R>(tasks.length);
    const keys = tasks.map((t, i) => (this.cache ? keyOf(t, i) : null));
    const missing: number[] = [];
    let done = 0;
    const tick = (): void => this.progress({ phase: kind, done: ++done, total: tasks.length });
    for (let i = 0; i < tasks.length; i++) {
      const hit = keys[i] ? this.cache!.get<R>(kind, keys[i]!) : undefined;
      if (hit === undefined) missing.push(i);
      else { results[i] = hit; tick(); }
    }
    const computed = await this.compute(kind, missing.map((i) => prepare(tasks[i]!)), inline, tick);
    missing.forEach((i, k) => {
      results[i] = computed[k]!;
      if (keys[i]) this.cache!.put(kind, keys[i]!, computed[k]);
    });
    return results;
  }

  /** In the pool, or inline — turning the event loop between files there:
   *  tree-sitter's trees are freed only then. */
  private async compute<T, R>(kind: TaskKind, tasks: readonly T[], inline: (task: T) => R | Promise<R>, tick: () => void): Promise<R[]> {
    if (this.pool) return this.pool.map<T, R>(kind, tasks, tick);
    const out: R[] = [];
    for (const task of tasks) {
      out.push(await inline(task));
      tick();
      await yieldToEventLoop();
    }
    return out;
  }
}
