// Every test run gets a cache directory of its own: the CLI caches by default,
// and tests must neither read a developer's cache nor leave entries in it.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

process.env['XDG_CACHE_HOME'] = mkdtempSync(path.join(os.tmpdir(), 'eqscheck-test-cache-'));
