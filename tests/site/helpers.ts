// Test helper: run the portal in-process on an ephemeral port (app.listen(0)) and fetch from it.
import type { AddressInfo } from 'node:net';
import { closeApp, createApp, type AppOptions } from '../../site/app.ts';

export interface Running {
  url: string;
  get(path: string, init?: RequestInit): Promise<Response>;
  close(): Promise<void>;
}

export async function runApp(dataDir: string, clock?: () => Date, extra: Omit<AppOptions, 'dataDir' | 'clock'> = {}): Promise<Running> {
  const app = await createApp({ dataDir, clock, ...extra });
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    get: (path, init) => fetch(url + path, init),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await closeApp(app);
    },
  };
}
