import { quoteSingle } from './bash.js';
import { renderChanges, type Dialect } from './dialect.js';

export const zsh: Dialect = {
  name: 'zsh',
  // The RC_QUOTES option (`''` inside quotes is a quote) never changes how these words read: a run
  // always closes right before a `\'`, so a quoted run never holds two quotes in a row.
  quote: quoteSingle,
  apply(changes) {
    // zsh's `export` is `typeset -gx`: global even when the code is evaluated inside a function, such
    // as the integration's wrapper. zsh's `unset` only touches parameters and is quiet about missing ones.
    return renderChanges(changes, ({ name, value }) =>
      value === null ? `unset ${name}` : `export ${name}=${quoteSingle(value)}`,
    );
  },
  failure() {
    return 'false\n';
  },
};
