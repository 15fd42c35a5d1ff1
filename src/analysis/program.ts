// The scanned program as a whole: the definitions that were built (with their
// CFGs) and the ones known only by name (opaque), where each call goes (as the
// linkage resolves it), who calls whom, and per resource (EQS, accounting) what
// each function may do to it — transitively — and what its first operation on
// it is along every path.
import { opaqueCfg } from '../cfg/build.js';
import { ONE, type CallEvent, type Cfg } from '../cfg/types.js';
import { describeKnowledge, followPredicateEdge, forgetDependents, type PredicateKnowledge } from '../cfg/predicate-subjects.js';
import { archOf, archOfImpl, generatedCodeHome } from '../kernel/paths.js';
import type { Configuration } from '../kernel/configuration.js';
import { InstrumentationFacts, type Instrumentability } from '../kernel/instrumentability.js';
import type { CallRuns } from '../rules/types.js';
import type { LinkedDef, Linkage } from '../kernel/linkage.js';
import type { Model, Op } from '../model/model.js';
import type { AsmFile } from '../scan/asm-symbols.js';
import { nameHash } from '../scan/name-hash.js';
import { opaqueDefinition, type FunctionDef } from '../parser/parse.js';
import type { Context } from './state.js';
import { pushTo } from '../util/multimap.js';

export type Tracked = 'ct' | 'vtime';
export type FirstOp = 'enter' | 'exit' | 'none';

export interface FnInfo {
  id: string;
  def: FunctionDef;
  cfg: Cfg;
  /** arch/<name>/… the definition lives under, or null for generic code. */
  arch: string | null;
  /** The definition as the linkage knows it. */
  link: LinkedDef;
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

/** What one call does to a resource, as far as the first-operation walk cares. */
interface CallEffect {
  first: ReadonlySet<FirstOp>;
  exitContext: Context | null;
}

const NO_EFFECT: CallEffect = { first: new Set(['none']), exitContext: null };

/** A definition that was built, with the linkage's record of it. */
export interface BuiltFunction {
  def: FunctionDef;
  link: LinkedDef;
}

export interface ProgramInput {
  /** Built definitions, in a stable order. */
  built: readonly BuiltFunction[];
  linkage: Linkage<LinkedDef>;
  model: Model;
  /** Names of functions whose address is taken (they have callers we cannot see). */
  addressTaken: ReadonlySet<string>;
  /** Functions whose address is handed to generated code or assembly
   *  (converted to an integer in some body). */
  handedToCode?: readonly LinkedDef[];
  /** Functions defined in assembly, with the file that defines them. */
  asmFunctions?: ReadonlyMap<string, AsmFile>;
  /** A definition not built that may change the state or end the path (itself,
   *  or through what it may call): inside a window it is built when reached. */
  mayMatter?: (link: LinkedDef) => boolean;
  /** Builds such a definition (null: it cannot be). */
  build?: (link: LinkedDef) => FunctionDef | null;
  /** The build's configuration: an instrumentation it does not enable is not built in. */
  configuration?: Configuration;
}

export class Program {
  readonly functions: FnInfo[] = [];
  readonly model: Model;
  readonly callers = new Map<FnInfo, Set<FnInfo>>();
  private readonly linkage: Linkage<LinkedDef>;
  private readonly addressTaken: ReadonlySet<string>;
  /** Functions handed to generated code or assembly, by the directory generated code comes back to (generatedCodeHome). */
  private readonly handedToCode = new Map<string, FnInfo[]>();
  private readonly byLink = new Map<LinkedDef, FnInfo>();
  /** Each call's definitions, resolved once (the interpreter asks per state). */
  private readonly targets = new Map<CallEvent, CallTarget[]>();
  private readonly roles = new Map<FnInfo, Record<Tracked, ResourceRole>>();
  private readonly primitiveEffects = new Map<string, Record<Tracked, CallEffect>>();
  private readonly exitHandlers = new Map<string | null, FnInfo[]>();
  private readonly pairing = new Map<FnInfo, boolean>();
  private readonly ownRelevance = new Map<string, boolean>();
  private independent: Set<FnInfo> | null = null;
  private mayStop: Set<FnInfo> | null = null;
  private choosing: Set<FnInfo> | null = null;
  private readonly asmFunctions: ReadonlyMap<string, AsmFile>;
  private readonly mayMatter: (link: LinkedDef) => boolean;
  private readonly buildLate: (link: LinkedDef) => FunctionDef | null;
  /** Definitions built on demand, in the order they were (see build()). */
  readonly builtLate: FnInfo[] = [];
  private readonly late = new Set<FnInfo>();
  private readonly notBuildable = new Set<FnInfo>();
  private readonly callsOnly = new Set<FnInfo>();
  /** What the compiler may instrument, from declarations and kbuild files. */
  readonly instrumentation: InstrumentationFacts;

