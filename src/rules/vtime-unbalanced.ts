// vtime-unbalanced: guest time accounting (PF_VCPU) started twice, stopped
// while off, or left on/off on a return path of a function that does both —
// x86's fast-path re-entry loop restarted accounting on every iteration but
// stopped it once.
import { changedOnReturn, returnWord } from './balance.js';
import { describeCause, type Rule } from './types.js';

export const vtimeUnbalanced: Rule = {
  id: 'vtime-unbalanced',
  name: 'UnbalancedGuestTimeAccounting',
  shortDescription: 'Guest time accounting started twice, stopped while off, or not stopped on a return path',
  fullDescription:
    'vtime_account_guest_enter()/exit() (and guest_timing_*_irqoff, and the old guest_enter/exit forms) mark the task ' +
    'as running a vCPU for time accounting. Entering twice (for example on every fast-path re-entry of a run loop) ' +
    'or leaving without entering skews accounting and breaks the pairing the context-tracking code relies on.',
  defaultSeverity: 'warning',
  precision: 'high',
  tags: ['correctness', 'kvm', 'accounting'],
  help: {
    text: 'Start and stop guest time accounting once per guest entry, on every path.',
    bad: 'for (;;) {\n\tvtime_account_guest_enter();\n\tif (run(vcpu) == FASTPATH)\n\t\tcontinue;\n\tbreak;\n}\nvtime_account_guest_exit();',
    good: 'vtime_account_guest_enter();\nfor (;;) {\n\tif (run(vcpu) == FASTPATH)\n\t\tcontinue;\n\tbreak;\n}\nvtime_account_guest_exit();',
  },
  yieldsTo: ['eqs-unbalanced'],
  onOp(ctx) {
    const { before, op, primitive } = ctx;
    if (before.joined || before.vtime === 'unk') return;
    if (op.op === 'vtime-enter' && before.vtime === 'on') {
      ctx.report({
        resource: 'vtime',
        symptom: `${primitive}() starts guest time accounting while it is already on`,
        message: (cause) => `${primitive}() starts guest time accounting while it is already on (${describeCause(cause)})`,
      });
    } else if (op.op === 'vtime-exit' && before.vtime === 'off') {
      ctx.report({
        resource: 'vtime',
        symptom: `${primitive}() stops guest time accounting while it is off`,
        message: (cause) => `${primitive}() stops guest time accounting while it is off (${describeCause(cause)})`,
      });
    }
  },
  onReturn(ctx) {
    if (!changedOnReturn(ctx, 'vtime', (s) => s.vtime)) return;
    const { entry, exit } = ctx;
    ctx.report({
      resource: 'vtime',
      unlessReturnsAgree: (s) => s.vtime,
      symptom: `${ctx.fnName}() ${returnWord(ctx)} with guest time accounting ${exit.vtime}`,
      message: (cause) => `${ctx.fnName}() ${returnWord(ctx)} with guest time accounting ${exit.vtime} but was entered with it ${entry.vtime}: ` +
        `this path does not undo ${describeCause(cause)}`,
    });
  },
};
