// The abstract interpreter: a forward analysis over each function's CFG with a
// bounded set of states per block, and summaries per (function, entry state)
// in the style of Reps–Horwitz–Sagiv tabulation: a call applies the callee's
// exit states (split by return value), computed on demand and memoised.
//
// Findings belong to the function whose own path creates them: when a rule
// fires on a state whose relevant resource was set before the function was
// entered, the violation is handed to the caller (as "pending"), which
// reports it at its call site — unless the function is an analysis root.
import { ANY_SIGN, ONE, ZERO, isTemp, signOf, type AssignEvent, type Block, type CallEvent, type Cfg, type Edge, type Loc, type ReturnEvent, type SignSet } from '../cfg/types.js';
import { forgetsPredicates, isPredicateSubject, isStaleAfterAssigning } from '../cfg/predicate-subjects.js';
import { postorder } from '../cfg/order.js';
import type { Op, Slot } from '../model/model.js';
import { settledValue } from '../model/runtime-values.js';
import type { EntryFact } from '../model/user-model.js';
import type { CallRuns, Rule, ViolationReport } from '../rules/types.js';
import { archDirOf, archOf, archOfImpl, implDirOf } from '../kernel/paths.js';
import { relatedImpl } from '../kernel/linkage.js';
import type { CallTarget, FnInfo, Program, ResourceRole, Tracked } from './program.js';
import { computeLiveness, type Liveness } from './liveness.js';
import { describeEvent, describeState } from '../report/describe.js';
import {
  instrumentationForbidden, isEqs, joinStates, noinstrDisciplineApplies, pushStep, snapshot, State, stateAfter, stepsSince,
  type Resource, type StateSnapshot, type TraceEvent, type TraceNode, type TraceStep,
} from './state.js';

/** States kept per block before they are joined (and precision is lost). */
export const MAX_STATES_PER_BLOCK = 48;
/** Calls followed into, at most, from a root (summaries are computed on the
 *  stack): below, a callee is taken to do nothing, and the function says so. */
export const MAX_CALL_DEPTH = 200;
/** Work budget per function analysis, in block visits. */
const MAX_BLOCK_VISITS = 200_000;
const MAX_TRACE_STEPS = 60;
/** instrumentation_begin() sections counted, at most (the kernel nests one or two). */
const MAX_INSTR_DEPTH = 3;

/** A witness step as a finding holds it: where, how deep in calls, and what (report/describe renders it). */
export interface TraceEntry {
  file: string;
  line: number;
  column: number;
  event: TraceEvent;
  depth: number;
}

/** Another place of the same defect (a window's other offending calls). */
export interface RelatedLocation {
  file: string;
  line: number;
  column: number;
  message: string;
}

export interface Finding {
  ruleId: string;
  severity: string;
  file: string;
  line: number;
  column: number;
  function: string;
  message: string;
  trace: TraceEntry[];
  notes: string[];
  related?: RelatedLocation[];
  /** The EQS it happens in, when the arch's facts qualify it by that (ViolationReport.eqs). */
  eqs?: 'guest' | 'user' | 'idle';
  /** For a finding in generic code: the arch whose kernel its path runs in (its facts qualify it). */
  arch?: string;
}

interface PendingViolation {
  rule: Rule;
  report: ViolationReport;
  /** From the callee's entry to the symptom. */
  steps: TraceStep[];
  notes: string[];
}

interface ExitRecord {
  state: State;
  ret: SignSet;
  steps: TraceStep[];
}

interface Summary {
  exits: Map<string, ExitRecord>;
  pending: PendingViolation[];
  pendingKeys: Set<string>;
  recursive: boolean;
}

interface Frame {
  fn: FnInfo;
  entry: State;
  isRoot: boolean;
  summary: Summary;
  /** Per resource: the function is taken to be entered inside it (an exit handler). */
  enteredInside: Record<Tracked, boolean>;
  /** The roles the rules see at a return, made once per frame. */
  roles?: Record<Tracked, ResourceRole & { exitHandler: boolean }>;
  /** Return reports that stand only if the function's returns disagree (ViolationReport.unlessReturnsAgree). */
  deferred: { loc: Loc; reported: Reported }[];
  /** The C file whose object the code runs from (a header's static function is
   *  compiled into its includer's): kbuild decides its instrumentation by it. */
  unit: string;
  /** Called outside every EQS window and unable to reach a context or accounting
   *  operation: how many levels of calls count from here (its own body with the
   *  inline functions it calls is one; see SHALLOW_LEVELS); 0: every level. */
  shallow: number;
}

export interface AnalysisStats {
  functionsAnalysed: number;
  summaries: number;
  /** Functions (`file:name`) where states were joined (nothing is reported from a joined state). */
  precisionLost: string[];
  /** Functions whose analysis ran out of its budget: nothing is reported from them. */
  overBudget: string[];
  /** Functions from which calls went deeper than MAX_CALL_DEPTH (taken to do nothing there). */
  callsTooDeep: string[];
  unknownCallees: number;
  indirectCalls: number;
}

/** A root analysis to run: the function, and the arch directory whose kernel it runs in. */
export interface RootTask {
  fn: FnInfo;
  impl: string | null;
}

/** What one interpreter found, as plain data naming functions by their stable ids
 *  (see run/interpret: results of earlier runs are merged with new ones). */
export interface InterpreterResult {
  /** In the order reported, each with the function it was reported in. */
  findings: { finding: Finding; fn: string }[];
  analysed: string[];
  precisionLost: string[];
  overBudget: string[];
  callsTooDeep: string[];
  summaries: number;
  unknownCallees: string[];
  /** Indirect call sites met on analysed paths (function id, block, event). */
  indirectCalls: string[];
  /** Functions built on demand (what a path called inside a window, not built
   *  before), by FnInfo id, in order: the result depends on them too. */
  builtOnDemand: string[];
}

/** Analyses roots one after the other, sharing callee summaries between them. */
export class Interpreter {
  private readonly findings = new Map<string, Finding>();
  /** The function each finding was reported in (for notes added after the run). */
  private readonly findingFunctions = new Map<Finding, FnInfo>();
  private readonly summaries = new Map<FnInfo, Map<string, Summary>>();
  private readonly inProgress = new Set<Summary>();
  private readonly precisionLost = new Set<FnInfo>();
  private readonly analysed = new Set<FnInfo>();
  private readonly unknownCallees = new Set<string>();
  /** Indirect call sites met on analysed paths. */
  private readonly indirectCalls = new Set<CallEvent>();
  /** Functions built on demand by this interpreter, in order (inside windows). */
  private readonly builtHere: FnInfo[] = [];
  /** How many summaries are being computed, one inside the other. */
  private depth = 0;
  /** Functions whose calls went deeper than MAX_CALL_DEPTH. */
  private readonly tooDeep = new Set<FnInfo>();
  /** Functions whose analysis ran out of MAX_BLOCK_VISITS: nothing is reported from them. */
  private readonly overBudget = new Set<FnInfo>();
  private readonly liveness = new WeakMap<Cfg, Liveness>();
  /** Rules that look at what calls run (instrumentable code inside an EQS). */
  private readonly callRules: readonly Rule[];
  /** Findings of onePerWindow rules, by rule, function and the window's start. */
  private readonly windowFindings = new Map<string, Finding>();

