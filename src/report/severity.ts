// A finding's severity as the reports name it, and the findings counted by it.
import type { Severity } from '../rules/types.js';
import type { Finding } from '../analysis/interpreter.js';

/** The reports' order: what fails a build first. */
export const SEVERITIES: readonly Severity[] = ['error', 'warning', 'note'];

/** A finding's level; anything a rule did not name is a warning. */
export function levelOf(severity: string): Severity {
  return severity === 'error' ? 'error' : severity === 'note' ? 'note' : 'warning';
}

/** How many findings have each severity (every severity present, zero or not). */
export function countBySeverity(findings: readonly Pick<Finding, 'severity'>[]): Record<Severity, number> {
  const counts: Record<Severity, number> = { error: 0, warning: 0, note: 0 };
  for (const f of findings) counts[levelOf(f.severity)]++;
  return counts;
}
