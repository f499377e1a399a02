// The load generator's ceiling for the SODA load test: a server that does nothing but send the
// bytes of one file (the filtered query's answer) to every request, as JSON. `npm run bench`
// loads it like the portal, so the table shows what the machine and autocannon allow for a body
// that size. Usage: node --import tsx bench/static-serve.ts FILE PORT (prints "static serving").
import { readFileSync } from 'node:fs';
import http from 'node:http';

const [file, port] = process.argv.slice(2);
const body = readFileSync(file);
http
  .createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': body.length });
    res.end(body);
  })
  .listen(Number(port), '127.0.0.1', () => process.stderr.write(`static serving ${body.length} bytes on ${port}\n`));
