// The HMAC key for pseudonyms (X4): PUBLISHER_KEY from the environment, or a random key created
// once in the data directory with mode 600. It is never committed and never published.
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

export const KEY_FILE = 'publisher.key';

export async function loadPublisherKey(dataDir: string, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const fromEnv = env.PUBLISHER_KEY?.trim();
  if (fromEnv) {
    if (!/^[0-9a-fA-F]{32,128}$/.test(fromEnv)) throw new Error('PUBLISHER_KEY must be 32 to 128 hex characters (16 to 64 bytes)');
    return fromEnv.toLowerCase();
  }
  const file = path.join(dataDir, KEY_FILE);
  try {
    const key = (await readFile(file, 'utf8')).trim();
    if (!/^[0-9a-f]{64}$/.test(key)) throw new Error(`${file} is not a 64-hex-character key`);
    return key;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  await mkdir(dataDir, { recursive: true });
  const key = randomBytes(32).toString('hex');
  await writeFile(file, `${key}\n`, { mode: 0o600, flag: 'wx' });
  await chmod(file, 0o600);
  return key;
}