  /** @param idOf a function's id, stable across runs */
  constructor(private readonly program: Program, private readonly rules: readonly Rule[],
    private readonly entryFacts: ReadonlyMap<string, EntryFact>, private readonly idOf: (fn: FnInfo) => string) {
    this.callRules = rules.filter((r) => r.onCall);
  }

  /** The function was entered by an analysis so far (as a root or a callee). */
  hasAnalysed(fn: FnInfo): boolean {
    return this.analysed.has(fn);
  }

  result(): InterpreterResult {
    let summaries = 0;
    for (const m of this.summaries.values()) summaries += m.size;
    const indirectCalls: string[] = [];
    for (const fn of this.analysed) {
      fn.cfg.blocks.forEach((b, i) => b.events.forEach((e, j) => {
        if (e.kind === 'call' && this.indirectCalls.has(e)) indirectCalls.push(`${this.idOf(fn)}@${i}.${j}`);
      }));
    }
    return {
      // A function that ran out of budget was not fully analysed: nothing is reported from it.
      findings: [...this.findings.values()].filter((finding) => !this.overBudget.has(this.findingFunctions.get(finding)!))
        .map((finding) => ({ finding, fn: this.idOf(this.findingFunctions.get(finding)!) })),
      analysed: [...this.analysed].map(this.idOf),
      precisionLost: [...this.precisionLost].map(this.idOf),
      overBudget: [...this.overBudget].map(this.idOf),
      callsTooDeep: [...this.tooDeep].map(this.idOf),
      summaries, unknownCallees: [...this.unknownCallees], indirectCalls, builtOnDemand: this.builtHere.map((fn) => fn.id),
    };
  }

  /** What each block of the function can still read (computed once per CFG). */
  private livenessOf(cfg: Cfg): Liveness {
    let live = this.liveness.get(cfg);
    if (!live) { live = computeLiveness(cfg, (call) => this.callReads(call)); this.liveness.set(cfg, live); }
    return live;
  }

  /** The entry state without what the function never reads: flags it ignores make no other summary. */
  private liveEntry(fn: FnInfo, entry: State): State {
    return entry.keeping(this.livenessOf(fn.cfg).liveAt(fn.cfg.entry));
  }

  /** The facts and flags a call can read: its arguments (a callee's flags
   *  parameters, a restore's variable) and the private slots its primitive restores. */
  private callReads(call: CallEvent): string[] {
    const names: string[] = [];
    for (const a of call.args) {
      names.push(normaliseLvalue(a.text));
      if (a.ident) names.push(a.ident);
      if (a.addressOf) names.push(a.addressOf);
    }
    const ops = call.callee ? this.program.model.ops(call.callee) : undefined;
    for (const op of ops ?? []) {
      const key = op.op === 'restore' ? slotKey(op.where, call) : null;
      if (key) names.push(key);
    }
    return names;
  }

  // ---- entry states -----------------------------------------------------------

  /** A root starts with interrupts unknown, outside any EQS, accounting off —
   *  unless its first operation on a resource is an exit on every path, or an
   *  entry fact from a model file says how assembly enters it. */
  private rootEntry(fn: FnInfo): { state: State; enteredInside: Record<Tracked, boolean> } {
    const fact = this.entryFacts.get(fn.def.name);
    const enteredInside = {
      ct: fact?.context ? fact.context !== 'kernel' : this.program.entersInside(fn, 'ct'),
      vtime: fact?.accounting ? fact.accounting === 'on' : this.program.entersInside(fn, 'vtime'),
    };
    // Exit-first on some paths and no context operation on others: entered inside
    // the context on the former only, which the entry cannot tell (`if
    // (user_mode(regs)) user_exit_irqoff();`): the context is unknown until it is left.
    const role = this.program.role(fn, 'ct');
    const inside = role.first.has('none') ? 'unk' : (role.firstExitContext ?? 'guest');
    const state = State.initial({
      impl: archDir(fn), noinstr: this.program.instrumentation.inNoinstrSection(fn.link),
      irq: fact?.interrupts ?? (this.program.pairsInterrupts(fn) ? 'on' : 'unk'),
      ct: fact?.context ?? (enteredInside.ct ? inside : 'kernel'),
      vtime: enteredInside.vtime ? 'on' : 'off',
    });
    return { state, enteredInside };
  }

  /** An exit handler's entry when a call runs the guest: from inside the guest context. */
  private handlerEntry(fn: FnInfo): State {
    const { state } = this.rootEntry(fn);
    return state.ct === 'unk' ? state.with({ ct: 'guest' }) : state;
  }

  analyseRoot({ fn, impl }: RootTask): void {
    const { state: entry, enteredInside } = this.rootEntry(fn);
    const state = entry.with({ impl });
    const frame: Frame = { fn, entry: state, isRoot: true, summary: newSummary(), enteredInside, shallow: 0, deferred: [], unit: fn.def.file };
    const reports: Reported[] = [];
    const loc = { file: fn.def.file, line: fn.def.line, col: 1 };
    for (const rule of this.rules) {
      rule.onEntry?.({
        fnName: fn.def.name, loc, entry: state,
        report: (v) => reports.push({ rule, report: v, before: state, steps: [] }),
      });
    }
    this.routeAll(frame, loc, reports);
    this.runFunction(frame);
  }

  /** The callee's summary for the entry state a call gives it.
   *  @param callerUnit the caller's unit (Frame.unit), which a header's function runs from */
  private summaryFor(fn: FnInfo, given: State, callerUnit: string, shallow = 0): Summary {
    const entry = this.liveEntry(fn, given);
    let byKey = this.summaries.get(fn);
    if (!byKey) { byKey = new Map(); this.summaries.set(fn, byKey); }
    const unit = unitOf(fn, callerUnit);
    const key = summaryKey(fn, entry, unit, shallow);
    const existing = byKey.get(key);
    if (existing) {
      if (this.inProgress.has(existing)) existing.recursive = true;
      return existing;
    }
    const summary = newSummary();
    byKey.set(key, summary);
    this.inProgress.add(summary);
    this.depth++;
    const enteredInside = { ct: this.program.entersInside(fn, 'ct'), vtime: this.program.entersInside(fn, 'vtime') };
    const frame: Frame = { fn, entry, isRoot: false, summary, enteredInside, shallow, deferred: [], unit };
    // Recursion: re-run with the partial summary until its exits stop growing.
    // Summaries of other functions computed meanwhile from the partial one stay
    // memoised (a known imprecision for mutual recursion through EQS code, which
    // the kernel does not have).
    for (let round = 0; round < 6; round++) {
      const before = summary.exits.size + summary.pending.length;
      summary.recursive = false;
      this.runFunction(frame);
      if (!summary.recursive || summary.exits.size + summary.pending.length === before) break;
    }
    this.inProgress.delete(summary);
    this.depth--;
    return summary;
  }

