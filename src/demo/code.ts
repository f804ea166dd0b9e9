/**
 * `awsmfa demo code`: the demo device's current code, for the person trying the demo (it plays the
 * part of the authenticator app). It finds the running demo from inside the demo shell through
 * AWSMFA_DEMO_DIR, and from another terminal through the demo directories of this user.
 */
import { constants } from 'node:fs';
import { open, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import * as t from 'typanion';
import { totpCode } from '../emulator/index.js';
import { AwsmfaError } from '../errors.js';
import { refuseReusedCode } from '../mfa/reuse.js';
import { SessionCache } from '../session/cache.js';
import { DEMO_DIR_VARIABLE, DEMO_RECORD, demoBaseDir, demoDirPrefix, isOwnPrivateDir, type DemoRecord } from './world.js';

const STEP_SECONDS = 30;

const isRecord = t.isObject(
  {
    version: t.isLiteral(1),
    pid: t.isNumber(),
    endpoint: t.isString(),
    mfaSerial: t.isString(),
    totpSecret: t.isString(),
    createdAt: t.isString(),
  },
  { extra: t.isUnknown() },
);

async function readRecord(dir: string): Promise<DemoRecord | undefined> {
  if (!(await isOwnPrivateDir(dir))) return undefined;
  let handle;
  try {
    handle = await open(join(dir, DEMO_RECORD), constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch {
    return undefined;
  }
  try {
    const parsed: unknown = JSON.parse(await handle.readFile('utf8'));
    return isRecord(parsed) ? (parsed as DemoRecord) : undefined;
  } catch {
    return undefined;
  } finally {
    await handle.close();
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface RunningDemo {
  readonly dir: string;
  readonly record: DemoRecord;
}

export async function findRunningDemo(env: NodeJS.ProcessEnv): Promise<RunningDemo> {
  const own = env[DEMO_DIR_VARIABLE];
  if (own) {
    const record = await readRecord(own);
    if (record !== undefined && alive(record.pid)) return { dir: own, record };
  }
  const base = demoBaseDir(env);
  const names = (await readdir(base).catch(() => [] as string[])).filter((name) => name.startsWith(demoDirPrefix()));
  const found: RunningDemo[] = [];
  for (const name of names) {
    const dir = join(base, name);
    const record = await readRecord(dir);
    if (record !== undefined && alive(record.pid)) found.push({ dir, record });
  }
  const newest = found.sort((a, b) => b.record.createdAt.localeCompare(a.record.createdAt))[0];
  if (newest === undefined) {
    throw new AwsmfaError(`no awsmfa demo is running (looked in ${base})`, {
      hint: 'Start one with `awsmfa demo`, then run `awsmfa demo code` in it or in another terminal of the same user.',
    });
  }
  return newest;
}

/**
 * A code the demo will accept now. STS accepts the codes of the steps either side of its clock, each
 * once, and a code spends every older step's too; awsmfa refuses locally the codes it has already
 * sent. So the answer is the first code, this step's or the next one's, newer than the newest spent.
 * Only when both are spent is it worth waiting for the clock.
 */
export async function usableDemoCode(demo: RunningDemo, nowSeconds: number): Promise<{ code: string; waitSeconds: number; validForSeconds: number }> {
  const cache = new SessionCache(join(demo.dir, 'cache', 'awsmfa'));
  const step = Math.floor(nowSeconds / STEP_SECONDS);
  const codeAt = (candidate: number) => totpCode(demo.record.totpSecret, candidate * STEP_SECONDS);
  let spent = -Infinity;
  for (const candidate of [step - 1, step, step + 1]) {
    try {
      await refuseReusedCode(cache, demo.record.mfaSerial, codeAt(candidate), nowSeconds);
    } catch (error) {
      if (!(error instanceof AwsmfaError)) throw error;
      spent = candidate;
    }
  }
  const fresh = [step, step + 1].find((candidate) => candidate > spent);
  if (fresh !== undefined) return { code: codeAt(fresh), waitSeconds: 0, validForSeconds: (fresh + 2) * STEP_SECONDS - Math.floor(nowSeconds) };
  return { code: codeAt(step + 2), waitSeconds: Math.ceil((step + 1) * STEP_SECONDS - nowSeconds), validForSeconds: 3 * STEP_SECONDS };
}

/** The code the banner shows: this step's, fresh. */
export function currentDemoCode(record: DemoRecord, nowSeconds: number): string {
  return totpCode(record.totpSecret, nowSeconds);
}
