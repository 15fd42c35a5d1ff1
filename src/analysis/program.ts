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
  /** arch/<name>/… the definition lives under, or null for generic code. */
  arch: string | null;
}

export interface ResourceRole {
  mayEnter: boolean;
  mayExit: boolean;
  /** Possible first operations on the resource along the function's paths. */
  first: Set<FirstOp>;
  /** For an exit-first function: which context its first exit leaves. */
  firstExitContext: Context | null;
}

/** A function a call may reach; `argOffset` > 0 when a dispatcher forwards its later arguments. */
export interface CallTarget {
  fn: FnInfo;
  argOffset: number;
}

/** More candidates than this for one indirect call: too vague to follow. */
const MAX_INDIRECT_TARGETS = 8;

/** What one call does to a resource, as far as the first-operation walk cares. */
interface CallEffect {
  first: ReadonlySet<FirstOp>;
  exitContext: Context | null;
}

const NO_EFFECT: CallEffect = { first: new Set(['none']), exitContext: null };

export class Program {
  readonly functions: FnInfo[] = [];
  private readonly byName = new Map<string, FnInfo[]>();
  readonly callers = new Map<FnInfo, Set<FnInfo>>();
  readonly addressTaken = new Set<string>();
  /** Each call's definitions, resolved once (the interpreter asks per state). */
  private readonly targets = new Map<CallEvent, CallTarget[]>();
  /** Function-pointer members and the functions stored in them (ops tables, `x->run = f`),
   *  resolved where the pointer is stored. */
  private readonly memberTargets = new Map<string, Set<FnInfo>>();
  private readonly roles = new Map<FnInfo, Record<Tracked, ResourceRole>>();
  private readonly primitiveEffects = new Map<string, Record<Tracked, CallEffect>>();

