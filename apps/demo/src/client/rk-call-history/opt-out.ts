/**
 * `<rk-call-history>`'s opt-out: whether the number shown is on the do-not-call list, a
 * "Don't call this number" button that puts it there (reason `opted out`), and "Allow calls
 * again" that takes it off. Its state lives in a Lit reactive controller; the element reads it
 * again on each `suppression` event.
 */
import { html, nothing, type ReactiveController, type ReactiveControllerHost } from 'lit';
import { ApiRequestError, request } from '../api.js';
import { emit, errorDetail } from '../events.js';
import { formatDateTime, formatPhone } from '../format.js';
import type { Page, SuppressionJson } from '../types.js';
import { OPT_OUT_REASON } from '../rk-do-not-call/do-not-call.js';

export class OptOutController implements ReactiveController {
  /** The number's entry; `null` when it is not on the list, `undefined` until known. */
  entry: SuppressionJson | null | undefined = undefined;
  busy = false;
  error = '';
  private asked = 0;

  constructor(
    private readonly host: ReactiveControllerHost & HTMLElement,
    private readonly target: () => { base: string; phone: string },
  ) {
    host.addController(this);
  }

  hostConnected(): void {}

  private set(change: Partial<Pick<OptOutController, 'entry' | 'busy' | 'error'>>) {
    Object.assign(this, change);
    this.host.requestUpdate();
  }

  /** Reads whether the number is on the list (the last of overlapping reads wins). */
  async check(): Promise<void> {
    const { base, phone } = this.target();
    const path = `/api/suppressions?phone_number=${encodeURIComponent(phone)}`;
    const asked = ++this.asked;
    if (!this.target().phone) return;
    try {
      const { items } = await request<Page<SuppressionJson>>(base, path);
      if (asked === this.asked) this.set({ entry: items[0] ?? null, error: '' });
    } catch (error) {
      if (asked !== this.asked) return;
      // 400: a number the API cannot read (the history says so).
      if (error instanceof ApiRequestError && error.status === 400) {
        this.set({ entry: undefined, error: '' });
      } else {
        this.set({ entry: undefined, error: (error as Error).message });
      }
    }
  }

  /** Puts the number on the list, or takes it off. */
  async toggle(): Promise<void> {
    const { base, phone } = this.target();
    const path = `/api/suppressions/${encodeURIComponent(phone)}`;
    const listed = !this.entry;
    this.set({ busy: true });
    try {
      if (listed) {
        const entry = await request<SuppressionJson>(base, '/api/suppressions', {
          method: 'POST',
          body: { phone_number: phone, reason: OPT_OUT_REASON },
        });
        this.asked++;
        this.set({ entry, error: '' });
      } else {
        await request(base, path, { method: 'DELETE' }).catch((error: unknown) => {
          // Taken off already: what the button asked for.
          if (!(error instanceof ApiRequestError && error.status === 404)) throw error;
        });
        this.asked++;
        this.set({ entry: null, error: '' });
      }
      emit(this.host, 'rk-do-not-call-change', { phone, listed });
    } catch (error) {
      this.set({ error: (error as Error).message });
      emit(this.host, 'rk-error', errorDetail(error));
    } finally {
      this.set({ busy: false });
    }
  }

  /** The bar under the history's heading (`part="opt-out"`); nothing until the state is known. */
  render() {
    const { entry, busy, error } = this;
    if (entry === undefined && !error) return nothing;
    const phone = formatPhone(this.target().phone);
    return html`
      <div class="opt-out" part="opt-out" data-listed=${entry ? 'true' : 'false'}>
        ${
          entry
            ? html`<p>
                  <span class="badge" data-status="suppressed">do not call</span>
                  On the do-not-call list since
                  <time datetime=${entry.created_at}>${formatDateTime(entry.created_at)}</time>
                  (${entry.reason})${
                    entry.until
                      ? html`, until
                          <time datetime=${entry.until}>${formatDateTime(entry.until)}</time>`
                      : nothing
                  }:
                  calls to it are not placed.
                </p>
                <button class="small" ?disabled=${busy} @click=${() => void this.toggle()}>
                  Allow calls again<span class="sr-only"> to ${phone}</span>
                </button>`
            : entry === null
              ? html`<button
                  class="small danger"
                  ?disabled=${busy}
                  @click=${() => void this.toggle()}
                >
                  Don't call this number
                </button>`
              : nothing
        }
        ${error ? html`<p class="notice" role="alert">${error}</p>` : nothing}
        <span class="sr-only" role="status"
          >${entry ? `${phone} is on the do-not-call list.` : ''}</span
        >
      </div>
    `;
  }
}
