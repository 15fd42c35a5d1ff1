// Functions implemented in assembly (.S files next to the C code): a call to one
// of them from inside the guest context is how an arch runs the guest, and it
// comes back to C through the arch's exit handler rather than by returning.
import { intern } from './intern.js';

const ASM_FUNCTION = /^[ \t]*(?:_GLOBAL(?:_TOC)?|SYM_FUNC_START(?:_LOCAL|_NOALIGN|_WEAK)?|SYM_CODE_START(?:_LOCAL|_NOALIGN)?|ENTRY|GLOBAL|LEAF|NESTED|FEXPORT)[ \t]*\([ \t]*([A-Za-z_]\w*)|^[ \t]*\.globl[ \t]+([A-Za-z_]\w*)/gm;

export interface AsmFile {
  file: string;
  /** Every identifier the file mentions: the C functions it calls (`bl kvmppc_handle_exit_pr`). */
  references: Set<string>;
}

/** The functions an assembly file defines, and what it refers to. */
export function readAsm(file: string, text: string): { functions: string[]; asm: AsmFile } {
  const functions: string[] = [];
  for (const m of text.matchAll(ASM_FUNCTION)) functions.push(intern((m[1] ?? m[2])!));
  const references = new Set<string>();
  for (const m of text.matchAll(/[A-Za-z_]\w*/g)) references.add(intern(m[0]));
  return { functions, asm: { file, references } };
}