  constructor(input: ProgramInput) {
    this.model = input.model;
    this.instrumentation = new InstrumentationFacts(input.configuration);
    this.linkage = input.linkage;
    this.addressTaken = input.addressTaken;
    this.asmFunctions = input.asmFunctions ?? new Map();
    this.mayMatter = input.mayMatter ?? (() => false);
    this.buildLate = input.build ?? (() => null);
    for (const { def, link } of input.built) {
      if (this.byLink.has(link)) continue; // a second parse of the same definition
      const fn: FnInfo = { id: `${def.file}:${def.line}:${def.name}`, def, cfg: def.cfg ?? opaqueCfg(def), arch: archOf(def.file), link };
      this.functions.push(fn);
      this.byLink.set(link, fn);
    }
    this.linkCalls();
    for (const link of input.handedToCode ?? []) pushTo(this.handedToCode, generatedCodeHome(link.file), this.fnOf(link));
    // Every fact a function's analysis reads of others is settled now, before any
    // definition is built on demand: what is built later (build()) takes the
    // facts its stub had, so no result depends on the order things are built in.
    this.independent = this.computeIndependence();
    this.mayStop = this.computeMayStop();
    this.computeRoles();
    this.choosing = this.computeChoosing();
  }

  /** A definition known by name only that may matter once built (mayMatter). */
  private isPending(fn: FnInfo): boolean {
    return !!fn.def.opaque && !this.notBuildable.has(fn) && this.mayMatter(fn.link);
  }

  /** Built with build({ forCallsOnly }): read for the calls it makes where
   *  instrumentable code may not run, never for what it does to the state (it
   *  cannot matter there: the pre-filter left it out). */
  isBuiltForCallsOnly(fn: FnInfo): boolean {
    return this.callsOnly.has(fn);
  }

  /** Whether a definition may be instrumented, in the kernel of the path's
   *  implementation, called from code of `unit`'s object (a header's function is
   *  compiled into its includer's). */
  instrumentability(fn: FnInfo, impl: string | null, unit: string, arch = archOfPath(impl)): Instrumentability {
    return this.instrumentation.of(fn.link, fn.arch ?? arch, fn.def.file.endsWith('.h') ? unit : fn.def.file);
  }

  /** What a call by name to a kernel API function of the model runs, made from `from`. */
  kernelApiCall(name: string, from: FnInfo, impl: string | null): CallRuns | undefined {
    const facts = this.instrumentation.kernelApiCall(name, from.def.file, from.arch ?? archOfPath(impl));
    return facts ? { kind: 'kernel-api', api: facts.class, why: facts.why } : undefined;
  }

  /** Builds a definition known by name only, in place (every call already resolved
   *  to it sees it built); false when it cannot matter or cannot be built. With
   *  `forCallsOnly`, one that cannot matter is built too, to be read for its calls
   *  only (isBuiltForCallsOnly). It keeps
   *  the facts it had as a stub that may matter: it may change the state (not
   *  state-independent, not opaque) and may choose an implementation. */
  build(fn: FnInfo, { forCallsOnly = false } = {}): boolean {
    if (!fn.def.opaque) return forCallsOnly || !this.callsOnly.has(fn);
    const pending = this.isPending(fn);
    if (!pending && !(forCallsOnly && !this.notBuildable.has(fn))) return false;
    const def = this.buildLate(fn.link);
    if (!def?.cfg) { this.notBuildable.add(fn); return false; }
    if (!pending) this.callsOnly.add(fn);
    fn.def = def;
    fn.cfg = def.cfg;
    this.functions.push(fn);
    this.builtLate.push(fn);
    this.late.add(fn);
    this.linkCallsOf(fn);
    return true;
  }

  /** A function reached so far (built, or known by name only), by its id. */
  byId(id: string): FnInfo | undefined {
    for (const fn of this.byLink.values()) if (fn.id === id) return fn;
    return undefined;
  }

  /** The function a linked definition is: built, or known by name only (opaque). */
  private fnOf(link: LinkedDef): FnInfo {
    let fn = this.byLink.get(link);
    if (!fn) {
      const def = opaqueDefinition(link.name, link.file, link.line, link.isStatic);
      fn = { id: `${def.file}:${def.line}:${def.name}`, def, cfg: opaqueCfg(def), arch: link.arch, link };
      this.byLink.set(link, fn);
      this.callers.set(fn, new Set());
      this.roles.set(fn, emptyRoles());
    }
    return fn;
  }

  /** The definitions a call event may reach. */
  callees(call: CallEvent): readonly CallTarget[] {
    return this.targets.get(call) ?? [];
  }

