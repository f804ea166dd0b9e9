import { checkShellWord, renderChanges, type Dialect } from './dialect.js';

/**
 * A POSIX single-quoted word. Between single quotes nothing is special but the closing quote, so a
 * quote in the value closes the run, is added as `\'` and the run reopens. zsh reads it the same way.
 */
export function quoteSingle(value: string): string {
  checkShellWord(value);
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

export const bash: Dialect = {
  name: 'bash',
  quote: quoteSingle,
  apply(changes) {
    // `unset -v`: bash's plain `unset NAME` removes a *function* NAME when no variable of that name exists.
    return renderChanges(changes, ({ name, value }) =>
      value === null ? `unset -v ${name}` : `export ${name}=${quoteSingle(value)}`,
    );
  },
  failure() {
    // eval returns the status of its last command; `false` fails without printing or exiting the shell.
    return 'false\n';
  },
};
