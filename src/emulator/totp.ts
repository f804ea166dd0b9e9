/**
 * Time-based one-time passwords as virtual MFA devices make them (RFC 6238 over RFC 4226):
 * HMAC-SHA-1, 30-second steps, 6 digits, secret shared as RFC 4648 base32.
 */
import { createHmac, randomBytes } from 'node:crypto';

export const TOTP_STEP_SECONDS = 30;
export const TOTP_DIGITS = 6;

const BASE32_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

export function base32Encode(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += BASE32_ALPHABET[(buffer >> bits) & 31];
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += BASE32_ALPHABET[(buffer << (5 - bits)) & 31];
  return out;
}

/** Decodes base32, ignoring case, padding and the spaces authenticator apps show for legibility. */
export function base32Decode(text: string): Buffer {
  const clean = text.replace(/[\s=]/g, '').toUpperCase();
  const out: number[] = [];
  let buffer = 0;
  let bits = 0;
  for (const char of clean) {
    const value = BASE32_ALPHABET.indexOf(char);
    if (value < 0) throw new Error(`not a base32 secret: unexpected character ${JSON.stringify(char)}`);
    buffer = (buffer << 5) | value;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push((buffer >> bits) & 0xff);
    }
    buffer &= (1 << bits) - 1;
  }
  return Buffer.from(out);
}

/** The RFC 4226 code of one counter value, `digits` long with leading zeros. */
export function hotpCode(key: Uint8Array, counter: number, digits = TOTP_DIGITS): string {
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac('sha1', key).update(message).digest();
  const offset = mac[mac.length - 1]! & 0x0f;
  const binary = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(binary % 10 ** digits).padStart(digits, '0');
}

export function totpStep(epochSeconds: number): number {
  return Math.floor(epochSeconds / TOTP_STEP_SECONDS);
}

/** RFC 6238 code (SHA-1, 30 s, 6 digits) of a base32 secret at a moment. */
export function totpCode(base32Secret: string, epochSeconds: number): string {
  return hotpCode(base32Decode(base32Secret), totpStep(epochSeconds));
}

/**
 * The steps within ±`window` of now whose code is `code`, oldest first. Usually none or one;
 * a list because two neighbouring steps may, rarely, share a code.
 */
export function matchingSteps(base32Secret: string, code: string, epochSeconds: number, window = 1): number[] {
  const key = base32Decode(base32Secret);
  const now = totpStep(epochSeconds);
  const steps: number[] = [];
  for (let step = now - window; step <= now + window; step++) {
    if (step >= 0 && hotpCode(key, step) === code) steps.push(step);
  }
  return steps;
}

/** A fresh device secret: 40 random bytes, i.e. 64 base32 characters like AWS's virtual devices. */
export function randomTotpSecret(bytes = 40): string {
  return base32Encode(randomBytes(bytes));
}
