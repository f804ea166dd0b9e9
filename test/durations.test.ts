/**
 * The duration limits, checked before any call, on both sides of each edge: GetSessionToken 900 to
 * 129600 s, AssumeRole 900 to 43200 s, and 3600 s for a role assumed with another role's session.
 * The refusals through the CLI and the emulator are in hostile-input, roles and emulator tests.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkRoleDuration, checkSessionDuration } from '../src/aws/sts.js';
import { AwsmfaError } from '../src/errors.js';

const refusedWith = (message: string, hint: string) => (error: unknown) =>
  error instanceof AwsmfaError && error.message === message && error.hint === hint;

test('GetSessionToken: 900 and 129600 s are accepted; 899, 129601 and a fraction are refused with the range', () => {
  for (const seconds of [900, 901, 43_200, 129_599, 129_600]) checkSessionDuration(seconds, '--duration');
  for (const seconds of [899, 129_601, 0, -900, 900.5, Number.NaN]) {
    assert.throws(
      () => checkSessionDuration(seconds, '--duration'),
      refusedWith(
        `the duration ${seconds} s from --duration is outside what GetSessionToken allows (900 to 129600 s)`,
        'Use a value from 900 (15 minutes) to 129600 (36 hours); the default is 43200 (12 hours).',
      ),
      String(seconds),
    );
  }
});

test('AssumeRole: 900 and 43200 s are accepted; 899, 43201 and a fraction are refused with the range', () => {
  for (const seconds of [900, 3600, 3601, 43_200]) checkRoleDuration(seconds, 'duration_seconds of [admin]', false);
  for (const seconds of [899, 43_201, 1000.5]) {
    assert.throws(
      () => checkRoleDuration(seconds, 'duration_seconds of [admin]', false),
      refusedWith(
        `the duration ${seconds} s from duration_seconds of [admin] is outside what AssumeRole allows (900 to 43200 s)`,
        "Use a value from 900 to 43200 s (and no more than the role's maximum session duration).",
      ),
      String(seconds),
    );
  }
});

test('AssumeRole with a role\'s session: 3600 s is accepted, 3601 refused, 900 still the least', () => {
  for (const seconds of [900, 3600]) checkRoleDuration(seconds, '--duration', true);
  for (const seconds of [899, 3601, 43_200]) {
    assert.throws(
      () => checkRoleDuration(seconds, '--duration', true),
      refusedWith(
        `the duration ${seconds} s from --duration is outside what AssumeRole allows for a role assumed from another role (900 to 3600 s)`,
        "Use a value from 900 to 3600 s (and no more than the role's maximum session duration).",
      ),
      String(seconds),
    );
  }
});
