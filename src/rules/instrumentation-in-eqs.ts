// instrumentation-in-eqs: code that needs RCU watching, or that the compiler may
// instrument, runs while an EQS is active (guest, user or idle) outside an
// instrumentation_begin() section: a tracepoint, an RCU reader, or a call to an
// instrumentable function of the scanned code (its ftrace hook, sanitizer and
// coverage callbacks run while RCU is not watching). One finding per window.
import type { KernelApiClass } from '../model/instrumentation.js';
import { instrumentationForbidden } from '../analysis/state.js';
import { describeCause, type CallRuns, type Rule } from './types.js';

const API_WORDS: Record<KernelApiClass, string> = {
  'tracepoint': 'a tracepoint',
  'tracepoint-rcuidle': 'an _rcuidle tracepoint, which warns when enabled on this arch',
  'rcu-reader': 'an RCU reader',
  'rcu': 'an RCU update-side call',
  'srcu': 'an SRCU call (instrumentable code)',
  'printk': 'a printk call (a tracepoint and instrumentable code)',
  'lockdep': 'a lockdep hook (instrumentable code)',
};

export function whatRuns(callee: string, runs: CallRuns): string {
  if (runs.kind === 'kernel-api') return `${callee}() is ${API_WORDS[runs.api]}`;
  return `${callee}() is instrumentable (${runs.why}; defined at ${runs.definedAt.file}:${runs.definedAt.line})`;
}

export const instrumentationInEqs: Rule = {
  id: 'instrumentation-in-eqs',
  name: 'InstrumentationInEqs',
  shortDescription: 'Tracepoint, RCU reader or instrumentable code run while RCU is not watching (guest, user or idle EQS)',
  fullDescription:
    'Between entering an RCU extended quiescent state (the guest context, the user context on a nohz_full CPU, or idle) ' +
    'and leaving it, RCU does not watch the CPU. A tracepoint there runs its probes under rcu_read_lock_sched() that protects ' +
    'nothing (and warns under lockdep), an RCU reader protects nothing, and an instrumentable function runs ftrace, ' +
    'sanitizer and coverage callbacks that may use RCU. The kernel keeps such windows in noinstr code and marks ' +
    'deliberate instrumentation with instrumentation_begin()/instrumentation_end(). This rule reports, once per window, ' +
    'the first such call on a path inside the window (at any depth through noinstr and inlined callees), with the ' +
    'window\'s other offending calls as related locations. Instrumentable: a function of the scanned code that is not ' +
    'noinstr, __cpuidle or inlined (static inline, __always_inline) and whose object kbuild builds with ftrace, KASAN, ' +
    'KCSAN, KCOV, KMSAN or gcov (read from the tree\'s Makefiles). A function the scan has no body for is reported only ' +
    'when the model knows it (tracepoints, RCU, printk, lockdep).',
  defaultSeverity: 'error',
  precision: 'high',
  archQualified: 'eqs',
  onePerWindow: true,
  tags: ['correctness', 'rcu', 'noinstr', 'kvm', 'nohz_full'],
  help: {
    text: 'Move the call out of the window (before the EQS is entered or after it is left), make the callee noinstr, ' +
      'or, when it is safe for RCU not to watch, wrap it in instrumentation_begin()/instrumentation_end(). The kernel\'s ' +
      'own fix (the 2022 guest entry rework) keeps the window in a small noinstr enter/exit helper ' +
      '(kvm_arm_vcpu_enter_exit(), vmx_vcpu_enter_exit(), kvm_riscv_vcpu_enter_exit()) and traces outside it.',
    bad: 'guest_state_enter_irqoff();\ntrace_kvm_enter(vcpu);\nrun_guest(vcpu);\nguest_state_exit_irqoff();',
    good: 'trace_kvm_enter(vcpu);\nguest_state_enter_irqoff();\nrun_guest(vcpu);\nguest_state_exit_irqoff();',
  },
  onCall(ctx) {
    const { before, callee, runs } = ctx;
    if (!instrumentationForbidden(before)) return;
    const context = before.ct as 'guest' | 'user' | 'idle';
    const what = whatRuns(callee, runs);
    ctx.report({
      resource: 'ct',
      eqs: context,
      symptom: `${what}, called in the ${context} context (EQS)`,
      message: (cause) => `${what}, called while the ${context} context (EQS) is active, where RCU is not watching ` +
        `(${describeCause(cause)})`,
    });
  },
};
