// The qualify phase: a finding a rule says depends on the EQS being entered is a
// latent note in an arch whose Kconfig never turns context tracking on, and an
// interrupt window is a handled note in an arch whose entry code makes RCU watch
// for interrupts taken in that EQS (arch_in_rcu_eqs()). Read from the tree on
// every run (not cached: the arch's facts are not among the run's inputs).
// A build configuration says more than the arch: without context tracking
// (CONFIG_CONTEXT_TRACKING_USER; CONFIG_CONTEXT_TRACKING before 5.19) it never
// enters a guest or user EQS, and with CONFIG_NO_HZ_FULL its nohz_full CPUs do,
// whatever the arch selects by default.
import type { Finding } from '../analysis/interpreter.js';
import { archOf, kernelRootOf } from '../kernel/paths.js';
import { findRule } from '../rules/index.js';
import { archFacts, type ArchFacts } from '../scan/arch-facts.js';
import { displayPath } from '../scan/collect.js';
import type { Configuration } from '../kernel/configuration.js';

export function qualifyByArch(findings: Finding[], configuration: Configuration): void {
  for (const f of findings) {
    const rule = findRule(f.ruleId);
    const arch = archOf(f.file) ?? f.arch ?? null;
    const root = arch ? kernelRootOf(f.file) : null;
    // The idle EQS is entered on every arch, whatever its context tracking.
    if (!rule?.archQualified || !arch || !root || f.eqs === 'idle') continue;
    const facts = archFacts(root, arch);
    if (rule.archQualified === 'noinstr') {
      if (facts.noinstrValidated) continue;
      f.severity = 'note';
      f.message += ` [unchecked: arch/${arch} does not have objtool's noinstr validation, so its noinstr code may call ` +
        'instrumentable code once RCU watches (by convention, without instrumentation_begin()) and no build check says otherwise]';
    } else if (configuration.option(contextTrackingOption(facts)) === false) {
      f.severity = 'note';
      f.message += ` [configuration: ${configSetting(configuration, `CONFIG_${contextTrackingOption(facts)} is not set`)}, so this kernel never enters this EQS]`;
    } else if (configuration.option('NO_HZ_FULL') === true) {
      if (facts.contextTracking === false) f.message += ` [configuration: ${configSetting(configuration, 'CONFIG_NO_HZ_FULL=y')}: its nohz_full CPUs enter this EQS]`;
      if (facts.inRcuEqsHook && rule.archQualified === 'interrupts') handled(f, arch);
    } else if (facts.contextTracking === false) {
      f.severity = 'note';
      f.message += ` [latent: arch/${arch} does not select ${facts.contextTrackingSymbol}, so context tracking never enters this EQS there today]`;
    } else if (facts.inRcuEqsHook && rule.archQualified === 'interrupts') {
      handled(f, arch);
    }
  }
}

/** The option an arch's HAVE_CONTEXT_TRACKING[_USER] lets a configuration turn on. */
function contextTrackingOption(facts: ArchFacts): string {
  return facts.contextTrackingSymbol.replace(/^HAVE_/, '');
}

function handled(f: Finding, arch: string): void {
  f.severity = 'note';
  f.message += ` [handled: arch/${arch} defines arch_in_rcu_eqs(), so the entry code makes RCU watch for interrupts taken in this EQS]`;
}

/** "CONFIG_X is not set in .config" (or "… (-U)" without a file). */
function configSetting(configuration: Configuration, what: string): string {
  return configuration.spec.origin ? `${what} in ${displayPath(configuration.spec.origin)}` : `${what} (-D/-U)`;
}
