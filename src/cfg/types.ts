// The control-flow graph of one function: basic blocks of events, edges that
// carry their kind and, on branch edges, the condition under which they are taken.

/** Abstract value of an integer: a bit set over the classes {negative, zero, one,
 *  greater than one}. One is its own class because kernel helpers say "entered"
 *  with `return 1` and callers test `== 1` or `case 1`. */
export type SignSet = number;
export const NEG = 1;
export const ZERO = 2;
export const ONE = 4;
export const GT1 = 8;
export const POS = ONE | GT1;
export const NONZERO = NEG | POS;
export const ANY_SIGN = NEG | ZERO | POS;

export function signOf(n: number): SignSet {
  return n < 0 ? NEG : n === 0 ? ZERO : n === 1 ? ONE : GT1;
}

/** The integer range each class covers. */
export const SIGN_CLASSES: readonly { bit: SignSet; lo: number; hi: number }[] = [
  { bit: NEG, lo: -Infinity, hi: -1 }, { bit: ZERO, lo: 0, hi: 0 }, { bit: ONE, lo: 1, hi: 1 }, { bit: GT1, lo: 2, hi: Infinity },
];

export interface Loc {
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based, in characters. */
  col: number;
}

/** What an expression's value is known to be, as far as the analysis cares. */
export type Value =
  | { kind: 'const'; signs: SignSet }
  | { kind: 'var'; name: string }
  | { kind: 'unknown' };

export interface CallArg {
  text: string;
  /** The argument is a plain identifier. */
  ident: string | null;
  /** The argument is `&identifier`. */
  addressOf: string | null;
}

export interface CallEvent {
  kind: 'call';
  /** Name of the function called directly, or null for an indirect call. */
  callee: string | null;
  /** Source text of the callee expression (for messages about indirect calls). */
  calleeText: string;
  /** For an indirect call, what it dispatches through, resolved against the
   *  function-pointer tables: a member (`ctxt->ops->get_msr(…)`: member get_msr of
   *  whatever field ops points to), or a key (`static_call(kvm_x86_run)(…)`,
   *  `kvm_x86_call(run)(…)`). */
  dispatch: Dispatch | null;
  args: CallArg[];
  /** Variable (usually a `$n` temporary) that receives the call's value; '' when nothing uses it. */
  result: string;
  loc: Loc;
}

export type Dispatch =
  | { kind: 'member'; member: string; container: string | null }
  | { kind: 'key'; macro: string; key: string };

export interface AssignEvent {
  kind: 'assign';
  target: string;
  value: Value;
  loc: Loc;
}

export interface ReturnEvent {
  kind: 'return';
  value: Value | null;
  /** Falling off the end of the function. */
  implicit: boolean;
  loc: Loc;
}

export type Event = CallEvent | AssignEvent | ReturnEvent;

export type EdgeKind = 'fall' | 'true' | 'false' | 'case' | 'default' | 'goto' | 'break' | 'continue' | 'back' | 'return';

/** The edge is taken only on paths where `subject`'s value lies in `signs`. */
export interface Condition {
  subject: string;
  signs: SignSet;
}

export interface Edge {
  to: number;
  kind: EdgeKind;
  cond: Condition | null;
  /** Human-readable description of the branch taken, for traces. */
  label: string | null;
  loc: Loc | null;
}

export interface Block {
  id: number;
  events: Event[];
  succs: Edge[];
  /** False when no path from the entry reaches the block (kept, not deleted). */
  reachable: boolean;
}

export interface Cfg {
  name: string;
  file: string;
  params: string[];
  entry: number;
  exit: number;
  blocks: Block[];
  /** The function's body held ERROR nodes; the CFG is a best effort. */
  parseErrors: boolean;
  /** Statements or expressions nested deeper than this many levels were left out
   *  (see cfg/build MAX_NESTING): the CFG is the function without them. */
  nestingCut?: number;
  /** Identifiers used as values, not called (`v->handle_exit = on_exit`): a
   *  function named here has its address taken. */
  valueNames: Set<string>;
  /** `x->member = fn` assignments in the body (function pointers set at run time). */
  memberAssignments: [member: string, fn: string][];
}

export function isTemp(name: string): boolean {
  return name.startsWith('$');
}
