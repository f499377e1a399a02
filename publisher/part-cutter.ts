// Cuts a stream of lines into part files of given numbers of lines, hashing each part as it goes.
// The stream is a named pipe (FIFO) that a DuckDB COPY writes into (`copyIntoParts`): the lines
// never land in one big file, DuckDB formats while Node cuts and writes, and a part is written
// while the next one is read. A plain file works too (`cutFile`).
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { constants, createReadStream, open as openFd } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import { Socket } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';

export interface Cut { to: string; lines: number }
export interface CutPart { bytes: number; sha256: string }

/** The stream ended early: when a COPY fails, a consequence of its error, not the cause. */
class EndedEarly extends Error {}

/** Read size of a plain file (a pipe gives what it holds, up to 64 KiB). */
const BLOCK = 8 * 2 ** 20;
/** Part files being written at once while the stream is read on. */
const WRITES_IN_FLIGHT = 8;

async function writePart(to: string, pieces: Buffer[]): Promise<void> {
  const out = await open(to, 'wx');
  try {
    await out.writev(pieces);
  } finally {
    await out.close();
  }
}

/**
 * Reads `source` to its end and cuts it into `cuts`, in order. The stream must hold exactly the
 * lines the cuts add up to, the last ending in a newline. A part is written while the next is read.
 */
export async function cutStream(source: AsyncIterable<Buffer>, name: string, cuts: readonly Cut[]): Promise<CutPart[]> {
  const total = cuts.reduce((a, c) => a + c.lines, 0);
  const out: CutPart[] = [];
  const writes: Promise<void>[] = [];
  let failed: { error: unknown } | undefined;
  const chunks = source[Symbol.asyncIterator]();
  let chunk: Buffer = Buffer.alloc(0);
  let pos = 0;
  const more = async (): Promise<boolean> => {
    const next = await chunks.next();
    if (next.done) return false;
    chunk = next.value;
    pos = 0;
    return true;
  };
  try {
    for (const cut of cuts) {
      const pieces: Buffer[] = [];
      const hash = createHash('sha256');
      let bytes = 0;
      for (let left = cut.lines; left > 0;) {
        if (pos >= chunk.length && !(await more())) throw new EndedEarly(`parts: ${name} ended before its ${total} lines`);
        let end = pos;
        while (left > 0) {
          const nl = chunk.indexOf(0x0a, end);
          if (nl < 0) { end = chunk.length; break; }
          end = nl + 1;
          left--;
        }
        const piece = chunk.subarray(pos, end);
        pieces.push(piece);
        hash.update(piece);
        bytes += piece.length;
        pos = end;
      }
      out.push({ bytes, sha256: hash.digest('hex') });
      writes.push(writePart(cut.to, pieces).catch((error: unknown) => { failed ??= { error }; }));
      if (writes.length >= WRITES_IN_FLIGHT) await writes.shift();
      if (failed) throw failed.error;
    }
    if (pos < chunk.length || (await more())) throw new Error(`parts: ${name} holds more than its ${total} lines`);
    await Promise.all(writes.splice(0));
    if (failed) throw failed.error;
    return out;
  } finally {
    await chunks.return?.(); // stops reading: a writer still writing gets EPIPE
    await Promise.allSettled(writes);
  }
}

/** Cuts a plain file into parts (see cutStream). */
export async function cutFile(file: string, cuts: readonly Cut[]): Promise<CutPart[]> {
  return cutStream(createReadStream(file, { highWaterMark: BLOCK }), path.basename(file), cuts);
}

/** Opens the other end of a FIFO without waiting, then closes it: unblocks a side whose partner never came. */
async function release(fifo: string, flags: number): Promise<void> {
  for (let tries = 0; tries < 500; tries++) {
    try {
      await (await open(fifo, flags | constants.O_NONBLOCK)).close();
      return;
    } catch (e) {
      // ENXIO: a write end found no reader yet; retry while the reader's open is on its way.
      if ((e as NodeJS.ErrnoException).code !== 'ENXIO') return;
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}

/**
 * Runs `copy(fifo)` (a DuckDB COPY … TO fifo) and cuts what it writes into `cuts`. A COPY that fails
 * ends the stream early; a cut that fails closes the pipe, so the COPY fails too; either way nothing
 * waits forever and the first error is thrown.
 */
export async function copyIntoParts(fifo: string, copy: (fifo: string) => Promise<unknown>, cuts: readonly Cut[]): Promise<CutPart[]> {
  await rm(fifo, { force: true });
  await promisify(execFile)('mkfifo', ['-m', '600', fifo]);
  try {
    let opened = false;
    const cutting = (async () => {
      // Opening waits for the writer; then the pipe is read as a socket (epoll, no thread hop).
      const fd = await promisify(openFd)(fifo, constants.O_RDONLY).catch(async (e: unknown) => {
        await release(fifo, constants.O_RDONLY); // let the COPY's open through, to fail on writing
        throw e;
      });
      opened = true;
      return cutStream(new Socket({ fd, readable: true, writable: false }), path.basename(fifo), cuts);
    })();
    const copying = copy(fifo);
    const [cut, copied] = await Promise.allSettled([
      cutting,
      copying.catch(async (e: unknown) => {
        // The COPY may have failed before opening the pipe: end the reader's wait for a writer.
        if (!opened) await release(fifo, constants.O_WRONLY);
        throw e;
      }),
    ]);
    // The cause first: a cut that failed on its own, else the COPY's error.
    if (cut.status === 'rejected' && !(cut.reason instanceof EndedEarly)) throw cut.reason;
    if (copied.status === 'rejected') throw copied.reason;
    if (cut.status === 'rejected') throw cut.reason;
    return cut.value;
  } finally {
    await rm(fifo, { force: true });
  }
}