  // ---- one function ------------------------------------------------------------

  private runFunction(frame: Frame): void {
    this.analysed.add(frame.fn);
    const cfg = frame.fn.cfg;
    const n = cfg.blocks.length;
    const seen: Map<string, State>[] = Array.from({ length: n }, () => new Map());
    const pending: State[][] = Array.from({ length: n }, () => []);
    const joinedAt = new Set<number>();
    const order = blockOrder(cfg);
    // Blocks to run, first in block order: a heap of positions in that order.
    const queued = new BlockQueue(order);
    const enqueue = (id: number): void => queued.add(id);
    const live = this.livenessOf(cfg);
    const add = (id: number, arriving: State): void => {
      // What no later read needs must not tell states apart (nor push them over the bound).
      // Of states that become equal, the first to arrive is kept, as for any equal states.
      const s = arriving.keeping(live.liveAt(id));
      const set = seen[id]!;
      if (joinedAt.has(id)) {
        const current = set.values().next().value as State;
        const joined = joinStates(current, s);
        if (joined.key === current.key) return;
        set.clear();
        set.set(joined.key, joined);
        pending[id] = [joined];
        enqueue(id);
        return;
      }
      if (set.has(s.key)) return;
      set.set(s.key, s);
      pending[id]!.push(s);
      enqueue(id);
      if (set.size > MAX_STATES_PER_BLOCK) {
        let joined: State | null = null;
        for (const st of set.values()) joined = joined ? joinStates(joined, st) : st;
        set.clear();
        set.set(joined!.key, joined!);
        pending[id] = [joined!];
        joinedAt.add(id);
        this.precisionLost.add(frame.fn);
      }
    };

    add(cfg.entry, frame.entry);
    let visits = 0;
    while (queued.size) {
      const next = queued.pop();
      const states = pending[next]!;
      pending[next] = [];
      if (++visits > MAX_BLOCK_VISITS) { this.overBudget.add(frame.fn); break; }
      const block = cfg.blocks[next]!;
      for (const s of states) {
        for (const out of this.runBlock(frame, block, s)) {
          for (const edge of block.succs) {
            if (edge.kind === 'return') continue;
            const taken = takeEdge(out, edge);
            if (taken) add(edge.to, taken);
          }
        }
      }
    }
    this.settleDeferred(frame);
  }

  /** A function whose every return leaves a resource in the same state (the
   *  returns' values agree) does so by design: an entry or exit helper for its
   *  callers (powerpc's interrupt_exit_user_prepare_main() always returns in the
   *  user context, through a retry that leaves and re-enters it). Its returns
   *  are reported only when another return disagrees. */
  private settleDeferred(frame: Frame): void {
    const deferred = frame.deferred;
    frame.deferred = [];
    for (const { loc, reported } of deferred) {
      const valueOf = reported.report.unlessReturnsAgree!;
      const values = new Set<string>();
      for (const e of frame.summary.exits.values()) if (!e.state.joined) values.add(valueOf(e.state));
      if (values.size === 1) continue;
      this.route(frame, loc, reported);
    }
  }

  private runBlock(frame: Frame, block: Block, start: State): State[] {
    let states = [start];
    for (const event of block.events) {
      const next = new Map<string, State>();
      for (const s of states) {
        if (event.kind === 'call') for (const o of this.call(frame, event, s)) { if (!next.has(o.key)) next.set(o.key, o); }
        else if (event.kind === 'assign') { const o = assign(s, event); if (!next.has(o.key)) next.set(o.key, o); }
        else this.return(frame, event, s);
      }
      states = [...next.values()];
      if (states.length > MAX_STATES_PER_BLOCK) {
        states = [states.reduce(joinStates)];
        this.precisionLost.add(frame.fn);
      }
      if (!states.length) break;
    }
    return states;
  }

  // ---- calls -----------------------------------------------------------------

  private call(frame: Frame, call: CallEvent, s: State): State[] {
    const name = call.callee;
    const targets = this.program.callees(call);
    const dispatched = targets.length ? this.dispatch(targets, s) : [];
    const lookInto = this.checkInstrumentation(frame, call, dispatched, s);
    if (frame.shallow) {
      // Inline functions (and expanded macros) are part of the body they are
      // called from; the other calls count while levels remain.
      const followed = dispatched.filter(([t]) => t.fn.link.inline || frame.shallow > 1 || lookInto.has(t));
      if (followed.length) return followed.flatMap(([t, st]) => this.applyCallee(frame, call, t, st, lookInto.has(t)));
      const ops = name && !targets.length ? this.program.model.ops(name) : undefined;
      return ops ? this.applyPrimitive(frame, call, name!, ops, s) : [s.withFact(call.result, null)];
    }
    // Whichever opaque target runs, nothing changes: the path need not choose one
    // (choosing would commit it to an implementation, and split it, for nothing).
    if (dispatched.length > 1 && dispatched.every(([t]) => this.program.isOpaque(t.fn) && !lookInto.has(t))) return [s.withFact(call.result, null)];
    if (dispatched.length) return dispatched.flatMap(([t, st]) => this.applyCallee(frame, call, t, st, lookInto.has(t)));
    const ops = name ? this.program.model.ops(name) : undefined;
    if (ops) return this.applyPrimitive(frame, call, name!, ops, s);
    if (s.ct === 'guest') {
      const handlers = this.program.guestExitHandlersFor(call, frame.fn);
      if (handlers.length) return this.runGuest(frame, call, handlers, s, (h) => this.handlerEntry(h));
      const generated = this.program.generatedCodeHandlersFor(call, frame.fn);
      if (generated.length) return this.runGuest(frame, call, generated, s, (h) => calleeEntry(s, call, h, 0, this.inNoinstrSection));
    }
    if (!name) this.indirectCalls.add(call);
    const label = name ?? call.calleeText;
    this.unknownCallees.add(label);
    let out = s.withFact(call.result, null);
    if (isEqs(s.ct) && s.unknownInEqs.length < 20 && !s.unknownInEqs.includes(label)) {
      out = out.with({ unknownInEqs: [...s.unknownInEqs, label] });
    }
    return [out];
  }

