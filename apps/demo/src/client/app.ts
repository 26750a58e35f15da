/**
 * The pages' script: registers the elements (and the form that asks for the server's access
 * token when it has one) and wires the call history page to its URL (`/calls/:phone`) and its
 * lookup form, and the call log to its campaign filter (`/calls?campaign=…`).
 */
import './page.css';
import './rk-scheduler/rk-scheduler.js';
import './rk-dialer/rk-dialer.js';
import './rk-campaigns/rk-campaigns.js';
import './rk-call-history/rk-call-history.js';
import './rk-call-log/rk-call-log.js';
import './rk-do-not-call/rk-do-not-call.js';
import './rk-agents/rk-agents.js';
import './rk-token-form/rk-token-form.js';
import { onApiTokenChange, request } from './api.js';
import { formatPhone } from './format.js';
import type { DialerJson } from './types.js';

const history = document.querySelector('rk-call-history');
if (history) {
  const match = /^\/calls\/([^/]+)\/?$/.exec(location.pathname);
  const phone = match ? decodeURIComponent(match[1]!) : '';
  const lookup = document.querySelector<HTMLFormElement>('#lookup');
  const input = document.querySelector<HTMLInputElement>('#lookup-phone');
  if (input) input.value = phone;
  // Without a number, the page is the log of every call; with one, that number's history.
  const log = document.querySelector('rk-call-log');
  if (log) {
    log.hidden = Boolean(phone);
    // `/calls?campaign=…` (each campaign's "Calls" link): the log of that campaign's calls.
    const campaign = new URLSearchParams(location.search).get('campaign');
    if (campaign) log.campaign = campaign;
  }
  if (phone) {
    history.phone = phone;
    document.title = `Calls of ${formatPhone(phone)} · ringkit demo`;
  } else {
    history.hidden = true;
  }
  lookup?.addEventListener('submit', (event) => {
    event.preventDefault();
    const value = input?.value.trim() ?? '';
    if (value) location.assign(`/calls/${encodeURIComponent(value)}`);
  });
  // Quick links: the dialer's numbers (asked again when the page is given a token).
  const links = document.querySelector<HTMLElement>('#quick-links');
  const fill = () => {
    if (!links || links.childElementCount > 0) return;
    request<DialerJson>('', '/api/dialer')
      .then((dialer) => {
        const phones = [...new Set(dialer.entries.map((e) => e.phone))];
        for (const p of phones) {
          const item = document.createElement('li');
          const a = document.createElement('a');
          a.href = `/calls/${encodeURIComponent(p)}`;
          a.textContent = formatPhone(p);
          if (p === phone || p.replace(/\D/g, '') === phone.replace(/\D/g, '')) {
            a.setAttribute('aria-current', 'page');
          }
          item.append(a);
          links.append(item);
        }
        links.hidden = phones.length === 0;
      })
      .catch(() => (links.hidden = true));
  };
  fill();
  onApiTokenChange(fill);
}
