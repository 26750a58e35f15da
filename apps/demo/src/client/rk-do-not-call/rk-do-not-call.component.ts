import { LitElement, html, nothing, type PropertyDeclarations } from 'lit';
import { apiBase, fieldErrors, request, type FieldErrors } from '../api.js';
import { LiveController } from '../controllers/live.js';
import { emit, errorDetail } from '../events.js';
import { focusFirstError, formText } from '../form.js';
import { formatDateTime, formatPhone } from '../format.js';
import type { Page, SuppressionImportJson, SuppressionJson } from '../types.js';
import { addForm, importForm, removeDialog } from './dnc-parts.js';
import {
  SUPPRESSION_LEADS,
  checkSuppressionForm,
  importReport,
  suppressionBody,
  suppressionField,
  type SuppressionField,
} from './do-not-call.js';
import { styles } from './rk-do-not-call.styles.js';

/** The add form's fields, in its order. */
const SUPPRESSION_FIELDS = ['phone', 'reason', 'until'] as const;

/**
 * `<rk-do-not-call api="http://host:4000">`: the server's do-not-call list, a page at a time
 * (the number, its reason, since when and until when, in the viewer's time), each entry with a
 * Remove button that asks first in a dialog; a form that adds a number (with a reason and an
 * optional end), its refusals under its fields; and a CSV import (`phone[,reason[,until]]`) that
 * says how many numbers it added and which lines it refused. It follows the list live (the
 * `suppression` event). A call due to a number on the list is not placed: it ends `suppressed`.
 *
 * @fires rk-do-not-call-change - a number was added or removed here, or a file imported;
 *   `detail: { phone, listed }`
 * @fires rk-error - a request failed; `detail: { message, code, status }`
 * @csspart do-not-call - the section; `form` the add form; `import` the import form; `report`
 *   the import's report; `table` the list; `row` each entry; `remove` its button; `pager` the
 *   paging buttons; `dialog` the confirmation
 */
export class RkDoNotCallElement extends LitElement {
  static override properties: PropertyDeclarations = {
    api: { type: String },
    pageSize: { type: Number, attribute: 'page-size' },
    items: { state: true },
    page: { state: true },
    nextCursor: { state: true },
    loading: { state: true },
    error: { state: true },
    busy: { state: true },
    formErrors: { state: true },
    importError: { state: true },
    report: { state: true },
    removing: { state: true },
    announcement: { state: true },
  };

  /** The API's base URL; same origin when left out. */
  declare api: string | undefined;
  /** Entries per page (1–500). */
  declare pageSize: number;
  declare protected items: SuppressionJson[];
  declare protected page: number;
  declare protected nextCursor: string | null;
  declare protected loading: boolean;
  declare protected error: string;
  /** `'add'`, `'import'` or the number being removed, while its request is under way. */
  declare protected busy: string | null;
  declare protected formErrors: FieldErrors<SuppressionField>;
  declare protected importError: string;
  declare protected report: { summary: string; lines: string[] } | null;
  /** The entry the dialog asks about. */
  declare protected removing: SuppressionJson | null;
  declare protected announcement: string;

  /** The cursor of each page shown so far; `null` for the first. */
  private cursors: (string | null)[] = [null];
  private controller: AbortController | undefined;
  private readonly live = new LiveController(this, {
    base: () => this.base,
    load: () => this.load(this.page),
    // Any change may move the page's entries: the page shown is read again.
    events: { suppression: () => void this.live.reload() },
  });

  constructor() {
    super();
    this.api = undefined;
    this.pageSize = 20;
    this.items = [];
    this.page = 0;
    this.nextCursor = null;
    this.loading = false;
    this.error = '';
    this.busy = null;
    this.formErrors = {};
    this.importError = '';
    this.report = null;
    this.removing = null;
    this.announcement = '';
  }

  static override styles = styles;

  private get base() {
    return apiBase(this.api);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.controller?.abort();
  }