  /** The targets a call may reach on this path. The path's implementation (its
   *  arch, then vmx/ or svm/ once a dispatch chose) keeps only the targets in a
   *  related directory; choosing among sibling directories commits the path. */
  private dispatch(targets: readonly CallTarget[], s: State): [CallTarget, State][] {
    if (targets.length === 1) {
      // One arch's kernel never reaches another arch's definition (generic code
      // calling a function only arch/Y defines): the call is unresolved there.
      const only = targets[0]!;
      return s.impl && only.fn.arch !== null && only.fn.arch !== archOfImpl(s.impl) ? [] : [[only, s]];
    }
    let chosen = [...targets];
    if (s.impl) {
      // The path's arch: its own definitions win; generic ones serve when it has none.
      // Other arches' definitions are not in its kernel, so they must not change the
      // choice: one own definition is taken as it is when it is the only target
      // (x86's hook in mmu/ on a path committed to vmx/, with s390's empty one in scope).
      const pathArch = archOfImpl(s.impl);
      const own = chosen.filter((t) => t.fn.arch === pathArch);
      chosen = own.length > 1 ? own.filter((t) => relatedImpl(implDir(t.fn), s.impl!)) : own.length ? own : chosen.filter((t) => t.fn.arch === null);
    }
    const dirs = new Set(chosen.map((t) => implDir(t.fn)));
    if (dirs.size <= 1) return chosen.map((t) => [t, s]);
    const below = (dir: string, other: string): boolean => other.startsWith(`${dir}/`);
    return chosen.map((t) => {
      const dir = implDir(t.fn);
      const generic = [...dirs].some((d) => below(dir, d));
      return [t, generic || dir === s.impl ? s : s.with({ impl: dir })];
    });
  }

  private applyPrimitive(frame: Frame, call: CallEvent, name: string, ops: Op[], start: State): State[] {
    let states = [start.withFact(call.result, null)];
    const reports: Reported[] = [];
    for (const op of ops) {
      const next: State[] = [];
      for (const before of states) {
        for (const after of applyOp(op, call, name, before)) {
          for (const rule of this.rules) {
            rule.onOp?.({
              fnName: frame.fn.def.name, primitive: name, op, loc: call.loc, before, after,
              report: (v) => reports.push({ rule, report: v, before, steps: [symptomStep(call.loc, v, after)] }),
            });
          }
          next.push(after);
        }
      }
      states = next;
    }
    this.routeAll(frame, call.loc, reports);
    return states;
  }

  /** A call into assembly (or an unresolved pointer) inside the guest context runs
   *  the guest, which comes back to C through the arch's exit handlers. When a
   *  handler sometimes stays in the guest context and sometimes leaves it, staying
   *  resumes the guest (the assembly loops): the call returns on the leaving paths. */
  private runGuest(frame: Frame, call: CallEvent, handlers: FnInfo[], s: State, entryOf: (h: FnInfo) => State): State[] {
    const exits: [FnInfo, ExitRecord][] = [];
    const label = call.callee ?? call.calleeText;
    for (const h of handlers) {
      const summary = this.summaryFor(h, entryOf(h), h.def.file);
      this.routePending(frame, call, { callee: label, handler: h.def.name }, summary, s);
      for (const e of summary.exits.values()) exits.push([h, e]);
    }
    const leaving = exits.filter(([, e]) => e.state.ct !== 'guest');
    const returning = leaving.length && leaving.length < exits.length ? leaving : exits;
    return returning.map(([h, e]) => {
      const node = pushStep(s.trace, {
        loc: call.loc, event: { kind: 'guest-runs', callee: label, handler: h.def.name, after: snapshot(e.state) }, inner: e.steps,
      });
      // What the handler does not touch keeps the caller's value.
      const touched = (r: Resource): boolean => e.state.causes[r] !== null;
      const causes = { ...s.causes };
      for (const r of ['ct', 'vtime', 'irq'] as const) if (touched(r)) causes[r] = node;
      return s.with({
        irq: touched('irq') ? e.state.irq : s.irq, ct: touched('ct') ? e.state.ct : s.ct,
        vtime: touched('vtime') ? e.state.vtime : s.vtime, joined: s.joined || e.state.joined,
        trace: node, causes, unknownInEqs: [],
      }).withFact(call.result, e.ret);
    });
  }

  /** @param lookInto instrumentable code may not run here and the callee is not
   *  instrumentable itself (inlined, noinstr): its body is read for its calls */
  private applyCallee(frame: Frame, call: CallEvent, { fn: target, argOffset }: CallTarget, s: State, lookInto = false): State[] {
    const unknownValue = [s.withFact(call.result, null)];
    if (target.def.opaque || this.program.isBuiltForCallsOnly(target)) {
      // Known by name only. Inside a window whatever runs counts: what may matter is built now.
      const wasOpaque = target.def.opaque;
      const built = (inWindow(s) || lookInto) && this.program.build(target);
      // What cannot matter to the state is built, if at all, for its calls only: the
      // path goes on as if it was not (as it does for a definition built before).
      const forCalls = !built && lookInto && this.program.build(target, { forCallsOnly: true });
      if (wasOpaque && (built || forCalls)) this.builtHere.push(target);
      if (forCalls) this.lookIntoCalls(frame, call, target, argOffset, s);
      if (!built) return unknownValue;
    }
    // Cannot change the tracked state nor end the path: a no-op whose value is
    // unknown (looked into for its calls only).
    if (this.program.isOpaque(target)) {
      if (lookInto) this.lookIntoCalls(frame, call, target, argOffset, s);
      return unknownValue;
    }
    // Outside every window, a callee that cannot reach a context or accounting
    // operation is read for what its own body does, a few levels deep: below,
    // calls return as they were entered.
    const shallow = inWindow(s) || lookInto || this.program.touchesEqs(target) ? 0 :
      !frame.shallow ? SHALLOW_LEVELS : target.link.inline ? frame.shallow : frame.shallow - 1;
    if (shallow && !this.program.shallowRelevant(target, shallow)) return unknownValue;
    if (!shallow && this.program.isStateIndependent(target)) {
      if (lookInto) this.lookIntoCalls(frame, call, target, argOffset, s);
      // One summary for every caller state: only what it returns carries over.
      const summary = this.summaryFor(target, INDEPENDENT_ENTRY, frame.unit);
      const returns = new Set([...summary.exits.values()].map((e) => e.ret));
      return [...returns].map((ret) => s.withFact(call.result, ret));
    }
    let entry = calleeEntry(s, call, target, argOffset, this.inNoinstrSection);
    if (this.program.pairsInterrupts(target)) {
      // Its contract is "interrupts on": outside an EQS a path reaching it with them
      // off is taken to be impossible (inside one, the enable is the defect to report).
      if (entry.irq === 'off' && entry.ct === 'kernel') return [];
      if (entry.irq === 'unk') entry = entry.with({ irq: 'on' });
    }
    // A callee that never chooses among implementations behaves the same whatever
    // the path's implementation: one summary serves them all, the caller keeps its
    // own. (Read shallowly, whether it chooses is not known: it keeps the path's.)
    const implFree = !shallow && !this.program.choosesImplementation(target);
    if (implFree) entry = entry.with({ impl: null });
    if (this.depth >= MAX_CALL_DEPTH && !this.summaries.get(target)?.has(summaryKey(target, this.liveEntry(target, entry), unitOf(target, frame.unit), shallow))) {
      this.tooDeep.add(frame.fn);
      return unknownValue;
    }
    const summary = this.summaryFor(target, entry, frame.unit, shallow);
    this.routePending(frame, call, { callee: target.def.name }, summary, s);
    const out: State[] = [];
    const uneven = unevenResources(summary);
    for (const exit of summary.exits.values()) out.push(bindExit(s, call, target, argOffset, exit, implFree, uneven));
    return out;
  }