  constructor(files: ParsedFile[], readonly model: Model, defines: ReadonlySet<string>, sources: Map<string, string>) {
    const sorted = [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    for (const file of sorted) {
      for (const def of file.functions) {
        const cfg = buildCfg(def, {
          isNoReturn: (n) => model.isNoReturn(n), constants: file.constants, defines, iteratorLoops: file.iteratorLoops,
          source: sources.get(file.path) ?? '',
        });
        const fn: FnInfo = { id: `${def.file}:${def.line}:${def.name}`, def, cfg, arch: archOf(def.file) };
        this.functions.push(fn);
        const list = this.byName.get(def.name) ?? [];
        list.push(fn);
        this.byName.set(def.name, list);
      }
    }
    for (const file of sorted) {
      for (const name of file.fileScopeNames) if (this.byName.has(name)) this.addressTaken.add(name);
      for (const [member, name] of file.memberAssignments) this.addMemberTarget(member, this.resolveIn(name, file.path, archOf(file.path)));
    }
    for (const fn of this.functions) for (const [member, name] of fn.cfg.memberAssignments) this.addMemberTarget(member, this.resolve(name, fn));
    this.linkCalls();
    this.computeRoles();
  }

  /** The definition a call by name from `from` reaches: the model wins, then a
   *  definition in the same file (static functions), then one the caller can see:
   *  code under arch/X never calls into arch/Y, and generic code calling a
   *  function that several arches define (kvm_arch_*) reaches none we can pick. */
  resolve(name: string, from: FnInfo): FnInfo | undefined {
    return this.resolveIn(name, from.def.file, from.arch);
  }

  private resolveIn(name: string, file: string, arch: string | null): FnInfo | undefined {
    if (this.model.has(name)) return undefined;
    const candidates = this.byName.get(name);
    if (!candidates) return undefined;
    const sameFile = candidates.find((c) => c.def.file === file);
    if (sameFile) return sameFile;
    // A static function is visible outside its file only from a header (static inline).
    const linkable = candidates.filter((c) => (!c.def.isStatic || c.def.file.endsWith('.h')) &&
      (c.arch === null || arch === null || c.arch === arch));
    if (arch === null && new Set(linkable.map((c) => c.arch)).size > 1) return undefined;
    return linkable[0];
  }

  /** The definitions a call event may reach among the scanned functions. */
  callees(call: CallEvent): readonly CallTarget[] {
    return this.targets.get(call) ?? [];
  }

  private addMemberTarget(member: string, fn: FnInfo | undefined): void {
    if (!fn) return;
    let set = this.memberTargets.get(member);
    if (!set) { set = new Set(); this.memberTargets.set(member, set); }
    set.add(fn);
  }

  /** Where a call may go: by name, through a forwarding dispatcher, or through a
   *  function-pointer member. A static-call key names its member with a prefix
   *  (`kvm_x86_vcpu_run` -> `vcpu_run`): the longest `_`-suffix that is a member. */
  private resolveCall(call: CallEvent, from: FnInfo): CallTarget[] {
    if (call.callee) {
      const forward = this.model.forwardArg(call.callee);
      const name = forward === undefined ? call.callee : call.args[forward]?.ident;
      const fn = name ? this.resolve(name, from) : undefined;
      return fn ? [{ fn, argOffset: forward === undefined ? 0 : forward + 1 }] : [];
    }
    if (!call.member) return [];
    const parts = call.member.split('_');
    for (let i = 0; i < parts.length; i++) {
      const stored = this.memberTargets.get(parts.slice(i).join('_'));
      if (!stored) continue;
      // Code under arch/X only holds pointers to arch/X or generic functions.
      const fns = [...stored].filter((f) => f.arch === null || from.arch === null || f.arch === from.arch);
      return fns.length <= MAX_INDIRECT_TARGETS ? fns.map((fn) => ({ fn, argOffset: 0 })) : [];
    }
    return [];
  }

  private linkCalls(): void {
    for (const fn of this.functions) this.callers.set(fn, new Set());
    for (const fn of this.functions) {
      for (const block of fn.cfg.blocks) {
        for (const e of block.events) {
          if (e.kind === 'call') {
            const targets = this.resolveCall(e, fn);
            if (targets.length) this.targets.set(e, targets);
            if (block.reachable) for (const t of targets) this.callers.get(t.fn)!.add(fn);
          }
        }
      }
      for (const name of fn.cfg.valueNames) if (this.byName.has(name)) this.addressTaken.add(name);
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

  private primitiveEffect(name: string, resource: Tracked): CallEffect | undefined {
    let effects = this.primitiveEffects.get(name);
    if (!effects) {
      const ops = this.model.ops(name);
      if (!ops) return undefined;
      const of = (r: Tracked): CallEffect => {
        const op = ops.find((o) => opResource(o) === r);
        if (!op) return NO_EFFECT;
        const isEnter = op.op === 'ct-enter' || op.op === 'vtime-enter';
        return { first: new Set([isEnter ? 'enter' : 'exit']), exitContext: op.op === 'ct-exit' ? op.context : null };
      };
      effects = { ct: of('ct'), vtime: of('vtime') };
      this.primitiveEffects.set(name, effects);
    }
    return effects[resource];
  }

  /** What a call does first to a resource: from the model, or the callee's role. */
  private callEffect(call: CallEvent, resource: Tracked): CallEffect {
    const primitive = call.callee && !this.targets.has(call) ? this.primitiveEffect(call.callee, resource) : undefined;
    if (primitive) return primitive;
    const targets = this.targets.get(call);
    if (!targets) return NO_EFFECT;
    if (targets.length === 1) {
      const r = this.roles.get(targets[0]!.fn)![resource];
      return { first: r.first, exitContext: r.firstExitContext };
    }
    const first = new Set<FirstOp>();
    let exitContext: Context | null = null;
    for (const t of targets) {
      const r = this.roles.get(t.fn)![resource];
      for (const f of r.first) first.add(f);
      exitContext ??= r.firstExitContext;
    }
    return { first, exitContext };
  }

  /** Roles grow monotonically; a function is revisited when one of its callees' role changed. */
  private computeRoles(): void {
    for (const fn of this.functions) {
      const empty = (): ResourceRole => ({ mayEnter: false, mayExit: false, first: new Set(), firstExitContext: null });
      this.roles.set(fn, { ct: empty(), vtime: empty() });
    }
    for (const resource of ['ct', 'vtime'] as const) {
      const queue = [...this.functions];
      const queued = new Set(queue);
      while (queue.length) {
        const fn = queue.shift()!;
        queued.delete(fn);
        if (!this.updateRole(fn, resource)) continue;
        for (const caller of this.callers.get(fn)!) {
          if (!queued.has(caller)) { queued.add(caller); queue.push(caller); }
        }
      }
    }
  }

  private updateRole(fn: FnInfo, resource: Tracked): boolean {
    const role = this.roles.get(fn)![resource];
    const before = `${role.mayEnter}${role.mayExit}${[...role.first].sort().join()}${role.firstExitContext}`;
    for (const block of fn.cfg.blocks) {
      if (!block.reachable) continue;
      for (const call of block.events) {
        if (call.kind !== 'call') continue;
        const ops = call.callee ? this.model.ops(call.callee) : undefined;
        for (const o of ops ?? []) {
          if (opResource(o) !== resource) continue;
          if (o.op === 'ct-enter' || o.op === 'vtime-enter') role.mayEnter = true;
          else role.mayExit = true;
        }
        for (const t of this.targets.get(call) ?? []) {
          if (t.fn === fn) continue;
          const r = this.roles.get(t.fn)![resource];
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
        const { first, exitContext } = this.callEffect(e, resource);
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
