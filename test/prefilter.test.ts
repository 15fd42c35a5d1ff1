// The pre-filter's decisions (scan/prefilter) on small multi-file units indexed by
// scan/name-index: which files are parsed, which functions built, which stay
// opaque stubs. Keeping too much only costs time; dropping a function the
// analysis would look into loses findings, so each rule has a case that would
// fail if it were dropped — and, where it matters, a case showing it is not
// applied too widely.
import { describe, expect, it } from 'vitest';
import { indexNames } from '../src/scan/name-index.js';
import { prefilter, type PrefilterDecision } from '../src/scan/prefilter.js';

const RELEVANT = new Set([
  'local_irq_enable', 'local_irq_disable', 'local_irq_save', 'local_irq_restore', 'BUG',
  'guest_state_enter_irqoff', 'guest_state_exit_irqoff',
]);
const EQS = new Set(['guest_state_enter_irqoff', 'guest_state_exit_irqoff']);

type Unit = Record<string, string>;
const index = (unit: Unit) => Object.entries(unit).map(([path, text]) => indexNames(path, text));

function decide(files: Unit, options: { headers?: Unit; entryNames?: string[] } = {}): PrefilterDecision {
  return prefilter({
    files: index(files),
    headers: index(options.headers ?? {}),
    isRelevantPrimitive: (name) => RELEVANT.has(name),
    isEqsPrimitive: (name) => EQS.has(name),
    isForwarding: (name) => name === 'kvm_call_hyp',
    entryNames: new Set(options.entryNames ?? []),
  });
}
const sorted = (set: Iterable<string>): string[] => [...set].sort();
const stubNames = (d: PrefilterDecision, path: string): string[] => (d.stubs.get(path) ?? []).map((f) => f.name).sort();

/** A root: enters and leaves the guest context around `body`. */
const root = (name: string, body: string): string =>
  `void ${name}(struct kvm_vcpu *vcpu)\n{\n\tlocal_irq_disable();\n\tguest_state_enter_irqoff();\n\t${body}\n\tguest_state_exit_irqoff();\n\tlocal_irq_enable();\n}\n`;
/** A function that unmasks interrupts (a relevant one). */
const enabler = (name: string): string => `void ${name}(struct kvm_vcpu *vcpu)\n{\n\tlocal_irq_enable();\n\tlocal_irq_disable();\n}\n`;
/** A function that touches nothing the analysis tracks. */
const inert = (name: string): string => `int ${name}(struct kvm_vcpu *vcpu)\n{\n\treturn vcpu->id + 1;\n}\n`;