  /** Reads a callee that cannot change the state for what its calls run (only its
   *  violations reach the caller; the path goes on as the state says). */
  private lookIntoCalls(frame: Frame, call: CallEvent, target: FnInfo, argOffset: number, s: State): void {
    if (this.depth >= MAX_CALL_DEPTH) { this.tooDeep.add(frame.fn); return; }
    this.routePending(frame, call, { callee: target.def.name }, this.summaryFor(target, calleeEntry(s, call, target, argOffset, this.inNoinstrSection), frame.unit), s);
  }

  private readonly inNoinstrSection = (fn: FnInfo): boolean => this.program.instrumentation.inNoinstrSection(fn.link);

  /** Rules watch what calls run on this path (instrumentable code may not run here). */
  private watchesCalls(s: State): boolean {
    return this.callRules.length > 0 && (instrumentationForbidden(s) || noinstrDisciplineApplies(s));
  }

  /** Where instrumentable code may not run: reports the call when it runs a kernel
   *  API function of the model, or an instrumentable definition (each target, before
   *  anything below them is looked into: what a call runs itself comes first). The
   *  targets that are not instrumentable (inlined, noinstr) are to be looked into. */
  private checkInstrumentation(frame: Frame, call: CallEvent, dispatched: readonly [CallTarget, State][], s: State):
    ReadonlySet<CallTarget> {
    if (!this.watchesCalls(s)) return NONE;
    const api = call.callee ? this.program.kernelApiCall(call.callee, frame.fn, s.impl) : undefined;
    if (api) { this.reportCall(frame, call, call.callee!, api, s); return NONE; }
    const lookInto = new Set<CallTarget>();
    for (const [t, st] of dispatched) {
      const how = this.program.instrumentability(t.fn, st.impl, frame.unit);
      if (how.kind !== 'instrumentable') { lookInto.add(t); continue; }
      const definedAt = { file: t.fn.def.file, line: t.fn.def.line, col: 1 };
      this.reportCall(frame, call, t.fn.def.name, { kind: 'instrumentable', kinds: how.kinds, why: how.why, definedAt }, st);
    }
    return lookInto;
  }

  private reportCall(frame: Frame, call: CallEvent, callee: string, runs: CallRuns, s: State): void {
    const reports: Reported[] = [];
    for (const rule of this.callRules) {
      rule.onCall!({
        fnName: frame.fn.def.name, callee, loc: call.loc, runs, before: s,
        report: (v) => reports.push({ rule, report: v, before: s, steps: [symptomStep(call.loc, v, s)] }),
      });
    }
    this.routeAll(frame, call.loc, reports);
  }

  /** A callee's violations that depend on the state it was entered in: the caller's, at the call. */
  private routePending(frame: Frame, call: CallEvent, via: { callee: string; handler?: string }, summary: Summary, s: State): void {
    const reports: Reported[] = summary.pending.filter((p) => p.report.stillAtCall?.(s) ?? true).map((p) => ({
      rule: p.rule, report: p.report, before: s, notes: p.notes,
      steps: [{ loc: call.loc, event: { kind: 'call-symptom', ...via, symptom: p.report.symptom, after: lastState(p.steps) }, inner: p.steps }],
    }));
    this.routeAll(frame, call.loc, reports);
  }

  // ---- returns -----------------------------------------------------------------

  private return(frame: Frame, ret: ReturnEvent, s: State): void {
    const signs = ret.value === null ? ANY_SIGN : ret.value.kind === 'const' ? ret.value.signs :
      ret.value.kind === 'var' ? (s.facts.get(ret.value.name) ?? ANY_SIGN) : ANY_SIGN;
    const flags = new Map([...s.flags].filter(([k]) => k.startsWith('*')));
    const exitState = s.with({ facts: new Map(), flags, trace: null });
    const key = `${exitState.key}#${signs}`;
    if (!frame.summary.exits.has(key)) {
      frame.summary.exits.set(key, { state: exitState, ret: signs, steps: capSteps(stepsSince(s.trace, null)) });
    }
    const reports: Reported[] = [];
    const role = (r: Tracked) => (frame.roles ??= {
      ct: { ...this.program.role(frame.fn, 'ct'), exitHandler: frame.enteredInside.ct },
      vtime: { ...this.program.role(frame.fn, 'vtime'), exitHandler: frame.enteredInside.vtime },
    })[r];
    for (const rule of this.rules) {
      rule.onReturn?.({
        fnName: frame.fn.def.name, loc: ret.loc, implicit: ret.implicit, entry: frame.entry, exit: s, role,
        report: (v) => reports.push({ rule, report: v, before: s, steps: [symptomStep(ret.loc, v, s)] }),
      });
    }
    this.routeAll(frame, ret.loc, reports);
  }

  // ---- findings ----------------------------------------------------------------

  private routeAll(frame: Frame, loc: Loc, reports: Reported[]): void {
    if (!reports.length) return;
    const ids = new Set(reports.map((r) => r.rule.id));
    for (const r of reports) {
      if (r.rule.yieldsTo?.some((id) => ids.has(id))) continue;
      if (r.report.unlessReturnsAgree) frame.deferred.push({ loc, reported: r });
      else this.route(frame, loc, r);
    }
  }

