// What a rule is: metadata, plus hooks the interpreter calls. Rules observe
// states; they never change them. A rule reports a violation with the
// resource whose history caused it; the interpreter decides where the
// finding belongs (this function, or the caller that put it in that state).
import type { Loc } from '../cfg/types.js';
import type { Op } from '../model/model.js';
import type { InstrumentationKind, KernelApiClass } from '../model/instrumentation.js';
import type { Resource, State, TraceStep } from '../analysis/state.js';
import type { ResourceRole, Tracked } from '../analysis/program.js';
import { describeEvent } from '../report/describe.js';

export type Severity = 'error' | 'warning' | 'note';

export interface RuleMeta {
  id: string;
  name: string;
  shortDescription: string;
  fullDescription: string;
  defaultSeverity: Severity;
  precision: 'very-high' | 'high' | 'medium' | 'low';
  tags: string[];
  help: { text: string; bad: string; good: string };
  /** Not reported where one of these rules reports too: at the same call or return,
   *  or (over a whole run) a finding whose witness ends at the same step. */
  yieldsTo?: string[];
  /** The defect needs the EQS to be entered: 'eqs' findings are latent in an
   *  arch whose Kconfig never turns context tracking on; 'interrupts' findings
   *  (an interrupt window) are also handled where the arch defines arch_in_rcu_eqs();
   *  'noinstr' findings are notes where the build does not check noinstr code. */
  archQualified?: 'eqs' | 'interrupts' | 'noinstr';
  /** Findings say which callees with no known effect the window holds (they are
   *  assumed to leave interrupts and the context unchanged). */
  notesUnknownCallees?: boolean;
  /** One finding per EQS window of a function: at its first report in path order,
   *  the window's other reports as related locations (a window is fixed as one). */
  onePerWindow?: boolean;
  /** Checks noinstr code wherever it runs: every noinstr function of the scanned
   *  files is analysed, as a root when nothing scanned calls it. */
  checksNoinstrCode?: boolean;
}

/** Where the state a violation depends on came from. */
export type Cause =
  | { kind: 'step'; step: TraceStep }
  | { kind: 'entry'; note: string }
  /** The function's own code (ViolationReport.ownCode): `fn` is the function. */
  | { kind: 'own'; fn: string };

export interface ViolationReport {
  resource: Resource;
  /** What happens at the reported location, e.g. "local_irq_enable() enables interrupts". */
  symptom: string;
  /** Builds the finding's message once the cause is known. */
  message: (cause: Cause) => string;
  /** For a violation inside a callee: whether it is still one at a call made in
   *  this caller state (an enable is no new window where interrupts were already on). */
  stillAtCall?: (callerState: State) => boolean;
  /** For a violation at a return: it stands only if some return of the function
   *  leaves a different value of this (the returns of a helper all agree). */
  unlessReturnsAgree?: (exit: State) => string;
  /** The EQS the violation happens in, when the rule's arch qualification depends on
   *  it: the idle EQS is entered on every arch, whatever its context tracking. */
  eqs?: 'guest' | 'user' | 'idle';
  /** A breach of the function's own code, whatever state it was entered in: the
   *  finding is the function's (or, for inlined code, its caller's), never handed up. */
  ownCode?: true;
}

/** What a call made from the scanned code runs, for the rules that care where
 *  instrumentable code runs (inlined and never-instrumented callees are looked
 *  into instead: their calls are reported). */
export type CallRuns =
  /** A kernel API function of the model (tracepoint, RCU, printk, lockdep), whatever its body. */
  | { kind: 'kernel-api'; api: KernelApiClass; why: string }
  /** A definition of the scanned code the compiler may instrument. */
  | { kind: 'instrumentable'; kinds: readonly InstrumentationKind[]; why: string; definedAt: Loc };

export interface CallContext {
  fnName: string;
  /** The function called, as the call names it (or the definition it reaches). */
  callee: string;
  loc: Loc;
  runs: CallRuns;
  before: State;
  report(v: ViolationReport): void;
}

export interface OpContext {
  fnName: string;
  primitive: string;
  op: Op;
  loc: Loc;
  before: State;
  after: State;
  report(v: ViolationReport): void;
}

export interface ReturnContext {
  fnName: string;
  loc: Loc;
  implicit: boolean;
  entry: State;
  exit: State;
  /** The function's role for a resource; `exitHandler`: entered inside it (inferred). */
  role(resource: Tracked): ResourceRole & { exitHandler: boolean };
  report(v: ViolationReport): void;
}

/** The entry state of an analysis root (a function entered from outside the scanned C). */
export interface EntryContext {
  fnName: string;
  loc: Loc;
  entry: State;
  report(v: ViolationReport): void;
}

export interface Rule extends RuleMeta {
  onEntry?(ctx: EntryContext): void;
  onOp?(ctx: OpContext): void;
  onReturn?(ctx: ReturnContext): void;
  onCall?(ctx: CallContext): void;
}

export function describeCause(cause: Cause): string {
  if (cause.kind === 'entry') return cause.note;
  if (cause.kind === 'own') return `the code of ${cause.fn}()`;
  return `${describeEvent(cause.step.event)} at ${cause.step.loc.file}:${cause.step.loc.line}`;
}