describe('prefilter: relevance and roots', () => {
  it('a file whose functions touch nothing relevant is neither parsed nor built', () => {
    const d = decide({
      'x86.c': root('vcpu_run', 'count(vcpu);'),
      'misc.c': inert('count') + inert('unused') + 'void log_it(void)\n{\n\tprintk("guest_state_enter_irqoff");\n}\n',
    });
    expect(sorted(d.parse)).toEqual(['x86.c']);
    expect(sorted(d.build)).toEqual(['vcpu_run']);
    expect(d.definitions).toBe(4);
    expect(d.needed).toBe(1);
  });

  it('a root calling a helper in another file that enables interrupts: both files parsed, both built', () => {
    const d = decide({
      'x86.c': root('vcpu_run', 'sync_after_run(vcpu);'),
      'entry.c': enabler('sync_after_run'),
    });
    expect(sorted(d.parse)).toEqual(['entry.c', 'x86.c']);
    expect(sorted(d.build)).toEqual(['sync_after_run', 'vcpu_run']);
    expect(d.stubs.size).toBe(0);
  });

  it('relevance is transitive: a helper that only calls an enabler is built, and so is the enabler', () => {
    const d = decide({
      'x86.c': root('vcpu_run', 'middle(vcpu);'),
      'mid.c': 'void middle(struct kvm_vcpu *vcpu)\n{\n\tleaf(vcpu);\n}\n',
      'leaf.c': enabler('leaf'),
    });
    expect(sorted(d.parse)).toEqual(['leaf.c', 'mid.c', 'x86.c']);
    expect(sorted(d.build)).toEqual(['leaf', 'middle', 'vcpu_run']);
  });

  it('a noreturn primitive (BUG) makes its caller relevant', () => {
    const d = decide({
      'x86.c': root('vcpu_run', 'check(vcpu);'),
      'check.c': 'void check(struct kvm_vcpu *vcpu)\n{\n\tif (!vcpu)\n\t\tBUG();\n}\n',
    });
    expect(d.build.has('check')).toBe(true);
    expect(d.parse.has('check.c')).toBe(true);
  });

  it('a helper that enables interrupts but that no root reaches is not built', () => {
    const d = decide({
      'x86.c': root('vcpu_run', 'count(vcpu);'),
      'misc.c': inert('count'),
      'irq.c': enabler('unrelated_enable'),
    });
    expect(d.build.has('unrelated_enable')).toBe(false);
    expect(d.parse.has('irq.c')).toBe(false);
    expect(d.stubs.has('irq.c')).toBe(false); // not even mentioned
  });

  it('a function mentioning an EQS door is a root, also through a callee', () => {
    const d = decide({
      'enter.c': 'void arch_enter(struct kvm_vcpu *vcpu)\n{\n\tguest_state_enter_irqoff();\n}\n',
      'loop.c': 'void run_loop(struct kvm_vcpu *vcpu)\n{\n\tarch_enter(vcpu);\n\tafter(vcpu);\n}\n',
      'after.c': enabler('after'),
    });
    // run_loop mentions no door itself: it is a root through arch_enter, and it
    // reaches the enabler.
    expect(sorted(d.build)).toEqual(['after', 'arch_enter', 'run_loop']);
    expect(sorted(d.parse)).toEqual(['after.c', 'enter.c', 'loop.c']);
  });

  it('an opaque callee in an unparsed file is a stub, not built', () => {
    const d = decide({
      'x86.c': root('vcpu_run', 'do_nothing(vcpu);'),
      'misc.c': inert('do_nothing') + inert('never_called'),
    });
    expect(d.parse.has('misc.c')).toBe(false);
    expect(d.build.has('do_nothing')).toBe(false);
    // Only what needed code mentions: a call must resolve to it.
    expect(stubNames(d, 'misc.c')).toEqual(['do_nothing']);
    expect(d.stubs.get('misc.c')![0]!.isStatic).toBe(false);
  });

  it('entryNames make a function a root', () => {
    const files = {
      'vmx.c': 'void vmx_from_asm(struct kvm_vcpu *vcpu)\n{\n\thandle(vcpu);\n}\n',
      'handle.c': enabler('handle'),
    };
    const without = decide(files);
    expect(without.build.size).toBe(0);
    expect(without.parse.size).toBe(0);
    const withEntry = decide(files, { entryNames: ['vmx_from_asm'] });
    expect(sorted(withEntry.build)).toEqual(['handle', 'vmx_from_asm']);
    expect(sorted(withEntry.parse)).toEqual(['handle.c', 'vmx.c']);
    expect(withEntry.needed).toBe(2);
  });
});

describe('prefilter: indirect calls', () => {
  it('`ops->run(v)` reaches the function a table in another file binds to `.run`', () => {
    const d = decide({
      'x86.c': root('vcpu_run', 'vcpu->kvm->ops->run(vcpu);'),
      'ops.c': 'struct kvm_ops vmx_ops = {\n\t.run = vmx_run,\n\t.other = vmx_other,\n};\n',
      'vmx.c': enabler('vmx_run'),
      'other.c': enabler('vmx_other'),
    });
    expect(sorted(d.parse)).toEqual(['ops.c', 'vmx.c', 'x86.c']);
    expect(d.build.has('vmx_run')).toBe(true);
    // Bound to a member nobody needed calls through.
    expect(d.build.has('vmx_other')).toBe(false);
    expect(d.parse.has('other.c')).toBe(false);
  });

  it('a bound function that does nothing is only a stub, but its table is still parsed', () => {
    const d = decide({
      'x86.c': root('vcpu_run', 'vcpu->kvm->ops->run(vcpu);'),
      'ops.c': 'struct kvm_ops vmx_ops = {\n\t.run = vmx_run,\n};\n',
      'vmx.c': inert('vmx_run'),
    });
    expect(d.parse.has('ops.c')).toBe(true);
    expect(d.parse.has('vmx.c')).toBe(false);
    expect(d.build.has('vmx_run')).toBe(false);
    expect(stubNames(d, 'vmx.c')).toEqual(['vmx_run']);
  });

  it('a static-call key `static_call(kvm_x86_run)(v)` reaches `.run = svm_run`', () => {
    const d = decide({
      'x86.c': root('vcpu_run', 'static_call(kvm_x86_run)(vcpu);'),
      'svm_ops.c': 'struct kvm_x86_ops svm_x86_ops = {\n\t.run = svm_run,\n};\n',
      'svm.c': enabler('svm_run'),
    });
    expect(sorted(d.parse)).toEqual(['svm.c', 'svm_ops.c', 'x86.c']);
    expect(d.build.has('svm_run')).toBe(true);
  });

  it('the 6.12 `kvm_x86_call(vcpu_run)(v)` key reaches `.vcpu_run`', () => {
    const d = decide({
      'x86.c': root('vcpu_run', 'kvm_x86_call(vcpu_run)(vcpu);'),
      // Static, as vendor callbacks are: bound in its own file's table.
      'svm.c': 'static ' + enabler('svm_vcpu_run') + 'struct kvm_x86_ops svm_x86_ops = {\n\t.vcpu_run = svm_vcpu_run,\n};\n',
    });
    expect(d.build.has('svm_vcpu_run')).toBe(true);
    expect(d.parse.has('svm.c')).toBe(true);
  });

  it('a function storing into a member needed code calls through is built', () => {
    const files = (call: string): Unit => ({
      'x86.c': root('vcpu_run', call),
      'init.c': 'void vcpu_setup(struct kvm_vcpu *vcpu)\n{\n\tvcpu->arch.handle_exit = kvm_handle_exit;\n}\n',
      'exit.c': enabler('kvm_handle_exit'),
    });
    const d = decide(files('vcpu->arch.handle_exit(vcpu);'));
    expect(d.build.has('vcpu_setup')).toBe(true);
    expect(d.build.has('kvm_handle_exit')).toBe(true);
    expect(sorted(d.parse)).toEqual(['exit.c', 'init.c', 'x86.c']);

    // Reading the member is not calling through it: the store does not matter.
    const read = decide(files('if (vcpu->arch.handle_exit)\n\t\tcount(vcpu);'));
    expect(read.build.has('vcpu_setup')).toBe(false);
    expect(read.parse.has('init.c')).toBe(false);
  });
});

