// The linkage (kernel/linkage): which definitions a call can reach, one answer
// for the pre-filter and the program. Each rule with a case that would fail
// without it.
import { describe, expect, it } from 'vitest';
import { emptyDispatchFacts, inArch, MAX_INDIRECT_TARGETS, siteOf } from '../src/kernel/linkage.js';
import { IndexTable } from '../src/run/index-table.js';
import { mergeStaticCallFacts, readStaticCallFacts } from '../src/scan/dispatch-facts.js';
import { nameHash } from '../src/scan/name-hash.js';
import { indexNames } from '../src/scan/name-index.js';

function linkage(files: Record<string, string>, primitives: string[] = []) {
  const indexes = Object.entries(files).sort(([a], [b]) => (a < b ? -1 : 1)).map(([path, text]) => indexNames(path, text));
  const facts = emptyDispatchFacts();
  for (const [path, text] of Object.entries(files)) mergeStaticCallFacts(facts, siteOf(path).arch, readStaticCallFacts(Buffer.from(text)));
  return new IndexTable(indexes, facts, (n) => primitives.includes(n)).linkage;
}
const files = (defs: { file: string }[]): string[] => defs.map((d) => d.file).sort();

describe('linkage: by name', () => {
  const l = linkage({
    'arch/x86/kvm/x86.c': 'void kvm_arch_put(void) { }\nstatic void local_helper(void) { }\nvoid x86_only(void) { }\n',
    'arch/arm64/kvm/arm.c': 'void kvm_arch_put(void) { }\nstatic void local_helper(void) { }\n',
    'virt/kvm/kvm_main.c': 'void vcpu_put(void) { kvm_arch_put(); }\nvoid __weak kvm_arch_weak(void) { }\n',
    'arch/arm64/kvm/weak.c': 'void kvm_arch_weak(void) { }\n',
    'include/linux/kvm_host.h': 'static inline void inline_helper(void) { }\n',
    'include/linux/routing.h': 'static inline void routing_update(void) { }\n',
    'virt/kvm/routing.c': 'void routing_update(void) { }\n',
    'tools/perf/util.c': 'void helper(void) { }\n',
  }, ['local_irq_enable']);

  it('its own file first: a static function is visible there only', () => {
    expect(files(l.byName('local_helper', siteOf('arch/x86/kvm/x86.c')))).toEqual(['arch/x86/kvm/x86.c']);
    expect(l.byName('local_helper', siteOf('arch/x86/kvm/mmu.c'))).toEqual([]);
  });

  it('a header\'s static inline functions are everyone\'s', () => {
    expect(files(l.byName('inline_helper', siteOf('arch/x86/kvm/x86.c')))).toEqual(['include/linux/kvm_host.h']);
  });

  it('a .c definition comes before the static inline stub of the same name in a header', () => {
    expect(files(l.byName('routing_update', siteOf('virt/kvm/kvm_main.c')))).toEqual(['virt/kvm/routing.c']);
  });

  it('never another arch\'s definition; generic code reaches one per arch, and the generic (weak) one', () => {
    expect(files(l.byName('kvm_arch_put', siteOf('arch/arm64/kvm/vcpu.c')))).toEqual(['arch/arm64/kvm/arm.c']);
    expect(l.byName('x86_only', siteOf('arch/arm64/kvm/vcpu.c'))).toEqual([]);
    expect(files(l.byName('kvm_arch_put', siteOf('virt/kvm/kvm_main.c')))).toEqual(['arch/arm64/kvm/arm.c', 'arch/x86/kvm/x86.c']);
    expect(files(l.byName('kvm_arch_weak', siteOf('virt/kvm/eventfd.c')))).toEqual(['arch/arm64/kvm/weak.c', 'virt/kvm/kvm_main.c']);
  });

  it('the path\'s arch picks among them: its own, else the generic ones', () => {
    const targets = l.byName('kvm_arch_weak', siteOf('virt/kvm/eventfd.c'));
    expect(files(inArch(targets, 'arm64', (d) => d.arch) as typeof targets)).toEqual(['arch/arm64/kvm/weak.c']);
    expect(files(inArch(targets, 'x86', (d) => d.arch) as typeof targets)).toEqual(['virt/kvm/kvm_main.c']);
  });

  it('a model primitive is never resolved to a definition', () => {
    const m = linkage({ 'a.c': 'void local_irq_enable(void) { }\n' }, ['local_irq_enable']);
    expect(m.byName('local_irq_enable', siteOf('a.c'))).toEqual([]);
  });

  it('by hash, every name with that hash is resolved (the index knows calls by hash)', () => {
    expect(files(l.byHashOf(nameHash('kvm_arch_put'), siteOf('arch/x86/kvm/mmu.c')))).toEqual(['arch/x86/kvm/x86.c']);
  });
});

