// The pre-filter's decisions (run/select) on small multi-file units indexed by
// scan/name-index and linked by kernel/linkage: which definitions are built.
// Keeping too much only costs time; dropping one the analysis would look into
// loses findings, so each rule has a case that would fail if it were dropped —
// and, where it matters, a case showing it is not applied too widely.
import { describe, expect, it } from 'vitest';
import { emptyDispatchFacts } from '../src/kernel/linkage.js';
import { IndexTable, type IndexDef } from '../src/run/index-table.js';
import { primitiveHashes, select, type Selection } from '../src/run/select.js';
import { indexNames } from '../src/scan/name-index.js';

const RELEVANT = new Set([
  'local_irq_enable', 'local_irq_disable', 'local_irq_save', 'local_irq_restore', 'BUG',
  'guest_state_enter_irqoff', 'guest_state_exit_irqoff',
]);
const EQS = new Set(['guest_state_enter_irqoff', 'guest_state_exit_irqoff']);
const PRIMITIVES = primitiveHashes([...RELEVANT, 'kvm_call_hyp'], (n) => RELEVANT.has(n), (n) => EQS.has(n), (n) => n === 'kvm_call_hyp');

type Unit = Record<string, string>;

function table(files: Unit) {
  const indexes = Object.entries(files).map(([path, text]) => indexNames(path, text));
  const t = new IndexTable(indexes, emptyDispatchFacts(), (n) => RELEVANT.has(n) || n === 'kvm_call_hyp');
  return { indexes, defs: t.defs, linkage: t.linkage };
}

function decide(files: Unit, entryNames: string[] = []): Selection & { built: string[]; touchingNames: string[] } {
  const t = table(files);
  const s = select({ files: t.indexes, defs: t.defs, linkage: t.linkage, primitives: PRIMITIVES, entryNames: new Set(entryNames) });
  return { ...s, built: names(s.build), touchingNames: names(s.touching) };
}
const names = (defs: Iterable<IndexDef>): string[] => [...defs].map((d) => d.name).sort();

/** A root: enters and leaves the guest context around `body`. */
const root = (name: string, body: string): string =>
  `void ${name}(struct kvm_vcpu *vcpu)\n{\n\tlocal_irq_disable();\n\tguest_state_enter_irqoff();\n\tguest_state_exit_irqoff();\n\t${body}\n\tlocal_irq_enable();\n}\n`;
/** A function that unmasks interrupts (a relevant one). */
const enabler = (name: string): string => `void ${name}(struct kvm_vcpu *vcpu)\n{\n\tlocal_irq_enable();\n\tlocal_irq_disable();\n}\n`;
/** A function that touches nothing the analysis tracks. */
const inert = (name: string): string => `int ${name}(struct kvm_vcpu *vcpu)\n{\n\treturn vcpu->id + 1;\n}\n`;
/** A function that only calls `callee`. */
const caller = (name: string, callee: string): string => `void ${name}(struct kvm_vcpu *vcpu)\n{\n\t${callee}(vcpu);\n}\n`;

