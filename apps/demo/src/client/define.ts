/**
 * Registers an element once: the pages' bundle and embed.js may both be on one page.
 */
export function define(tag: string, element: CustomElementConstructor): void {
  if (!customElements.get(tag)) customElements.define(tag, element);
}
