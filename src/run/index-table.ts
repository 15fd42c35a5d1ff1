// The linkage over what the name index read: every definition of the indexed
// files (scanned C files and the headers they include), every binding, the
// dispatch facts — before anything is parsed. The pre-filter asks it which
// definitions a call may reach; the program asks the same linkage for its calls.
import { linkedDef, Linkage, siteOf, type DispatchFacts, type LinkedDef, type MemberBinding } from '../kernel/linkage.js';
import { archOf } from '../kernel/paths.js';
import { BINDING_FIELDS, type IndexedFunction, type NameIndex } from '../scan/name-index.js';

/** A definition as the name index knows it. */
export interface IndexDef extends LinkedDef {
  readonly fn: IndexedFunction;
  readonly index: NameIndex;
}

export class IndexTable {
  readonly linkage: Linkage<IndexDef>;
  /** Every definition, in reading order. */
  readonly defs: IndexDef[] = [];
  private readonly byFile = new Map<string, { index: NameIndex; defs: IndexDef[]; at?: Map<string, IndexDef> }>();

  /** @param files indexes in reading order (the first definition of a name wins)
   *  @param facts the files' static-call facts, merged in reading order; the
   *  files' field types are added here */
  constructor(files: readonly NameIndex[], readonly facts: DispatchFacts, isPrimitive: (name: string) => boolean) {
    const bindings: MemberBinding[] = [];
    for (const index of files) {
      const site = siteOf(index.path);
      const defs: IndexDef[] = [];
      for (const fn of index.functions) {
        defs.push({ ...linkedDef(fn.name, index.path, fn.line, fn.isStatic, fn.macro, fn.flags), fn, index });
      }
      for (const d of defs) this.defs.push(d);
      this.byFile.set(index.path, { index, defs });
      const b = index.bindings;
      for (let i = 0; i < b.length; i += BINDING_FIELDS) bindings.push({ member: b[i]!, fn: b[i + 1]!, type: b[i + 2]!, site });
      addPointerFields(facts, index);
    }
    this.linkage = new Linkage(this.defs, bindings, facts, isPrimitive);
  }

  indexOf(file: string): NameIndex | undefined {
    return this.byFile.get(file)?.index;
  }

  definitionsIn(file: string): readonly IndexDef[] {
    return this.byFile.get(file)?.defs ?? [];
  }

  definitionAt(file: string, name: string, line: number): IndexDef | undefined {
    const entry = this.byFile.get(file);
    if (!entry) return undefined;
    // A map per file, made when first asked (a search per definition would be
    // quadratic in a file's definitions); the first of a name and line wins.
    if (!entry.at) {
      entry.at = new Map();
      for (const d of entry.defs) { const key = `${d.line}:${d.name}`; if (!entry.at.has(key)) entry.at.set(key, d); }
    }
    return entry.at.get(`${line}:${name}`);
  }

  /** The definition a FnInfo id (`file:line:name`) names. */
  definitionOfId(id: string): IndexDef | undefined {
    const m = /^(.*):(\d+):([^:]+)$/.exec(id);
    return m ? this.definitionAt(m[1]!, m[3]!, Number(m[2])) : undefined;
  }
}

/** `struct T *field;` declarations of a file, as field types of its arch. */
function addPointerFields(facts: DispatchFacts, index: NameIndex): void {
  const p = index.pointerFields;
  if (!p.length) return;
  const arch = archOf(index.path);
  let fields = facts.fieldTypes.get(arch);
  if (!fields) { fields = new Map(); facts.fieldTypes.set(arch, fields); }
  for (let i = 0; i < p.length; i += 2) {
    let types = fields.get(p[i]!);
    if (!types) { types = new Set(); fields.set(p[i]!, types); }
    types.add(p[i + 1]!);
  }
}
