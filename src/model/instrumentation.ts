// What instrumentation is, as data: the kinds the compiler can add to a function,
// the attributes that keep them out of one, and the kernel API that runs
// instrumentable code (or needs RCU watching) where the scan sees no body.
// References are to the Debian linux-source-6.1 and -6.12 trees.

/** Instrumentation the kernel build can add to a function's own code. */
export const INSTRUMENTATION_KINDS = [
  'ftrace', // function entry hook: -pg / -mfentry / -fpatchable-function-entry (CC_FLAGS_FTRACE)
  'kcov', // coverage callbacks (__sanitizer_cov_*)
  'kasan', // address sanitizer checks (__asan_*)
  'kcsan', // data race sanitizer (__tsan_*)
  'kmsan', // uninitialised-memory sanitizer (__msan_*)
  'ubsan', // undefined behaviour checks (__ubsan_handle_* on failure)
  'gcov', // profiling counters (-fprofile-arcs)
  'branch-profiling', // likely()/unlikely()/if counters calling ftrace_likely_update() (CONFIG_TRACE_BRANCH_PROFILING)
] as const;
export type InstrumentationKind = (typeof INSTRUMENTATION_KINDS)[number];

/** The Kconfig option without which the kernel builds no object with the kind
 *  (Makefile: CC_FLAGS_FTRACE under CONFIG_FUNCTION_TRACER; scripts/Makefile.lib:
 *  each sanitizer's flags under its CONFIG_; include/linux/compiler.h for branch profiling). */
export const INSTRUMENTATION_OPTIONS: Record<InstrumentationKind, string> = {
  ftrace: 'FUNCTION_TRACER', kcov: 'KCOV', kasan: 'KASAN', kcsan: 'KCSAN', kmsan: 'KMSAN', ubsan: 'UBSAN',
  gcov: 'GCOV_KERNEL', 'branch-profiling': 'TRACE_BRANCH_PROFILING',
};

/** The kinds `noinstr` keeps out (include/linux/compiler_types.h: 6.1:257, 6.12:371 `__noinstr_section`:
 *  noinline notrace __no_kcsan __no_sanitize_address __no_profile __no_sanitize_coverage
 *  __no_sanitize_memory), so the kinds whose presence makes a function instrumentable in the
 *  noinstr sense. UBSAN stays (objtool lets `__ubsan_handle_*` calls out of .noinstr.text, "like
 *  WARN()": tools/objtool/check.c noinstr_call_dest()), and so does branch profiling (arm64 turns it
 *  off for all of arch/arm64 instead: arch/arm64/Kbuild "Branch profiling isn't noinstr-safe"). */
export const NOINSTR_KINDS: readonly InstrumentationKind[] = ['ftrace', 'kcov', 'kasan', 'kcsan', 'kmsan', 'gcov'];

export interface AttributeFacts {
  /** The kinds the attribute keeps out of the function's own code. */
  removes: readonly InstrumentationKind[];
  /** Always inlined: the body becomes part of each caller, whose attributes and object decide. */
  inlined?: true;
  /** The section objtool validates as noinstr (calls out of it must go to noinstr code). */
  noinstrSection?: string;
  why: string;
  /** Kernels before this version (major.minor) define the attribute as `before` says. */
  since?: string;
  before?: { removes: readonly InstrumentationKind[]; why: string };
}

const ALL_KINDS: readonly InstrumentationKind[] = INSTRUMENTATION_KINDS;

/** Attributes (the kernel's macro names) that keep instrumentation out of a function.
 *  Not here: __noscs and __nocfi (shadow call stack and CFI checks make no calls out),
 *  __no_kmsan_checks (KMSAN still instruments, it only stops reporting), __no_stack_protector. */