describe('prefilter: macros and headers', () => {
  it('a file-local function-like macro makes its own file\'s callers relevant, not another file\'s', () => {
    const d = decide({
      'x86.c': root('vcpu_run', 'spin_wait(vcpu);\n\tother_wait(vcpu);'),
      'wait.c': '#define relax() local_irq_enable()\n\nvoid spin_wait(struct kvm_vcpu *vcpu)\n{\n\trelax();\n}\n',
      // Its own relax() (a header's, or none) is not wait.c's.
      'other.c': 'void other_wait(struct kvm_vcpu *vcpu)\n{\n\trelax();\n}\n',
    });
    expect(d.build.has('spin_wait')).toBe(true);
    expect(d.parse.has('wait.c')).toBe(true);
    expect(d.build.has('other_wait')).toBe(false);
    expect(d.parse.has('other.c')).toBe(false);
    expect(stubNames(d, 'other.c')).toEqual(['other_wait']);
  });

  it('a file-local macro forwarding to a function in another file reaches it', () => {
    const d = decide({
      'x86.c': '#define relax(v) arch_relax(v)\n' + root('vcpu_run', 'relax(vcpu);'),
      'arch.c': enabler('arch_relax'),
    });
    expect(d.build.has('arch_relax')).toBe(true);
    expect(d.parse.has('arch.c')).toBe(true);
  });

  it('header definitions count for relevance and roots but are never parsed as scanned files', () => {
    const headers = {
      'include/irq.h': 'static inline void hdr_enable(void)\n{\n\tlocal_irq_enable();\n}\n' +
        'static inline void hdr_enter(void)\n{\n\tguest_state_enter_irqoff();\n}\n' +
        'static inline int hdr_inert(void)\n{\n\treturn 0;\n}\n',
    };
    const d = decide({
      'x86.c': 'void vcpu_run(struct kvm_vcpu *vcpu)\n{\n\thdr_enter();\n\tsync(vcpu);\n}\n',
      'sync.c': 'void sync(struct kvm_vcpu *vcpu)\n{\n\thdr_enable();\n\thdr_inert();\n}\n',
    }, { headers });
    // vcpu_run is a root only through the header's door; sync relevant only
    // through the header's enabler.
    expect(sorted(d.parse)).toEqual(['sync.c', 'x86.c']);
    expect(sorted(d.build)).toEqual(['hdr_enable', 'hdr_enter', 'sync', 'vcpu_run']);
    expect(d.stubs.size).toBe(0);
    // Counts are of the scanned files only.
    expect(d.definitions).toBe(2);
    expect(d.needed).toBe(2);
  });
});

