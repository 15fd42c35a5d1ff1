// Lookups of the instrumentation model: attributes and the kernel API reported without a body.
import { describe, expect, it } from 'vitest';
import { INSTRUMENTATION_KINDS, NOINSTR_KINDS, attributeFacts, kernelApiFacts } from '../src/model/instrumentation.js';

describe('attributes', () => {
  it('noinstr keeps out every kind objtool cares about, not UBSAN nor branch profiling', () => {
    const noinstr = attributeFacts('noinstr')!;
    expect(noinstr.removes).toEqual(NOINSTR_KINDS);
    expect(noinstr.noinstrSection).toBe('.noinstr.text');
    expect(NOINSTR_KINDS).not.toContain('ubsan');
    expect(NOINSTR_KINDS).not.toContain('branch-profiling');
  });

  it('__cpuidle is noinstr from 6.2, a bare section before', () => {
    expect(attributeFacts('__cpuidle')!.removes).toEqual(NOINSTR_KINDS);
    expect(attributeFacts('__cpuidle', '6.12')!.removes).toEqual(NOINSTR_KINDS);
    expect(attributeFacts('__cpuidle', '6.2')!.removes).toEqual(NOINSTR_KINDS);
    expect(attributeFacts('__cpuidle', '6.1')!.removes).toEqual([]);
    expect(attributeFacts('__cpuidle', '5.15')!.why).toMatch(/cpu\.h/);
    expect(attributeFacts('noinstr', '6.1')!.removes).toEqual(NOINSTR_KINDS); // no version split
  });

  it('__always_inline is compiled into its callers; single-kind attributes remove their kind', () => {
    expect(attributeFacts('__always_inline')).toMatchObject({ inlined: true, removes: INSTRUMENTATION_KINDS });
    expect(attributeFacts('notrace')!.removes).toEqual(['ftrace']);
    expect(attributeFacts('inline')!.removes).toEqual(['ftrace']);
    expect(attributeFacts('__no_kcsan')!.removes).toEqual(['kcsan']);
    expect(attributeFacts('__no_sanitize_address')!.removes).toEqual(['kasan']);
    expect(attributeFacts('__no_profile')!.removes).toEqual(['gcov']);
  });

  it('attributes that remove no instrumentation are not in the table', () => {
    for (const name of ['__noscs', '__nocfi', '__no_kmsan_checks', '__init', 'static', 'noinline']) expect(attributeFacts(name)).toBeUndefined();
  });
});

describe('kernel API', () => {
  it('tracepoints by shape; _rcuidle apart; _enabled() is a static key test', () => {
    expect(kernelApiFacts('trace_kvm_enter')?.class).toBe('tracepoint');
    expect(kernelApiFacts('trace_kvm_exit')?.class).toBe('tracepoint');
    expect(kernelApiFacts('trace_irq_disable_rcuidle')?.class).toBe('tracepoint-rcuidle');
    expect(kernelApiFacts('trace_kvm_exit_enabled')).toBeUndefined();
  });

  it('trace_* functions that are not tracepoints, but events that share their prefixes are', () => {
    for (const name of ['trace_printk', 'trace_puts', 'trace_seq_printf', 'trace_hardirqs_on', 'trace_hardirqs_off_finish',
      'trace_clock_local', 'trace_preempt_on', 'trace_array_printk', 'trace_event_buffer_commit']) {
      expect(kernelApiFacts(name), name).toBeUndefined();
    }
    for (const name of ['trace_clock_enable', 'trace_preempt_enable', 'trace_event_wip']) expect(kernelApiFacts(name)?.class, name).toBe('tracepoint');
  });

  it('RCU readers and other RCU use, SRCU, printk and lockdep by name', () => {
    expect(kernelApiFacts('rcu_read_lock')?.class).toBe('rcu-reader');
    expect(kernelApiFacts('rcu_dereference_check')?.class).toBe('rcu-reader');
    expect(kernelApiFacts('rcu_read_lock_sched_notrace')?.class).toBe('rcu-reader');
    expect(kernelApiFacts('call_rcu')?.class).toBe('rcu');
    expect(kernelApiFacts('kfree_rcu')?.class).toBe('rcu');
    expect(kernelApiFacts('synchronize_rcu_expedited')?.class).toBe('rcu');
    expect(kernelApiFacts('srcu_read_lock')?.class).toBe('srcu');
    expect(kernelApiFacts('pr_err_ratelimited')?.class).toBe('printk');
    expect(kernelApiFacts('_printk')?.class).toBe('printk');
    expect(kernelApiFacts('lock_acquire')?.why).toMatch(/trace_lock_acquire/);
    expect(kernelApiFacts('lockdep_hardirqs_on_prepare')?.class).toBe('lockdep');
  });

  it('what is safe or unknown is not reported', () => {
    for (const name of ['rcu_dereference_protected', 'rcu_access_pointer', 'rcu_dereference_raw', 'srcu_read_lock_notrace',
      'lockdep_hardirqs_on', 'lockdep_hardirqs_off', 'lock_is_held_type', 'rcu_is_watching', 'pr_debug', 'pr_devel',
      'kvm_arch_vcpu_run', 'trace', 'tracehook_notify_resume']) {
      expect(kernelApiFacts(name), name).toBeUndefined();
    }
  });

  it('every entry says why', () => {
    for (const name of ['rcu_read_unlock_bh', 'call_srcu', 'printk_deferred', 'dev_warn', 'lock_release', 'trace_x']) {
      expect(kernelApiFacts(name)!.why.length, name).toBeGreaterThan(20);
    }
  });
});
