import { LitElement, html, nothing, type PropertyDeclarations } from 'lit';
import { setApiToken } from '../api.js';
import { styles } from './rk-token-form.styles.js';

/**
 * `<rk-token-form>`: asks for the server's access token (its `API_TOKEN`) when the API answers
 * 401, in plain words. The token is kept for the tab (`sessionStorage`) and sent as
 * `Authorization: Bearer` on every request and event stream; the page's elements load again
 * with it. A refused token brings the form back, saying so. The page gets one, at the top of
 * its `<main>` (or `<body>`), from the first `rk-token-needed` (see `rk-token-form.ts`).
 *
 * @csspart form - the form; `input` its field, `submit` its button
 * @cssproperty --rk-color-accent - and the other `--rk-*` properties of the shared styles
 */
export class RkTokenFormElement extends LitElement {
  static override properties: PropertyDeclarations = {
    refused: { type: Boolean, reflect: true },
  };

  static override styles = styles;

  /** Whether the last token given was refused. */
  declare refused: boolean;

  constructor() {
    super();
    this.refused = false;
  }

  /** Shows the form (again), its field focused. */
  async ask(refused: boolean): Promise<void> {
    const again = !this.hidden && this.hasUpdated;
    this.refused = refused;
    this.hidden = false;
    await this.updateComplete;
    const input = this.renderRoot.querySelector<HTMLInputElement>('#token');
    if (!again || refused) input?.focus();
  }

  private submit(event: SubmitEvent) {
    event.preventDefault();
    const input = this.renderRoot.querySelector<HTMLInputElement>('#token')!;
    const token = input.value.trim();
    if (!token) {
      input.focus();
      return;
    }
    input.value = '';
    this.refused = false;
    this.hidden = true;
    setApiToken(token);
  }

  override render() {
    return html`
      <section class="card" part="form" aria-labelledby="token-heading">
        <h2 id="token-heading">Access token needed</h2>
        <p id="token-hint" class="hint">
          This server asks for its access token before it shows or changes anything. Enter it once:
          this tab keeps it until you close it.
        </p>
        ${
          this.refused
            ? html`<p class="notice" role="alert">
                That token was refused. Check it and enter it again.
              </p>`
            : nothing
        }
        <form @submit=${this.submit}>
          <div>
            <label for="token">Access token</label>
            <input
              id="token"
              part="input"
              type="password"
              autocomplete="off"
              spellcheck="false"
              required
              aria-describedby="token-hint"
            />
          </div>
          <button class="primary" part="submit" type="submit">Continue</button>
        </form>
      </section>
    `;
  }
}
