// The words of a witness: a trace event and a state, rendered once for every
// reporter (text, JSON and SARIF show the same sentences), and the state's
// parts by name for SARIF's threadFlowLocation.state. The analysis writes no
// prose into its trace; only this module does.
import { isEqs, type Context, type StateSnapshot, type TraceEvent } from '../analysis/state.js';

/** The parts of a state a reader is shown, by name: interrupts and context
 *  always, accounting when on, GIF when clear (the usual values go unsaid). */
export function stateParts(s: StateSnapshot): [name: string, value: string][] {
  const parts: [string, string][] = [
    ['interrupts', s.irq === 'unk' ? 'unknown' : s.irq],
    ['context', s.ct === 'kernel' ? 'kernel context' : s.ct === 'unk' ? 'context unknown' :
      `${s.ct} context${isEqs(s.ct) ? ' (EQS)' : ' (idle EQS)'}`],
  ];
  if (s.vtime === 'on') parts.push(['guest time accounting', 'on']);
  if (s.gif === 'clear') parts.push(['GIF', 'clear']);
  return parts;
}

/** One part of a state in words: "interrupts off", "guest context (EQS)". */
export function statePhrase([name, value]: [name: string, value: string]): string {
  return name === 'context' ? value : `${name} ${value}`;
}

/** "interrupts off; guest context (EQS); guest time accounting on". */
export function describeState(s: StateSnapshot): string {
  return stateParts(s).map(statePhrase).join('; ');
}

const CONTEXT_WORDS: Record<Context, string> = {
  guest: 'the guest context (EQS)', user: 'the user context (EQS)', idle: 'the idle context (idle EQS)', kernel: 'kernel context', unk: 'an unknown context',
};

/** The sentence for one step, e.g. "local_irq_enable() enables interrupts". */
export function describeEvent(e: TraceEvent): string {
  switch (e.kind) {
    case 'entered': return `${e.fn}() entered: ${describeState(e.after)}`;
    case 'branch': return e.label;
    case 'call': return `call to ${e.callee}(): returns with ${describeState(e.after)}`;
    case 'guest-runs': return `${runsGuest(e.callee, e.handler)}: returns with ${describeState(e.after)}`;
    case 'symptom': return e.symptom;
    case 'call-symptom': return `${e.handler === undefined ? `call to ${e.callee}()` : runsGuest(e.callee, e.handler)}: ${e.symptom}`;
    case 'omitted': return `… ${e.count} steps omitted`;
    case 'op': return describeOp(e);
  }
}

function runsGuest(callee: string, handler: string): string {
  return `${callee}() runs the guest, which exits through ${handler}()`;
}

function describeOp(e: Extract<TraceEvent, { kind: 'op' }>): string {
  const p = `${e.primitive}()`;
  switch (e.op) {
    case 'irq-on': return `${p} enables interrupts`;
    case 'irq-off': return `${p} disables interrupts`;
    case 'restore': return `${p} restores interrupts to ${e.after.irq === 'unk' ? 'an unknown state' : e.after.irq}`;
    case 'ct-enter': return `${p} enters ${CONTEXT_WORDS[e.context]}`;
    case 'ct-exit': return `${p} leaves ${CONTEXT_WORDS[e.context]}`;
    case 'vtime-enter': return `${p} starts guest time accounting`;
    case 'vtime-exit': return `${p} stops guest time accounting`;
    case 'gif-set': return `${p} sets the global interrupt flag`;
    case 'gif-clear': return `${p} clears the global interrupt flag`;
  }
}