const ATTRIBUTES: Record<string, AttributeFacts> = {
  noinstr: {
    removes: NOINSTR_KINDS, noinstrSection: '.noinstr.text',
    why: 'compiler_types.h: noinline notrace, no KCSAN/KASAN/gcov/KCOV/KMSAN, in .noinstr.text',
  },
  __cpuidle: {
    removes: NOINSTR_KINDS, noinstrSection: '.cpuidle.text',
    why: 'compiler_types.h (6.12:388): __noinstr_section(".cpuidle.text"), the same as noinstr; objtool checks .cpuidle.text as noinstr',
    since: '6.2',
    before: { removes: [], why: 'include/linux/cpu.h (6.1:190): __section(".cpuidle.text") only; objtool 6.1 does not check that section' },
  },
  __always_inline: {
    removes: ALL_KINDS, inlined: true,
    why: 'compiler_attributes.h: inline __attribute__((__always_inline__)): compiled as part of each caller',
  },
  notrace: { removes: ['ftrace'], why: 'compiler_types.h: no_instrument_function (or patchable_function_entry(0, 0) / hotpatch(0, 0))' },
  inline: {
    removes: ['ftrace'],
    why: 'compiler_types.h redefines inline as "inline __gnu_inline __inline_maybe_unused notrace": an out-of-line copy is not traced, but is sanitized',
  },
  __naked: { removes: ALL_KINDS, why: 'compiler_types.h: __attribute__((__naked__)) notrace; a naked body is basic asm only, with nothing to instrument' },
  __no_kcsan: { removes: ['kcsan'], why: 'compiler_types.h: __no_sanitize_thread __disable_sanitizer_instrumentation in KCSAN builds' },
  __no_sanitize_thread: { removes: ['kcsan'], why: 'compiler-gcc.h / compiler-clang.h: no_sanitize_thread' },
  __no_sanitize_address: { removes: ['kasan'], why: 'compiler-gcc.h / compiler-clang.h: no_sanitize_address (hwaddress for SW tags)' },
  __no_sanitize_memory: { removes: ['kmsan'], why: 'compiler-clang.h: __disable_sanitizer_instrumentation' },
  __no_sanitize_coverage: {
    removes: ['kcov'],
    why: 'no_sanitize_coverage / no_sanitize("coverage"); objtool also turns leftover __sanitizer_cov_* calls in noinstr code into NOPs (check.c is_profiling_func)',
  },
  __no_sanitize_undefined: { removes: ['ubsan'], why: 'compiler-gcc.h / compiler-clang.h: no_sanitize_undefined' },
  __no_profile: { removes: ['gcov'], why: 'compiler_attributes.h: no_profile_instrument_function' },
  __no_kasan_or_inline: { removes: ['ftrace', 'kasan'], why: 'compiler_types.h: __no_sanitize_address notrace under KASAN, __always_inline otherwise' },
  __no_sanitize_or_inline: {
    removes: ['ftrace', 'kasan', 'kcsan'],
    why: 'compiler_types.h: notrace plus the one sanitizer of the build (KASAN and KCSAN exclude each other: lib/Kconfig.kcsan); under KMSAN only its checks go',
  },
};

/** What an attribute removes in a kernel of the given version ("6.1"); the newest meaning without one. */
export function attributeFacts(name: string, kernelVersion?: string): AttributeFacts | undefined {
  const facts = ATTRIBUTES[name];
  if (!facts?.since || !facts.before || kernelVersion === undefined) return facts;
  return versionBefore(kernelVersion, facts.since) ? { ...facts, ...facts.before } : facts;
}

function versionBefore(version: string, since: string): boolean {
  const [a = 0, b = 0] = version.split('.').map(Number);
  const [c = 0, d = 0] = since.split('.').map(Number);
  return a < c || (a === c && b < d);
}

/** What a call to a kernel API function does that matters while RCU is not watching. */
export type KernelApiClass =
  | 'tracepoint' // trace_<event>(): RCU must watch (tracepoint.h warns under lockdep even when disabled)
  | 'tracepoint-rcuidle' // trace_<event>_rcuidle(): makes RCU watch itself (6.12: warns on ARCH_WANTS_NO_INSTR arches)
  | 'rcu-reader' // an RCU read-side section or access: RCU ignores a CPU in an EQS
  | 'rcu' // other RCU use that needs this CPU watched
  | 'srcu' // SRCU: legal on idle CPUs, but runs instrumentable code
  | 'printk' // printk family: tracepoint and instrumentable code
  | 'lockdep'; // lockdep hooks: instrumentable code, some with tracepoints

export interface KernelApiFacts { class: KernelApiClass; why: string }

