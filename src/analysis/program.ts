// The scanned program as a whole: function definitions by name, their CFGs,
// who calls whom, which functions have their address taken, and per resource
// (EQS, accounting) what each function may do to it — transitively — and what
// its first operation on it is along every path.
import { buildCfg } from '../cfg/build.js';
import { ONE, type CallEvent, type Cfg } from '../cfg/types.js';
import type { Model, Op } from '../model/model.js';
import type { AsmFile } from '../scan/asm-symbols.js';
import { allFactsFor, emptyDispatchFacts, factsFor, type DispatchFacts } from '../scan/dispatch-facts.js';
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

/** More candidates than this for one indirect call in one arch's kernel: too vague
 *  to follow (the call stays unresolved). */
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
   *  resolved where the pointer is stored, with the table's struct type when known. */
  private readonly memberTargets = new Map<string, { fn: FnInfo; type: string | null }[]>();
  private readonly roles = new Map<FnInfo, Record<Tracked, ResourceRole>>();
  private readonly primitiveEffects = new Map<string, Record<Tracked, CallEffect>>();
  private readonly exitHandlers = new Map<string | null, FnInfo[]>();
  private readonly pairing = new Map<FnInfo, boolean>();
  private independent: Set<FnInfo> | null = null;
  private mayStop: Set<FnInfo> | null = null;
  private choosing: Set<FnInfo> | null = null;

  /** Functions defined in assembly, with the file that defines them. */
  private readonly asmFunctions: ReadonlyMap<string, AsmFile>;

  constructor(files: ParsedFile[], readonly model: Model, defines: ReadonlySet<string>, sources: Map<string, string>,
    asmFunctions: ReadonlyMap<string, AsmFile> = new Map(), private readonly facts: DispatchFacts = emptyDispatchFacts()) {
    this.asmFunctions = asmFunctions;
    const sorted = [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    for (const file of sorted) {
      for (const def of file.functions) {
        const cfg = def.cfg ?? buildCfg(def, {
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
      for (const a of file.memberAssignments) this.addMemberTarget(a.member, a.type, this.resolveIn(a.fn, file.path, archOf(file.path)));
    }
    for (const fn of this.functions) for (const [member, name] of fn.cfg.memberAssignments) this.addMemberTarget(member, null, this.resolve(name, fn));
    this.linkCalls();
    this.computeRoles();
  }

  /** The definition a call by name from `from` reaches: the model wins, then a
   *  definition in the same file (static functions), then one the caller can see:
   *  code under arch/X never calls into arch/Y. Generic code calling a function that
   *  several arches define (kvm_arch_*) reaches no single one: see resolveAll. */
  resolve(name: string, from: FnInfo): FnInfo | undefined {
    const all = this.resolveAll(name, from.def.file, from.arch);
    return all.length === 1 ? all[0] : undefined;
  }

  private resolveIn(name: string, file: string, arch: string | null): FnInfo | undefined {
    const all = this.resolveAll(name, file, arch);
    return all.length === 1 ? all[0] : undefined;
  }

  /** Every definition a call by name may reach: one, or — from generic code, for a
   *  function several arches define — one per arch (the path's arch picks; see the
   *  interpreter's dispatch). */
  private resolveAll(name: string, file: string, arch: string | null): FnInfo[] {
    if (this.model.isPrimitive(name)) return [];
    const candidates = this.byName.get(name);
    if (!candidates) return [];
    const sameFile = candidates.find((c) => c.def.file === file);
    if (sameFile) return [sameFile];
    // A static function is visible outside its file only from a header (static inline).
    const linkable = candidates.filter((c) => (!c.def.isStatic || c.def.file.endsWith('.h')) &&
      (c.arch === null || arch === null || c.arch === arch));
    if (arch === null && new Set(linkable.map((c) => c.arch)).size > 1) {
      // One per arch (the first of each), plus a generic (weak) default if there is one.
      const perArch = new Map<string | null, FnInfo>();
      for (const c of linkable) if (!perArch.has(c.arch)) perArch.set(c.arch, c);
      return [...perArch.values()];
    }
    return linkable.length ? [linkable[0]!] : [];
  }

  /** The definitions a call event may reach among the scanned functions. */
  callees(call: CallEvent): readonly CallTarget[] {
    return this.targets.get(call) ?? [];
  }

  private addMemberTarget(member: string, type: string | null, fn: FnInfo | undefined): void {
    if (!fn) return;
    let list = this.memberTargets.get(member);
    if (!list) { list = []; this.memberTargets.set(member, list); }
    if (!list.some((t) => t.fn === fn && t.type === type)) list.push({ fn, type });
  }

  /** Functions stored in `member` of a struct of one of `types` (any struct when
   *  the types are unknown; pointers stored at run time have no known struct). */
  private storedIn(member: string, types: ReadonlySet<string> | null, from: FnInfo): FnInfo[] | null {
    const stored = this.memberTargets.get(member);
    if (!stored) return null;
    const fns = stored
      .filter((t) => !types || t.type === null || types.has(t.type))
      // Code under arch/X only holds pointers to arch/X or generic functions.
      .filter((t) => t.fn.arch === null || from.arch === null || t.fn.arch === from.arch)
      .map((t) => t.fn);
    return [...new Set(fns)];
  }

  /** Where a call may go: by name, through a forwarding dispatcher, or through a
   *  function pointer — a member of a struct (typed by the field it is reached
   *  through when the source declares it) or a static-call key. */
  private resolveCall(call: CallEvent, from: FnInfo): CallTarget[] {
    if (call.callee) {
      const forward = this.model.forwardArg(call.callee);
      const name = forward === undefined ? call.callee : call.args[forward]?.ident;
      const argOffset = forward === undefined ? 0 : forward + 1;
      return name ? this.resolveAll(name, from.def.file, from.arch).map((fn) => ({ fn, argOffset })) : [];
    }
    const d = call.dispatch;
    if (!d) return [];
    let fns: FnInfo[] | null;
    if (d.kind === 'member') {
      const types = d.container ? factsFor(this.facts.fieldTypes, from.arch, d.container) : [];
      fns = this.storedIn(d.member, types.length ? new Set(types.flatMap((t) => [...t])) : null, from);
    } else {
      const prefix = d.macro.startsWith('static_call') ? '' : (factsFor(this.facts.callMacros, from.arch, d.macro)[0] ?? '');
      fns = this.resolveStaticCall(prefix + d.key, from);
    }
    if (!fns) return [];
    // The cap counts what one arch's kernel could reach (the path's arch picks among
    // arches), so that the targets do not depend on how many arches are scanned.
    const perArch = new Map<string | null, number>();
    for (const fn of fns) perArch.set(fn.arch, (perArch.get(fn.arch) ?? 0) + 1);
    const generic = perArch.get(null) ?? 0;
    const widest = Math.max(generic, ...[...perArch].filter(([a]) => a !== null).map(([, n]) => n + generic));
    return widest <= MAX_INDIRECT_TARGETS ? fns.map((fn) => ({ fn, argOffset: 0 })) : [];
  }

  /** static_call(kvm_x86_vcpu_run): the key's prefix (declared with the struct it
   *  indexes) leaves the member; without a declared prefix, the longest
   *  `_`-suffix of the key that is a member of some table. */
  private resolveStaticCall(key: string, from: FnInfo): FnInfo[] | null {
    let best: [string, string] | null = null;
    for (const [prefix, type] of allFactsFor(this.facts.staticCallPrefixes, from.arch)) {
      if (key.startsWith(prefix) && key.length > prefix.length && (!best || prefix.length > best[0].length)) best = [prefix, type];
    }
    if (best) return this.storedIn(key.slice(best[0].length), new Set([best[1]]), from);
    const parts = key.split('_');
    for (let i = 0; i < parts.length; i++) {
      const fns = this.storedIn(parts.slice(i).join('_'), null, from);
      if (fns) return fns;
    }
    return null;
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

  /** The exit handlers through which a call made inside the guest context may come
   *  back, when the call runs the guest: a call into assembly of the caller's arch
   *  comes back through the handlers that assembly names (`bl kvmppc_handle_exit_pr`);
   *  an indirect call the source does not resolve, through handlers whose address
   *  the arch stores (`vcpu->arch.handle_exit = kvm_handle_exit`). */
  guestExitHandlersFor(call: CallEvent, from: FnInfo): FnInfo[] {
    if (this.targets.has(call)) return [];
    const handlers = this.guestExitHandlers(from.arch);
    if (!call.callee) return handlers.filter((h) => this.addressTaken.has(h.def.name));
    const asm = this.asmFunctions.get(call.callee);
    if (!asm || archOf(asm.file) !== from.arch) return [];
    return handlers.filter((h) => asm.references.has(h.def.name));
  }

  /** Roots of an arch taken to be entered inside the guest context (exit handlers). */
  private guestExitHandlers(arch: string | null): FnInfo[] {
    let handlers = this.exitHandlers.get(arch);
    if (!handlers) {
      handlers = this.functions.filter((f) => f.arch === arch && this.isRoot(f) && this.entersInside(f, 'ct') &&
        this.roles.get(f)!.ct.firstExitContext === 'guest');
      this.exitHandlers.set(arch, handlers);
    }
    return handlers;
  }

  /** The function (or something it calls) enters or leaves a context or accounting. */
  touchesEqs(fn: FnInfo): boolean {
    const { ct, vtime } = this.roles.get(fn)!;
    return ct.mayEnter || ct.mayExit || vtime.mayEnter || vtime.mayExit;
  }

  /** The function's first operation on the resource is an exit on every path that has one. */
  entersInside(fn: FnInfo, resource: Tracked): boolean {
    const r = this.roles.get(fn)![resource];
    return r.first.has('exit') && !r.first.has('enter');
  }

  /** The function itself first disables interrupts without saving them and later
   *  enables them (local_irq_disable() … local_irq_enable()): by the kernel's rule
   *  (save and restore when the state is not known) it expects to be called with
   *  them on. (An exit handler enables first and disables last: the opposite.) */
  pairsInterrupts(fn: FnInfo): boolean {
    let known = this.pairing.get(fn);
    if (known === undefined) {
      const irqOps: { line: number; col: number; enables: boolean }[] = [];
      for (const block of fn.cfg.blocks) for (const e of block.events) {
        const ops = e.kind === 'call' && e.callee ? this.model.ops(e.callee) : undefined;
        if (!ops || ops.some((o) => o.op === 'save')) continue;
        const irq = ops.find((o) => o.op === 'irq-off' || o.op === 'irq-on');
        if (irq && e.kind === 'call') irqOps.push({ line: e.loc.line, col: e.loc.col, enables: irq.op === 'irq-on' });
      }
      irqOps.sort((x, y) => x.line - y.line || x.col - y.col);
      known = irqOps.length > 0 && !irqOps[0]!.enables && irqOps.some((o) => o.enables);
      this.pairing.set(fn, known);
    }
    return known;
  }

  /** The function (with everything it calls) does nothing to the tracked state and
   *  reads none of it: one summary serves every entry state (only its return
   *  values, and whether it returns, matter). */
  isStateIndependent(fn: FnInfo): boolean {
    if (!this.independent) this.independent = this.computeIndependence();
    return this.independent.has(fn);
  }

  /** The function, or something it may call, makes a call with several possible
   *  targets not all opaque, or a generic call to one arch's definition: which runs
   *  (whether one does) depends on the path's implementation (its arch; vmx or
   *  svm). The interpreter does not choose among opaque targets. */
  choosesImplementation(fn: FnInfo): boolean {
    if (!this.choosing) this.choosing = this.computeChoosing();
    return this.choosing.has(fn);
  }

  private computeChoosing(): Set<FnInfo> {
    const choosing = new Set<FnInfo>();
    for (const fn of this.functions) {
      for (const block of fn.cfg.blocks) for (const e of block.events) {
        const targets = e.kind === 'call' ? this.targets.get(e) ?? [] : [];
        if (!block.reachable || targets.every((t) => this.isOpaque(t.fn))) continue;
        // Several targets, or generic code reaching one arch's definition (which
        // other arches' kernels do not have).
        if (targets.length > 1 || (fn.arch === null && targets[0]!.fn.arch !== null)) choosing.add(fn);
      }
    }
    return this.withCallers(choosing);
  }

  /** The functions and, transitively, their callers (calls in reachable blocks: the
   *  only ones the interpreter runs). */
  private withCallers(fns: Set<FnInfo>): Set<FnInfo> {
    const queue = [...fns];
    while (queue.length) {
      for (const caller of this.callers.get(queue.pop()!)!) {
        if (!fns.has(caller)) { fns.add(caller); queue.push(caller); }
      }
    }
    return fns;
  }

  /** Neither changes the tracked state nor can end the path (nothing it may call
   *  does): the analysis does not look inside it, and its value is unknown. This is
   *  what lets the pre-filter skip building such functions (see scan/prefilter). */
  isOpaque(fn: FnInfo): boolean {
    if (fn.def.opaque) return true;
    if (!this.isStateIndependent(fn)) return false;
    if (!this.mayStop) this.mayStop = this.computeMayStop();
    return !this.mayStop.has(fn);
  }

  /** Functions from which a path may end in a noreturn call (BUG(), panic()). */
  private computeMayStop(): Set<FnInfo> {
    return this.withCallers(new Set(this.functions.filter((fn) => fn.cfg.blocks.some((b) => b.events.some((e) =>
      e.kind === 'call' && !!e.callee && !this.targets.has(e) && !!this.model.ops(e.callee)?.some((o) => o.op === 'noreturn'))))));
  }

  private computeIndependence(): Set<FnInfo> {
    // The dependent ones: a call (in any block) the model says touches the state,
    // or one that may reach a dependent function. Propagated from callee to users.
    const dependent = new Set<FnInfo>();
    const users = new Map<FnInfo, FnInfo[]>();
    const queue: FnInfo[] = [];
    for (const fn of this.functions) {
      let touches = false;
      for (const block of fn.cfg.blocks) for (const e of block.events) {
        if (e.kind !== 'call') continue;
        const targets = this.targets.get(e);
        if (targets) {
          for (const t of targets) {
            const list = users.get(t.fn);
            if (list) list.push(fn);
            else users.set(t.fn, [fn]);
          }
        } else if (e.callee && this.model.touchesState(e.callee)) touches = true;
      }
      if (touches) { dependent.add(fn); queue.push(fn); }
    }
    while (queue.length) {
      for (const user of users.get(queue.pop()!) ?? []) {
        if (!dependent.has(user)) { dependent.add(user); queue.push(user); }
      }
    }
    return new Set(this.functions.filter((fn) => !dependent.has(fn)));
  }

  /** Functions analysed in an entry state of their own: no callers in the scanned
   *  code, or their address is taken (they have callers we cannot see). */
  isRoot(fn: FnInfo): boolean {
    if (fn.def.library) return false;
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
    // An opaque callee does nothing to the resource first (whether or not it was built).
    const firstOf = (fn: FnInfo): CallEffect => {
      if (this.isOpaque(fn)) return NO_EFFECT;
      const r = this.roles.get(fn)![resource];
      return { first: r.first, exitContext: r.firstExitContext };
    };
    if (targets.length === 1) return firstOf(targets[0]!.fn);
    const first = new Set<FirstOp>();
    let exitContext: Context | null = null;
    for (const t of targets) {
      const effect = firstOf(t.fn);
      for (const f of effect.first) first.add(f);
      exitContext ??= effect.exitContext;
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
      // A moving head, not shift(): the queue starts with every function.
      for (let head = 0; head < queue.length; head++) {
        const fn = queue[head]!;
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
    // Roles only grow: a change shows in a flag, the set's size or the context.
    const before = { mayEnter: role.mayEnter, mayExit: role.mayExit, first: role.first.size, context: role.firstExitContext };
    for (const block of fn.cfg.blocks) {
      if (!block.reachable) continue;
      for (const call of block.events) {
        if (call.kind !== 'call') continue;
        const ops = call.callee && !this.targets.has(call) ? this.model.ops(call.callee) : undefined;
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
    const visited = new Uint8Array(cfg.blocks.length);
    const stack = [cfg.entry];
    while (stack.length) {
      const id = stack.pop()!;
      if (visited[id]) continue;
      visited[id] = 1;
      const block = cfg.blocks[id]!;
      let stopped = false;
      // Results known to be true (context_tracking_enabled() under nohz_full): the
      // branch that tests them false is not a path.
      let alwaysTrue: Set<string> | null = null;
      for (const e of block.events) {
        if (e.kind === 'return') { role.first.add('none'); stopped = true; break; }
        if (e.kind !== 'call') continue;
        if (e.result && e.callee && !this.targets.has(e) && this.model.ops(e.callee)?.some((o) => o.op === 'returns-true')) (alwaysTrue ??= new Set()).add(e.result);
        const { first, exitContext } = this.callEffect(e, resource);
        if (first.has('enter')) role.first.add('enter');
        if (first.has('exit')) { role.first.add('exit'); role.firstExitContext ??= exitContext; }
        if (!first.has('none')) { stopped = true; break; }
      }
      if (!stopped) {
        for (const edge of block.succs) {
          if (edge.cond && alwaysTrue?.has(edge.cond.subject) && !(edge.cond.signs & ONE)) continue;
          stack.push(edge.to);
        }
      }
    }
    return role.mayEnter !== before.mayEnter || role.mayExit !== before.mayExit || role.first.size !== before.first ||
      role.firstExitContext !== before.context;
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
