// One run at a time per data directory: an exclusive lock file holding the owner's pid. A lock
// whose process is gone (a crash, a kill -9) is taken over.
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class RunInProgressError extends Error {}

export async function acquireRunLock(dataDir: string): Promise<() => Promise<void>> {
  await mkdir(dataDir, { recursive: true });
  const file = path.join(dataDir, 'run.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await writeFile(file, String(process.pid), { flag: 'wx' });
      return () => rm(file, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = Number(await readFile(file, 'utf8').catch(() => '0'));
      if (owner && owner !== process.pid && alive(owner)) throw new RunInProgressError(`another run (pid ${owner}) holds ${file}`);
      await rm(file, { force: true });
    }
  }
  throw new RunInProgressError(`could not take ${file}`);
}
