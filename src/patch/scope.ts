// What a change can affect, as directories to analyse before and after. In a
// kernel tree: the kvm directory of each arch whose files it touches (anything
// under arch/<name>/, its headers and Kconfig included: that arch's kvm code is
// what reads them), with virt/kvm, which that code calls; a change to generic code (virt/kvm, or a header outside
// arch/) reaches every arch, so the whole default scope (arch/*/kvm + virt/kvm).
// Files the default scan never reads (documentation, other subsystems' .c
// files) affect nothing. Outside a kernel tree: the directories of the touched
// C and assembly files, or the whole tree when a header is touched.
import path from 'node:path';
import { isKernelRoot, kvmScope } from '../scan/collect.js';
import { existsSync } from 'node:fs';

export interface Scope {
  /** Directories to analyse, relative to the tree root ('/'-separated; '' is the root). */
  dirs: string[];
  kernel: boolean;
  /** The default scope of the whole tree (generic code touched, or asked for). */
  whole: boolean;
}

export interface ScopeOptions {
  /** Analyse the whole default scope whatever the change touches. */
  whole?: boolean;
}

const ANALYSED = /\.(c|h|S)$/;

/** @param roots the versions of the tree compared (a directory counts if either has it). */
export function scopeOf(touched: readonly string[], roots: readonly string[], options: ScopeOptions = {}): Scope {
  const kernel = roots.some((r) => isKernelRoot(r));
  const exists = (rel: string) => roots.some((r) => existsSync(rel ? path.join(r, ...rel.split('/')) : r));
  // An arch's kvm directory, when it exists or the change creates files in it.
  const archDirs = () => {
    const dirs = new Set<string>();
    for (const p of touched) {
      const m = /^arch\/([^/]+)\//.exec(p);
      if (m && (exists(`arch/${m[1]}/kvm`) || p.startsWith(`arch/${m[1]}/kvm/`))) dirs.add(`arch/${m[1]}/kvm`);
    }
    return [...dirs].sort();
  };
  if (kernel) {
    const whole = options.whole === true ||
      touched.some((p) => p.startsWith('virt/kvm/') || (p.endsWith('.h') && !p.startsWith('arch/')));
    if (whole) {
      const dirs = new Set(archDirs());
      for (const r of roots) for (const d of kvmScope(r)) dirs.add(path.relative(r, d).split(path.sep).join('/'));
      if (touched.some((p) => p.startsWith('virt/kvm/'))) dirs.add('virt/kvm');
      return { dirs: [...dirs].sort(), kernel, whole };
    }
    // The arch's kvm code calls into virt/kvm (and back through kvm_arch_* hooks,
    // which the analysis resolves per arch): both are what the change can affect.
    const arch = archDirs();
    const generic = exists('virt/kvm') ? ['virt/kvm'] : [];
    return { dirs: arch.length ? [...arch, ...generic] : [], kernel, whole: false };
  }
  if (options.whole || touched.some((p) => p.endsWith('.h'))) return { dirs: [''], kernel, whole: true };
  const dirs = new Set<string>();
  for (const p of touched) {
    if (!ANALYSED.test(p)) continue;
    dirs.add(p.includes('/') ? p.slice(0, p.lastIndexOf('/')) : '');
  }
  return { dirs: outermost([...dirs]), kernel, whole: false };
}

/** Directories not inside another of the list (a scan of a directory recurses). */
function outermost(dirs: string[]): string[] {
  const sorted = [...new Set(dirs)].sort();
  return sorted.filter((d) => !sorted.some((o) => o !== d && (o === '' || d.startsWith(`${o}/`))));
}
