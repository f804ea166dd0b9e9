/**
 * Text that came from outside (a profile name typed or read from a config file, a value quoted in an
 * error) made safe to write to a terminal: a control character could move the cursor, retitle the
 * window or hide the rest of the line, a bidirectional override could make the message read backwards,
 * and a value of megabytes would bury the one line that says what to do.
 */

/** C0 and C1 controls, DEL, and the bidi embedding, override and isolate characters. */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;
/** A run of non-space characters longer than this is shortened in the middle. */
const LONGEST_WORD = 512;

function escape(character: string): string {
  const code = character.codePointAt(0) ?? 0;
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** A whole message longer than this (a source_profile chain of thousands) is shortened in the middle too. */
const LONGEST_TEXT = 4000;

const LONG_WORD = new RegExp(`\\S{${LONGEST_WORD + 1},}`, 'g');
/** UNSAFE without the global flag, for a test that keeps no state between calls. */
const ANY_UNSAFE = new RegExp(UNSAFE.source);

export function displayable(text: string): string {
  // The common case, a short plain name or value (list writes thousands): returned as it is.
  if (text.length <= LONGEST_WORD && !ANY_UNSAFE.test(text)) return text;
  const escaped = text.replace(UNSAFE, escape);
  const words = escaped.replace(LONG_WORD, (word) => `${word.slice(0, 64)}…[${word.length - 96} more characters]…${word.slice(-32)}`);
  return words.length <= LONGEST_TEXT ? words : `${words.slice(0, 2000)}…[${words.length - 2500} more characters]…${words.slice(-500)}`;
}
