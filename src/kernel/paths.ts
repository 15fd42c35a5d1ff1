// One spelling of what a source path says about the kernel it belongs to: its
// architecture (arch/<name>/…), the directory of its implementation (vmx/ or
// svm/ under arch/x86/kvm), and the program it links into (user-space programs
// under tools/ and scripts/ are not linked with the kernel).
import { existsSync } from 'node:fs';
import path from 'node:path';

const ARCH = /(?:^|\/)arch\/([^/]+)\//;
const ARCH_DIR = /^(.*?(?:^|\/)arch\/[^/]+)\//;

const archMemo = new Map<string, string | null>();

/** The architecture a kernel source path belongs to (arch/<name>/…), or null for generic code. */
export function archOf(file: string): string | null {
  let arch = archMemo.get(file);
  if (arch === undefined) {
    arch = ARCH.exec(file.split('\\').join('/'))?.[1] ?? null;
    archMemo.set(file, arch);
  }
  return arch;
}

/** `arch/x86` of `arch/x86/kvm/x86.c` (with any leading directories), or null. */
export function archDirOf(file: string): string | null {
  const m = ARCH_DIR.exec(file);
  return m ? m[1]! : null;
}

/** The arch of a path's implementation directory (`…/arch/x86/kvm/vmx`: x86). */
export function archOfImpl(impl: string): string | null {
  return archOf(`${impl}/`);
}

/** The directory holding a file: the implementation a path commits to when it
 *  calls into it (vmx/ or svm/). */
export function implDirOf(file: string): string {
  return file.slice(0, Math.max(0, file.lastIndexOf('/')));
}

const rootMemo = new Map<string, string | null>();

/** The root of the kernel tree a file belongs to (the directory holding
 *  `include/linux` and `arch`), or null. */
/** Where the guest comes back to from code a file generates at run time: the
 *  functions of its own directory whose address it hands over (mips's
 *  arch/mips/kvm/entry.c plants kvm_mips_handle_exit() of arch/mips/kvm/mips.c;
 *  x86's smpboot hands start_secondary() to a booting CPU, not to a guest). */
export function generatedCodeHome(file: string): string {
  return path.dirname(file);
}

export function kernelRootOf(file: string): string | null {
  const dir = path.dirname(path.resolve(file));
  let root = rootMemo.get(dir);
  if (root === undefined) {
    root = findRoot(dir);
    rootMemo.set(dir, root);
  }
  return root;
}

function findRoot(start: string): string | null {
  for (let dir = start; ;) {
    if (existsSync(path.join(dir, 'include', 'linux')) && existsSync(path.join(dir, 'arch'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

/** Top-level directories of a kernel tree that hold user-space programs. */
const USER_SPACE = new Set(['tools', 'scripts', 'usr']);

const domainMemo = new Map<string, string>();

/** The program a file links into: 'kernel', for user-space code in a kernel
 *  tree (tools/perf, scripts/kconfig …) its own: `tools/perf`, and for an arch's
 *  boot code (the decompressor, the real-mode setup: arch/x86/boot) its own image.
 *  Definitions of one program are never reached from another. */
export function linkDomainOf(file: string): string {
  const dir = path.dirname(file);
  let domain = domainMemo.get(dir);
  if (domain === undefined) {
    domain = 'kernel';
    const root = kernelRootOf(file);
    if (root) {
      const parts = path.relative(root, path.resolve(file)).split(path.sep);
      if (parts.length > 2 && USER_SPACE.has(parts[0]!)) domain = `${parts[0]}/${parts[1]}`;
      else if (parts.length > 1 && USER_SPACE.has(parts[0]!)) domain = parts[0]!;
      else if (parts.length > 3 && parts[0] === 'arch' && parts[2] === 'boot') domain = `arch/${parts[1]}/boot`;
    }
    domainMemo.set(dir, domain);
  }
  return domain;
}
