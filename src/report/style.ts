/**
 * Colour for reports written to stdout (status, list, doctor). chalk's own detection looks at the
 * process's streams and ignores NO_COLOR, so the decision is made here from the stream a command
 * actually writes to and the environment it was given.
 */
import { Chalk, type ChalkInstance } from 'chalk';

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
  return (stream as { isTTY?: boolean }).isTTY === true ? 1 : 0;
}

export function styleFor(stream: NodeJS.WritableStream, env: NodeJS.ProcessEnv): ChalkInstance {
  return new Chalk({ level: colorLevel(stream, env) });
}
