import { checkShellWord, renderChanges, type Dialect } from './dialect.js';

/** Inside fish's single quotes `\\` and `\'` are escapes (any other backslash is literal). */
export function quoteFish(value: string): string {
  checkShellWord(value);
  return `'${value.replace(/[\\']/g, (c) => `\\${c}`)}'`;
}

export const fish: Dialect = {
  name: 'fish',
  quote: quoteFish,
  apply(changes) {
    // Global scope on purpose: the code may be sourced inside a function (the integration's wrapper),
    // and a universal variable must not be erased for every session on the machine. `set -e` of a
    // missing variable returns 4, so the `if` only erases what exists.
    const statements = renderChanges(changes, ({ name, value }) =>
      value === null ? `if set -qg ${name}; set -eg ${name}; end` : `set -gx ${name} ${quoteFish(value)}`,
    );
    // `set` passes the previous status through instead of setting 0, and `source` of code that runs
    // nothing keeps the caller's status too: only an explicit `true` makes the status 0.
    return `${statements}true\n`;
  },
  failure() {
    return 'false\n';
  },
};