/** The Kconfig option without which a class of the API compiles to nothing (tracepoint.h's
 *  empty trace_<event>() without CONFIG_TRACEPOINTS; lockdep.h's no-op lock_acquire() without
 *  CONFIG_LOCKDEP; printk.h's empty printk() without CONFIG_PRINTK). RCU and SRCU are always there. */
export const KERNEL_API_OPTIONS: Partial<Record<KernelApiClass, string>> = {
  tracepoint: 'TRACEPOINTS', 'tracepoint-rcuidle': 'TRACEPOINTS', lockdep: 'LOCKDEP', printk: 'PRINTK',
};

const RCU_READER_WHY = 'a CPU in an EQS is ignored by RCU, so the read side protects nothing; rcupdate.h warns (RCU_LOCKDEP_WARN(!rcu_is_watching()))';
const RCU_DEREF_WHY = 'rcu_dereference*_check() asks rcu_read_lock*_held(), false while RCU is not watching (kernel/rcu/update.c)';
const SRCU_READER_WHY = 'SRCU readers may run on idle CPUs (Documentation/RCU/Design/Requirements/Requirements.rst), but srcu_read_lock() calls __srcu_read_lock() (kernel/rcu/srcutree.c, instrumentable) and, under lockdep, lock_acquire()';
const CALL_RCU_WHY = '"call_rcu() is illegal within NMI handlers and from idle and offline CPUs" (Requirements.rst); kernel/rcu/tree.c is instrumentable';
const SYNC_RCU_WHY = 'waits for a grace period (sleeps) in instrumentable code (kernel/rcu/tree.c)';
const PRINTK_WHY = 'printk_sprint() calls trace_console() (6.12; trace_console_rcuidle() in 6.1) and kernel/printk is built with every instrumentation';
const LOCKDEP_TRACED_WHY = 'kernel/locking/lockdep.c: not noinstr, and calls a tracepoint (trace_lock_acquire() and friends)';
const LOCKDEP_WHY = 'kernel/locking/lockdep.c: not noinstr (built without ftrace, KCSAN and KCOV but with KASAN, UBSAN, gcov)';

function entries(names: string[], facts: KernelApiFacts): Record<string, KernelApiFacts> {
  return Object.fromEntries(names.map((n) => [n, facts]));
}

const PRINTK_LEVELS = ['emerg', 'alert', 'crit', 'err', 'warn', 'notice', 'info'];

/** Exact names. pr_debug()/pr_devel() are not here: without DEBUG or dynamic debug they compile to nothing. */
const KERNEL_API: Record<string, KernelApiFacts> = {
  ...entries(['rcu_read_lock', 'rcu_read_unlock', 'rcu_read_lock_bh', 'rcu_read_unlock_bh', 'rcu_read_lock_sched',
    'rcu_read_unlock_sched'], { class: 'rcu-reader', why: RCU_READER_WHY }),
  ...entries(['rcu_read_lock_sched_notrace', 'rcu_read_unlock_sched_notrace'],
    { class: 'rcu-reader', why: 'no lockdep check, but a CPU in an EQS is still ignored by RCU: the read side protects nothing' }),
  ...entries(['rcu_dereference', 'rcu_dereference_check', 'rcu_dereference_bh', 'rcu_dereference_bh_check',
    'rcu_dereference_sched', 'rcu_dereference_sched_check'], { class: 'rcu-reader', why: RCU_DEREF_WHY }),
  ...entries(['call_rcu', 'call_rcu_hurry', 'kfree_rcu', 'kvfree_rcu', 'kfree_rcu_mightsleep', 'kvfree_rcu_mightsleep',
    'kvfree_call_rcu'], { class: 'rcu', why: CALL_RCU_WHY }),
  ...entries(['synchronize_rcu', 'synchronize_rcu_expedited', 'rcu_barrier'], { class: 'rcu', why: SYNC_RCU_WHY }),
  ...entries(['srcu_read_lock', 'srcu_read_unlock', 'srcu_read_lock_nmisafe', 'srcu_read_unlock_nmisafe'],
    { class: 'srcu', why: SRCU_READER_WHY }),
  ...entries(['call_srcu', 'synchronize_srcu', 'synchronize_srcu_expedited', 'srcu_barrier'],
    { class: 'srcu', why: 'kernel/rcu/srcutree.c: instrumentable update-side code' }),
  ...entries(['printk', '_printk', 'printk_deferred', '_printk_deferred', 'vprintk', 'vprintk_emit', 'printk_ratelimited',
    'pr_cont', ...PRINTK_LEVELS.flatMap((l) => [`pr_${l}`, `pr_${l}_once`, `pr_${l}_ratelimited`, `dev_${l}`, `_dev_${l}`])],
  { class: 'printk', why: PRINTK_WHY }),
  ...entries(['lock_acquire', 'lock_release', 'lock_acquired', 'lock_contended', 'lock_map_acquire', 'lock_map_acquire_read',
    'lock_map_acquire_try', 'lock_map_release'], { class: 'lockdep', why: LOCKDEP_TRACED_WHY }),
  ...entries(['lock_sync', 'lock_set_class', 'lock_set_subclass', 'lock_downgrade', 'lock_pin_lock', 'lock_repin_lock',
    'lock_unpin_lock', 'lockdep_hardirqs_on_prepare', 'lockdep_softirqs_on', 'lockdep_softirqs_off', 'lockdep_init_map',
    'lockdep_init_map_type', 'lockdep_rcu_suspicious', 'debug_check_no_locks_held'], { class: 'lockdep', why: LOCKDEP_WHY }),
};