describe('select: what is built', () => {
  it('a function whose calls touch nothing relevant is not built', () => {
    const d = decide({
      'x86.c': root('vcpu_run', 'count(vcpu);'),
      'misc.c': inert('count') + inert('unused') + 'void log_it(void)\n{\n\tprintk("guest_state_enter_irqoff");\n}\n',
    });
    expect(d.built).toEqual(['vcpu_run']);
    expect(d.touchingNames).toEqual(['vcpu_run']);
  });

  it('a callee in another file that enables interrupts is built', () => {
    expect(decide({ 'x86.c': root('vcpu_run', 'sync_after_run(vcpu);'), 'entry.c': enabler('sync_after_run') }).built)
      .toEqual(['sync_after_run', 'vcpu_run']);
  });

  it('outside windows two levels are read: a helper calling an enabler is built with it, a third level is not', () => {
    const two = decide({ 'x86.c': root('vcpu_run', 'middle(vcpu);'), 'mid.c': caller('middle', 'leaf'), 'leaf.c': enabler('leaf') });
    expect(two.built).toEqual(['leaf', 'middle', 'vcpu_run']);
    const three = decide({
      'x86.c': root('vcpu_run', 'middle(vcpu);'), 'mid.c': caller('middle', 'lower') + caller('lower', 'leaf'), 'leaf.c': enabler('leaf'),
    });
    expect(three.built).toEqual(['vcpu_run']);
  });

  it('an inline function is part of the body that calls it, at no cost of a level', () => {
    const d = decide({
      'x86.c': root('vcpu_run', 'middle(vcpu);'),
      'mid.c': caller('middle', 'lower') + caller('lower', 'inline_leaf'),
      'irq.h': 'static inline void inline_leaf(struct kvm_vcpu *v)\n{\n\tlocal_irq_disable();\n}\n',
    });
    expect(d.built).toEqual(['inline_leaf', 'lower', 'middle', 'vcpu_run']);
  });

  it('a noreturn primitive (BUG) makes its caller relevant', () => {
    const d = decide({
      'x86.c': root('vcpu_run', 'check(vcpu);'),
      'check.c': 'void check(struct kvm_vcpu *vcpu)\n{\n\tif (!vcpu)\n\t\tBUG();\n}\n',
    });
    expect(d.built).toContain('check');
  });

  it('a helper that enables interrupts but that nothing touching the EQS reaches is not built', () => {
    const d = decide({ 'x86.c': root('vcpu_run', 'count(vcpu);'), 'misc.c': inert('count'), 'irq.c': enabler('unrelated_enable') });
    expect(d.built).not.toContain('unrelated_enable');
  });

  it('a function calling an EQS door is touching, and so is its caller, whose callees count too', () => {
    const d = decide({
      'enter.c': 'void arch_enter(struct kvm_vcpu *vcpu)\n{\n\tguest_state_enter_irqoff();\n}\n',
      'loop.c': 'void run_loop(struct kvm_vcpu *vcpu)\n{\n\tarch_enter(vcpu);\n\tafter(vcpu);\n}\n',
      'after.c': enabler('after'),
    });
    expect(d.touchingNames).toEqual(['arch_enter', 'run_loop']);
    expect(d.built).toEqual(['after', 'arch_enter', 'run_loop']);
  });

  it('entry facts make a function built, with its callees', () => {
    const files = { 'vmx.c': caller('vmx_from_asm', 'handle'), 'handle.c': enabler('handle') };
    expect(decide(files).built).toEqual([]);
    expect(decide(files, ['vmx_from_asm']).built).toEqual(['handle', 'vmx_from_asm']);
  });
});

