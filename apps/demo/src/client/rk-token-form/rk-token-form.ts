import { define } from '../define.js';
import { RkTokenFormElement } from './rk-token-form.component.js';

export { RkTokenFormElement } from './rk-token-form.component.js';

define('rk-token-form', RkTokenFormElement);

declare global {
  interface HTMLElementTagNameMap {
    'rk-token-form': RkTokenFormElement;
  }
}

/**
 * The page's token form, made at the first `rk-token-needed` (the API answered 401), at the top
 * of `<main>` (or `<body>`); a page that has its own `<rk-token-form>` keeps it.
 */
function formOfPage(): RkTokenFormElement {
  const found = document.querySelector('rk-token-form');
  if (found) return found;
  const form = document.createElement('rk-token-form');
  const host = document.querySelector('main') ?? document.body;
  // After the page's heading and lead, when it has them: the form says what the page needs.
  const after = host.querySelector(':scope > h1 + .lead') ?? host.querySelector(':scope > h1');
  if (after) after.after(form);
  else host.prepend(form);
  return form;
}

if (typeof document !== 'undefined') {
  document.addEventListener('rk-token-needed', (event) => {
    void formOfPage().ask(event.detail.refused);
  });
}
