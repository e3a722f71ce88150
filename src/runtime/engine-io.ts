/** The engine's streams, shared by the container and swarm runtimes: exec in a container, log piping, the event stream. */
import type Docker from 'dockerode';
import { PassThrough } from 'node:stream';

export type LogStream = NodeJS.ReadableStream & { destroy(): void };

/**
 * Until the stream ends, closes or fails; when `signal` aborts first it is destroyed, and this resolves — or
 * rejects with `onAbort()`'s error when given.
 */
function ended(stream: NodeJS.ReadableStream, signal: AbortSignal, onAbort?: () => Error): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    stream.once('end', resolve);
    stream.once('close', resolve);
    stream.once('error', reject);
    signal.addEventListener(
      'abort',
      () => {
        (stream as LogStream).destroy();
        if (onAbort) reject(onAbort());
        else resolve();
      },
      { once: true },
    );
  });
}

/** Runs a command in a container, collecting stdout and stderr; rejects when `signal` aborts. */
export async function execIn(
  docker: Docker,
  container: Docker.Container,
  command: string[],
  signal: AbortSignal,
): Promise<{ exitCode: number; output: string }> {
  const exec = await container.exec({ Cmd: command, AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({ hijack: true, stdin: false });
  const sink = new PassThrough();
  const chunks: Buffer[] = [];
  sink.on('data', (c: Buffer) => chunks.push(c));
  docker.modem.demuxStream(stream, sink, sink);
  await ended(stream, signal, () => new Error('exec cancelled'));
  const { ExitCode } = await exec.inspect();
  return { exitCode: ExitCode ?? -1, output: Buffer.concat(chunks).toString('utf8').trim() };
}

/**
 * Writes a following log stream (demultiplexed unless it is a TTY's) to `out`: with `follow`, until `signal`
 * aborts or the stream ends; without, once the tail has arrived (the stream then stays open for new lines).
 */
export async function pipeLogs(
  docker: Docker,
  stream: LogStream,
  tty: boolean,
  out: NodeJS.WritableStream,
  follow: boolean,
  signal: AbortSignal,
): Promise<void> {
  const done = ended(stream, signal);
  if (tty) stream.pipe(out, { end: false });
  else docker.modem.demuxStream(stream, out, out);
  if (!follow) {
    await new Promise((r) => setTimeout(r, 300));
    stream.destroy();
    return;
  }
  await done;
}

/** The engine's events (newline-delimited JSON) matching these filters, until `signal` aborts. */
export async function* engineEvents<T>(docker: Docker, filters: Record<string, string[]>, signal: AbortSignal): AsyncIterable<T> {
  const stream = (await docker.getEvents({ filters })) as LogStream;
  const onAbort = () => stream.destroy();
  signal.addEventListener('abort', onAbort, { once: true });
  let buffered = '';
  try {
    for await (const chunk of stream) {
      buffered += chunk.toString();
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl).trim();
        buffered = buffered.slice(nl + 1);
        if (line) yield JSON.parse(line) as T;
      }
    }
  } finally {
    signal.removeEventListener('abort', onAbort);
    stream.destroy();
  }
}

/** Docker's multiplexed log stream: 8-byte headers (stream, 0, 0, 0, size32) before each frame. */
export function demux(buf: Buffer): string {
  const out: Buffer[] = [];
  let i = 0;
  while (i + 8 <= buf.length) {
    const size = buf.readUInt32BE(i + 4);
    out.push(buf.subarray(i + 8, i + 8 + size));
    i += 8 + size;
  }
  return Buffer.concat(out).toString('utf8');
}
