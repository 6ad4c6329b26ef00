type Child = Node | string | number | null | undefined | false;
type Listener = (event: Event) => void;
export type Props = Record<string, string | number | boolean | null | undefined | Listener>;

/**
 * A small element builder: `h('button', { class: 'btn', onclick: go }, 'Go')`. Keys starting with `on` add listeners;
 * `true` sets an empty attribute, `false`/`null`/`undefined` leave it out; strings are text, never HTML.
 */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Props = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (typeof value === 'function') element.addEventListener(key.slice(2), value);
    else if (value === true) element.setAttribute(key, '');
    else if (value !== false && value !== null && value !== undefined) element.setAttribute(key, String(value));
  }
  append(element, children);
  return element;
}

export function append(parent: Element, children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(typeof child === 'number' ? String(child) : child);
  }
}

/** Replaces an element's children; focus moves back to the element with the same `data-focus` key, if any. */
export function replaceChildren(parent: Element, ...children: Child[]): void {
  const focused = document.activeElement;
  const key = focused instanceof HTMLElement && parent.contains(focused) ? focused.dataset.focus : undefined;
  parent.replaceChildren();
  append(parent, children);
  if (key) parent.querySelector<HTMLElement>(`[data-focus="${CSS.escape(key)}"]`)?.focus();
}

export function byId<T extends HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`#${id} is missing from the page`);
  return element as T;
}

const SVG_NS = 'http://www.w3.org/2000/svg';

/** A decorative inline icon from a path list (24×24 viewBox, stroked). */
export function icon(paths: readonly string[], className = 'icon'): SVGSVGElement {
  const svg = document.createElementNS(SVG_NS, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('class', className);
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  for (const d of paths) {
    const path = document.createElementNS(SVG_NS, 'path');
    path.setAttribute('d', d);
    svg.append(path);
  }
  return svg;
}

export const ICONS = {
  image: ['M4 5h16v14H4z', 'M4 16l5-5 4 4 3-3 4 4', 'M15.5 9.5h.01'],
  upload: ['M12 16V4', 'M7 9l5-5 5 5', 'M4 16v4h16v-4'],
  alert: ['M12 3l10 18H2z', 'M12 10v4', 'M12 17.5h.01'],
  copy: ['M9 9h11v11H9z', 'M5 15H4V4h11v1'],
  download: ['M12 4v12', 'M7 11l5 5 5-5', 'M4 20h16'],
  trash: ['M4 7h16', 'M10 11v6', 'M14 11v6', 'M6 7l1 13h10l1-13', 'M9 7V4h6v3'],
  retry: ['M4 12a8 8 0 1 0 2.3-5.6', 'M4 4v4h4'],
  back: ['M15 6l-6 6 6 6'],
  key: ['M14 10a4 4 0 1 0-3 3.9L13 16h2v2h2v2h3v-3l-6.1-6.1A4 4 0 0 0 14 10z', 'M8.5 9.5h.01'],
  close: ['M6 6l12 12', 'M18 6L6 18'],
  link: ['M10 14a4 4 0 0 0 5.7 0l3-3a4 4 0 0 0-5.7-5.7l-1 1', 'M14 10a4 4 0 0 0-5.7 0l-3 3a4 4 0 0 0 5.7 5.7l1-1'],
} as const satisfies Record<string, readonly string[]>;

let pending: string[] = [];
let flush: number | undefined;

/** Says `text` to screen readers through the page's polite live region; messages close together are read as one. */
export function announce(text: string): void {
  pending.push(text);
  if (flush !== undefined) return;
  flush = window.setTimeout(() => {
    const region = document.getElementById('announcer');
    if (region) region.textContent = pending.join(' ');
    pending = [];
    flush = undefined;
  }, 250);
}
