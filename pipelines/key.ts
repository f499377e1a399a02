// Secret keys kept in the data directory, never committed and never published:
// - the pseudonym key (X4): PUBLISHER_KEY from the environment, or DATA/publisher.key;
// - the case lookup key (I7): CASE_LOOKUP_KEY, or DATA/lookup.key. The portal holds only this
//   one, so it can answer "what is the status of report N" without being able to reverse a
//   pseudonym.
// A missing key file is created once with random bytes and mode 600.
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

export const KEY_FILE = 'publisher.key';
export const LOOKUP_KEY_FILE = 'lookup.key';

async function loadKey(dataDir: string, file: string, envName: string, env: NodeJS.ProcessEnv): Promise<string> {
  const fromEnv = env[envName]?.trim();
  if (fromEnv) {
    if (!/^[0-9a-fA-F]{32,128}$/.test(fromEnv)) throw new Error(`${envName} must be 32 to 128 hex characters (16 to 64 bytes)`);
    return fromEnv.toLowerCase();
  }
  const full = path.join(dataDir, file);
  try {
    const key = (await readFile(full, 'utf8')).trim();
    if (!/^[0-9a-f]{64}$/.test(key)) throw new Error(`${full} is not a 64-hex-character key`);
    return key;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  await mkdir(dataDir, { recursive: true });
  const key = randomBytes(32).toString('hex');
  await writeFile(full, `${key}\n`, { mode: 0o600, flag: 'wx' });
  await chmod(full, 0o600);
  return key;
}

export function loadPublisherKey(dataDir: string, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  return loadKey(dataDir, KEY_FILE, 'PUBLISHER_KEY', env);
}

export function loadLookupKey(dataDir: string, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  return loadKey(dataDir, LOOKUP_KEY_FILE, 'CASE_LOOKUP_KEY', env);
}
