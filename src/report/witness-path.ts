// The shape of a witness path as a reader follows it: which step made the call
// a step sits in (the way back), which step a call enters (the way in), and the
// name of the function each step runs in as the trace's own events name it. The
// trace is flat (each entry has a call depth), so both are read off the depths.
import type { Finding } from '../analysis/interpreter.js';
import type { TraceEvent } from '../analysis/state.js';

export interface PathStep {
  /** Index in the finding's trace (the step's number is index + 1). */
  index: number;
  /** The call step (index) whose callee this step runs in; null at depth 0. */
  caller: number | null;
  /** The first step (index) inside the callee this step enters, when the trace goes into it. */
  enters: number | null;
  /** The function the step runs in, as the events name it (the finding's
   *  function at depth 0, the callee of the caller step below it). */
  functionName: string;
}

/** The function a call step goes into: the exit handler when the call runs the guest. */
export function calleeOf(e: TraceEvent): string | null {
  switch (e.kind) {
    case 'call': return e.callee;
    case 'guest-runs': return e.handler;
    case 'call-symptom': return e.handler ?? e.callee;
    default: return null;
  }
}

export function pathSteps(f: Pick<Finding, 'function' | 'trace'>): PathStep[] {
  const steps: PathStep[] = [];
  // lastAtDepth[d]: the latest step seen at depth d (a step at d + 1 runs in its callee).
  const lastAtDepth: number[] = [];
  f.trace.forEach((t, i) => {
    const caller = t.depth > 0 ? lastAtDepth[t.depth - 1] ?? null : null;
    const name = caller === null ? f.function : calleeOf(f.trace[caller]!.event) ?? steps[caller]!.functionName;
    steps.push({ index: i, caller, enters: null, functionName: name });
    if (caller !== null && caller === i - 1) steps[caller]!.enters = i;
    lastAtDepth[t.depth] = i;
    lastAtDepth.length = t.depth + 1;
  });
  return steps;
}
