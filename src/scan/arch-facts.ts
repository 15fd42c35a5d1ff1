// Facts about an architecture read from the kernel tree it belongs to:
// - whether it selects HAVE_CONTEXT_TRACKING_USER (HAVE_CONTEXT_TRACKING before
//   5.19; arch/Kconfig says which the tree has): if not, context tracking is
//   never on there and a guest/user EQS is never entered — a defect in that
//   window is latent;
// - whether it defines arch_in_rcu_eqs(): then the generic entry code makes RCU
//   watch for interrupts taken inside that EQS (s390's 2025 fix).
import { existsSync } from 'node:fs';
import { readRegularFile } from '../io/read-file.js';
import path from 'node:path';
import fg from 'fast-glob';

export interface ArchFacts {
  /** null when the tree has no Kconfig for the arch (not a kernel tree). */
  contextTracking: boolean | null;
  /** The symbol an arch selects for it in this tree. */
  contextTrackingSymbol: string;
  inRcuEqsHook: boolean;
  /** The build checks the arch's noinstr code (objtool): it selects HAVE_NOINSTR_VALIDATION,
   *  or, in a tree without that symbol (before 6.0), HAVE_STACK_VALIDATION. */
  noinstrValidated: boolean;
}

const cache = new Map<string, ArchFacts>();

export function archFacts(root: string, arch: string): ArchFacts {
  const key = `${root}\0${arch}`;
  let facts = cache.get(key);
  if (!facts) {
    const kconfig = path.join(root, 'arch', arch, 'Kconfig');
    const contextTracking = existsSync(kconfig)
      ? /^\s*select\s+HAVE_CONTEXT_TRACKING(?:_USER)?\b/m.test(readLatin1(kconfig))
      : null;
    const headers = fg.sync('**/*.h', { cwd: path.join(root, 'arch', arch, 'include'), absolute: true, suppressErrors: true });
    const inRcuEqsHook = headers.some((h) => /\barch_in_rcu_eqs\b/.test(readLatin1(h)));
    const archKconfig = readLatin1(path.join(root, 'arch', 'Kconfig'));
    const validationSymbol = /^config\s+HAVE_NOINSTR_VALIDATION\b/m.test(archKconfig) ? 'HAVE_NOINSTR_VALIDATION' : 'HAVE_STACK_VALIDATION';
    const noinstrValidated = existsSync(kconfig) && new RegExp(`^\\s*select\\s+${validationSymbol}\\b`, 'm').test(readLatin1(kconfig));
    facts = { contextTracking, contextTrackingSymbol: contextTrackingSymbol(root), inRcuEqsHook, noinstrValidated };
    cache.set(key, facts);
  }
  return facts;
}

/** A file's text, or nothing when it is not a regular file within the size cap (a fact is then not found). */
function readLatin1(file: string): string {
  try {
    return readRegularFile(file).toString('latin1');
  } catch {
    return '';
  }
}

/** HAVE_CONTEXT_TRACKING_USER since 5.19, HAVE_CONTEXT_TRACKING before: the one
 *  arch/Kconfig declares (the current name when the tree has no arch/Kconfig). */
function contextTrackingSymbol(root: string): string {
  const kconfig = path.join(root, 'arch', 'Kconfig');
  const text = existsSync(kconfig) ? readLatin1(kconfig) : '';
  return /^config\s+HAVE_CONTEXT_TRACKING\s*$/m.test(text) && !/^config\s+HAVE_CONTEXT_TRACKING_USER\s*$/m.test(text)
    ? 'HAVE_CONTEXT_TRACKING' : 'HAVE_CONTEXT_TRACKING_USER';
}
