/**
 * stdout and stderr written with writeSync, for the cached `env` (src/fast-env.ts). process.stdout and
 * process.stderr are made on first use, and making one loads node:net for a pipe or node:tty for a
 * terminal: more than the whole of a cached `env`'s own work. These writers behave as those streams do
 * where held-output.ts relies on them: a failed write is an 'error' event a tick later, and nothing is
 * written after it; `isTTY` says whether the descriptor is a terminal.
 */
import { EventEmitter } from 'node:events';
import { fstatSync, writeSync } from 'node:fs';
import { platform } from '../platform/index.js';
import { lazyRequire } from '../platform/lazy-require.js';
import type { Writable } from 'node:stream';

/** Waiting for a pipe that is full (a descriptor someone left non-blocking) without a busy loop. */
const pause = new Int32Array(new SharedArrayBuffer(4));

class DescriptorWriter extends EventEmitter {
  private failed = false;

  constructor(
    private readonly fd: number,
    readonly isTTY: boolean,
  ) {
    super();
  }

  write(chunk: string | Uint8Array): boolean {
    if (this.failed) return false;
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    try {
      for (let offset = 0; offset < bytes.length; ) {
        try {
          offset += writeSync(this.fd, bytes, offset);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
          Atomics.wait(pause, 0, 0, 1);
        }
      }
      return true;
    } catch (error) {
      this.failed = true;
      process.nextTick(() => this.emit('error', error));
      return false;
    }
  }
}

/**
 * Whether the open descriptor is a terminal. Only a character device can be one; where its number does
 * not tell (see the platform), node:tty is loaded to ask, which loads node:net too: more than the rest
 * of a cached `env`.
 */
function isTerminal(fd: number): boolean {
  const info = fstatSync(fd);
  if (!info.isCharacterDevice()) return false;
  const known = platform.terminalByNumber(info);
  if (known !== undefined) return known;
  const { isatty } = lazyRequire('node:tty') as typeof import('node:tty');
  return isatty(fd);
}

/** A writer for an open descriptor; throws when it is not open (the process's own streams then decide). */
export function descriptorWriter(fd: number): Writable & { readonly isTTY: boolean } {
  return new DescriptorWriter(fd, isTerminal(fd)) as unknown as Writable & { readonly isTTY: boolean };
}
