import { LitElement, html, css, type PropertyDeclarations } from 'lit';
import { shared } from '../styles.js';

/** What {@link RkConfirmElement.ask} shows. */
export interface ConfirmRequest {
  /** The question, e.g. `Stop campaign spring?`. */
  title: string;
  /** What it does and what cannot be undone. */
  message: string;
  /** The button that goes ahead, e.g. `Stop campaign`. */
  confirm: string;
  /** The button that changes nothing. @default 'Keep it' */
  keep?: string;
}

/**
 * `<rk-confirm>`: a modal `<dialog role="alertdialog">` asking before a destructive action. Its
 * `ask()` resolves to `true` when confirmed, `false` when kept (Escape, or the keep button);
 * the safe button has the focus when it opens, and the focus goes back where it was.
 *
 * @csspart dialog - the dialog; `button confirm` and `button keep` its buttons
 */
export class RkConfirmElement extends LitElement {
  static override properties: PropertyDeclarations = { request: { state: true } };

  static override styles = [
    shared,
    css`
      dialog {
        max-width: min(28rem, calc(100vw - 2rem));
        border: 1px solid var(--_border);
        border-radius: calc(var(--_radius) * 1.5);
        padding: 1.25rem;
      }
      dialog::backdrop {
        background: rgb(0 0 0 / 0.35);
      }
      h2 {
        font-size: 1.1rem;
        margin: 0 0 0.5rem;
      }
      p {
        margin: 0 0 1rem;
      }
      .buttons {
        display: flex;
        gap: 0.5rem;
        justify-content: flex-end;
        flex-wrap: wrap;
      }
    `,
  ];

  declare protected request: ConfirmRequest | undefined;
  private settle: ((confirmed: boolean) => void) | undefined;
  private returnFocus: HTMLElement | null = null;

  constructor() {
    super();
    this.request = undefined;
  }

  /** Opens the dialog; resolves once it closes. A second ask while one is open keeps the first. */
  async ask(request: ConfirmRequest): Promise<boolean> {
    this.settle?.(false);
    this.returnFocus = deepActive();
    this.request = request;
    await this.updateComplete;
    const dialog = this.renderRoot.querySelector('dialog')!;
    if (!dialog.open) dialog.showModal();
    this.renderRoot.querySelector<HTMLButtonElement>('[data-keep]')?.focus();
    return new Promise((resolve) => (this.settle = resolve));
  }

  /**
   * Shows `request` in place of what the open dialog asks (its figures moved while it was open);
   * nothing when no dialog is open. The focus stays where it is.
   */
  revise(request: ConfirmRequest): void {
    if (this.settle) this.request = request;
  }

  private close(confirmed: boolean) {
    const dialog = this.renderRoot.querySelector('dialog');
    if (dialog?.open) dialog.close();
    const settle = this.settle;
    this.settle = undefined;
    this.returnFocus?.focus();
    this.returnFocus = null;
    settle?.(confirmed);
  }

  override render() {
    const r = this.request;
    return html`
      <dialog
        part="dialog"
        role="alertdialog"
        aria-modal="true"
        aria-labelledby="confirm-title"
        aria-describedby="confirm-message"
        @cancel=${(e: Event) => {
          e.preventDefault();
          this.close(false);
        }}
      >
        <h2 id="confirm-title">${r?.title ?? ''}</h2>
        <p id="confirm-message">${r?.message ?? ''}</p>
        <div class="buttons">
          <button data-keep part="button keep" @click=${() => this.close(false)}>
            ${r?.keep ?? 'Keep it'}
          </button>
          <button
            data-confirm
            class="danger"
            part="button confirm"
            @click=${() => this.close(true)}
          >
            ${r?.confirm ?? 'Confirm'}
          </button>
        </div>
      </dialog>
    `;
  }
}

/** The focused element, looking into shadow roots. */
function deepActive(): HTMLElement | null {
  let active = document.activeElement;
  while (active?.shadowRoot?.activeElement) active = active.shadowRoot.activeElement;
  return active instanceof HTMLElement ? active : null;
}
