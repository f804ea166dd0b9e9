/**
 * Whether to colour what goes to a stream. Apart from chalk (style.ts), whose import alone asks the
 * process's terminals about colour support, so that a message can be coloured without loading it.
 */
import type { WriteStream } from 'node:tty';

type ColorLevel = 0 | 1 | 2 | 3;

/** FORCE_COLOR wins (as chalk reads it), then NO_COLOR (https://no-color.org), then "is it a terminal". */
export function colorLevel(stream: NodeJS.WritableStream, env: NodeJS.ProcessEnv): ColorLevel {
  const force = env.FORCE_COLOR;
  if (force !== undefined) {
    if (force === 'false' || force === '0') return 0;
    if (force === '' || force === 'true') return 1;
    const level = Number.parseInt(force, 10);
    return Number.isNaN(level) ? 1 : (Math.min(Math.max(level, 0), 3) as ColorLevel);
  }
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return 0;
  if (env.TERM === 'dumb') return 0;
  return (stream as Partial<Pick<WriteStream, 'isTTY'>>).isTTY === true ? 1 : 0;
}