  private route(frame: Frame, loc: Loc, r: Reported): void {
    const causeNode = r.before.causes[r.report.resource];
    const notes = [...(r.notes ?? [])];
    if (r.report.resource === 'ct' && r.rule.notesUnknownCallees && r.before.unknownInEqs.length) {
      const names = r.before.unknownInEqs;
      notes.push(`assumes ${names.length} callee${names.length > 1 ? 's' : ''} with no known effect inside the window ` +
        `(${names.slice(0, 6).join(', ')}${names.length > 6 ? ', …' : ''}) leave interrupts and the context unchanged`);
    }
    // A violation of the function's own code is its own, whoever calls it (inlined
    // code is its caller's); any other one, with a cause from before the entry, the caller's.
    const ownCode = r.report.ownCode === true && !frame.fn.link.inline;
    if (causeNode === null && !frame.isRoot && !ownCode) {
      const key = `${r.rule.id}|${loc.file}:${loc.line}:${loc.col}`;
      if (frame.summary.pendingKeys.has(key)) return;
      frame.summary.pendingKeys.add(key);
      frame.summary.pending.push({ rule: r.rule, report: r.report, steps: capSteps([...stepsSince(r.before.trace, null), ...r.steps]), notes });
      return;
    }
    const fnName = frame.fn.def.name;
    let trace: TraceStep[];
    let message: string;
    const entered: TraceStep = { loc: { file: frame.fn.def.file, line: frame.fn.def.line, col: 1 }, event: { kind: 'entered', fn: fnName, after: snapshot(frame.entry) } };
    if (ownCode) {
      // The function's code itself, whatever state it was entered in.
      trace = [entered, ...stepsSince(r.before.trace, null), ...r.steps];
      message = r.report.message({ kind: 'own', fn: fnName });
    } else if (causeNode) {
      trace = [causeNode.step, ...stepsSince(r.before.trace, causeNode), ...r.steps];
      message = r.report.message({ kind: 'step', step: causeNode.step });
    } else {
      const fact = this.entryFacts.get(fnName);
      const note = fact ? `${fnName}() is entered with ${describeState(frame.entry)} (model entry fact: ${fact.why})` : entryNote(fnName, frame, r.report.resource);
      trace = [entered, ...stepsSince(r.before.trace, null), ...r.steps];
      message = r.report.message({ kind: 'entry', note });
      notes.push(`assumed entry state of ${fnName}(): ${describeState(frame.entry)}`);
    }
    const pathArch = archOf(loc.file) === null && r.before.impl ? archOfImpl(r.before.impl) : null;
    const windowKey = r.rule.onePerWindow ? `${r.rule.id}|${this.idOf(frame.fn)}|${pathArch}|${causeNode ? locText(causeNode.step.loc) : 'entry'}` : null;
    const sameWindow = windowKey === null ? undefined : this.windowFindings.get(windowKey);
    if (sameWindow) { addRelated(sameWindow, loc, r.steps[0] ? describeEvent(r.steps[0].event) : r.report.symptom); return; }
    const finding: Finding = {
      ruleId: r.rule.id, severity: r.rule.defaultSeverity, file: loc.file, line: loc.line, column: loc.col,
      function: fnName, message, trace: flattenTrace(capSteps(trace)), notes, ...(r.report.eqs ? { eqs: r.report.eqs } : {}),
    };
    if (pathArch) finding.arch = pathArch;
    const key = findingKey(finding);
    if (this.findings.has(key)) return;
    if (windowKey !== null) this.windowFindings.set(windowKey, finding);
    this.findings.set(key, finding);
    this.findingFunctions.set(finding, frame.fn);
  }
}

interface Reported {
  rule: Rule;
  report: ViolationReport;
  before: State;
  steps: TraceStep[];
  notes?: string[];
}

function isHeader(file: string): boolean {
  return file.endsWith('.h');
}

function locText(loc: Loc): string {
  return `${loc.file}:${loc.line}:${loc.col}`;
}

/** Another place of a window's defect, once per place (not the finding's own). */
function addRelated(finding: Finding, loc: Loc, message: string): void {
  if (loc.file === finding.file && loc.line === finding.line && loc.col === finding.column) return;
  const related = (finding.related ??= []);
  if (related.some((r) => r.file === loc.file && r.line === loc.line && r.column === loc.col)) return;
  related.push({ file: loc.file, line: loc.line, column: loc.col, message });
}

function newSummary(): Summary {
  return { exits: new Map(), pending: [], pendingKeys: new Set(), recursive: false };
}

function entryNote(fnName: string, frame: Frame, resource: Resource): string {
  if (resource === 'ct' && frame.enteredInside.ct) {
    return `${fnName}() is taken to be entered inside the ${frame.entry.ct} context: its first context operation on every path is an exit`;
  }
  if (resource === 'vtime' && frame.enteredInside.vtime) {
    return `${fnName}() is taken to be entered with guest time accounting on: its first accounting operation on every path is a stop`;
  }
  return `${fnName}() has no callers in the scanned code and is assumed to be entered with ${describeState(frame.entry)}`;
}

// ---- state transformers -----------------------------------------------------------

function slotKey(where: Slot, call: CallEvent): string | null {
  if ('slot' in where) return where.slot;
  if ('result' in where) return call.result;
  const arg = call.args[where.arg];
  return arg ? normaliseLvalue(arg.text) : null;
}

/** Argument `index` of the call names one of `names` (as a word of its text). */
function argumentNames(call: CallEvent, index: number, names: readonly string[]): boolean {
  const text = call.args[index]?.text;
  return !!text && names.some((n) => new RegExp(`\\b${n}\\b`).test(text));
}

function normaliseLvalue(text: string): string {
  let t = text.replace(/\s+/g, '');
  while (t.startsWith('(') && t.endsWith(')')) t = t.slice(1, -1);
  return t;
}

type OpEvent = Extract<TraceEvent, { kind: 'op' }>;
type WithoutAfter<E> = E extends unknown ? Omit<E, 'after'> : never;

/** The trace once a primitive's operation has made the `changes`. */
function opStep(s: State, call: CallEvent, event: WithoutAfter<OpEvent>, changes: Partial<StateSnapshot>): TraceNode {
  const after = snapshot({ irq: s.irq, ct: s.ct, vtime: s.vtime, gif: s.gif, ...changes });
  return pushStep(s.trace, { loc: call.loc, event: { ...event, after } as OpEvent });
}

/** The state after the last of `steps` (a callee's, ending where a rule reports in it). */
function lastState(steps: readonly TraceStep[]): StateSnapshot | undefined {
  const last = steps[steps.length - 1];
  return last ? stateAfter(last.event) : undefined;
}

/** The step at which a rule reports, in the state `after` it. */
function symptomStep(loc: Loc, v: ViolationReport, after: State): TraceStep {
  return { loc, event: { kind: 'symptom', symptom: v.symptom, after: snapshot(after) } };
}

