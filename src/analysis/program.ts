// The scanned program as a whole: function definitions by name, their CFGs,
// who calls whom, which functions have their address taken, and per resource
// (EQS, accounting) what each function may do to it — transitively — and what
// its first operation on it is along every path.
import { buildCfg } from '../cfg/build.js';
import type { CallEvent, Cfg } from '../cfg/types.js';
import type { Model, Op } from '../model/model.js';
import type { FunctionDef, ParsedFile } from '../parser/parse.js';
import type { Context } from './state.js';

export type Tracked = 'ct' | 'vtime';
export type FirstOp = 'enter' | 'exit' | 'none';

export interface FnInfo {
  id: string;
  def: FunctionDef;
  cfg: Cfg;
}

export interface ResourceRole {
  mayEnter: boolean;
  mayExit: boolean;
  /** Possible first operations on the resource along the function's paths. */
  first: Set<FirstOp>;
  /** For an exit-first function: which context its first exit leaves. */
  firstExitContext: Context | null;
}

export class Program {
  readonly functions: FnInfo[] = [];
  private readonly byName = new Map<string, FnInfo[]>();
  readonly callers = new Map<FnInfo, Set<FnInfo>>();
  readonly addressTaken = new Set<string>();
  private readonly roles = new Map<FnInfo, Record<Tracked, ResourceRole>>();

