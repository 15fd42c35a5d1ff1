// `scan --baseline FILE`: the fingerprints of a previous report (eqscheck's JSON,
// as `--write-baseline` writes it, or its SARIF), whose findings are not reported again.
import { readFileSync } from 'node:fs';
import { InputError } from '../parser/source.js';
import { FINGERPRINT_KEY } from './fingerprint.js';

interface JsonReport { tool?: { name?: string }; findings?: { fingerprint?: unknown }[] }
interface SarifLog { runs?: { results?: { partialFingerprints?: Record<string, unknown>; baselineState?: string }[] }[] }

export function readBaseline(file: string): Set<string> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new InputError(file, code === 'ENOENT' ? 'no such baseline file' : `cannot read the baseline (${code ?? String(err)})`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new InputError(file, 'the baseline is not JSON (expected an eqscheck JSON or SARIF report)');
  }
  const out = new Set<string>();
  if (doc && typeof doc === 'object' && Array.isArray((doc as SarifLog).runs)) {
    for (const run of (doc as SarifLog).runs ?? []) {
      for (const r of run.results ?? []) {
        if (r.baselineState === 'absent') continue;
        const fp = r.partialFingerprints?.[FINGERPRINT_KEY];
        if (typeof fp !== 'string') throw new InputError(file, `a SARIF result has no ${FINGERPRINT_KEY} fingerprint (not written by eqscheck?)`);
        out.add(fp);
      }
    }
    return out;
  }
  if (doc && typeof doc === 'object' && Array.isArray((doc as JsonReport).findings)) {
    for (const f of (doc as JsonReport).findings ?? []) {
      if (typeof f?.fingerprint !== 'string') {
        throw new InputError(file, 'a finding has no fingerprint (written by an older eqscheck? write the baseline again with --write-baseline)');
      }
      out.add(f.fingerprint);
    }
    return out;
  }
  throw new InputError(file, 'not an eqscheck report (expected the JSON of `scan --format json` or `--write-baseline`, or SARIF)');
}
