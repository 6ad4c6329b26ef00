/**
 * A conservative SVG sanitiser run before rasterising: it rebuilds the document from kept tokens, so anything it does
 * not understand is dropped rather than passed through.
 *
 * Removed: `<script>`, `<foreignObject>`, `<iframe>`, `<object>`, `<embed>`, `<handler>`, `<listener>`, media
 * elements, animations that target `href`, `on*` attributes, `xml:base`, `href`/`src` that are not a `#fragment` or a
 * raster `data:image/…` URI, CSS `@import` and external `url(…)`, styles with escapes, comments, processing
 * instructions and the DOCTYPE (so no entity expansion).
 */
export function sanitizeSvg(svg: string): string {
  const out: string[] = [];
  let i = 0;
  let skipDepth = 0;
  while (i < svg.length) {
    const lt = svg.indexOf('<', i);
    if (lt < 0) {
      if (skipDepth === 0) out.push(svg.slice(i));
      break;
    }
    if (skipDepth === 0) out.push(svg.slice(i, lt));
    const next = readMarkup(svg, lt);
    if (!next) break; // unterminated markup: drop the rest
    i = next.end;
    if (next.kind !== 'tag') {
      if (next.kind === 'xml-declaration' && skipDepth === 0 && out.join('').trim() === '') out.push(next.text);
      continue;
    }
    const tag = next;
    const name = localName(tag.name).toLowerCase();
    if (tag.closing) {
      if (skipDepth > 0) skipDepth--;
      else out.push(`</${tag.name}>`);
      continue;
    }
    if (skipDepth > 0) {
      if (!tag.selfClosing) skipDepth++;
      if (name === 'script' && !tag.selfClosing) {
        i = skipRawText(svg, i, 'script');
        skipDepth--;
      }
      continue;
    }
    if (BLOCKED_ELEMENTS.has(name) || (ANIMATION_ELEMENTS.has(name) && animatesHref(tag.attributes))) {
      if (name === 'script' && !tag.selfClosing) i = skipRawText(svg, i, 'script');
      else if (!tag.selfClosing) skipDepth = 1;
      continue;
    }
    out.push(`<${tag.name}${serialiseAttributes(tag.attributes)}${tag.selfClosing ? '/>' : '>'}`);
    if (name === 'style' && !tag.selfClosing) {
      const close = findClosing(svg, i, 'style');
      out.push(escapeText(sanitizeCss(decodeText(svg.slice(i, close.start)))));
      if (close.end > close.start) out.push(`</${tag.name}>`);
      i = close.end;
    }
  }
  return out.join('');
}

const BLOCKED_ELEMENTS = new Set([
  'script',
  'foreignobject',
  'iframe',
  'object',
  'embed',
  'handler',
  'listener',
  'audio',
  'video',
]);
const ANIMATION_ELEMENTS = new Set(['animate', 'set', 'animatemotion', 'animatetransform', 'animatecolor']);
/** Raster data URIs only: an embedded SVG document could carry its own references. */
const SAFE_DATA_URI = /^data:image\/(?:png|jpe?g|gif|webp|avif|bmp);/i;

interface Attribute {
  readonly name: string;
  /** Entity-decoded value; `undefined` for a bare attribute. */
  readonly value: string | undefined;
}

type Markup =
  | { kind: 'tag'; name: string; closing: boolean; selfClosing: boolean; attributes: Attribute[]; end: number }
  | { kind: 'xml-declaration' | 'dropped'; text: string; end: number };

function readMarkup(svg: string, lt: number): Markup | undefined {
  const until = (terminator: string, from: number) => {
    const at = svg.indexOf(terminator, from);
    return at < 0 ? undefined : at + terminator.length;
  };
  if (svg.startsWith('<!--', lt)) return drop(until('-->', lt + 4));
  if (svg.startsWith('<![CDATA[', lt)) return drop(until(']]>', lt + 9));
  if (svg.startsWith('<?', lt)) {
    const end = until('?>', lt + 2);
    if (end === undefined) return undefined;
    const text = svg.slice(lt, end);
    return { kind: /^<\?xml\s/.test(text) ? 'xml-declaration' : 'dropped', text, end };
  }
  if (svg.startsWith('<!', lt)) {
    // DOCTYPE (with an optional internal subset) or another declaration: dropped, so no entities are defined.
    const close = svg.indexOf('>', lt);
    const subset = svg.indexOf('[', lt);
    if (subset >= 0 && (close < 0 || subset < close))
      return drop(until('>', svg.indexOf(']', subset) + 1 || svg.length));
    return drop(close < 0 ? undefined : close + 1);
  }
  return readTag(svg, lt);
}