describe('prefilter: unreliable files', () => {
  // `bad` opens a `{` in each #if arm: the index cannot trust its extents.
  const unbalanced = 'int bad(int a, int b)\n{\n#ifdef CONFIG_A\n\tif (a) {\n#else\n\tif (b) {\n#endif\n\t\tx();\n\t}\n\treturn 0;\n}\n';
  const balanced = 'int bad(int a, int b)\n{\n\tif (a || b) {\n\t\tx();\n\t}\n\treturn 0;\n}\n';

  it('an unreliable file declaring a name needed code mentions is parsed', () => {
    const d = decide({ 'x86.c': root('vcpu_run', 'bad(1, 2);'), 'helper.c': unbalanced });
    expect(d.parse.has('helper.c')).toBe(true);
    expect(d.stubs.has('helper.c')).toBe(false);
    // The same function with balanced braces is an opaque stub.
    const ok = decide({ 'x86.c': root('vcpu_run', 'bad(1, 2);'), 'helper.c': balanced });
    expect(ok.parse.has('helper.c')).toBe(false);
    expect(stubNames(ok, 'helper.c')).toEqual(['bad']);
  });

  it('an unreliable file nobody needed mentions is not parsed', () => {
    const d = decide({ 'x86.c': root('vcpu_run', 'count(vcpu);'), 'helper.c': unbalanced });
    expect(d.parse.has('helper.c')).toBe(false);
  });

  // The definition after the resynchronising `{` in column 0 (`later`) is found,
  // so the file is parsed and later() built (was a missed finding: analyzeFiles
  // reported the unmask in later() without the pre-filter, nothing with it).
  it('an enabler defined after an unbalanced function is still reached', () => {
    const d = decide({
      'x86.c': root('vcpu_run', 'later(vcpu);'),
      'helper.c': unbalanced + '\n' + enabler('later'),
    });
    expect(d.parse.has('helper.c')).toBe(true);
    expect(d.build.has('later')).toBe(true);
  });
});

describe('prefilter: static-call keys inside macros', () => {
  // A function-like macro's body has keys too: `#define run_guest(v)
  // static_call(kvm_x86_vcpu_run)(v)` mentions `.vcpu_run` (was a missed finding).
  // (A member call in a macro, `(v)->ops->run(v)`, is mentioned as `.run`.)
  it('a file-local macro wrapping static_call reaches the bound function', () => {
    const d = decide({
      'x86.c': '#define run_guest(v) static_call(kvm_x86_vcpu_run)(v)\n' + root('vcpu_enter_guest', 'run_guest(vcpu);'),
      'vmx.c': enabler('vmx_vcpu_run') + 'struct kvm_x86_ops vmx_x86_ops = {\n\t.vcpu_run = vmx_vcpu_run,\n};\n',
    });
    expect(d.build.has('vmx_vcpu_run')).toBe(true);
    expect(d.parse.has('vmx.c')).toBe(true);
  });

  it('a file-local macro calling through a member reaches the bound function', () => {
    const d = decide({
      'x86.c': '#define run_guest(v) (v)->ops->run(v)\n' + root('vcpu_enter_guest', 'run_guest(vcpu);'),
      'vmx.c': enabler('vmx_run') + 'struct ops vmx_ops = {\n\t.run = vmx_run,\n};\n',
    });
    expect(d.build.has('vmx_run')).toBe(true);
    expect(d.parse.has('vmx.c')).toBe(true);
  });
});

describe('prefilter: calls and values', () => {
  it('a function only passed as a value by needed code is not needed (nothing calls it)', () => {
    const d = decide({
      'run.c': root('vcpu_run', 'register_cb(vcpu, unmask_cb);'),
      'cb.c': enabler('unmask_cb'),
    });
    expect(d.build.has('unmask_cb')).toBe(false);
    expect(d.parse.has('cb.c')).toBe(false);
    expect(stubNames(d, 'cb.c')).toEqual(['unmask_cb']); // still known: a value of needed code
  });

  it('through a forwarding dispatcher the value is called: kvm_call_hyp(__kvm_vcpu_run, vcpu)', () => {
    const d = decide({
      'arm.c': root('kvm_arm_vcpu_enter_exit', 'kvm_call_hyp(__kvm_vcpu_run, vcpu);'),
      'hyp.c': enabler('__kvm_vcpu_run'),
    });
    expect(d.build.has('__kvm_vcpu_run')).toBe(true);
    expect(d.parse.has('hyp.c')).toBe(true);
  });

  it('taking the address of a function that leaves the EQS builds the taker, not what the taker calls', () => {
    const d = decide({
      'exit.c': 'int handle_exit(struct kvm_vcpu *vcpu)\n{\n\tguest_state_exit_irqoff();\n\treturn 0;\n}\n',
      'create.c': 'int vcpu_create(struct kvm_vcpu *vcpu)\n{\n\tvcpu->arch.handle_exit = handle_exit;\n\treturn setup_mmu(vcpu);\n}\n',
      'mmu.c': enabler('setup_mmu'),
    });
    expect(d.build.has('vcpu_create')).toBe(true);
    expect(d.parse.has('create.c')).toBe(true);
    expect(d.build.has('setup_mmu')).toBe(false); // vcpu_create is no root: it calls no door
  });
});