  /** Where a call may go: by name, through a forwarding dispatcher, or through a
   *  function pointer — a member of a struct (typed by the field it is reached
   *  through when the source declares it) or a static-call key. */
  private resolveCall(call: CallEvent, from: FnInfo): CallTarget[] {
    const site = from.link;
    if (call.callee) {
      const forward = this.model.forwardArg(call.callee);
      const name = forward === undefined ? call.callee : call.args[forward]?.ident;
      const argOffset = forward === undefined ? 0 : forward + 1;
      return name ? this.linkage.byName(name, site).map((d) => ({ fn: this.fnOf(d), argOffset })) : [];
    }
    const d = call.dispatch;
    if (!d) return [];
    const defs = d.kind === 'member'
      ? this.linkage.byMember(nameHash(d.member), d.container ? nameHash(d.container) : 0, site)
      : this.linkage.byKey(d.macro, d.key, site);
    return (defs ?? []).map((t) => ({ fn: this.fnOf(t), argOffset: 0 }));
  }

  private linkCalls(): void {
    for (const fn of this.functions) this.callers.set(fn, new Set());
    for (const fn of this.functions) this.linkCallsOf(fn);
  }

  private linkCallsOf(fn: FnInfo): void {
    for (const block of fn.cfg.blocks) {
      for (const e of block.events) {
        if (e.kind !== 'call') continue;
        const targets = this.resolveCall(e, fn);
        if (targets.length) this.targets.set(e, targets);
        if (block.reachable) for (const t of targets) this.callers.get(t.fn)!.add(fn);
      }
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

  /** Where an unresolved call through a struct member, made inside the guest
   *  context where no exit handler is stored (guestExitHandlersFor), comes back
   *  to C: the functions handed to generated code from the call's own directory
   *  (generatedCodeHome). mips 5.15's code, generated by uasm, enters
   *  kvm_mips_handle_exit() with interrupts still off and the guest context on:
   *  the call site's state. Built on demand when they may matter (`build: false`:
   *  the candidates as they are, for the cache's group keys). */
  generatedCodeHandlersFor(call: CallEvent, from: FnInfo, { build = true } = {}): FnInfo[] {
    if (call.dispatch?.kind !== 'member' || this.targets.get(call)?.length) return [];
    return (this.handedToCode.get(generatedCodeHome(from.def.file)) ?? []).filter((f) => !build || this.build(f));
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

  /** Within `levels` levels of calls, the function calls a primitive that changes
   *  the state or ends the path: its own body is the first level, with the inline
   *  functions and macros it calls (the compiler makes them part of it); what it
   *  calls, the next. Outside every window this is all the analysis reads of it. */
  shallowRelevant(fn: FnInfo, levels: number): boolean {
    const key = `${levels}|${fn.id}`;
    let known = this.ownRelevance.get(key);
    if (known === undefined) {
      // The body: fn and the inline functions it reaches through inline calls (a
      // cycle among them is one body); what else they call is a level down.
      const body = [fn];
      const seen = new Set(body);
      known = false;
      for (let i = 0; i < body.length && !known; i++) {
        for (const block of body[i]!.cfg.blocks) for (const e of block.events) {
          if (e.kind !== 'call') continue;
          const targets = this.targets.get(e);
          if (!targets) {
            if (e.callee && (this.model.touchesState(e.callee) || this.model.isNoReturn(e.callee))) known = true;
            continue;
          }
          for (const t of targets) {
            if (this.isOpaque(t.fn)) continue;
            if (t.fn.link.inline) { if (!seen.has(t.fn)) { seen.add(t.fn); body.push(t.fn); } }
            else if (levels > 1 && this.shallowRelevant(t.fn, levels - 1)) known = true;
          }
        }
      }
      this.ownRelevance.set(key, known);
    }
    return known;
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
    return this.independent!.has(fn);
  }

  /** The function, or something it may call, makes a call with several possible
   *  targets not all opaque, or a generic call to one arch's definition: which runs
   *  (whether one does) depends on the path's implementation (its arch; vmx or
   *  svm). The interpreter does not choose among opaque targets. A function that
   *  enters or leaves an EQS is taken to choose: what it calls outside its
   *  windows is read shallowly, so whether those callees choose cannot be told. */
  choosesImplementation(fn: FnInfo): boolean {
    return this.choosing!.has(fn) || this.late.has(fn);
  }

  private computeChoosing(): Set<FnInfo> {
    const choosing = new Set<FnInfo>();
    for (const fn of this.functions) {
      for (const block of fn.cfg.blocks) for (const e of block.events) {
        const targets = e.kind === 'call' ? this.targets.get(e) ?? [] : [];
        if (!block.reachable || targets.every((t) => this.isOpaque(t.fn))) continue;
        // Several targets, or generic code reaching one arch's definition (which
        // other arches' kernels do not have).
        if (targets.length > 1 || (fn.arch === null && targets[0]!.fn.arch !== null) || targets.some((t) => this.isPending(t.fn))) choosing.add(fn);
      }
      if (this.touchesEqs(fn)) choosing.add(fn);
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
   *  what lets the pre-filter skip building such functions (see run/select). */
  isOpaque(fn: FnInfo): boolean {
    if (fn.def.opaque) return !this.isPending(fn);
    if (this.late.has(fn) || !this.isStateIndependent(fn)) return false;
    return !this.mayStop!.has(fn);
  }

  /** Functions from which a path may end in a noreturn call (BUG(), panic()). */
  private computeMayStop(): Set<FnInfo> {
    return this.withCallers(new Set(this.functions.filter((fn) => fn.cfg.blocks.some((b) => b.events.some((e) =>
      e.kind === 'call' && (!!e.callee && !this.targets.has(e) && !!this.model.ops(e.callee)?.some((o) => o.op === 'noreturn') ||
        (this.targets.get(e) ?? []).some((t) => this.isPending(t.fn))))))));
  }

  private computeIndependence(): Set<FnInfo> {
    // The dependent ones: a call (in any block) the model says touches the state,
    // or one that may reach a dependent function. Propagated from callee to users.
    const dependent = new Set<FnInfo>();
    const users = new Map<FnInfo, FnInfo[]>();
    const queue: FnInfo[] = [];
    // An unresolved call through a member may run the guest and come back through
    // the functions handed to generated code (generatedCodeHandlersFor).
    for (const fn of this.functions) {
      let touches = false;
      for (const block of fn.cfg.blocks) for (const e of block.events) {
        if (e.kind !== 'call') continue;
        const targets = this.targets.get(e);
        if (targets) {
          for (const t of targets) {
            if (this.isPending(t.fn)) touches = true;
            pushTo(users, t.fn, fn);
          }
        } else if (e.callee ? this.model.touchesState(e.callee) : e.dispatch?.kind === 'member' && this.handedToCode.has(generatedCodeHome(fn.def.file))) touches = true;
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
    return this.mayStartAnalysis(fn) && (this.callers.get(fn)!.size === 0 || this.addressTaken.has(fn.def.name));
  }

  /** Code that runs as itself: not a header's definition (compiled into its
   *  includers, analysed through their callers), nor a primitive's own definition
   *  (the mechanism the model stands for). */
  mayStartAnalysis(fn: FnInfo): boolean {
    return !fn.def.library && !fn.link.header && !this.model.isPrimitive(fn.def.name);
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
    // An opaque callee does nothing to the resource first (whether or not it was
    // built), nor does one still to be built on demand: the selection builds up
    // front whatever may enter or leave a context or accounting.
    const firstOf = (fn: FnInfo): CallEffect => {
      if (this.isOpaque(fn) || this.isPending(fn)) return NO_EFFECT;
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
    for (const fn of this.byLink.values()) this.roles.set(fn, emptyRoles());
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
    // First operation along each path: walk from the entry while nothing has happened yet,
    // with what the path has learnt of predicates (a second `if (user_mode(regs))`
    // takes the branch the first took), so a block is visited once per such knowledge.
    const cfg = fn.cfg;
    const visited = new Set<string>();
    const stack: { id: number; known: PredicateKnowledge }[] = [{ id: cfg.entry, known: new Map() }];
    while (stack.length) {
      const { id, known: knownOnEntry } = stack.pop()!;
      const visit = `${id}${describeKnowledge(knownOnEntry)}`;
      if (visited.has(visit)) continue;
      visited.add(visit);
      const block = cfg.blocks[id]!;
      let known = knownOnEntry;
      let stopped = false;
      // Results known to be true (context_tracking_enabled() under nohz_full): the
      // branch that tests them false is not a path.
      let alwaysTrue: Set<string> | null = null;
      for (const e of block.events) {
        if (e.kind === 'return') { role.first.add('none'); stopped = true; break; }
        if (e.kind === 'assign') { known = forgetDependents(known, e.target); continue; }
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
          const next = followPredicateEdge(known, edge);
          if (next) stack.push({ id: edge.to, known: next });
        }
      }
    }
    return role.mayEnter !== before.mayEnter || role.mayExit !== before.mayExit || role.first.size !== before.first ||
      role.firstExitContext !== before.context;
  }
}

function emptyRoles(): Record<Tracked, ResourceRole> {
  const empty = (): ResourceRole => ({ mayEnter: false, mayExit: false, first: new Set(), firstExitContext: null });
  return { ct: empty(), vtime: empty() };
}

export function opResource(op: Op): Tracked | null {
  if (op.op === 'ct-enter' || op.op === 'ct-exit') return 'ct';
  if (op.op === 'vtime-enter' || op.op === 'vtime-exit') return 'vtime';
  return null;
}

/** The arch of a path's implementation directory, or null on a path that chose none. */
function archOfPath(impl: string | null): string | null {
  return impl ? archOfImpl(impl) : null;
}