/** One elementary operation; a few split the state (irqs_disabled() on unknown interrupts). */
function applyOp(op: Op, call: CallEvent, name: string, s: State): State[] {
  switch (op.op) {
    case 'irq-off':
    case 'irq-on': {
      const v = op.op === 'irq-on' ? 'on' : 'off';
      if (s.irq === v) return [s];
      const node = opStep(s, call, { kind: 'op', primitive: name, op: op.op }, { irq: v });
      return [s.with({ irq: v, trace: node, causes: { ...s.causes, irq: node } })];
    }
    case 'save': {
      const key = slotKey(op.where, call);
      return [key ? s.withFlag(key, s.irq) : s];
    }
    case 'restore': {
      const key = slotKey(op.where, call);
      const named = key && 'constants' in op.where ? op.where.constants?.get(key) : undefined;
      if (named === 'kept') return [s];
      const v = named ?? ((key && s.flags.get(key)) || 'unk');
      if (v === s.irq) return [s];
      const node = opStep(s, call, { kind: 'op', primitive: name, op: 'restore' }, { irq: v });
      return [s.with({ irq: v, trace: node, causes: { ...s.causes, irq: node } })];
    }
    case 'ct-enter': {
      const node = opStep(s, call, { kind: 'op', primitive: name, op: 'ct-enter', context: op.context }, { ct: op.context });
      return [s.with({ ct: op.context, trace: node, causes: { ...s.causes, ct: node }, unknownInEqs: [] })];
    }
    case 'ct-exit': {
      if (s.ct === 'kernel') return [s];
      const node = opStep(s, call, { kind: 'op', primitive: name, op: 'ct-exit', context: op.context }, { ct: 'kernel' });
      return [s.with({ ct: 'kernel', trace: node, causes: { ...s.causes, ct: node }, unknownInEqs: [] })];
    }
    case 'vtime-enter':
    case 'vtime-exit': {
      const v = op.op === 'vtime-enter' ? 'on' : 'off';
      if (s.vtime === v) return [s];
      const node = opStep(s, call, { kind: 'op', primitive: name, op: op.op }, { vtime: v });
      return [s.with({ vtime: v, trace: node, causes: { ...s.causes, vtime: node } })];
    }
    case 'gif-clear':
    case 'gif-set': {
      const v = op.op === 'gif-set' ? 'set' : 'clear';
      if (s.gif === v) return [s];
      return [s.with({ gif: v, trace: opStep(s, call, { kind: 'op', primitive: name, op: op.op }, { gif: v }) })];
    }
    case 'assume-irq-off':
      return s.irq === 'unk' ? [s.with({ irq: 'off' })] : [s];
    case 'expect-irq-on':
      // "spin_lock_irq() should only be used when interrupts are known to be enabled."
      // Inside an EQS the path is kept: the unlock's enable is the defect to report.
      if (s.irq === 'unk') return [s.with({ irq: 'on' })];
      return s.irq === 'off' && s.ct === 'kernel' ? [] : [s];
    case 'returns-true':
      return [s.withFact(call.result, ONE)];
    case 'returns-irqs-disabled':
      // Only a tested result tells the paths apart (WARN_ON(irqs_disabled()) does not).
      if (call.result === '') return [s];
      if (s.irq === 'off') return [s.withFact(call.result, ONE)];
      if (s.irq === 'on') return [s.withFact(call.result, ZERO)];
      return [s.with({ irq: 'off' }).withFact(call.result, ONE), s.with({ irq: 'on' }).withFact(call.result, ZERO)];
    case 'noreturn':
      return [];
    case 'might-sleep':
      // The kernel forbids sleeping with interrupts off (might_sleep()): no such path.
      if (op.when && !argumentNames(call, op.when.arg, op.when.flags)) return [s];
      return s.irq === 'off' ? [] : [s];
    case 'instr-begin':
      return [s.with({ instr: Math.min(s.instr + 1, MAX_INSTR_DEPTH) })];
    case 'instr-end':
      return s.instr ? [s.with({ instr: s.instr - 1 })] : [s];
    case 'known':
    case 'forward':
      return [s];
  }
}

function assign(s: State, a: AssignEvent): State {
  return forgetPredicates(assignValue(s, a), (subject) => isStaleAfterAssigning(subject, a.target));
}

/** Drops what was learnt about predicate calls (cfg/predicate-subjects) that `stale` picks. */
function forgetPredicates(s: State, stale: (subject: string) => boolean): State {
  let out = s;
  for (const k of s.facts.keys()) if (isPredicateSubject(k) && stale(k)) out = out.withFact(k, null);
  return out;
}

function assignValue(s: State, a: AssignEvent): State {
  const v = a.value;
  if (v.kind === 'const') return s.withFact(a.target, v.signs).withFlag(a.target, null);
  if (v.kind === 'var') {
    const fact = s.facts.get(v.name) ?? null;
    const flag = s.flags.get(v.name) ?? null;
    return s.withFact(a.target, fact).withFlag(a.target, flag);
  }
  if (!s.facts.has(a.target) && !s.flags.has(a.target)) return s;
  return s.withFact(a.target, null).withFlag(a.target, null);
}

/** The state after following an edge, or null when its condition contradicts what is known. */
function takeEdge(s: State, edge: Edge): State | null {
  let out = forgetsPredicates(edge) ? forgetPredicates(s, () => true) : s;
  if (edge.cond) {
    const known = s.facts.get(edge.cond.subject) ?? settledValue(edge.cond.subject) ?? ANY_SIGN;
    const narrowed = known & edge.cond.signs;
    if (narrowed === 0) return null;
    if (narrowed !== known) {
      out = out.withFact(edge.cond.subject, narrowed);
      if (edge.label && edge.loc) out = out.with({ trace: pushStep(out.trace, { loc: edge.loc, event: { kind: 'branch', label: edge.label, after: snapshot(out) } }) });
    }
  }
  // Call results live only until the branch that tests them.
  let hasTemp = false;
  for (const k of out.facts.keys()) if (isTemp(k)) { hasTemp = true; break; }
  if (hasTemp) out = out.with({ facts: new Map([...out.facts].filter(([k]) => !isTemp(k))) });
  return out;
}

/** The callee's entry state: the caller's resources, and saved flags passed as arguments. */
function calleeEntry(s: State, call: CallEvent, target: FnInfo, argOffset: number, noinstrSection: (fn: FnInfo) => boolean): State {
  const flags = new Map<string, State['irq']>();
  const facts = new Map<string, SignSet>();
  target.def.params.forEach((p, i) => {
    const arg = call.args[i + argOffset];
    if (!arg) return;
    if (arg.ident && s.flags.has(arg.ident)) flags.set(p, s.flags.get(arg.ident)!);
    if (arg.addressOf && s.flags.has(arg.addressOf)) flags.set(`*${p}`, s.flags.get(arg.addressOf)!);
    // What the caller knows of a value it passes, the callee knows of its parameter
    // (pvclock's __pvclock_clocksource_read(src, false) never touches the watchdogs).
    const known = constantSigns(arg.text) ?? (arg.ident ? s.facts.get(arg.ident) : undefined);
    if (known !== undefined && known !== ANY_SIGN) facts.set(p, known);
  });
  // Inlined code is its caller's: in .noinstr.text when the caller's is.
  const noinstr = target.link.inline ? s.noinstr : noinstrSection(target);
  return State.initial({ irq: s.irq, ct: s.ct, vtime: s.vtime, gif: s.gif, instr: s.instr, noinstr, flags, facts, joined: s.joined, impl: s.impl ?? archDir(target) });
}

/** The signs of an argument spelled as a constant (a number, true/false, NULL). */
function constantSigns(text: string): SignSet | undefined {
  const t = normaliseLvalue(text);
  if (t === 'false' || t === 'NULL') return ZERO;
  if (t === 'true') return ONE;
  const m = /^(-?)(0x[0-9a-f]+|\d+)[ul]*$/i.exec(t);
  return m ? signOf((m[1] ? -1 : 1) * Number(m[2])) : undefined;
}

/** The caller's state after the call returns through `exit`. */
/** The context and accounting resources a callee leaves in different states on
 *  different returns (VMX's run that returns early, before it enters guest time
 *  accounting): the return that leaves one as it was is a cause in its own right. */
function unevenResources(summary: Summary): ReadonlySet<Tracked> {
  const uneven = new Set<Tracked>();
  for (const r of ['ct', 'vtime'] as const) {
    const values = new Set<string>();
    for (const e of summary.exits.values()) if (!e.state.joined) values.add(e.state[r]);
    if (values.size > 1) uneven.add(r);
  }
  return uneven;
}

