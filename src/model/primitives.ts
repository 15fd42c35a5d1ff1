// What each kernel primitive does to the abstract state, as data.
// Each entry is a sequence of elementary operations, in the order the kernel
// performs them (guest_exit() saves, leaves, stops accounting, restores).
//
// Operation words:
//   irq-off | irq-on                 interrupts disabled / enabled
//   save(N) | save(%slot)            remember the interrupt state in argument N's variable (or a private slot)
//   save-result                      remember it in the variable the call's value is assigned to
//   restore(N) | restore(%slot)      set interrupts back to the remembered state (unknown when nothing
//                                    was saved there)
//   restore(N,NAME=on,NAME=off…)     the same, where argument N spelled as one of these constants
//                                    sets them on or off, or leaves them as they are (NAME=kept);
//                                    any other constant: unknown
//   ct-enter(K) | ct-exit(K)         enter / leave context K: guest, user (EQS) or idle
//   vtime-enter | vtime-exit         guest time accounting (PF_VCPU) on / off
//   gif-clear | gif-set              x86 SVM global interrupt flag (clgi / stgi)
//   assume-irq-off                   a precondition: interrupts are off here
//   expect-irq-on                    the API requires interrupts on (spin_lock_irq()); outside an EQS a
//                                    path that reaches it with them off is taken to be impossible
//   might-sleep                      the call may sleep (might_sleep()): the kernel forbids it with
//                                    interrupts off, so a path reaching it with them off is not a path
//   might-sleep(N,FLAG,…)            the same when argument N names one of the FLAGs (GFP_KERNEL in
//                                    kmalloc(size, GFP_KERNEL)); when it names none, or is a variable, nothing
//   returns(true) | returns(irqs-disabled) | noreturn
//   instr-begin | instr-end          instrumentation_begin() / _end(): instrumentable code may run
//                                    between them, whatever the context (objtool's count)
//   known                            no effect on the state (known, so not an "unknown callee")
//   forward(N)                       calls the function named by argument N with the arguments after it

export interface ModelGeneration {
  name: string;
  description: string;
  primitives: Record<string, string>;
  /** Wrappers the kernel defines in its headers: derived from those definitions
   *  when the tree holds them; this table is the fallback (a single file, a patch). */
  wrappers?: boolean;
}

const IRQ: Record<string, string> = {
  local_irq_disable: 'irq-off', local_irq_enable: 'irq-on',
  local_irq_save: 'save(0) irq-off', local_irq_restore: 'restore(0)', local_save_flags: 'save(0)',
  raw_local_irq_disable: 'irq-off', raw_local_irq_enable: 'irq-on',
  raw_local_irq_save: 'save(0) irq-off', raw_local_irq_restore: 'restore(0)', raw_local_save_flags: 'save(0)',
  arch_local_irq_disable: 'irq-off', arch_local_irq_enable: 'irq-on',
  arch_local_irq_save: 'save-result irq-off', arch_local_save_flags: 'save-result', arch_local_irq_restore: 'restore(0)',
  native_irq_disable: 'irq-off', native_irq_enable: 'irq-on',
  local_irq_enable_and_sleep: 'irq-on',
  // powerpc: hard-disable (also soft-disables); the soft state is what local_irq_enable() undoes.
  hard_irq_disable: 'irq-off', __hard_irq_disable: 'irq-off', __hard_irq_enable: 'known',
  // powerpc (asm/hw_irq.h): save and disable, PMU interrupts included.
  powerpc_local_irq_pmu_save: 'save(0) irq-off', powerpc_local_irq_pmu_restore: 'restore(0)',
  irqs_disabled: 'returns(irqs-disabled)', raw_irqs_disabled: 'returns(irqs-disabled)',
  arch_irqs_disabled: 'returns(irqs-disabled)',
  lockdep_assert_irqs_disabled: 'assume-irq-off', lockdep_assert_irqs_enabled: 'known',
  spin_lock_irq: 'expect-irq-on irq-off', spin_unlock_irq: 'irq-on',
  spin_lock_irqsave: 'save(1) irq-off', spin_unlock_irqrestore: 'restore(1)',
  raw_spin_lock_irq: 'expect-irq-on irq-off', raw_spin_unlock_irq: 'irq-on',
  raw_spin_lock_irqsave: 'save(1) irq-off', raw_spin_unlock_irqrestore: 'restore(1)',
  read_lock_irq: 'expect-irq-on irq-off', read_unlock_irq: 'irq-on', write_lock_irq: 'expect-irq-on irq-off', write_unlock_irq: 'irq-on',
  read_lock_irqsave: 'save(1) irq-off', read_unlock_irqrestore: 'restore(1)',
  write_lock_irqsave: 'save(1) irq-off', write_unlock_irqrestore: 'restore(1)',
  arch_spin_lock_irq: 'expect-irq-on irq-off', arch_spin_unlock_irq: 'irq-on',
  // x86 SVM: while the global interrupt flag is clear, setting IF unmasks nothing.
  clgi: 'gif-clear', stgi: 'gif-set',
};

