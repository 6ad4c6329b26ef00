/**
 * The last segment of a URL's path, percent-decoded: `https://host/photos/summer%20day.jpg?x=1` → `summer day.jpg`;
 * `''` when the path ends in `/`. A stray `%` leaves the segment as typed. The service names a fetched original by
 * it, the CLI and the web page name an upload by URL by it. `url` must parse.
 */
export function lastPathSegment(url: string): string {
  const { pathname } = new URL(url);
  const segment = pathname.slice(pathname.lastIndexOf('/') + 1);
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
