// Starting and stopping the portal's HTTP server (used by the CLI and by tests).
import type { AddressInfo } from 'node:net';
import { closeApp, createApp } from './app.ts';

export interface StartedServer {
  url: string;
  close(): Promise<void>;
}

export async function startServer(opts: { dataDir: string; port: number; host?: string; clock?: () => Date }): Promise<StartedServer> {
  const app = await createApp({ dataDir: opts.dataDir, clock: opts.clock });
  const host = opts.host ?? '127.0.0.1';
  const server = await new Promise<ReturnType<typeof app.listen>>((resolve, reject) => {
    const s = app.listen(opts.port, host, (err?: Error) => (err ? reject(err) : resolve(s)));
  });
  const { port } = server.address() as AddressInfo;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${port}`,
    async close() {
      await new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      });
      await closeApp(app);
    },
  };
}
