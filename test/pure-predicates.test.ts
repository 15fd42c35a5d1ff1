import { describe, expect, it } from 'vitest';
import { purePredicates, readPredicateCandidates, type PredicateCandidates } from '../src/scan/pure-predicates.js';

function predicatesOf(text: string, excluded: (n: string) => boolean = () => false): string[] {
  const candidates: PredicateCandidates = new Map();
  readPredicateCandidates(text, candidates);
  const pure = purePredicates(candidates, excluded);
  return [...candidates.keys()].filter((n) => pure.has(n)).sort();
}

describe('pure predicates', () => {
  it('takes one-expression macros and inline functions that only return', () => {
    expect(predicatesOf(`
#define user_mode(regs) (((regs)->status & SR_PP) == 0)
#define compat_user_mode(regs)	\\
	(((regs)->pstate & (PSR_MODE32_BIT | PSR_MODE_MASK)) == \\
	 (PSR_MODE32_BIT | PSR_MODE_EL0t))
static __always_inline int x86_user_mode(struct pt_regs *regs)
{
#ifdef CONFIG_X86_32
	return ((regs->cs & SEGMENT_RPL_MASK) | (regs->flags & X86_VM_MASK)) >= USER_RPL;
#else
	return !!(regs->cs & 3);
#endif
}
static inline bool is_guest_mode(struct kvm_vcpu *vcpu)
{
	return vcpu->arch.hflags & HF_GUEST_MASK; /* a comment = not code */
}
`)).toEqual(['compat_user_mode', 'is_guest_mode', 'user_mode', 'x86_user_mode']);
  });

  it('refuses side effects, statements, and predicates of nothing', () => {
    expect(predicatesOf(`
#define take(x) ((x)->n = 0)
#define bump(x) ((x)->n++)
#define shifted(x) ((x)->n <<= 1)
#define stmt(x) do { (x)->n = 1; } while (0)
#define nothing() (jiffies > 0)
static inline int dec_and_test(int *v) { return --(*v) == 0; }
static inline int logs(int v) { pr_info("x"); return v; }
static inline bool none(void) { return true; }
`)).toEqual([]);
  });

  it('keeps calls only to other predicates (a fixed point) and leaves out model names', () => {
    const text = `
#define is_on(x) ((x)->flags & 1)
#define is_on_and_ready(x) (is_on(x) && ready(x))
#define both(x) (is_on(x) && is_on(x))
#define ready(x) ((x)->ready)
#define reads_counter(x) (atomic_read(&(x)->count) > 0)
`;
    expect(predicatesOf(text)).toEqual(['both', 'is_on', 'is_on_and_ready', 'ready']);
    expect(predicatesOf(text, (n) => n === 'ready')).toEqual(['both', 'is_on']);
  });
});