function drop(end: number | undefined): Markup | undefined {
  return end === undefined ? undefined : { kind: 'dropped', text: '', end };
}

const NAME = /[^\s/>="'<]+/y;
const ATTRIBUTE = /\s*([^\s/>="'<]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>"'<]+)))?/y;

function readTag(svg: string, lt: number): Markup | undefined {
  const closing = svg[lt + 1] === '/';
  NAME.lastIndex = lt + (closing ? 2 : 1);
  const name = NAME.exec(svg)?.[0];
  if (!name) return drop(lt + 1); // a stray '<' in text
  let at = NAME.lastIndex;
  const attributes: Attribute[] = [];
  for (;;) {
    ATTRIBUTE.lastIndex = at;
    const match = closing ? null : ATTRIBUTE.exec(svg);
    if (!match) break;
    const raw = match[2] ?? match[3] ?? match[4];
    attributes.push({ name: match[1]!, value: raw === undefined ? undefined : decodeText(raw) });
    at = ATTRIBUTE.lastIndex;
  }
  while (at < svg.length && /\s/.test(svg[at]!)) at++;
  if (svg.startsWith('/>', at)) return { kind: 'tag', name, closing, selfClosing: true, attributes, end: at + 2 };
  if (svg[at] === '>') return { kind: 'tag', name, closing, selfClosing: false, attributes, end: at + 1 };
  return undefined;
}

function localName(name: string): string {
  const colon = name.indexOf(':');
  return colon < 0 ? name : name.slice(colon + 1);
}

function animatesHref(attributes: readonly Attribute[]): boolean {
  return attributes.some(
    (a) => localName(a.name).toLowerCase() === 'attributename' && /href$/i.test(a.value?.trim() ?? ''),
  );
}

function serialiseAttributes(attributes: readonly Attribute[]): string {
  let text = '';
  for (const { name, value } of attributes) {
    const local = localName(name).toLowerCase();
    if (local.startsWith('on') || name.toLowerCase() === 'xml:base') continue;
    if (value === undefined) continue;
    if (local === 'href' || local === 'src') {
      const target = value.trim();
      if (!target.startsWith('#') && !SAFE_DATA_URI.test(target)) continue;
    }
    const safe = local === 'style' || /url\s*\(|@import|\\/i.test(value) ? sanitizeCss(value) : value;
    if (safe === '') continue;
    text += ` ${name}="${escapeAttribute(safe)}"`;
  }
  return text;
}

/** Drops `@import`, replaces external `url(…)` with `none`; CSS escapes could spell either, so escaped CSS is dropped. */
function sanitizeCss(css: string): string {
  if (css.includes('\\')) return '';
  return css
    .replace(/@import[^;]*;?/gi, '')
    .replace(/url\s*\(\s*(['"]?)(.*?)\1\s*\)/gi, (whole, _quote, target: string) => {
      const trimmed = target.trim();
      return trimmed.startsWith('#') || SAFE_DATA_URI.test(trimmed) ? whole : 'none';
    });
}

function skipRawText(svg: string, from: number, name: string): number {
  return findClosing(svg, from, name).end;
}

/** The closing tag of a raw-text element (`</style>`), case-insensitively; the end of input when missing. */
function findClosing(svg: string, from: number, name: string): { start: number; end: number } {
  const pattern = new RegExp(`</(?:[\\w.-]+:)?${name}\\s*>`, 'gi');
  pattern.lastIndex = from;
  const match = pattern.exec(svg);
  return match ? { start: match.index, end: match.index + match[0].length } : { start: svg.length, end: svg.length };
}

const NAMED_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** XML character and predefined entity references, plus CDATA sections in text. */
function decodeText(text: string): string {
  return text
    .replace(/<!\[CDATA\[([\s\S]*?)\]\]>/g, (_whole, inner: string) => inner)
    .replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos);/gi, (whole, ref: string) => {
      if (ref[0] !== '#') return NAMED_ENTITIES[ref.toLowerCase()] ?? whole;
      const code =
        ref[1] === 'x' || ref[1] === 'X' ? Number.parseInt(ref.slice(2), 16) : Number.parseInt(ref.slice(1), 10);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : '';
    });
}

function escapeAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;');
}

function escapeText(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
