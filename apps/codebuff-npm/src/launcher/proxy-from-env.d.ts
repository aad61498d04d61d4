// proxy-from-env ships no types; its one export, as documented in its README.
declare module 'proxy-from-env' {
  export function getProxyForUrl(url: string | URL): string;
}