/** Interrupt primitives of arch entry code, named by the headers that define them.
 *  True primitives: their definitions end in instructions or system-register
 *  writes the analysis cannot read (and local_daif_restore() branches on bits of
 *  its argument), so the tree's definitions would have no effect. */
const ARCH_IRQ: Record<string, string> = {
  // arm64 (arch/arm64/include/asm/daifflags.h): DAIF_PROCCTX is 0 (everything
  // unmasked); DAIF_PROCCTX_NOIRQ, DAIF_ERRCTX and DAIF_MASK set PSR_I_BIT.
  local_daif_mask: 'irq-off', local_daif_save_flags: 'save-result', local_daif_save: 'save-result irq-off',
  local_daif_restore: 'restore(0,DAIF_PROCCTX=on,DAIF_PROCCTX_NOIRQ=off,DAIF_ERRCTX=off,DAIF_MASK=off)',
  // Back to the interrupted context's mask (regs->pstate): saved by the exception
  // entry, which the model does not see, so unknown.
  local_daif_inherit: 'restore(%interrupted)',
  // powerpc 64-bit soft mask (arch/powerpc/include/asm/hw_irq.h). Setting
  // IRQS_ENABLED directly is done hard-disabled (kvmppc_fix_ee_before_entry()
  // before a guest entry; arch_local_irq_restore() replays pending interrupts and
  // hard-enables otherwise): it lets no interrupt in, so the state is kept.
  irq_soft_mask_set: 'restore(0,IRQS_ALL_DISABLED=off,IRQS_DISABLED=off,IRQS_ENABLED=kept)',
  irq_soft_mask_set_return: 'save-result restore(0,IRQS_ALL_DISABLED=off,IRQS_DISABLED=off,IRQS_ENABLED=kept)',
  // Hard-disable (MSR[EE] and MSR[RI] clear), as __hard_irq_disable(); RI alone
  // does not gate interrupts.
  __hard_EE_RI_disable: 'irq-off', __hard_RI_enable: 'known',
  // s390 (arch/s390/include/asm/irqflags.h): stosm/stnsm/ssm on the PSW system
  // mask; enabling external interrupts alone lets timer and IPI interrupts in.
  __arch_local_irq_enable: 'irq-on', __arch_local_irq_enable_external: 'irq-on', arch_local_irq_enable_external: 'irq-on',
  __arch_local_irq_save: 'save-result irq-off', __arch_local_save_flags: 'save-result',
  __arch_local_irq_ssm: 'restore(0)',
  // x86 (arch/x86/include/asm/irqflags.h, paravirt.h, mwait.h; include/linux/irqflags.h):
  // `sti; hlt` and `sti; mwait` wait with interrupts enabled.
  native_safe_halt: 'irq-on', arch_safe_halt: 'irq-on', raw_safe_halt: 'irq-on', safe_halt: 'irq-on', __sti_mwait: 'irq-on',
};

const NORETURN: Record<string, string> = {
  BUG: 'noreturn', panic: 'noreturn', unreachable: 'noreturn', do_exit: 'noreturn', make_task_dead: 'noreturn',
  __builtin_unreachable: 'noreturn', __builtin_trap: 'noreturn', kvm_spurious_fault: 'noreturn',
  hyp_panic: 'noreturn', __hyp_do_panic: 'noreturn', nvhe_hyp_panic_handler: 'noreturn', emergency_restart: 'noreturn',
};

const EQS_DOORS: Record<string, string> = {
  ct_user_enter: 'ct-enter(user)', ct_user_exit: 'ct-exit(user)',
  __ct_user_enter: 'ct-enter(user)', __ct_user_exit: 'ct-exit(user)',
  context_tracking_user_enter: 'ct-enter(user)', context_tracking_user_exit: 'ct-exit(user)',
  __context_tracking_enter: 'known', __context_tracking_exit: 'known',
  ct_idle_enter: 'ct-enter(idle)', ct_idle_exit: 'ct-exit(idle)',
  rcu_idle_enter: 'ct-enter(idle)', rcu_idle_exit: 'ct-exit(idle)',
  // Interrupt/NMI/exception entry make RCU watch for their own duration and
  // restore the previous state on the way out: no net change to the context.
  ct_irq_enter: 'known', ct_irq_exit: 'known', rcu_irq_enter: 'known', rcu_irq_exit: 'known',
  ct_irq_enter_irqson: 'known', ct_irq_exit_irqson: 'known', ct_nmi_enter: 'known', ct_nmi_exit: 'known',
  rcu_nmi_enter: 'known', rcu_nmi_exit: 'known', irqentry_enter: 'known', irqentry_exit: 'known',
  exception_enter: 'known', exception_exit: 'known',
  // nohz_full is assumed: context tracking is on for the CPU.
  context_tracking_enabled: 'returns(true)', context_tracking_enabled_cpu: 'returns(true)',
  context_tracking_enabled_this_cpu: 'returns(true)',
  rcu_virt_note_context_switch: 'known', instrumentation_begin: 'instr-begin', instrumentation_end: 'instr-end',
};

