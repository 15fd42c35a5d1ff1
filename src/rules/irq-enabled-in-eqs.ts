// irq-enabled-in-eqs: interrupts become deliverable while a guest or user EQS
// is active. The idle EQS is interruptible by design (the entry code makes RCU
// watch for interrupts that hit the idle task), so it is not reported. One
// finding per EQS window: its other enabling sites are related locations.
import { isEqs } from '../analysis/state.js';
import { describeCause, type Rule } from './types.js';

export const irqEnabledInEqs: Rule = {
  id: 'irq-enabled-in-eqs',
  name: 'InterruptsEnabledInEqs',
  shortDescription: 'Interrupts enabled while RCU is not watching (guest or user EQS active)',
  fullDescription:
    'On a nohz_full CPU, entering the guest (or user) context puts the CPU in an RCU extended quiescent state (EQS). ' +
    'If interrupts are enabled before the context is left, an interrupt handler can run while RCU is not watching: ' +
    'RCU read-side critical sections in it are not protected and grace periods may end under it. ' +
    'This rule reports calls that enable interrupts (local_irq_enable, local_irq_restore of flags saved with ' +
    'interrupts on, spin_unlock_irq, stgi with IF set) on a path where such an EQS is active, and EQS entries made with interrupts on.',
  defaultSeverity: 'error',
  precision: 'high',
  archQualified: 'interrupts',
  notesUnknownCallees: true,
  onePerWindow: true,
  tags: ['correctness', 'rcu', 'kvm', 'nohz_full'],
  help: {
    text: 'Leave the guest context (guest_state_exit_irqoff / guest_exit_irqoff) before enabling interrupts.',
    bad: 'guest_enter_irqoff();\nret = run_guest(vcpu);\nlocal_irq_enable();\nguest_exit();',
    good: 'guest_enter_irqoff();\nret = run_guest(vcpu);\nguest_exit_irqoff();\nlocal_irq_enable();',
  },
  onEntry(ctx) {
    const { entry } = ctx;
    if (!isEqs(entry.ct) || entry.deliverable !== 'yes') return;
    ctx.report({
      resource: 'irq',
      symptom: `${ctx.fnName}() is entered with interrupts enabled in the ${entry.ct} context (EQS)`,
      message: (cause) => `${ctx.fnName}() runs with interrupts enabled while the ${entry.ct} context (EQS) is active, from its entry ` +
        `until it leaves the context: an interrupt taken there runs while RCU is not watching (${describeCause(cause)})`,
    });
  },
  onOp(ctx) {
    const { before, after, op, primitive } = ctx;
    if (before.joined) return;
    if (op.op === 'ct-enter') {
      if (isEqs(op.context) && before.deliverable === 'yes') {
        ctx.report({
          resource: 'irq',
          symptom: `${primitive}() enters the ${op.context} context (EQS) with interrupts enabled`,
          message: (cause) =>
            `${op.context} context (EQS) entered with interrupts enabled by ${primitive}(): an interrupt can arrive while RCU is not watching ` +
            `(${cause.kind === 'entry' ? 'interrupts are on when the function is entered' : describeCause(cause)})`,
        });
      }
      return;
    }
    if (!isEqs(before.ct) || after.deliverable !== 'yes' || before.deliverable === 'yes') return;
    const how = op.op === 'restore' ? `${primitive}() restores interrupts to enabled` :
      op.op === 'gif-set' ? `${primitive}() sets the global interrupt flag with interrupts enabled` :
      `${primitive}() enables interrupts`;
    const context = before.ct;
    ctx.report({
      resource: 'ct',
      stillAtCall: (caller) => caller.deliverable !== 'yes',
      symptom: `${how} in the ${context} context (EQS)`,
      message: (cause) =>
        `${how} while the ${context} context (EQS) is active: an interrupt taken here runs while RCU is not watching (${describeCause(cause)})`,
    });
  },
};
