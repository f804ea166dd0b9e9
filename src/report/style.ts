/**
 * Colour for reports written to stdout (status, list, doctor). chalk's own detection looks at the
 * process's streams and ignores NO_COLOR, so the decision is made here from the stream a command
 * actually writes to and the environment it was given.
 */
import { Chalk, type ChalkInstance } from 'chalk';
import { colorLevel } from './color-level.js';

export { colorLevel } from './color-level.js';

export function styleFor(stream: NodeJS.WritableStream, env: NodeJS.ProcessEnv): ChalkInstance {
  return new Chalk({ level: colorLevel(stream, env) });
}
