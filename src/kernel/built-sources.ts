// What a build configuration compiles: a .c file whose every object kbuild lists
// only under Kconfig symbols the configuration leaves unset (`obj-$(CONFIG_X86_32)
// += doublefault_32.o` in an x86-64 kernel) is not in that kernel, so it is not
// analysed, and the summary names it with the line that says so. Headers, files no
// kbuild file names, and files outside a kernel tree are analysed as without one.
import path from 'node:path';
import type { Configuration } from './configuration.js';
import { Kbuild, type KbuildObject } from './kbuild.js';
import { kernelRootOf } from './paths.js';

export interface NotBuiltFile {
  file: string;
  /** The kbuild line that lists it under the unset symbol. */
  namedAt: NonNullable<KbuildObject['namedAt']>;
}

/** The files of `files` the configuration does not build, in their order. */
export function notBuiltBy(files: readonly string[], configuration: Configuration): NotBuiltFile[] {
  if (configuration.empty) return [];
  const kbuilds = new Map<string, Kbuild>();
  const out: NotBuiltFile[] = [];
  for (const file of files) {
    if (!file.endsWith('.c')) continue;
    const root = kernelRootOf(file);
    if (!root) continue;
    let kbuild = kbuilds.get(root);
    if (!kbuild) { kbuild = new Kbuild(root); kbuilds.set(root, kbuild); }
    // Absolute: the kbuild reader takes a relative path as relative to the tree root.
    const namedAt = kbuild.notBuiltBy(path.resolve(file), configuration);
    if (namedAt) out.push({ file, namedAt });
  }
  return out;
}
