/** The URLs of a client's requests, resolved against its base URL. */

/** Resolved URLs kept per client, so a request to a fixed path does not parse its URL again. */
const MAX_CACHED_URLS = 256;

/** `url` ending in a `/`, so that paths resolve below it. */
export function baseUrlOf(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}

/** The URL of `path` (with `searchParams`, if any) below `base`; those without are cached. */
export function createUrlResolver(
  base: string,
): (path: string, searchParams: URLSearchParams | undefined) => string {
  const urls = new Map<string, string>();
  return function resolve(path, searchParams) {
    if (searchParams) {
      const target = new URL(path, base);
      target.search = searchParams.toString();
      return target.toString();
    }
    let url = urls.get(path);
    if (url === undefined) {
      url = new URL(path, base).toString();
      if (urls.size >= MAX_CACHED_URLS) urls.clear();
      urls.set(path, url);
    }
    return url;
  };
}
