/**
 * Tools for the tests that try awsmfa against hostile input and faults: a fake STS that misbehaves on
 * purpose, a fingerprint of a directory tree (to show that a failed run changed nothing), an mfa_process
 * that counts how often it is run, and a wait for a condition.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { lstat, readdir, readFile, readlink, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export interface FakeSts {
  readonly url: string;
  /** Requests received so far. */
  requests(): number;
  close(): Promise<void>;
}

/** An HTTP server on a free loopback port that answers every request with `handler`. */
export async function fakeSts(handler: (request: IncomingMessage, response: ServerResponse) => void): Promise<FakeSts> {
  let count = 0;
  const server = createServer((request, response) => {
    count += 1;
    request.resume();
    handler(request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests: () => count,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Every file, link and directory under `root` with what identifies its state: mode, owner, size,
 * modification time and a hash of the content (a link's target). Directories are listed by mode only:
 * a lock file created and removed again changes a directory's mtime and nothing else.
 */
export async function fingerprint(root: string): Promise<Record<string, string>> {
  const result: Record<string, string> = {};
  const visit = async (path: string): Promise<void> => {
    let info;
    try {
      info = await lstat(path);
    } catch {
      return;
    }
    const name = relative(root, path) || '.';
    if (info.isSymbolicLink()) {
      result[name] = `link -> ${await readlink(path)}`;
    } else if (info.isDirectory()) {
      result[name] = `dir ${(info.mode & 0o7777).toString(8)} ${info.uid}`;
      for (const entry of (await readdir(path)).sort()) await visit(join(path, entry));
    } else if (info.isFile()) {
      const hash = createHash('sha256').update(await readFile(path)).digest('hex').slice(0, 16);
      result[name] = `file ${(info.mode & 0o7777).toString(8)} ${info.uid} ${info.size} ${info.mtimeMs} ${info.ino} ${hash}`;
    } else {
      result[name] = `other ${(info.mode & 0o7777).toString(8)}`;
    }
  };
  await visit(root);
  return result;
}

/** Polls `condition` every 25 ms until it holds; fails after `timeoutMs`. */
export async function waitUntil(condition: () => Promise<boolean> | boolean, timeoutMs = 15_000, what = 'the condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

/**
 * A shell script for mfa_process: appends a line to `counter` each time it runs, waits `seconds` (or,
 * with `until`, until that file exists: a state the test sets, not a guessed delay), then prints the
 * contents of `codeFile` (written by the test once it knows the code to hand out).
 */
export async function countingMfaProcess(
  path: string,
  options: { counter: string; codeFile: string; seconds: number } | { counter: string; codeFile: string; until: string },
): Promise<string> {
  const wait = 'until' in options ? `while [ ! -e '${options.until}' ]; do sleep 0.05; done` : `sleep ${options.seconds}`;
  // The wait is a child of the script: on SIGTERM the script ends it too, as a real program would stop.
  await writeFile(
    path,
    `#!/bin/sh\ntrap 'kill $pid 2>/dev/null; exit 143' TERM\necho run >> '${options.counter}'\n(${wait}) &\npid=$!\nwait $pid\ncat '${options.codeFile}'\n`,
    { mode: 0o755 },
  );
  return path;
}

export async function lines(path: string): Promise<number> {
  return (await readFile(path, 'utf8').catch(() => '')).split('\n').filter(Boolean).length;
}