describe('select: indirect calls', () => {
  it('`ops->run(v)` reaches the function a table in another file binds to `.run`', () => {
    const d = decide({
      'x86.c': root('vcpu_run', 'vcpu->kvm->ops->run(vcpu);'),
      'ops.c': 'struct kvm_ops vmx_ops = {\n\t.run = vmx_run,\n\t.other = vmx_other,\n};\n',
      'vmx.c': enabler('vmx_run'),
      'other.c': enabler('vmx_other'),
    });
    expect(d.built).toEqual(['vcpu_run', 'vmx_run']);
  });

  it('a bound function that enters the EQS makes the caller through the member touching', () => {
    const d = decide({
      'x86.c': 'void vcpu_run(struct kvm_vcpu *vcpu)\n{\n\tvcpu->kvm->ops->run(vcpu);\n}\n',
      'ops.c': 'struct kvm_ops vmx_ops = {\n\t.run = vmx_run,\n};\n',
      'vmx.c': root('vmx_run', ''),
    });
    expect(d.touchingNames).toEqual(['vcpu_run', 'vmx_run']);
  });

  it('a static-call key `static_call(kvm_x86_run)(v)` reaches `.run = svm_run`', () => {
    const d = decide({
      'x86.c': root('vcpu_run', 'static_call(kvm_x86_run)(vcpu);'),
      'svm_ops.c': 'struct kvm_x86_ops svm_x86_ops = {\n\t.run = svm_run,\n};\n',
      'svm.c': enabler('svm_run'),
    });
    expect(d.built).toContain('svm_run');
  });

  it('the 6.12 `kvm_x86_call(vcpu_run)(v)` key reaches `.vcpu_run`', () => {
    const d = decide({
      'x86.c': root('vcpu_run', 'kvm_x86_call(vcpu_run)(vcpu);'),
      // Static, as vendor callbacks are: bound in its own file's table.
      'svm.c': 'static ' + enabler('svm_vcpu_run') + 'struct kvm_x86_ops svm_x86_ops = {\n\t.vcpu_run = svm_vcpu_run,\n};\n',
    });
    expect(d.built).toContain('svm_vcpu_run');
  });

  it('a pointer stored into a member in some body is a target of calls through it (the storer need not be built)', () => {
    const d = decide({
      'x86.c': root('vcpu_run', 'vcpu->arch.handle_exit(vcpu);'),
      'init.c': 'void vcpu_setup(struct kvm_vcpu *vcpu)\n{\n\tvcpu->arch.handle_exit = kvm_handle_exit;\n}\n',
      'exit.c': enabler('kvm_handle_exit'),
    });
    expect(d.built).toEqual(['kvm_handle_exit', 'vcpu_run']);
  });
});

describe('select: macros and headers', () => {
  it('a file-local function-like macro is its own file\'s, and part of the body that calls it', () => {
    const d = decide({
      'x86.c': root('vcpu_run', 'spin_wait(vcpu);\n\tother_wait(vcpu);'),
      'wait.c': '#define relax() local_irq_enable()\n\nvoid spin_wait(struct kvm_vcpu *vcpu)\n{\n\trelax();\n}\n',
      // Its own relax() (a header's, or none) is not wait.c's.
      'other.c': 'void other_wait(struct kvm_vcpu *vcpu)\n{\n\trelax();\n}\n',
    });
    expect(d.built).toEqual(['relax', 'spin_wait', 'vcpu_run']);
  });

  it('a file-local macro forwarding to a function in another file reaches it', () => {
    const d = decide({ 'x86.c': '#define relax(v) arch_relax(v)\n' + root('vcpu_run', 'relax(vcpu);'), 'arch.c': enabler('arch_relax') });
    expect(d.built).toEqual(['arch_relax', 'relax', 'vcpu_run']);
  });

  it('header definitions count for relevance and for what touches the EQS', () => {
    const d = decide({
      'include/irq.h': 'static inline void hdr_enable(void)\n{\n\tlocal_irq_enable();\n}\n' +
        'static inline void hdr_enter(void)\n{\n\tguest_state_enter_irqoff();\n}\n' +
        'static inline int hdr_inert(void)\n{\n\treturn 0;\n}\n',
      'x86.c': 'void vcpu_run(struct kvm_vcpu *vcpu)\n{\n\thdr_enter();\n\tsync(vcpu);\n}\n',
      'sync.c': 'void sync(struct kvm_vcpu *vcpu)\n{\n\thdr_enable();\n\thdr_inert();\n}\n',
    });
    expect(d.touchingNames).toEqual(['hdr_enter', 'vcpu_run']);
    expect(d.built).toEqual(['hdr_enable', 'hdr_enter', 'sync', 'vcpu_run']);
  });

  it('a static-call key inside a file-local macro reaches the bound function', () => {
    const d = decide({
      'x86.c': '#define run_guest(v) static_call(kvm_x86_vcpu_run)(v)\n' + root('vcpu_enter_guest', 'run_guest(vcpu);'),
      'vmx.c': enabler('vmx_vcpu_run') + 'struct kvm_x86_ops vmx_x86_ops = {\n\t.vcpu_run = vmx_vcpu_run,\n};\n',
    });
    expect(d.built).toContain('vmx_vcpu_run');
  });

  it('a member call inside a file-local macro reaches the bound function', () => {
    const d = decide({
      'x86.c': '#define run_guest(v) (v)->ops->run(v)\n' + root('vcpu_enter_guest', 'run_guest(vcpu);'),
      'vmx.c': enabler('vmx_run') + 'struct ops vmx_ops = {\n\t.run = vmx_run,\n};\n',
    });
    expect(d.built).toContain('vmx_run');
  });
});

