// Functions that run inside the page (serialised by Playwright), kept in plain JavaScript so the Node-only
// TypeScript project needs no DOM types; in-page.d.ts gives their signatures.

/** Records every text the live region says (it is cleared and refilled per message). */
export function recordAnnouncements() {
  const said = [];
  window.__announced = said;
  document.addEventListener('DOMContentLoaded', () => {
    const region = document.getElementById('announcer');
    if (!region) return;
    new MutationObserver(() => {
      if (region.textContent) said.push(region.textContent);
    }).observe(region, { childList: true, characterData: true, subtree: true });
  });
}

export function announced() {
  return window.__announced ?? [];
}

export function cardHasState([name, state]) {
  return [...document.querySelectorAll('.upload-card')].some(
    (card) => card.querySelector('.upload-name')?.textContent === name && card.dataset.state === state,
  );
}

export function imagesLoaded([scope, count]) {
  const images = [...document.querySelectorAll(`${scope} img`)];
  return images.length >= count && images.every((img) => img.complete && img.naturalWidth > 0);
}

export function imageSizes(scope) {
  return [...document.querySelectorAll(`${scope} img`)].map((img) => ({
    width: img.naturalWidth,
    height: img.naturalHeight,
    blob: img.src.startsWith('blob:'),
  }));
}

export function focused() {
  const element = document.activeElement;
  return { id: element?.id ?? '', tag: element?.tagName ?? '', text: element?.textContent ?? '' };
}

export function outlineOf(selector) {
  const element = document.querySelector(selector);
  return element ? getComputedStyle(element).outlineStyle : '';
}

export function facts() {
  return Object.fromEntries(
    [...document.querySelectorAll('.facts > div')].map((row) => [
      row.querySelector('dt')?.textContent ?? '',
      row.querySelector('dd')?.textContent ?? '',
    ]),
  );
}

export function variantFacts() {
  return [...document.querySelectorAll('.variant-card')].map((card) => [
    card.querySelector('h3')?.textContent ?? '',
    card.querySelector('.variant-facts')?.textContent ?? '',
  ]);
}

export function tiles() {
  return [...document.querySelectorAll('#gallery-grid .tile')].map((tile) => ({
    id: tile.dataset.id ?? '',
    name: tile.querySelector('.tile-name')?.textContent ?? '',
    badge: tile.querySelector('.badge')?.textContent ?? '',
  }));
}

export function pageWidth() {
  return document.documentElement.scrollWidth;
}

/** WCAG 2 contrast of each matched element's text against the first opaque background behind it. */
export function contrastRatios(selectors) {
  const parse = (colour) => {
    const [r = 0, g = 0, b = 0, a = 1] = (colour.match(/[\d.]+/g) ?? []).map(Number);
    return { r, g, b, a };
  };
  const luminance = ({ r, g, b }) => {
    const channel = (v) => {
      const s = v / 255;
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    };
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  };
  const background = (element) => {
    for (let node = element; node; node = node.parentElement) {
      const colour = parse(getComputedStyle(node).backgroundColor);
      if (colour.a >= 0.99) return colour;
    }
    return { r: 255, g: 255, b: 255 };
  };
  const results = [];
  for (const selector of selectors) {
    for (const element of document.querySelectorAll(selector)) {
      if (!element.getClientRects().length) continue; // not shown
      const fg = luminance(parse(getComputedStyle(element).color));
      const bg = luminance(background(element));
      const ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
      results.push({ selector, text: (element.textContent ?? '').slice(0, 30), ratio: Math.round(ratio * 100) / 100 });
    }
  }
  return results;
}

export function announcedIncludes(text) {
  return (window.__announced ?? []).some((said) => said.includes(text));
}

export function countAtLeast([selector, count]) {
  return document.querySelectorAll(selector).length >= count;
}

export function absent(selector) {
  return document.querySelector(selector) === null;
}

export function hashIs(hash) {
  return window.location.hash === hash;
}

export function textIs([selector, text]) {
  return document.querySelector(selector)?.textContent === text;
}

export function textIncludes([selector, text]) {
  return (document.querySelector(selector)?.textContent ?? '').includes(text);
}

export function attributeIsNot([selector, name, value]) {
  const element = document.querySelector(selector);
  return element !== null && element.getAttribute(name) !== value;
}

export function scrollToTop() {
  window.scrollTo(0, 0);
}

/**
 * Each gallery tile's text as laid out: lines of the name, the time stamp and the meta row (rendered height over
 * line height), and how many of the name's characters are visible inside its box (each measured with a Range).
 */
export function tileLayout() {
  const linesOf = (element) => {
    const style = getComputedStyle(element);
    const lineHeight = Number.parseFloat(style.lineHeight) || Number.parseFloat(style.fontSize) * 1.2;
    return Math.round(element.getBoundingClientRect().height / lineHeight);
  };
  return [...document.querySelectorAll('#gallery-grid .tile')].map((tile) => {
    const name = tile.querySelector('.tile-name');
    const time = tile.querySelector('.tile-meta time');
    const box = name.getBoundingClientRect();
    const text = name.firstChild;
    let visible = 0;
    for (let i = 0; text && i < text.length; i++) {
      const range = document.createRange();
      range.setStart(text, i);
      range.setEnd(text, i + 1);
      const rect = range.getBoundingClientRect();
      if (rect.width > 0 && rect.bottom <= box.bottom + 0.5 && rect.right <= box.right + 0.5) visible++;
    }
    return {
      name: name.textContent ?? '',
      nameLines: linesOf(name),
      visibleChars: visible,
      time: time?.textContent ?? '',
      timeLines: time ? time.getClientRects().length : 0,
      datetime: time?.getAttribute('datetime') ?? '',
      title: time?.getAttribute('title') ?? '',
      metaLines: linesOf(tile.querySelector('.tile-meta')),
    };
  });
}
