// The analysis one arch at a time: a group's result is taken from an earlier run
// exactly when nothing its roots can reach has changed, and the findings are then
// those of a run without earlier results.
import { describe, expect, it } from 'vitest';
import type { InterpreterResult } from '../src/analysis/interpreter.js';
import { RULES } from '../src/rules/index.js';
import { analyseProgram, type GroupResults } from '../src/run/interpret.js';
import { programOf as program } from './helpers/program.js';

const GENERIC = `struct kvm_vcpu;

void noinstr vcpu_sync(struct kvm_vcpu *vcpu)
{
	sync_regs(vcpu);
}
`;
const ALPHA = `struct kvm_vcpu;

int alpha_run(struct kvm_vcpu *vcpu)
{
	local_irq_disable();
	guest_state_enter_irqoff();
	vcpu_sync(vcpu);
	local_irq_enable();
	guest_state_exit_irqoff();
	return 0;
}
`;
const BETA = `struct kvm_vcpu;

int beta_run(struct kvm_vcpu *vcpu)
{
	local_irq_disable();
	guest_state_enter_irqoff();
	vcpu_sync(vcpu);
	guest_state_exit_irqoff();
	local_irq_enable();
	return 0;
}
`;
const TREE = { 'virt/kvm/kvm_main.c': GENERIC, 'arch/alpha/kvm/run.c': ALPHA, 'arch/beta/kvm/run.c': BETA };

/** Results kept in memory, counting what was found and what was analysed. */
class Store implements GroupResults {
  private readonly results = new Map<string, string>();
  hits = 0;
  misses = 0;
  get(key: string): InterpreterResult | undefined {
    const stored = this.results.get(key);
    if (stored === undefined) { this.misses++; return undefined; }
    this.hits++;
    return JSON.parse(stored) as InterpreterResult;
  }
  put(key: string, result: InterpreterResult): void {
    this.results.set(key, JSON.stringify(result));
  }
  reset(): void {
    this.hits = 0;
    this.misses = 0;
  }
}

const ARCHES = ['arch/alpha', 'arch/beta'];

function analyse(files: Record<string, string>, store: Store | null): string {
  const result = analyseProgram(program(files), {
    rules: RULES, entryFacts: new Map(), scannedArches: ARCHES,
    cache: store ? { results: store, context: 'test' } : null,
  });
  return JSON.stringify(result);
}

describe('analysis by arch, with earlier results', () => {
  it('an edit in one arch leaves the other arch\'s group to the earlier result', () => {
    const store = new Store();
    const cold = analyse(TREE, store);
    expect(store).toMatchObject({ hits: 0, misses: 2 });
    expect(cold).toBe(analyse(TREE, null));
    expect(JSON.parse(cold).findings).toEqual([expect.objectContaining({ ruleId: 'irq-enabled-in-eqs', function: 'alpha_run', line: 8 })]);

    store.reset();
    expect(analyse(TREE, store)).toBe(cold);
    expect(store).toMatchObject({ hits: 2, misses: 0 });

    // Fixed in alpha (and every line moved): alpha again, beta as before.
    store.reset();
    const fixed = { ...TREE, 'arch/alpha/kvm/run.c': `/* fixed */\n${ALPHA.replace('\tlocal_irq_enable();\n\tguest_state_exit_irqoff();\n', '\tguest_state_exit_irqoff();\n\tlocal_irq_enable();\n')}` };
    const afterFix = analyse(fixed, store);
    expect(store).toMatchObject({ hits: 1, misses: 1 });
    expect(afterFix).toBe(analyse(fixed, null));
    expect(JSON.parse(afterFix).findings).toEqual([]);
  });

  it('an edit in generic code both arches call makes both groups analysed again', () => {
    const store = new Store();
    analyse(TREE, store);
    store.reset();
    const unmasking = { ...TREE, 'virt/kvm/kvm_main.c': GENERIC.replace('\tsync_regs(vcpu);\n', '\tsync_regs(vcpu);\n\tlocal_irq_enable();\n') };
    const edited = analyse(unmasking, store);
    expect(store).toMatchObject({ hits: 0, misses: 2 });
    expect(edited).toBe(analyse(unmasking, null));
    expect(JSON.parse(edited).findings.map((f: { function: string }) => f.function).sort()).toEqual(['alpha_run', 'beta_run']);
  });

  it('a definition appearing in one arch is seen by generic code on that arch\'s paths only', () => {
    const store = new Store();
    analyse(TREE, store);
    store.reset();
    // sync_regs() was unknown; beta now defines it, unmasking interrupts. Generic
    // code calls it, so both groups are analysed again (alpha's path now leaves an
    // arch-dependent call there) — and only beta's path runs it.
    const withHook = { ...TREE, 'arch/beta/kvm/regs.c': 'struct kvm_vcpu;\n\nvoid sync_regs(struct kvm_vcpu *vcpu)\n{\n\tlocal_irq_enable();\n}\n' };
    const edited = analyse(withHook, store);
    expect(store).toMatchObject({ hits: 0, misses: 2 });
    expect(edited).toBe(analyse(withHook, null));
    const findings = JSON.parse(edited).findings as { ruleId: string; function: string; line: number }[];
    const of = (rule: string) => findings.filter((f) => f.ruleId === rule).map((f) => `${f.function}:${f.line}`).sort();
    expect(of('irq-enabled-in-eqs')).toEqual(['alpha_run:8', 'beta_run:7']);
    // beta's sync_regs() is instrumentable (a plain function): in beta's window only.
    expect(of('instrumentation-in-eqs')).toEqual(['beta_run:7']);
  });
});
