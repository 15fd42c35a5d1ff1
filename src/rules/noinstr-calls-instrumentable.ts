// noinstr-calls-instrumentable: noinstr code (.noinstr.text, and .cpuidle.text where
// the tree makes it the same) calls what can be instrumented, outside every
// instrumentation_begin() section and outside every EQS window the scan sees
// (inside one, instrumentation-in-eqs reports it). objtool's "call to f() leaves
// .noinstr.text section", at source level and on every arch: noinstr code runs
// where RCU may not be watching (entry code, idle), whether or not the scan sees
// the window its callers open.
import { noinstrDisciplineApplies } from '../analysis/state.js';
import { whatRuns } from './instrumentation-in-eqs.js';
import { describeCause, type Rule } from './types.js';

export const noinstrCallsInstrumentable: Rule = {
  id: 'noinstr-calls-instrumentable',
  name: 'NoinstrCallsInstrumentable',
  shortDescription: 'noinstr code calls a tracepoint, RCU or instrumentable code outside instrumentation_begin()/_end()',
  fullDescription:
    'Code marked noinstr is kept free of instrumentation because it runs where RCU may not be watching: entry code ' +
    'before the context is left, idle, the guest entry path. A call out of it to an instrumentable function (not noinstr, ' +
    'not inlined, built by kbuild with ftrace or a sanitizer), a tracepoint, an RCU reader, printk or lockdep brings ' +
    'instrumentation back, unless it sits between instrumentation_begin() and instrumentation_end(). objtool checks this ' +
    'in x86 object files after a build ("call to f() leaves .noinstr.text section"); this rule checks it in the source, ' +
    'on every arch. Inlined callees are part of the noinstr function: their calls count. Reported at the call in the ' +
    'noinstr function (for an inlined callee, at the call that inlines it), where no EQS window is visible to the scan: ' +
    'inside one, instrumentation-in-eqs reports the same call.',
  defaultSeverity: 'warning',
  precision: 'high',
  archQualified: 'noinstr',
  checksNoinstrCode: true,
  yieldsTo: ['instrumentation-in-eqs'],
  tags: ['correctness', 'noinstr', 'objtool'],
  help: {
    text: 'Make the callee noinstr (or __always_inline), or wrap the call in instrumentation_begin()/instrumentation_end() ' +
      'when it is safe there (RCU watching again), as the kernel\'s entry code does for its tracing.',
    bad: 'noinstr void handle_entry(void)\n{\n\ttrace_entry_taken();\n}',
    good: 'noinstr void handle_entry(void)\n{\n\tinstrumentation_begin();\n\ttrace_entry_taken();\n\tinstrumentation_end();\n}',
  },
  onCall(ctx) {
    if (!noinstrDisciplineApplies(ctx.before)) return;
    const what = whatRuns(ctx.callee, ctx.runs);
    ctx.report({
      resource: 'ct',
      ownCode: true,
      symptom: `${what}, called from noinstr code`,
      message: (cause) => `${what}, called from noinstr code outside instrumentation_begin()/instrumentation_end() ` +
        `(${cause.kind === 'own' ? `${cause.fn}() is noinstr` : describeCause(cause)}): the call leaves .noinstr.text`,
    });
  },
};
