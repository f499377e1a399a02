// Vitest global setup: gives each test run a temporary folder of its own, as TMPDIR (so
// os.tmpdir() in the tests, and in the processes they start, lands inside it), and removes it when
// the run ends: a test run leaves nothing behind in /tmp, even from tests that do not clean up.
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export default function setup(): () => void {
  const previous = process.env.TMPDIR;
  const root = mkdtempSync(path.join(os.tmpdir(), 'publisher-tests-'));
  // PostgreSQL runs as its own user and must reach its folder inside (tests/helpers/postgres.ts).
  chmodSync(root, 0o755);
  process.env.TMPDIR = root;
  return () => {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    try {
      rmSync(root, { recursive: true, force: true });
    } catch (err) {
      console.warn(`could not remove the test run's temporary folder ${root}: ${(err as Error).message}`);
    }
  };
}