  /** Shows page `page` (its cursor known from the pages before it). */
  async load(page: number): Promise<void> {
    this.controller?.abort();
    const controller = new AbortController();
    this.controller = controller;
    this.loading = true;
    const size = Math.min(500, Math.max(1, Math.trunc(this.pageSize) || 20));
    const cursor = this.cursors[page] ?? null;
    const query = `limit=${size}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    try {
      const result = await request<Page<SuppressionJson>>(this.base, `/api/suppressions?${query}`, {
        signal: controller.signal,
      });
      // A page emptied by removals goes back one.
      if (result.items.length === 0 && page > 0) {
        this.cursors = this.cursors.slice(0, page);
        return await this.load(page - 1);
      }
      this.items = result.items;
      this.page = page;
      this.nextCursor = result.next_cursor;
      this.cursors[page + 1] = result.next_cursor;
      this.error = '';
    } catch (error) {
      if ((error as Error).name === 'AbortError') return;
      this.fail(error);
    } finally {
      if (this.controller === controller) this.loading = false;
    }
  }

  private fail(error: unknown) {
    this.error = (error as Error).message;
    emit(this, 'rk-error', errorDetail(error));
  }

  private go(page: number) {
    void this.load(page).then(() => this.renderRoot.querySelector<HTMLElement>('table')?.focus());
  }

  private showFormErrors(errors: FieldErrors<SuppressionField>) {
    this.formErrors = errors;
    focusFirstError(this, errors, SUPPRESSION_FIELDS, 'dnc-');
  }

  private async add(event: SubmitEvent) {
    event.preventDefault();
    const form = event.target as HTMLFormElement;
    const input = formText(form, SUPPRESSION_FIELDS);
    const problems = checkSuppressionForm(input);
    if (Object.keys(problems).length > 0) {
      this.showFormErrors(problems);
      return;
    }
    this.busy = 'add';
    try {
      const entry = await request<SuppressionJson>(this.base, '/api/suppressions', {
        method: 'POST',
        body: suppressionBody(input),
      });
      this.formErrors = {};
      form.reset();
      this.announcement = `${formatPhone(entry.phone_number)} is on the do-not-call list.`;
      emit(this, 'rk-do-not-call-change', { phone: entry.phone_number, listed: true });
      await this.live.reload();
    } catch (error) {
      this.showFormErrors(fieldErrors(error, suppressionField, SUPPRESSION_LEADS));
      emit(this, 'rk-error', errorDetail(error));
    } finally {
      this.busy = null;
    }
  }

  private async importFile(event: SubmitEvent) {
    event.preventDefault();
    const form = event.target as HTMLFormElement;
    const file = new FormData(form).get('file');
    if (!(file instanceof File) || file.size === 0) {
      this.importError = 'Choose a CSV file of numbers.';
      this.report = null;
      return;
    }
    this.busy = 'import';
    try {
      const result = await request<SuppressionImportJson>(this.base, '/api/suppressions/import', {
        method: 'POST',
        text: { content: await file.text(), type: 'text/csv' },
      });
      this.importError = '';
      this.report = importReport(result);
      this.announcement = this.report.summary;
      form.reset();
      if (result.imported > 0) emit(this, 'rk-do-not-call-change', { phone: null, listed: true });
      await this.live.reload();
    } catch (error) {
      this.report = null;
      this.importError = fieldErrors(error, () => 'file' as const).file ?? '';
      emit(this, 'rk-error', errorDetail(error));
    } finally {
      this.busy = null;
    }
  }

  /** Asks, in the page's own dialog, before `entry` is taken off the list. */
  private askRemove(entry: SuppressionJson) {
    this.removing = entry;
    void this.updateComplete.then(() =>
      this.renderRoot.querySelector<HTMLDialogElement>('dialog')?.showModal(),
    );
  }

  /** The dialog closed: removes the entry when Remove closed it. */
  private async closed(event: Event) {
    const dialog = event.target as HTMLDialogElement;
    const entry = this.removing;
    this.removing = null;
    if (dialog.returnValue !== 'remove' || !entry) {
      this.focusRemove(entry?.phone_number);
      return;
    }
    dialog.returnValue = '';
    this.busy = entry.phone_number;
    try {
      await request(this.base, `/api/suppressions/${encodeURIComponent(entry.phone_number)}`, {
        method: 'DELETE',
      });
      this.error = '';
      this.announcement = `${formatPhone(entry.phone_number)} was taken off the do-not-call list.`;
      emit(this, 'rk-do-not-call-change', { phone: entry.phone_number, listed: false });
    } catch (error) {
      // Gone already (404): the list is read again below all the same.
      this.fail(error);
    } finally {
      this.busy = null;
    }
    await this.live.reload();
    this.renderRoot.querySelector<HTMLElement>('table')?.focus();
  }

  private focusRemove(phone: string | undefined) {
    if (!phone) return;
    void this.updateComplete.then(() =>
      this.renderRoot
        .querySelector<HTMLElement>(`button[data-remove="${CSS.escape(phone)}"]`)
        ?.focus(),
    );
  }

  private row(entry: SuppressionJson) {
    const phone = formatPhone(entry.phone_number);
    return html`
      <tr part="row" data-phone=${entry.phone_number}>
        <td class="who">
          <a class="phone" href="${this.base}/calls/${encodeURIComponent(entry.phone_number)}"
            >${phone}</a
          >
        </td>
        <td class="reason">${entry.reason}</td>
        <td class="since">
          <span class="sr-only">Since </span
          ><time datetime=${entry.created_at}>${formatDateTime(entry.created_at)}</time>
        </td>
        <td class="until">
          ${
            entry.until
              ? html`<span class="sr-only">Until </span
                  ><time datetime=${entry.until}>${formatDateTime(entry.until)}</time>`
              : html`<span class="muted">No end</span>`
          }
        </td>
        <td class="actions">
          <button
            class="small danger"
            part="remove"
            data-remove=${entry.phone_number}
            aria-label="Remove ${phone} from the list"
            ?disabled=${this.busy === entry.phone_number}
            @click=${() => this.askRemove(entry)}
          >
            Remove
          </button>
        </td>
      </tr>
    `;
  }

  override render() {
    const paged = this.page > 0 || this.nextCursor !== null;
    return html`
      <section class="card" part="do-not-call" aria-labelledby="dnc-heading">
        <h2 id="dnc-heading">Do not call</h2>
        <p class="muted">
          Calls due to a number on this list are not placed: they end as “Do not call”.
        </p>
        ${addForm({
          errors: this.formErrors,
          busy: this.busy === 'add',
          submit: (e) => void this.add(e),
        })}
        ${importForm({
          error: this.importError,
          report: this.report,
          busy: this.busy === 'import',
          submit: (e) => void this.importFile(e),
        })}
        ${this.error ? html`<p class="notice" role="alert">${this.error}</p>` : nothing}
        ${
          !this.error && !this.loading && this.items.length === 0 && this.page === 0
            ? html`<p class="muted" data-testid="empty">No number is on the list.</p>`
            : nothing
        }
        ${
          this.items.length > 0
            ? html`<table part="table" tabindex="-1">
                <caption class="sr-only">
                  The do-not-call list
                </caption>
                <thead>
                  <tr>
                    <th scope="col">Number</th>
                    <th scope="col">Reason</th>
                    <th scope="col">Since</th>
                    <th scope="col">Until</th>
                    <th scope="col"><span class="sr-only">Actions</span></th>
                  </tr>
                </thead>
                <tbody aria-busy=${this.loading ? 'true' : 'false'}>
                  ${this.items.map((entry) => this.row(entry))}
                </tbody>
              </table>`
            : nothing
        }
        ${
          paged
            ? html`<nav part="pager" aria-label="Pages of the list">
                <button
                  class="small"
                  ?disabled=${this.page === 0 || this.loading}
                  @click=${() => this.go(this.page - 1)}
                >
                  ← Previous
                </button>
                <span class="muted" aria-live="polite">Page ${this.page + 1}</span>
                <button
                  class="small"
                  ?disabled=${!this.nextCursor || this.loading}
                  @click=${() => this.go(this.page + 1)}
                >
                  Next →
                </button>
              </nav>`
            : nothing
        }
        ${removeDialog(this.removing, (e) => void this.closed(e))}
        <div class="sr-only" role="status" aria-live="polite">${this.announcement}</div>
      </section>
    `;
  }
}
