import type { Agent } from 'node:http';
import { HttpProxyAgent } from 'http-proxy-agent';
import { HttpsProxyAgent } from 'https-proxy-agent';
import { getProxyForUrl } from 'proxy-from-env';

/**
 * The agent for one request, from HTTPS_PROXY / HTTP_PROXY / ALL_PROXY / NO_PROXY (either case),
 * as curl reads them. Chosen per URL, because a redirect may move to a host that NO_PROXY lists.
 * https targets tunnel through CONNECT; plain http targets are sent to the proxy in absolute form.
 */
export function proxyAgentFor(url: URL): Agent | undefined {
  const proxy = getProxyForUrl(url.href);
  if (!proxy) return undefined;
  return url.protocol === 'https:' ? new HttpsProxyAgent(proxy) : new HttpProxyAgent(proxy);
}

/** The proxy in use for a URL, without credentials, for messages. */
export function describeProxy(url: URL): string | undefined {
  const proxy = getProxyForUrl(url.href);
  if (!proxy) return undefined;
  try {
    const parsed = new URL(proxy);
    return `${parsed.protocol}//${parsed.host}`;
  } catch {
    return 'a proxy';
  }
}
