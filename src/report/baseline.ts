// `scan --baseline FILE`: the fingerprints of a previous report (eqscheck's JSON,
// as `--write-baseline` writes it, or its SARIF), whose findings are not reported
// again. The file is checked by shape: a field of the wrong type is a one-line
// error naming it (`runs[0].results: expected an array, not a number`).
import { InputError, typeName } from '../errors.js';
import { readRegularFile } from '../io/read-file.js';
import { FINGERPRINT_KEY } from './fingerprint.js';

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** @param maxBytes the size cap (see io/read-file) */
export function readBaseline(file: string, maxBytes?: number): Set<string> {
  let text: string;
  try {
    text = readRegularFile(file, maxBytes).toString('utf8');
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    throw new InputError(file, err.problem === 'no such file' ? 'no such baseline file' : `cannot read the baseline (${err.problem})`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new InputError(file, 'the baseline is not JSON (expected an eqscheck JSON or SARIF report)');
  }
  const fail = (field: string, problem: string): never => { throw new InputError(file, `${field}: ${problem}`); };
  const list = (v: unknown, field: string): unknown[] => (Array.isArray(v) ? v : fail(field, `expected an array, not ${typeName(v)}`));
  const out = new Set<string>();
  if (isObject(doc) && 'runs' in doc) {
    list(doc['runs'], 'runs').forEach((run, i) => {
      if (!isObject(run)) fail(`runs[${i}]`, `expected an object, not ${typeName(run)}`);
      const r = run as Record<string, unknown>;
      if (r['results'] === undefined) return;
      list(r['results'], `runs[${i}].results`).forEach((result, j) => {
        const at = `runs[${i}].results[${j}]`;
        if (!isObject(result)) fail(at, `expected an object, not ${typeName(result)}`);
        const res = result as Record<string, unknown>;
        if (res['baselineState'] === 'absent') return;
        const fps = res['partialFingerprints'];
        const fp = isObject(fps) ? fps[FINGERPRINT_KEY] : undefined;
        if (typeof fp !== 'string') fail(`${at}.partialFingerprints`, `no ${FINGERPRINT_KEY} fingerprint (not written by eqscheck?)`);
        out.add(fp as string);
      });
    });
    return out;
  }
  if (isObject(doc) && 'findings' in doc) {
    list(doc['findings'], 'findings').forEach((f, i) => {
      const fp = isObject(f) ? f['fingerprint'] : undefined;
      if (typeof fp !== 'string') {
        fail(`findings[${i}]`, 'no fingerprint (written by an older eqscheck? write the baseline again with --write-baseline)');
      }
      out.add(fp as string);
    });
    return out;
  }
  throw new InputError(file, 'not an eqscheck report (expected the JSON of `scan --format json` or `--write-baseline`, or SARIF)');
}
