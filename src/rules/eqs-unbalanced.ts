// eqs-unbalanced: entering the EQS while inside it, leaving it while outside,
// or returning in a different context than the function was entered with
// (typically an error path that skips the exit). Entry helpers, exit helpers
// and exit handlers change the context on purpose and are not reported for
// their returns.
import { changedOnReturn, returnWord } from './balance.js';
import { describeCause, type Rule } from './types.js';

const describeContext = (c: string): string => (c === 'kernel' ? 'outside any EQS' : `in the ${c} context`);

export const eqsUnbalanced: Rule = {
  id: 'eqs-unbalanced',
  name: 'UnbalancedEqsEnterExit',
  shortDescription: 'EQS (guest/user/idle context) entered twice, left while outside, or not left on a return path',
  fullDescription:
    'Context tracking is a state, not a counter: entering the guest context while already inside it, or leaving it ' +
    'while outside, corrupts RCU\'s view of the CPU. A function that both enters and leaves the context must return ' +
    'in the context it was entered with on every path; an error path that returns between enter and exit leaves the ' +
    'CPU in an EQS while the kernel runs.',
  defaultSeverity: 'error',
  precision: 'high',
  archQualified: 'eqs',
  tags: ['correctness', 'rcu', 'kvm', 'context-tracking'],
  help: {
    text: 'Make every path through the function leave the context it entered; do not enter it twice.',
    bad: 'guest_enter_irqoff();\nif (run(vcpu) < 0)\n\treturn -EIO;\nguest_exit_irqoff();',
    good: 'guest_enter_irqoff();\nret = run(vcpu);\nguest_exit_irqoff();\nif (ret < 0)\n\treturn -EIO;',
  },
  onOp(ctx) {
    const { before, op, primitive } = ctx;
    if (before.joined || before.ct === 'unk') return;
    if (op.op === 'ct-enter' && before.ct !== 'kernel') {
      ctx.report({
        resource: 'ct',
        symptom: `${primitive}() enters the ${op.context} context while already in the ${before.ct} context`,
        message: (cause) => `${primitive}() enters the ${op.context} context while already in the ${before.ct} context (${describeCause(cause)})`,
      });
    } else if (op.op === 'ct-exit' && before.ct === 'kernel') {
      ctx.report({
        resource: 'ct',
        symptom: `${primitive}() leaves the ${op.context} context while not inside it`,
        message: (cause) => `${primitive}() leaves the ${op.context} context while not inside it (${describeCause(cause)})`,
      });
    }
  },
  onReturn(ctx) {
    if (!changedOnReturn(ctx, 'ct', (s) => s.ct)) return;
    const { entry, exit } = ctx;
    ctx.report({
      resource: 'ct',
      unlessReturnsAgree: (s) => s.ct,
      symptom: `${ctx.fnName}() ${returnWord(ctx)} ${describeContext(exit.ct)}`,
      message: (cause) => `${ctx.fnName}() ${returnWord(ctx)} ${describeContext(exit.ct)} but was entered ${describeContext(entry.ct)}: ` +
        `this path does not undo ${describeCause(cause)}`,
    });
  },
};