describe('select: files parsed whole', () => {
  // `bad` opens a `{` in each #if arm: the index cannot trust its extents.
  const unbalanced = 'int bad(int a, int b)\n{\n#ifdef CONFIG_A\n\tif (a) {\n#else\n\tif (b) {\n#endif\n\t\tx();\n\t}\n\treturn 0;\n}\n';
  const balanced = 'int bad(int a, int b)\n{\n\tif (a || b) {\n\t\tx();\n\t}\n\treturn 0;\n}\n';
  const whole = (d: Selection): string[] => [...d.whole].map((f) => f.path).sort();

  it('an unbalanced file declaring a name built code calls is parsed whole', () => {
    expect(whole(decide({ 'x86.c': root('vcpu_run', 'bad(1, 2);'), 'helper.c': unbalanced }))).toEqual(['helper.c']);
    expect(whole(decide({ 'x86.c': root('vcpu_run', 'bad(1, 2);'), 'helper.c': balanced }))).toEqual([]);
    expect(whole(decide({ 'x86.c': root('vcpu_run', 'count(vcpu);'), 'helper.c': unbalanced }))).toEqual([]);
  });

  it('a file calling a primitive outside every definition the index saw is parsed whole', () => {
    const closing = 'int bad2(int a)\n{\n\tif (a) {\n#ifdef CONFIG_A\n\t}\n#else\n\t}\n#endif\n\tlocal_irq_enable();\n\treturn 0;\n}\n';
    expect(whole(decide({ 'other.c': closing }))).toEqual(['other.c']);
    // A prototype of a primitive is no call.
    expect(whole(decide({ 'irq.h': 'void local_irq_enable(void);\n' }))).toEqual([]);
  });

  // The definition after the resynchronising `{` in column 0 (`later`) is found
  // (was a missed finding without the resynchronisation).
  it('an enabler defined after an unbalanced function is still reached', () => {
    expect(decide({ 'x86.c': root('vcpu_run', 'later(vcpu);'), 'helper.c': unbalanced + '\n' + enabler('later') }).built).toContain('later');
  });
});

describe('select: calls and values', () => {
  it('a function only passed as a value is not called', () => {
    expect(decide({ 'run.c': root('vcpu_run', 'register_cb(vcpu, unmask_cb);'), 'cb.c': enabler('unmask_cb') }).built).toEqual(['vcpu_run']);
  });

  it('through a forwarding dispatcher the value is called: kvm_call_hyp(__kvm_vcpu_run, vcpu)', () => {
    const d = decide({ 'arm.c': root('kvm_arm_vcpu_enter_exit', 'kvm_call_hyp(__kvm_vcpu_run, vcpu);'), 'hyp.c': enabler('__kvm_vcpu_run') });
    expect(d.built).toContain('__kvm_vcpu_run');
  });

  it('a function touching the EQS whose name is a value somewhere has its address taken; called only, not', () => {
    const d = decide({
      'exit.c': 'int handle_exit(struct kvm_vcpu *vcpu)\n{\n\tguest_state_exit_irqoff();\n\treturn 0;\n}\n' +
        'int called_exit(struct kvm_vcpu *vcpu)\n{\n\tguest_state_exit_irqoff();\n\treturn 0;\n}\n',
      'create.c': 'int vcpu_create(struct kvm_vcpu *vcpu)\n{\n\tvcpu->arch.handle_exit = handle_exit;\n\treturn called_exit(vcpu);\n}\n',
      'table.c': 'static struct ops o = { .exit = handle_exit };\n',
    });
    expect([...d.addressTaken]).toEqual(['handle_exit']);
  });
});
