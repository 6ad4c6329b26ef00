import { type Api, ApiError } from './api.js';
import { KeyRefused } from './auth.js';
import { badge } from './badge.js';
import { byId, h, ICONS, icon, replaceChildren } from './dom.js';
import { displayName, formatAgo, formatDate } from './format.js';
import type { LiveUpdates } from './live.js';
import type { ImageStore } from './store.js';
import { atLeast, type Thumbnails } from './thumbs.js';
import type { ImageJson, ImageStatus } from './types.js';

const PAGE_SIZE = 24;
const NEW_TOLERANCE_MS = 60_000;
// A tile is about 200 CSS pixels wide; twice that stays sharp on high-density screens.
const TILE_PIXELS = 360;

/**
 * Recent images, newest first, a page at a time (`GET /v1/images`), each tile with its status. Hidden when the
 * server has no list route.
 */
export class Gallery {
  readonly #api: Api;
  readonly #store: ImageStore;
  readonly #live: LiveUpdates;
  readonly #thumbs: Thumbnails;
  readonly #section = byId<HTMLElement>('gallery');
  readonly #grid = byId<HTMLUListElement>('gallery-grid');
  readonly #more = byId<HTMLButtonElement>('gallery-more');
  readonly #message = byId<HTMLElement>('gallery-message');
  readonly #filter = byId<HTMLSelectElement>('status-filter');
  readonly #tiles = new Map<string, HTMLLIElement>();
  #cursor: string | null = null;
  #generation = 0;
  #available = true;

  constructor(deps: { api: Api; store: ImageStore; live: LiveUpdates; thumbs: Thumbnails }) {
    this.#api = deps.api;
    this.#store = deps.store;
    this.#live = deps.live;
    this.#thumbs = deps.thumbs;
    this.#more.addEventListener('click', () => void this.#loadPage(false));
    this.#filter.addEventListener('change', () => void this.reload());
    this.#store.subscribe((event) => {
      if (event.type === 'remove') {
        this.#tiles.get(event.id)?.remove();
        this.#tiles.delete(event.id);
        this.#showEmpty();
        return;
      }
      const tile = this.#tiles.get(event.image.id);
      if (tile) this.#fill(tile, event.image);
    });
  }

  /** Creation time of the newest image shown (0 when none). */
  get #newest(): number {
    let newest = 0;
    for (const id of this.#tiles.keys()) {
      const image = this.#store.get(id);
      if (image) newest = Math.max(newest, Date.parse(image.createdAt));
    }
    return newest;
  }

  get #status(): ImageStatus | '' {
    return this.#filter.value as ImageStatus | '';
  }

  reload(): Promise<void> {
    return this.#loadPage(true);
  }

  /** A new image (uploaded here, or seen on the event stream) goes to the front when it fits the filter. */
  add(image: ImageJson): void {
    if (!this.#available || this.#tiles.has(image.id)) return;
    if (this.#status && this.#status !== image.status) return;
    // An old image replayed by a reconnecting stream is not "new": it belongs further down, on a later page.
    if (Date.parse(image.createdAt) < this.#newest - NEW_TOLERANCE_MS) return;
    const tile = h('li', { class: 'gallery-item' });
    this.#tiles.set(image.id, tile);
    this.#fill(tile, image);
    this.#grid.prepend(tile);
    this.#showEmpty();
  }

  async #loadPage(reset: boolean): Promise<void> {
    if (!this.#available) return;
    const generation = reset ? ++this.#generation : this.#generation;
    this.#more.disabled = true;
    this.#section.setAttribute('aria-busy', 'true');
    try {
      const page = await this.#api.listImages({
        limit: PAGE_SIZE,
        cursor: reset ? null : this.#cursor,
        status: this.#status,
      });
      if (generation !== this.#generation) return; // a newer filter won
      if (reset) {
        this.#tiles.clear();
        replaceChildren(this.#grid);
      }
      for (const image of page.items) {
        this.#store.set(image);
        const current = this.#store.get(image.id) ?? image;
        this.#live.watch(current);
        if (this.#tiles.has(image.id)) continue;
        const tile = h('li', { class: 'gallery-item' });
        this.#tiles.set(image.id, tile);
        this.#fill(tile, current);
        this.#grid.append(tile);
      }
      this.#cursor = page.nextCursor;
      this.#more.hidden = page.nextCursor === null;
      this.#message.hidden = true;
      this.#showEmpty();
    } catch (error) {
      if (error instanceof ApiError && error.unsupported) {
        this.#available = false;
        this.#section.hidden = true;
        byId('gallery-unavailable').hidden = false;
        return;
      }
      this.#message.hidden = false;
      this.#message.textContent =
        error instanceof KeyRefused
          ? 'Enter an API key to see the images on this server.'
          : `The images could not be listed. ${error instanceof ApiError ? error.plain : ''}`;
    } finally {
      this.#more.disabled = false;
      this.#section.removeAttribute('aria-busy');
    }
  }

  #showEmpty(): void {
    if (this.#tiles.size > 0 || !this.#message.hidden) {
      this.#grid.classList.remove('is-empty');
      return;
    }
    this.#grid.classList.add('is-empty');
    replaceChildren(
      this.#grid,
      h(
        'li',
        { class: 'empty' },
        this.#status ? `No ${this.#status} images.` : 'No images yet. Drop a few above to get started.',
      ),
    );
  }

  #fill(tile: HTMLLIElement, image: ImageJson): void {
    tile.querySelector('.empty')?.remove();
    this.#grid.querySelector(':scope > .empty')?.remove();
    const variant = image.status === 'done' ? atLeast(image, TILE_PIXELS) : undefined;
    const media = variant
      ? this.#thumbs.picture(image, variant, '', 'tile-media')
      : h('span', { class: 'tile-media is-placeholder' }, icon(image.status === 'failed' ? ICONS.alert : ICONS.image));
    replaceChildren(
      tile,
      h(
        'a',
        { class: 'tile', href: `#/images/${image.id}`, 'data-focus': `tile-${image.id}`, 'data-id': image.id },
        media,
        h(
          'span',
          { class: 'tile-body' },
          h('span', { class: 'tile-name', title: displayName(image) }, displayName(image)),
          h(
            'span',
            { class: 'tile-meta' },
            badge(image.status),
            h('time', { datetime: image.createdAt, title: formatDate(image.createdAt) }, formatAgo(image.createdAt)),
          ),
        ),
      ),
    );
  }
}
