// The program view: which functions are analysis roots, and where calls resolve.
import { describe, expect, it } from 'vitest';
import type { FnInfo, Program } from '../src/analysis/program.js';
import { programOf as program } from './helpers/program.js';

function fn(p: Program, name: string, file?: string): FnInfo {
  const found = p.functions.find((f) => f.def.name === name && (!file || f.def.file === file));
  if (!found) throw new Error(`no ${name}`);
  return found;
}

function callTarget(p: Program, from: FnInfo, callee: string): FnInfo | undefined {
  for (const b of from.cfg.blocks) for (const e of b.events) if (e.kind === 'call' && e.callee === callee) return p.callees(e)[0]?.fn;
  throw new Error(`${from.def.name} does not call ${callee}`);
}

describe('analysis roots', () => {
  it('a prototype does not take a function\'s address', () => {
    const p = program({
      'kvm.h': 'int helper(int x);\n',
      'a.c': 'int helper(int x) { guest_state_exit_irqoff(); return x; }\nint run(void) { return helper(1); }\n',
    });
    expect(p.isRoot(fn(p, 'helper'))).toBe(false);
    expect(p.isRoot(fn(p, 'run'))).toBe(true);
  });

  // (Whether an address is taken matters for what touches the EQS: only that starts an analysis.)
  it('an ops-table initializer, a file-scope macro call and a function-pointer assignment do', () => {
    const p = program({
      'a.c': [
        'static int vmx_run(void) { guest_state_exit_irqoff(); return 0; }',
        'static int vmx_init(void) { guest_state_exit_irqoff(); return 0; }',
        'static int on_exit(void) { guest_state_exit_irqoff(); return 0; }',
        'static int caller(void) { return vmx_run() + vmx_init() + on_exit(); }',
        'struct ops vmx_ops = { .run = vmx_run };',
        'module_init(vmx_init);',
        'void setup(struct vcpu *v) { v->handle_exit = on_exit; }',
      ].join('\n'),
    });
    for (const name of ['vmx_run', 'vmx_init', 'on_exit']) expect(p.isRoot(fn(p, name)), name).toBe(true);
    expect(p.isRoot(fn(p, 'caller'))).toBe(true);
  });
});

describe('call resolution', () => {
  const files = {
    'arch/x86/kvm/x86.c': 'void kvm_arch_put(void) { }\nvoid x86_run(void) { kvm_arch_put(); local_helper(); }\n',
    'arch/arm64/kvm/arm.c': 'void kvm_arch_put(void) { }\nstatic void local_helper(void) { }\n',
    'virt/kvm/kvm_main.c': 'void vcpu_put(void) { kvm_arch_put(); }\n',
    'include/linux/kvm_host.h': 'static inline void inline_helper(void) { }\n',
    'arch/arm64/kvm/vcpu.c': 'void arm_run(void) { kvm_arch_put(); inline_helper(); local_helper(); }\n',
  };
  const p = program(files);

  it('code under arch/X reaches arch/X or generic definitions only', () => {
    expect(callTarget(p, fn(p, 'x86_run'), 'kvm_arch_put')?.def.file).toBe('arch/x86/kvm/x86.c');
    expect(callTarget(p, fn(p, 'arm_run'), 'kvm_arch_put')?.def.file).toBe('arch/arm64/kvm/arm.c');
  });

  it('generic code calling a function several arches define reaches one per arch (the path\'s arch picks)', () => {
    const from = fn(p, 'vcpu_put');
    const call = from.cfg.blocks.flatMap((b) => b.events).find((e) => e.kind === 'call' && e.callee === 'kvm_arch_put')!;
    expect(p.callees(call as never).map((t) => t.fn.def.file).sort()).toEqual(['arch/arm64/kvm/arm.c', 'arch/x86/kvm/x86.c']);
  });

  it('a static function is visible from its own file or, in a header, from includers', () => {
    expect(callTarget(p, fn(p, 'arm_run'), 'inline_helper')?.def.name).toBe('inline_helper');
    expect(callTarget(p, fn(p, 'arm_run'), 'local_helper')).toBeUndefined();
    expect(callTarget(p, fn(p, 'x86_run'), 'local_helper')).toBeUndefined();
  });

  it('model primitives win over definitions in the tree', () => {
    const q = program({ 'a.c': 'void local_irq_enable(void) { }\nvoid f(void) { local_irq_enable(); }\n' });
    expect(callTarget(q, fn(q, 'f'), 'local_irq_enable')).toBeUndefined();
  });

  it('a definition in a .c file wins over the static inline stub a header leaves for an unset config option', () => {
    const q = program({
      'include/linux/routing.h': '#ifdef CONFIG_R\nvoid update(void);\n#else\nstatic inline void update(void) { }\n#endif\n',
      'virt/kvm/routing.c': 'void update(void) { local_irq_enable(); }\n',
      'virt/kvm/run.c': 'void run(void) { update(); }\n',
    });
    expect(callTarget(q, fn(q, 'run'), 'update')?.def.file).toBe('virt/kvm/routing.c');
    // With no .c definition, the header's is the one.
    const r = program({
      'include/linux/routing.h': 'static inline void update(void) { }\n',
      'virt/kvm/run.c': 'void run(void) { update(); }\n',
    });
    expect(callTarget(r, fn(r, 'run'), 'update')?.def.file).toBe('include/linux/routing.h');
  });

  it('user-space code of a kernel tree links only within its own program', () => {
    // A kernel tree: the root holds include/linux and arch.
    const q = program({
      'tools/perf/util.c': 'void helper(void) { }\nvoid run(void) { helper(); kvm_call(); }\n',
      'virt/kvm/kvm.c': 'void kvm_call(void) { }\n',
    });
    expect(callTarget(q, fn(q, 'run'), 'helper')?.def.file).toBe('tools/perf/util.c');
  });
});

describe('choosing an implementation', () => {
  const tables = {
    'arch/x86/kvm/vmx/vmx.c': 'static int vmx_get_cpl(struct kvm_vcpu *v) { return 0; }\n' +
      'static void vmx_run(struct kvm_vcpu *v) { local_irq_enable(); }\n' +
      'static struct kvm_x86_ops vmx_x86_ops = { .get_cpl = vmx_get_cpl, .run = vmx_run, };\n',
    'arch/x86/kvm/svm/svm.c': 'static int svm_get_cpl(struct kvm_vcpu *v) { return 3; }\n' +
      'static void svm_run(struct kvm_vcpu *v) { local_irq_enable(); }\n' +
      'static struct kvm_x86_ops svm_x86_ops = { .get_cpl = svm_get_cpl, .run = svm_run, };\n',
  };

  it('a call among opaque targets chooses nothing; among targets that do something, it does, and so do its callers', () => {
    const p = program({
      ...tables,
      'arch/x86/kvm/x86.c': 'int cpl(struct kvm_vcpu *v) { return kvm_x86_ops.get_cpl(v); }\n' +
        'void enter(struct kvm_vcpu *v) { kvm_x86_ops.run(v); }\n' +
        'void loop(struct kvm_vcpu *v) { cpl(v); enter(v); }\n',
    });
    expect(p.choosesImplementation(fn(p, 'cpl'))).toBe(false);
    expect(p.choosesImplementation(fn(p, 'enter'))).toBe(true);
    expect(p.choosesImplementation(fn(p, 'loop'))).toBe(true);
  });
});
