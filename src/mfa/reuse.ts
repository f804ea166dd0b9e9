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

export async function refuseReusedCode(cache: SessionCache, serial: string, code: string, nowSeconds = Date.now() / 1000): Promise<void> {
  const { used } = await usedCodes(cache, serial, nowSeconds);
  const hash = hashOf(serial, code);
  const previous = used.find((entry) => entry.hash === hash);
  if (previous !== undefined) {
    const wait = Math.max(1, Math.ceil(30 - (nowSeconds % 30)));
    throw new AwsmfaError(`this MFA code was already used for ${serial} ${Math.round(nowSeconds - previous.at)} s ago, and AWS accepts each code once`, {
      hint: `Wait for the next code (about ${wait} s) and try again.`,
    });
  }
}

export async function rememberUsedCode(cache: SessionCache, serial: string, code: string, nowSeconds = Date.now() / 1000): Promise<void> {
  const { path, used } = await usedCodes(cache, serial, nowSeconds);
  used.push({ hash: hashOf(serial, code), at: Math.floor(nowSeconds) });
  await cache.writeJson(path, used);
}
