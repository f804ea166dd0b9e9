/**
 * AWS accepts a TOTP code once per device: a second use in the same window is refused as invalid.
 * We remember the codes used per device (as hashes, for a few minutes) and refuse a repeat
 * before sending it, with advice that makes sense ("wait for the next code").
 */
import { createHash } from 'node:crypto';
import { AwsmfaError } from '../errors.js';
import type { SessionCache } from '../session/cache.js';

/** AWS accepts codes one step either side of its clock: a used code is dangerous for three steps. */
const REMEMBER_SECONDS = 90;

interface UsedCode {
  hash: string;
  at: number;
}

function hashOf(serial: string, code: string): string {
  return createHash('sha256').update(`${serial}\n${code}`).digest('hex');
}

async function usedCodes(cache: SessionCache, serial: string, nowSeconds: number): Promise<{ path: string; used: UsedCode[] }> {
  const path = cache.fileFor(serial, 'codes');
  const record = await cache.readRecord(path);
  const used = Array.isArray(record)
    ? record.filter((entry): entry is UsedCode => typeof entry?.hash === 'string' && typeof entry?.at === 'number' && nowSeconds - entry.at < REMEMBER_SECONDS)
    : [];
  return { path, used };
}

const STEP_SECONDS = 30;

/**
 * How long until the device shows a code other than the one used at `usedAt`. AWS accepted it, so it
 * belongs to the window it was used in or to one either side; a device whose clock runs ahead shows
 * the next window's code, which it keeps showing until that window ends. Without the device's secret
 * the window cannot be told apart, so the wait is counted to the end of the latest one possible.
 */
export function secondsUntilNewCode(usedAt: number, nowSeconds: number): number {
  const latestWindowEnd = (Math.floor(usedAt / STEP_SECONDS) + 2) * STEP_SECONDS;
  return Math.max(1, Math.ceil(latestWindowEnd - nowSeconds));
}

export async function refuseReusedCode(cache: SessionCache, serial: string, code: string, nowSeconds = Date.now() / 1000): Promise<void> {
  const { used } = await usedCodes(cache, serial, nowSeconds);
  const hash = hashOf(serial, code);
  const previous = used.find((entry) => entry.hash === hash);
  if (previous !== undefined) {
    throw new AwsmfaError(`this MFA code was already used for ${serial} ${Math.round(nowSeconds - previous.at)} s ago, and AWS accepts each code once`, {
      hint: `Wait for the next code (at most ${secondsUntilNewCode(previous.at, nowSeconds)} s) and try again.`,
    });
  }
}

export async function rememberUsedCode(cache: SessionCache, serial: string, code: string, nowSeconds = Date.now() / 1000): Promise<void> {
  const { path, used } = await usedCodes(cache, serial, nowSeconds);
  used.push({ hash: hashOf(serial, code), at: Math.floor(nowSeconds) });
  await cache.writeJson(path, used);
}