/** What may sleep (it calls might_sleep(), or schedules): with interrupts off,
 *  not a path. Kept to what sleeps whatever its arguments, and the allocators
 *  whose flags say so (GFP_KERNEL and the other flags with __GFP_DIRECT_RECLAIM). */
const SLEEPING_GFP = 'GFP_KERNEL,GFP_KERNEL_ACCOUNT,GFP_USER,GFP_HIGHUSER,GFP_HIGHUSER_MOVABLE,GFP_NOIO,GFP_NOFS';
const SLEEP: Record<string, string> = {
  schedule: 'might-sleep', io_schedule: 'might-sleep', schedule_preempt_disabled: 'might-sleep',
  schedule_timeout: 'might-sleep', schedule_timeout_interruptible: 'might-sleep', schedule_timeout_killable: 'might-sleep',
  schedule_timeout_uninterruptible: 'might-sleep', schedule_timeout_idle: 'might-sleep', io_schedule_timeout: 'might-sleep',
  schedule_hrtimeout: 'might-sleep', schedule_hrtimeout_range: 'might-sleep',
  might_sleep: 'might-sleep', cond_resched: 'might-sleep',
  msleep: 'might-sleep', msleep_interruptible: 'might-sleep', ssleep: 'might-sleep', usleep_range: 'might-sleep',
  usleep_range_state: 'might-sleep', fsleep: 'might-sleep',
  mutex_lock: 'might-sleep', mutex_lock_nested: 'might-sleep', mutex_lock_interruptible: 'might-sleep',
  mutex_lock_interruptible_nested: 'might-sleep', mutex_lock_killable: 'might-sleep', mutex_lock_killable_nested: 'might-sleep',
  mutex_lock_io: 'might-sleep', mutex_lock_io_nested: 'might-sleep',
  down: 'might-sleep', down_interruptible: 'might-sleep', down_killable: 'might-sleep', down_timeout: 'might-sleep',
  down_read: 'might-sleep', down_read_nested: 'might-sleep', down_read_killable: 'might-sleep', down_read_interruptible: 'might-sleep',
  down_write: 'might-sleep', down_write_nested: 'might-sleep', down_write_killable: 'might-sleep',
  synchronize_rcu: 'might-sleep', synchronize_rcu_expedited: 'might-sleep', synchronize_srcu: 'might-sleep',
  synchronize_srcu_expedited: 'might-sleep', synchronize_rcu_tasks: 'might-sleep', synchronize_net: 'might-sleep',
  rcu_barrier: 'might-sleep', srcu_barrier: 'might-sleep',
  wait_for_completion: 'might-sleep', wait_for_completion_io: 'might-sleep', wait_for_completion_interruptible: 'might-sleep',
  wait_for_completion_killable: 'might-sleep', wait_for_completion_timeout: 'might-sleep',
  wait_for_completion_interruptible_timeout: 'might-sleep', wait_for_completion_killable_timeout: 'might-sleep',
  flush_work: 'might-sleep', flush_delayed_work: 'might-sleep', flush_workqueue: 'might-sleep',
  cancel_work_sync: 'might-sleep', cancel_delayed_work_sync: 'might-sleep',
  vmalloc: 'might-sleep', vzalloc: 'might-sleep', kvmalloc: `might-sleep(1,${SLEEPING_GFP})`,
  kvzalloc: `might-sleep(1,${SLEEPING_GFP})`,
  kmalloc: `might-sleep(1,${SLEEPING_GFP})`, kzalloc: `might-sleep(1,${SLEEPING_GFP})`,
  kmalloc_node: `might-sleep(1,${SLEEPING_GFP})`, kzalloc_node: `might-sleep(1,${SLEEPING_GFP})`,
  kcalloc: `might-sleep(2,${SLEEPING_GFP})`, kmalloc_array: `might-sleep(2,${SLEEPING_GFP})`,
  kvcalloc: `might-sleep(2,${SLEEPING_GFP})`, kvmalloc_array: `might-sleep(2,${SLEEPING_GFP})`,
  kmem_cache_alloc: `might-sleep(1,${SLEEPING_GFP})`, kmem_cache_zalloc: `might-sleep(1,${SLEEPING_GFP})`,
  kstrdup: `might-sleep(1,${SLEEPING_GFP})`, kmemdup: `might-sleep(2,${SLEEPING_GFP})`,
  __get_free_pages: `might-sleep(0,${SLEEPING_GFP})`, get_zeroed_page: `might-sleep(0,${SLEEPING_GFP})`,
  alloc_pages: `might-sleep(0,${SLEEPING_GFP})`, __get_free_page: `might-sleep(0,${SLEEPING_GFP})`,
};

