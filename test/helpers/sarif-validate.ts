// Checks for every SARIF log the tests produce: the official SARIF 2.1.0 JSON
// schema (draft-04, so Ajv's draft-04 class, with formats), and Microsoft's SARIF
// Multitool (`validate --rule-kind Sarif` and `--rule-kind Gh`, the rules GitHub
// code scanning applies on upload), run once over every log a test file wrote.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv from 'ajv-draft-04';
import addFormats from 'ajv-formats';

const here = path.dirname(fileURLToPath(import.meta.url));
export const SCHEMA_PATH = path.join(here, '..', 'resources', 'sarif-schema-2.1.0.json');

const schema = JSON.parse(readFileSync(SCHEMA_PATH, 'utf8')) as object;
// strictRequired is off: the official schema's anyOf branches name properties
// defined beside them, which Ajv's strict mode flags as a lint, not an error.
const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false });
addFormats(ajv);
const validate = ajv.compile(schema);

/** Schema violations of a SARIF log (empty when it is valid). */
export function schemaErrors(log: unknown): string[] {
  if (validate(log)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? e.keyword} ${JSON.stringify(e.params)}`);
}

/** The Multitool binary for this platform (shipped inside the npm package). */
export function multitoolPath(): string {
  const require = createRequire(import.meta.url);
  return require('@microsoft/sarif-multitool') as string;
}

export type RuleKind = 'Sarif' | 'Gh';

interface MultitoolResult {
  ruleId?: string;
  level?: string;
  message?: { text?: string; id?: string; arguments?: string[] };
  locations?: { physicalLocation?: { artifactLocation?: { uri?: string }; region?: { startLine?: number } } }[];
}

/** Every error and warning the Multitool reports for the SARIF files in `dir`
 *  (results without a level are warnings, SARIF's default). */
export function multitoolProblems(dir: string, kind: RuleKind): string[] {
  const out = path.join(mkdtempSync(path.join(os.tmpdir(), 'eqscheck-multitool-')), 'validation.sarif');
  try {
    const r = spawnSync(multitoolPath(), ['validate', dir, '--rule-kind', kind, '--output', out, '--log', 'ForceOverwrite'],
      { encoding: 'utf8', timeout: 120_000 });
    if (r.error) throw r.error;
    if (r.status !== 0) return [`multitool exited with ${r.status}: ${r.stdout}${r.stderr}`];
    const log = JSON.parse(readFileSync(out, 'utf8')) as {
      runs: { results?: MultitoolResult[]; invocations?: { toolExecutionNotifications?: { level?: string; message?: { text?: string } }[] }[] }[];
    };
    const problems: string[] = [];
    for (const run of log.runs) {
      for (const res of run.results ?? []) {
        const level = res.level ?? 'warning';
        if (level !== 'error' && level !== 'warning') continue;
        const where = res.locations?.[0]?.physicalLocation;
        problems.push(`${kind} ${level} ${res.ruleId}: ${where?.artifactLocation?.uri ?? '?'}:${where?.region?.startLine ?? '?'} ` +
          `${res.message?.text ?? `${res.message?.id} ${JSON.stringify(res.message?.arguments ?? [])}`}`);
      }
      for (const inv of run.invocations ?? []) {
        for (const n of inv.toolExecutionNotifications ?? []) {
          if (n.level === 'error' || n.level === 'warning') problems.push(`${kind} tool ${n.level}: ${n.message?.text}`);
        }
      }
    }
    return problems;
  } finally {
    rmSync(path.dirname(out), { recursive: true, force: true });
  }
}

/** Collects the SARIF logs a test file produces: each is schema-checked when it
 *  is added (the caller asserts on the errors) and kept for one Multitool pass. */
export class SarifCollector {
  private dir: string | null = null;
  private count = 0;

  /** Schema errors of `text` (a SARIF log as written); keeps it for `multitool`. */
  add(name: string, text: string): string[] {
    if (!this.dir) this.dir = mkdtempSync(path.join(os.tmpdir(), 'eqscheck-sarif-'));
    mkdirSync(this.dir, { recursive: true });
    writeFileSync(path.join(this.dir, `${String(++this.count).padStart(3, '0')}-${name.replace(/[^A-Za-z0-9-]+/g, '_')}.sarif`), text);
    return schemaErrors(JSON.parse(text));
  }

  get files(): string[] {
    return this.dir && existsSync(this.dir) ? readdirSync(this.dir).filter((f) => f.endsWith('.sarif')) : [];
  }

  multitool(kind: RuleKind): string[] {
    return this.dir ? multitoolProblems(this.dir, kind) : [];
  }

  dispose(): void {
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
    this.dir = null;
  }
}
