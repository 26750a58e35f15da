// A small, strict XML reader: enough for TwiML (elements, attributes, text, comments, CDATA, the
// five named entities and character references); no DOCTYPE, no processing instructions but the
// declaration, no namespaces. A document it cannot read is an error, never a guess.

/** One element: its name, its attributes in order, and its children (text as strings). */
export interface XmlElement {
  name: string;
  attributes: Map<string, string>;
  children: Array<XmlElement | string>;
}

const NAME = /[A-Za-z_][\w.-]*/y;
const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** Thrown with what is wrong and where: a document that is not well-formed XML. */
export class XmlError extends Error {
  override name = 'XmlError';
}

/** Replaces entity and character references; an unknown one is an error. */
function decode(text: string, at: number): string {
  return text.replace(/&([^;&\s]*);?/g, (whole, ref: string) => {
    const code = /^#x([0-9a-fA-F]+)$/.exec(ref)?.[1] ?? /^#(\d+)$/.exec(ref)?.[1];
    if (whole.endsWith(';') && code !== undefined) {
      const point = ref.startsWith('#x') ? parseInt(code, 16) : Number(code);
      if (point > 0 && point <= 0x10ffff) return String.fromCodePoint(point);
    }
    const named = whole.endsWith(';') ? ENTITIES[ref] : undefined;
    if (named === undefined) throw new XmlError(`a bad reference ${whole} near offset ${at}`);
    return named;
  });
}

/** Reads `text` as one XML document and returns its root element. */
export function parseXml(text: string): XmlElement {
  let at = text.startsWith('\uFEFF') ? 1 : 0;
  const fail = (what: string): never => {
    throw new XmlError(`${what} at offset ${at}`);
  };
  const skipSpace = () => {
    while (at < text.length && /\s/.test(text[at] ?? '')) at += 1;
  };
  const name = () => {
    NAME.lastIndex = at;
    const match = NAME.exec(text);
    if (!match) fail('a name expected');
    at += match![0].length;
    return match![0];
  };
  const skipMisc = () => {
    for (;;) {
      skipSpace();
      if (text.startsWith('<!--', at)) {
        const end = text.indexOf('-->', at + 4);
        if (end < 0) fail('an unclosed comment');
        at = end + 3;
      } else return;
    }
  };

  function element(): XmlElement {
    if (text[at] !== '<') fail('an element expected');
    at += 1;
    const node: XmlElement = { name: name(), attributes: new Map(), children: [] };
    for (;;) {
      const spaced = /\s/.test(text[at] ?? '');
      skipSpace();
      if (text.startsWith('/>', at)) {
        at += 2;
        return node;
      }
      if (text[at] === '>') {
        at += 1;
        break;
      }
      if (!spaced) fail('a space expected before an attribute');
      const attribute = name();
      skipSpace();
      if (text[at] !== '=') fail(`'=' expected after ${attribute}`);
      at += 1;
      skipSpace();
      const quote = text[at];
      if (quote !== '"' && quote !== "'") fail(`a quoted value expected for ${attribute}`);
      const end = text.indexOf(quote!, at + 1);
      if (end < 0) fail(`an unclosed value of ${attribute}`);
      const raw = text.slice(at + 1, end);
      if (raw.includes('<')) fail(`'<' in the value of ${attribute}`);
      if (node.attributes.has(attribute)) fail(`${attribute} given twice`);
      node.attributes.set(attribute, decode(raw, at));
      at = end + 1;
    }
    for (;;) {
      if (at >= text.length) fail(`<${node.name}> is never closed`);
      if (text.startsWith('</', at)) {
        at += 2;
        if (name() !== node.name) fail(`</${node.name}> expected`);
        skipSpace();
        if (text[at] !== '>') fail("'>' expected");
        at += 1;
        return node;
      }
      if (text.startsWith('<!--', at)) {
        skipMisc();
      } else if (text.startsWith('<![CDATA[', at)) {
        const end = text.indexOf(']]>', at);
        if (end < 0) fail('an unclosed CDATA section');
        node.children.push(text.slice(at + 9, end));
        at = end + 3;
      } else if (text[at] === '<') {
        if (text[at + 1] === '!' || text[at + 1] === '?') fail('markup TwiML does not take');
        node.children.push(element());
      } else {
        const end = text.indexOf('<', at);
        const raw = text.slice(at, end < 0 ? text.length : end);
        node.children.push(decode(raw, at));
        at += raw.length;
      }
    }
  }

  skipSpace();
  if (text.startsWith('<?xml', at)) {
    const end = text.indexOf('?>', at);
    if (end < 0) fail('an unclosed XML declaration');
    at = end + 2;
  }
  skipMisc();
  if (text.startsWith('<!', at)) fail('markup TwiML does not take (a DOCTYPE?)');
  const root = element();
  skipMisc();
  if (at < text.length) fail('content after the root element');
  return root;
}

/** The element's text (its text children joined), trimmed. */
export function textOf(element: XmlElement): string {
  return element.children
    .filter((child): child is string => typeof child === 'string')
    .join('')
    .trim();
}

/** Its child elements (text that is only white space left out). */
export function elementsOf(element: XmlElement): XmlElement[] {
  return element.children.filter((child): child is XmlElement => typeof child !== 'string');
}
