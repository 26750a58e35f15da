/** The operator's page's script: its element only (uPlot stays out of the other pages). */
import './page.css';
import './rk-ops/rk-ops.js';
import './rk-token-form/rk-token-form.js';
import { apiToken, tokenNeeded } from './api.js';

/**
 * The `/metrics` link: a plain link where the server needs no token. Once the page holds the
 * server's token, following it fetches the text with `Authorization: Bearer` (which a link
 * cannot send) and opens it in a new tab; while the server waits for a token the page does not
 * have yet, it asks for the token instead of leading to a bare 401.
 */
let needed = false;
document.addEventListener('rk-token-needed', () => (needed = true));
const metrics = document.querySelector<HTMLAnchorElement>('a[href="/metrics"]');
metrics?.addEventListener('click', (event) => {
  const token = apiToken();
  if (!token && !needed) return;
  event.preventDefault();
  if (!token) {
    tokenNeeded(null);
    return;
  }
  // Opened now, while the click still allows a new tab; filled once the text is here.
  const tab = window.open('', '_blank');
  void fetch('/metrics', { headers: { authorization: `Bearer ${token}` } }).then(
    async (response) => {
      if (response.status === 401) {
        tab?.close();
        tokenNeeded(token);
        return;
      }
      const text = await response.text();
      const url = URL.createObjectURL(new Blob([text], { type: 'text/plain; charset=utf-8' }));
      if (tab) tab.location.href = url;
      else location.assign(url);
    },
    () => tab?.close(),
  );
});
