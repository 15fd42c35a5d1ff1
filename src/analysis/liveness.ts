// Which facts and saved interrupt flags a function can still read, per block:
// a backward dataflow over the CFG, once per function. A fact nobody reads
// again (what `if (a)` learnt of `a`, once the arms have met and no later test
// asks) only tells paths apart that behave the same from there on; dropping it
// makes them one state, so a window with many independent branches does not
// hit the bound on states per block (interpreter MAX_STATES_PER_BLOCK) and
// lose its findings to a join.
//
// What reads a name mirrors the interpreter's transformers: a branch reads its
// subject (takeEdge), a return its value and the flags behind pointer
// parameters (which the caller gets back), an assignment `t = v` reads v when t
// is live (assignValue copies both), a call what the interpreter says it reads
// (arguments handed to a callee or a restore, private slots). An assignment
// overwrites its target and makes predicate facts on it stale; an edge that
// repeats (a loop, a goto) forgets predicate facts, and every edge call
// results (temporaries). Anything not named here is kept: the filter only
// drops names known to be dead.
import { isStaleAfterAssigning, forgetsPredicates, isPredicateSubject } from '../cfg/predicate-subjects.js';
import { postorder } from '../cfg/order.js';
import { isTemp, type CallEvent, type Cfg, type Edge } from '../cfg/types.js';

/** Stands for every flag behind a pointer parameter (`*flags`): a return hands them back. */
const OUT_FLAGS = '*';

export interface Liveness {
  /** The names some read reachable from the start of `block` may read. */
  liveAt(block: number): LiveSet;
}

export interface LiveSet {
  has(name: string): boolean;
}

/** Names read by a call's own effect, as the interpreter applies it. */
export type CallReads = (call: CallEvent) => Iterable<string>;

export function computeLiveness(cfg: Cfg, callReads: CallReads): Liveness {
  const n = cfg.blocks.length;
  const liveIn: Set<string>[] = Array.from({ length: n }, () => new Set());
  // Backward problems converge fastest in postorder; any order reaches the fixpoint.
  // Blocks no path reaches hold no state; they are listed for completeness.
  const reached = postorder(cfg);
  const seen = new Set(reached);
  const order = [...reached, ...cfg.blocks.map((_, id) => id).filter((id) => !seen.has(id))];
  for (let changed = true; changed;) {
    changed = false;
    for (const id of order) {
      const live = transferBlock(cfg, id, liveIn, callReads);
      if (live.size !== liveIn[id]!.size) { liveIn[id] = live; changed = true; }
    }
  }
  const sets = liveIn.map((s): LiveSet => ({ has: (name) => s.has(name) || (name.startsWith(OUT_FLAGS) && s.has(OUT_FLAGS)) }));
  return { liveAt: (block) => sets[block]! };
}

/** Live at the block's start, from what is live at its successors' starts.
 *  Sets only grow from one round to the next (the transfer is monotone). */
function transferBlock(cfg: Cfg, id: number, liveIn: readonly Set<string>[], callReads: CallReads): Set<string> {
  const block = cfg.blocks[id]!;
  const live = new Set<string>();
  for (const edge of block.succs) {
    if (edge.kind === 'return') continue; // the interpreter follows no return edge
    for (const name of liveIn[edge.to]!) if (survives(edge, name)) live.add(name);
    if (edge.cond) live.add(edge.cond.subject);
  }
  for (let i = block.events.length - 1; i >= 0; i--) {
    const ev = block.events[i]!;
    if (ev.kind === 'return') {
      // Nothing after a return runs.
      live.clear();
      live.add(OUT_FLAGS);
      if (ev.value?.kind === 'var') live.add(ev.value.name);
    } else if (ev.kind === 'assign') {
      const read = live.has(ev.target) && ev.value.kind === 'var' ? ev.value.name : null;
      live.delete(ev.target);
      for (const name of live) if (isStaleAfterAssigning(name, ev.target)) live.delete(name);
      if (read !== null) live.add(read);
    } else {
      for (const name of callReads(ev)) live.add(name);
    }
  }
  for (const name of liveIn[id]!) live.add(name);
  return live;
}

/** What the interpreter still holds after taking the edge (takeEdge). */
function survives(edge: Edge, name: string): boolean {
  if (isTemp(name)) return false;
  return !(isPredicateSubject(name) && forgetsPredicates(edge));
}