/** Before v5.17 (still present, deprecated, in 6.x). */
const OLD_GUEST_API: Record<string, string> = {
  guest_enter_irqoff: 'vtime-enter ct-enter(guest)',
  guest_exit_irqoff: 'ct-exit(guest) vtime-exit',
  guest_enter: 'save(%guest_enter) vtime-enter ct-enter(guest) restore(%guest_enter)',
  guest_exit: 'save(%guest_exit) ct-exit(guest) vtime-exit restore(%guest_exit)',
  // x86's private forms (arch/x86/kvm/x86.h): the exit leaves the context only;
  // accounting is left later by vtime_account_guest_exit().
  kvm_guest_enter_irqoff: 'vtime-enter ct-enter(guest)',
  kvm_guest_exit_irqoff: 'ct-exit(guest)',
};

/** v5.17 on (include/linux/kvm_host.h). */
const NEW_GUEST_API: Record<string, string> = {
  guest_timing_enter_irqoff: 'vtime-enter', guest_timing_exit_irqoff: 'vtime-exit',
  guest_context_enter_irqoff: 'ct-enter(guest)', guest_context_exit_irqoff: 'ct-exit(guest)',
  guest_state_enter_irqoff: 'ct-enter(guest)', guest_state_exit_irqoff: 'ct-exit(guest)',
};

/** Where derivation stops: what the wrappers are made of. */
const GUEST_PRIMITIVES: Record<string, string> = {
  // Context tracking is assumed on for the CPU (nohz_full): the enter always enters.
  context_tracking_guest_enter: 'ct-enter(guest) returns(true)', context_tracking_guest_exit: 'ct-exit(guest)',
  ct_guest_enter: 'ct-enter(guest)', ct_guest_exit: 'ct-exit(guest)',
  vtime_account_guest_enter: 'vtime-enter', vtime_account_guest_exit: 'vtime-exit',
};

/** include/linux/context_tracking.h's wrappers around ct_user_enter/exit. */
const USER_API: Record<string, string> = {
  user_enter: 'ct-enter(user)', user_exit: 'ct-exit(user)',
  user_enter_irqoff: 'ct-enter(user)', user_exit_irqoff: 'ct-exit(user)',
};

/** Calls made through a dispatcher whose target is an argument. */
const FORWARDING: Record<string, string> = {
  // arm64 (asm/kvm_host.h): with VHE `f(args)`, otherwise an HVC into the hyp's own copy of f.
  kvm_call_hyp: 'forward(0)', kvm_call_hyp_ret: 'forward(0)', kvm_call_hyp_nvhe: 'forward(0)',
};

export const BUILTIN_MODEL: ModelGeneration[] = [
  { name: 'irq', description: 'interrupt primitives and locks that disable interrupts', primitives: IRQ },
  { name: 'arch-irq', description: 'interrupt primitives of arch entry code (arm64 DAIF, powerpc soft mask, s390 PSW, x86 halt)', primitives: ARCH_IRQ },
  { name: 'noreturn', description: 'functions that never return', primitives: NORETURN },
  { name: 'sleep', description: 'calls that may sleep: never with interrupts off', primitives: SLEEP },
  { name: 'eqs-doors', description: 'user/idle EQS doors and RCU-watching entry hooks', primitives: EQS_DOORS },
  { name: 'guest-primitives', description: 'context tracking and vtime calls the guest API is made of', primitives: GUEST_PRIMITIVES },
  { name: 'guest-api-old', description: 'guest_enter/exit family before v5.17', primitives: OLD_GUEST_API, wrappers: true },
  { name: 'guest-api-new', description: 'guest_timing/context/state family from v5.17', primitives: NEW_GUEST_API, wrappers: true },
  { name: 'user-api', description: 'user_enter/exit wrappers', primitives: USER_API, wrappers: true },
  { name: 'forwarding', description: 'dispatchers that call the function named by an argument', primitives: FORWARDING },
];