/** Functions named trace_* that are not tracepoints (include/linux, kernel/trace of 6.12):
 *  tracing infrastructure, trace_printk(), trace clocks, and the irq/preempt tracing hooks of
 *  kernel/trace/trace_preemptirq.c (ordinary functions, seen through their definitions).
 *  Families by prefix only where no event of the tree shares it (there are events clock_enable,
 *  preempt_enable and event_wip, so those are exact names). */
const NOT_TRACEPOINT_FAMILY = /^trace_(?:array|seq|print|printk|recursion|hardirqs)(?:_|$)/;
const NOT_TRACEPOINT = new Set([
  'trace_puts', 'trace_clock', 'trace_clock_local', 'trace_clock_global', 'trace_clock_counter', 'trace_clock_jiffies',
  'trace_clock_in_ns', 'trace_preempt_on', 'trace_preempt_off', 'trace_define_field', 'trace_dump_stack',
  'trace_handle_return', 'trace_call_bpf', 'trace_clear_recursion', 'trace_get_context_bit',
  'trace_test_and_set_recursion', 'trace_init', 'trace_module_has_bad_taint', 'trace_output_call',
  'trace_raw_output_prep', 'trace_rb_cpu_prepare', 'trace_add_event_call', 'trace_remove_event_call',
  'trace_set_clr_event', 'trace_get_event_file', 'trace_put_event_file', 'trace_hwlat_callback',
  'trace_osnoise_callback', 'trace_event_buffer_commit', 'trace_event_buffer_reserve', 'trace_event_dyn_busy',
  'trace_event_dyn_put_ref', 'trace_event_dyn_try_get_ref', 'trace_event_get_offsets', 'trace_event_ignore_this_pid',
  'trace_event_printf', 'trace_event_put_ref', 'trace_event_raw_init', 'trace_event_reg', 'trace_event_try_get_ref',
]);

const TRACEPOINT: KernelApiFacts = {
  class: 'tracepoint',
  why: 'include/linux/tracepoint.h: trace_<event>() needs RCU watching, and under lockdep warns when it is not, enabled or not',
};
const TRACEPOINT_RCUIDLE: KernelApiFacts = {
  class: 'tracepoint-rcuidle',
  why: 'include/linux/tracepoint.h: makes RCU watch (ct_irq_enter_irqson()) around the probes; not for modules; 6.12 warns "Bad RCU usage for tracepoint" when enabled on ARCH_WANTS_NO_INSTR arches',
};

/** The model's kernel API facts for a function the scan has no body for, by name or tracepoint shape. */
export function kernelApiFacts(name: string): KernelApiFacts | undefined {
  const exact = KERNEL_API[name];
  if (exact) return exact;
  if (!name.startsWith('trace_') || NOT_TRACEPOINT.has(name) || NOT_TRACEPOINT_FAMILY.test(name)) return undefined;
  if (name.endsWith('_enabled')) return undefined; // trace_<event>_enabled(): a static key test
  return name.endsWith('_rcuidle') ? TRACEPOINT_RCUIDLE : TRACEPOINT;
}
