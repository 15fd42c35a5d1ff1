// The registry: every rule, in reporting order.
import { eqsUnbalanced } from './eqs-unbalanced.js';
import { instrumentationInEqs } from './instrumentation-in-eqs.js';
import { irqEnabledInEqs } from './irq-enabled-in-eqs.js';
import { noinstrCallsInstrumentable } from './noinstr-calls-instrumentable.js';
import type { Rule } from './types.js';
import { vtimeUnbalanced } from './vtime-unbalanced.js';

export const RULES: readonly Rule[] = [irqEnabledInEqs, eqsUnbalanced, vtimeUnbalanced, instrumentationInEqs, noinstrCallsInstrumentable];

export function findRule(id: string): Rule | undefined {
  return RULES.find((r) => r.id === id);
}

/** A rule list that names no rule, or a rule that does not exist (a usage error). */
export class RuleSelectionError extends Error {}

const KNOWN = (): string => `known rules: ${RULES.map((r) => r.id).join(', ')}`;

/** The rule `id` names. */
export function knownRule(id: string): Rule {
  const rule = findRule(id);
  if (!rule) throw new RuleSelectionError(`unknown rule '${id}' (${KNOWN()})`);
  return rule;
}

/** The rules a comma-separated list of ids names (`--rules`). */
export function rulesNamed(spec: string): Rule[] {
  const ids = spec.split(',').map((s) => s.trim()).filter(Boolean);
  if (!ids.length) throw new RuleSelectionError(`--rules wants rule ids (${KNOWN()}), not '${spec}'`);
  return ids.map(knownRule);
}
