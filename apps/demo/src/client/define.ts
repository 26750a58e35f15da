/**
 * Registers an element once: the pages' bundle and embed.js may both be on one page.
 */
export function define(tag: string, element: CustomElementConstructor): void {
  if (!customElements.get(tag)) customElements.define(tag, element);
}

/** Dispatches an `rk-…` event that bubbles out of shadow roots, payload in `detail`. */
export function emit<T>(target: EventTarget, name: `rk-${string}`, detail: T): void {
  target.dispatchEvent(new CustomEvent<T>(name, { detail, bubbles: true, composed: true }));
}