/** The caller's state after one of the callee's returns. A resource the return
 *  changed — or, where the callee's returns are uneven, left as it was — has
 *  the call as its cause, so a violation it leads to is the caller's own. */
function bindExit(s: State, call: CallEvent, target: FnInfo, argOffset: number, exit: ExitRecord, keepImpl: boolean,
  uneven: ReadonlySet<Tracked>): State {
  const e = exit.state;
  let flags: Map<string, State['irq']> | null = null;
  for (const [k, v] of e.flags) {
    const index = target.def.params.indexOf(k.slice(1));
    const arg = index < 0 ? undefined : call.args[index + argOffset];
    if (arg?.addressOf) { flags ??= new Map(s.flags); flags.set(arg.addressOf, v); }
  }
  let out = s.with({ irq: e.irq, ct: e.ct, vtime: e.vtime, gif: e.gif, instr: e.instr, joined: s.joined || e.joined, impl: keepImpl ? s.impl : e.impl, ...(flags ? { flags } : {}) });
  out = out.withFact(call.result, exit.ret);
  const changed = (['ct', 'vtime', 'irq'] as const).filter((r) => e.causes[r] !== null || (r !== 'irq' && uneven.has(r)));
  if (changed.length) {
    const node = pushStep(s.trace, { loc: call.loc, event: { kind: 'call', callee: target.def.name, after: snapshot(e) }, inner: exit.steps });
    const causes = { ...s.causes };
    for (const r of changed) causes[r] = node;
    out = out.with({ trace: node, causes });
  }
  if (isEqs(e.ct)) {
    const unknown = e.causes.ct !== null ? e.unknownInEqs : [...new Set([...s.unknownInEqs, ...e.unknownInEqs])].slice(0, 20);
    out = out.with({ unknownInEqs: unknown });
  }
  return out;
}

// ---- helpers -------------------------------------------------------------------------

/** A summary's key: the entry state, for a callee read shallowly its levels, and
 *  for a header's function the object it runs from where instrumentable code may
 *  not run (elsewhere that does not matter). */
function summaryKey(fn: FnInfo, entry: State, unit: string, shallow: number): string {
  const key = shallow ? `S${shallow}|${entry.key}` : entry.key;
  return unit !== fn.def.file && instrumentationForbidden(entry) ? `${key}|U${unit}` : key;
}

/** The C file whose object a function's code is in, called from code of `callerUnit`. */
function unitOf(fn: FnInfo, callerUnit: string): string {
  return isHeader(fn.def.file) ? callerUnit : fn.def.file;
}

/** How many levels of calls count, outside every EQS window, below a function
 *  that enters or leaves one: the callee's own body (with the inline functions
 *  and macros it calls, which the compiler makes part of it), and the bodies of
 *  what it calls; calls below return with the interrupt state they were entered
 *  with (the kernel's convention). One level misses the helpers whose contract is
 *  to return with interrupts off (s390's do_syscall() -> syscall_exit_to_user_mode_work()
 *  -> local_irq_disable_exit_to_user(): bench/TRIAGE.md), two see them. */
export const SHALLOW_LEVELS = 2;

/** Inside a guest or user EQS window with interrupts not known to be on, where
 *  enabling them is a defect: callees are followed at any depth. Once they are
 *  on there, that window's defect is reported (at the call that enabled them) and
 *  no call below can make another; the idle EQS is interruptible by design. What
 *  enters or leaves a context is followed everywhere anyway. */
function inWindow(s: State): boolean {
  return isEqs(s.ct) && s.deliverable !== 'yes';
}

/** No callee to look into. */
const NONE: ReadonlySet<CallTarget> = new Set();

/** The one entry state of a state-independent function's summary. */
const INDEPENDENT_ENTRY = State.initial();

/** `…/arch/<name>` for a function under an arch, the path's implementation to start with. */
/** The blocks waiting to run, taken lowest `order` first (a binary heap: big
 *  functions keep hundreds of blocks waiting). */
class BlockQueue {
  private readonly heap: number[] = [];
  private readonly queued = new Set<number>();

  constructor(private readonly order: readonly number[]) {}

  get size(): number {
    return this.queued.size;
  }

  add(id: number): void {
    if (this.queued.has(id)) return;
    this.queued.add(id);
    const heap = this.heap;
    heap.push(id);
    for (let i = heap.length - 1; i > 0;) {
      const parent = (i - 1) >> 1;
      if (this.order[heap[parent]!]! <= this.order[heap[i]!]!) break;
      [heap[parent], heap[i]] = [heap[i]!, heap[parent]!];
      i = parent;
    }
  }

  pop(): number {
    const heap = this.heap;
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length) {
      heap[0] = last;
      for (let i = 0; ;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let least = i;
        if (l < heap.length && this.order[heap[l]!]! < this.order[heap[least]!]!) least = l;
        if (r < heap.length && this.order[heap[r]!]! < this.order[heap[least]!]!) least = r;
        if (least === i) break;
        [heap[least], heap[i]] = [heap[i]!, heap[least]!];
        i = least;
      }
    }
    this.queued.delete(top);
    return top;
  }
}

/** What makes two findings the same one (one is reported): rule, place, function
 *  (and for generic code, the arch whose kernel runs it: its facts qualify it). */
export function findingKey(f: Finding): string {
  return `${f.ruleId}|${f.file}:${f.line}:${f.column}|${f.function}${f.arch ? `|${f.arch}` : ''}`;
}

function archDir(fn: FnInfo): string | null {
  return archDirOf(fn.def.file);
}

function implDir(fn: FnInfo): string {
  return implDirOf(fn.def.file);
}

const blockOrders = new WeakMap<Cfg, number[]>();

/** Reverse postorder of a CFG's blocks, computed once per CFG. */
function blockOrder(cfg: Cfg): number[] {
  let order = blockOrders.get(cfg);
  if (!order) { order = reversePostorder(cfg); blockOrders.set(cfg, order); }
  return order;
}

/** Each block's position in reverse postorder (unreachable blocks last). */
function reversePostorder(cfg: Cfg): number[] {
  const order = new Array<number>(cfg.blocks.length).fill(cfg.blocks.length);
  postorder(cfg).reverse().forEach((id, i) => { order[id] = i; });
  return order;
}

function capSteps(steps: TraceStep[]): TraceStep[] {
  if (steps.length <= MAX_TRACE_STEPS) return steps;
  const head = steps.slice(0, 5);
  const tail = steps.slice(steps.length - (MAX_TRACE_STEPS - 6));
  return [...head, { loc: tail[0]!.loc, event: { kind: 'omitted', count: steps.length - head.length - tail.length } }, ...tail];
}

function flattenTrace(steps: TraceStep[], depth = 0, out: TraceEntry[] = []): TraceEntry[] {
  for (const s of steps) {
    out.push({ file: s.loc.file, line: s.loc.line, column: s.loc.col, event: s.event, depth });
    if (s.inner?.length) flattenTrace(s.inner, depth + 1, out);
  }
  return out;
}
