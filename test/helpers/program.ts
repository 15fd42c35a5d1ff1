// A Program from sources in memory, linked as a run links it (run/analyze): the
// name index and its linkage, every definition built, the addresses the index
// says are taken.
import { Program, type BuiltFunction } from '../../src/analysis/program.js';
import { buildCfg } from '../../src/cfg/build.js';
import { Configuration, NO_CONFIGURATION } from '../../src/kernel/configuration.js';
import { emptyDispatchFacts } from '../../src/kernel/linkage.js';
import { Model } from '../../src/model/model.js';
import { parseSource } from '../../src/parser/parse.js';
import { decodeSource } from '../../src/parser/source.js';
import { IndexTable } from '../../src/run/index-table.js';
import { primitiveHashes, select } from '../../src/run/select.js';
import { readIntegerConstants } from '../../src/scan/included-headers.js';
import { indexNames } from '../../src/scan/name-index.js';

export function programOf(files: Record<string, string>, model = new Model()): Program {
  const entries = Object.entries(files).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const indexes = entries.map(([path, text]) => indexNames(path, text));
  const table = new IndexTable(indexes, emptyDispatchFacts(), (n) => model.isPrimitive(n));
  const primitives = primitiveHashes(model.names(), (n) => model.touchesState(n) || model.isNoReturn(n),
    (n) => model.entersOrLeaves(n), (n) => model.forwardArg(n) !== undefined);
  const selection = select({ files: indexes, defs: table.defs, linkage: table.linkage, primitives, entryNames: new Set() });
  const built: BuiltFunction[] = [];
  for (const [path, text] of entries) {
    const source = decodeSource(path, Buffer.from(text));
    const parsed = parseSource(source);
    const constants = new Map<string, number>();
    readIntegerConstants(text, constants);
    for (const def of parsed.functions) {
      const link = table.defs.find((d) => d.file === path && d.name === def.name && d.line === def.line);
      if (!link) throw new Error(`the index did not see ${def.name} in ${path}`);
      const cfg = buildCfg(def, { isNoReturn: (n) => model.isNoReturn(n), constants, configuration: new Configuration(NO_CONFIGURATION), iteratorLoops: parsed.iteratorLoops, source: text });
      built.push({ def: { ...def, cfg }, link });
    }
  }
  return new Program({ built, linkage: table.linkage, model, addressTaken: selection.addressTaken, handedToCode: selection.handedToCode });
}
