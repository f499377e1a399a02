// The portal for the SODA load test: the same Express app `publisher serve` runs (createApp), with
// the per-IP API rate limits raised, since the default (600 requests a minute per IP) would answer
// a 50-connection load test with 429s after the first second. Run as a child process:
//   node --import tsx bench/serve.ts --data DIR --port N
import { parseArgs } from 'node:util';
import path from 'node:path';
import { createApp } from '../site/app.ts';

const { values } = parseArgs({ options: { data: { type: 'string' }, port: { type: 'string' } } });
if (!values.data || !values.port) throw new Error('usage: serve.ts --data DIR --port N');
const unlimited = { perIp: 1e9, perToken: 1e9, perIpCeiling: 1e9 };
const app = await createApp({ dataDir: path.resolve(values.data), api: { rateLimit: unlimited } });
const server = app.listen(Number(values.port), '127.0.0.1', () => {
  process.stderr.write(`bench portal serving ${values.data} at http://127.0.0.1:${values.port} (API rate limits raised)\n`);
});
process.once('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