  constructor(files: ParsedFile[], readonly model: Model, defines: ReadonlySet<string>, sources: Map<string, string>) {
    const sorted = [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    for (const file of sorted) {
      for (const def of file.functions) {
        const cfg = buildCfg(def, {
          isNoReturn: (n) => model.isNoReturn(n), constants: file.constants, defines, iteratorLoops: file.iteratorLoops, source: sources.get(file.path) ?? '',
        });
        const fn: FnInfo = { id: `${def.file}:${def.line}:${def.name}`, def, cfg };
        this.functions.push(fn);
        const list = this.byName.get(def.name) ?? [];
        list.push(fn);
        this.byName.set(def.name, list);
      }
    }
    for (const file of sorted) for (const name of file.fileScopeNames) if (this.byName.has(name)) this.addressTaken.add(name);
    this.linkCalls();
    this.computeRoles();
  }

  /** The definition a call by name from `from` reaches: the model wins, then a
   *  definition in the same file (static functions), then one the caller can see: code under arch/X never calls into arch/Y, and generic code calling a
   *  function that several arches define (kvm_arch_*) reaches none we can pick. */
  resolve(name: string, from: FnInfo): FnInfo | undefined {
    if (this.model.has(name)) return undefined;
    const candidates = this.byName.get(name);
    if (!candidates) return undefined;
    const sameFile = candidates.find((c) => c.def.file === from.def.file);
    if (sameFile) return sameFile;
    const arch = archOf(from.def.file);
    // A static function is visible outside its file only from a header (static inline).
    const visible = (c: FnInfo): boolean => !c.def.isStatic || c.def.file.endsWith('.h');
    const linkable = candidates.filter((c) => visible(c) && (archOf(c.def.file) === null || arch === null || archOf(c.def.file) === arch));
    if (arch === null && new Set(linkable.map((c) => archOf(c.def.file))).size > 1) return undefined;
    return linkable[0];
  }

  *calls(fn: FnInfo): Generator<CallEvent> {
    for (const block of fn.cfg.blocks) {
      if (!block.reachable) continue;
      for (const e of block.events) if (e.kind === 'call') yield e;
    }
  }

  private linkCalls(): void {
    for (const fn of this.functions) this.callers.set(fn, new Set());
    for (const fn of this.functions) {
      for (const block of fn.cfg.blocks) {
        for (const e of block.events) {
          if (e.kind === 'call') {
            if (e.callee) {
              const target = this.resolve(e.callee, fn);
              if (target && block.reachable) this.callers.get(target)!.add(fn);
            }
            for (const a of e.args) for (const n of [a.ident, a.addressOf]) if (n && this.byName.has(n)) this.addressTaken.add(n);
          } else if (e.kind === 'assign' && e.value.kind === 'var' && this.byName.has(e.value.name)) {
            this.addressTaken.add(e.value.name);
          }
        }
      }
    }
  }

  /** Functions analysed in an entry state of their own: no callers in the scanned
   *  code, or their address is taken (they have callers we cannot see). */
  isRoot(fn: FnInfo): boolean {
    return this.callers.get(fn)!.size === 0 || this.addressTaken.has(fn.def.name);
  }

  role(fn: FnInfo, resource: Tracked): ResourceRole {
    return this.roles.get(fn)![resource];
  }

  /** What a call does first to a resource: from the model, or the callee's role. */
  private callFirst(call: CallEvent, from: FnInfo, resource: Tracked): { first: Set<FirstOp>; exitContext: Context | null } {
    const ops = call.callee ? this.model.ops(call.callee) : undefined;
    if (ops) {
      const op = ops.find((o) => opResource(o) === resource);
      if (!op) return { first: new Set(['none']), exitContext: null };
      const isEnter = op.op === 'ct-enter' || op.op === 'vtime-enter';
      return { first: new Set([isEnter ? 'enter' : 'exit']), exitContext: op.op === 'ct-exit' ? op.context : null };
    }
    const target = call.callee ? this.resolve(call.callee, from) : undefined;
    if (!target) return { first: new Set(['none']), exitContext: null };
    const r = this.roles.get(target)![resource];
    return { first: r.first, exitContext: r.firstExitContext };
  }

  private computeRoles(): void {
    for (const fn of this.functions) {
      const empty = (): ResourceRole => ({ mayEnter: false, mayExit: false, first: new Set(), firstExitContext: null });
      this.roles.set(fn, { ct: empty(), vtime: empty() });
    }
    for (const resource of ['ct', 'vtime'] as const) {
      let changed = true;
      for (let round = 0; changed && round < 50; round++) {
        changed = false;
        for (const fn of this.functions) if (this.updateRole(fn, resource)) changed = true;
      }
    }
  }

  private updateRole(fn: FnInfo, resource: Tracked): boolean {
    const role = this.roles.get(fn)![resource];
    const before = `${role.mayEnter}${role.mayExit}${[...role.first].sort().join()}${role.firstExitContext}`;
    for (const call of this.calls(fn)) {
      const ops = call.callee ? this.model.ops(call.callee) : undefined;
      if (ops) {
        for (const o of ops) {
          if (opResource(o) !== resource) continue;
          if (o.op === 'ct-enter' || o.op === 'vtime-enter') role.mayEnter = true;
          else role.mayExit = true;
        }
      } else if (call.callee) {
        const target = this.resolve(call.callee, fn);
        if (target && target !== fn) {
          const r = this.roles.get(target)![resource];
          role.mayEnter ||= r.mayEnter;
          role.mayExit ||= r.mayExit;
        }
      }
    }
    // First operation along each path: walk from the entry while nothing has happened yet.
    const cfg = fn.cfg;
    const visited = new Set<number>();
    const stack = [cfg.entry];
    while (stack.length) {
      const id = stack.pop()!;
      if (visited.has(id)) continue;
      visited.add(id);
      const block = cfg.blocks[id]!;
      let stopped = false;
      for (const e of block.events) {
        if (e.kind === 'return') { role.first.add('none'); stopped = true; break; }
        if (e.kind !== 'call') continue;
        const { first, exitContext } = this.callFirst(e, fn, resource);
        if (first.has('enter')) role.first.add('enter');
        if (first.has('exit')) { role.first.add('exit'); role.firstExitContext ??= exitContext; }
        if (!first.has('none')) { stopped = true; break; }
      }
      if (!stopped) for (const s of block.succs) stack.push(s.to);
    }
    const after = `${role.mayEnter}${role.mayExit}${[...role.first].sort().join()}${role.firstExitContext}`;
    return before !== after;
  }
}

/** The architecture a kernel source path belongs to (arch/<name>/…), or null for generic code. */
export function archOf(file: string): string | null {
  return /(?:^|\/)arch\/([^/]+)\//.exec(file.split('\\').join('/'))?.[1] ?? null;
}

export function opResource(op: Op): Tracked | null {
  if (op.op === 'ct-enter' || op.op === 'ct-exit') return 'ct';
  if (op.op === 'vtime-enter' || op.op === 'vtime-exit') return 'vtime';
  return null;
}