describe('linkage: through members and keys', () => {
  const tables = {
    'include/asm/kvm_host.h': 'struct kvm_vcpu_arch {\n\tstruct kvm_x86_ops *ops;\n\tstruct kvm_pmu_ops *pmu_ops;\n};\n',
    'arch/x86/kvm/vmx.c': 'static void vmx_run(void) { }\nstruct kvm_x86_ops vmx_x86_ops = { .run = vmx_run, };\n',
    'arch/x86/kvm/pmu.c': 'static void pmu_run(void) { }\nstruct kvm_pmu_ops intel_pmu_ops = { .run = pmu_run, };\n',
    'arch/x86/kvm/svm.c': 'static void svm_run(void) { }\nvoid setup(struct kvm_vcpu *v) { v->handler.run = svm_run; }\n',
  };
  const l = linkage(tables);
  const site = siteOf('arch/x86/kvm/x86.c');
  const names = (defs: { name: string }[] | null): string[] | null => defs && defs.map((d) => d.name).sort();

  it('a member reached through a typed field reaches that type\'s tables, and stores of unknown type', () => {
    expect(names(l.byMember(nameHash('run'), nameHash('ops'), site))).toEqual(['svm_run', 'vmx_run']);
    expect(names(l.byMember(nameHash('run'), nameHash('pmu_ops'), site))).toEqual(['pmu_run', 'svm_run']);
  });

  it('through an untyped field or a local, every binding of the member', () => {
    expect(names(l.byMember(nameHash('run'), 0, site))).toEqual(['pmu_run', 'svm_run', 'vmx_run']);
    expect(names(l.byMember(nameHash('run'), nameHash('unknown_field'), site))).toEqual(['pmu_run', 'svm_run', 'vmx_run']);
  });

  it('nothing bound: null; more candidates than the cap in one arch: none followed', () => {
    expect(l.byMember(nameHash('stop'), 0, site)).toBeNull();
    const many: Record<string, string> = {};
    for (let i = 0; i <= MAX_INDIRECT_TARGETS; i++) many[`arch/x86/kvm/f${i}.c`] = `static void f${i}(void) { }\nstruct ops o${i} = { .go = f${i} };\n`;
    expect(linkage(many).byMember(nameHash('go'), 0, site)).toEqual([]);
    // The cap counts one arch's kernel: as many in another arch do not add up.
    const split: Record<string, string> = {};
    for (let i = 0; i <= MAX_INDIRECT_TARGETS; i++) split[`arch/${i % 2 ? 'x86' : 'arm64'}/kvm/f${i}.c`] = `static void f${i}(void) { }\nstruct ops o${i} = { .go = f${i} };\n`;
    expect(linkage(split).byMember(nameHash('go'), 0, siteOf('virt/kvm/k.c'))!.length).toBe(MAX_INDIRECT_TARGETS + 1);
  });

  it('a static-call key names a member: by its declared prefix and struct, or by its longest bound suffix', () => {
    const keyed = linkage({
      ...tables,
      'arch/x86/include/asm/kvm_host.h': '#define KVM_X86_OP(func) DECLARE_STATIC_CALL(kvm_x86_##func, *(((struct kvm_x86_ops *)0)->func));\n' +
        '#define kvm_x86_call(func) static_call(kvm_x86_##func)\n',
    });
    expect(names(keyed.byKey('static_call', 'kvm_x86_run', site))).toEqual(['svm_run', 'vmx_run']);
    expect(names(keyed.byKey('kvm_x86_call', 'run', site))).toEqual(['svm_run', 'vmx_run']);
    // Without a declared prefix: the longest `_`-suffix bound to some table.
    expect(names(l.byKey('static_call', 'kvm_x86_run', site))).toEqual(['pmu_run', 'svm_run', 'vmx_run']);
  });
});
