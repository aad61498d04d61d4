import { createHash, timingSafeEqual } from 'node:crypto';
import type { AccessTokens } from './options';

export type Access = 'read-write' | 'read';

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/**
 * Maps an Authorization header to what its bearer may do, or undefined.
 * Both tokens are always compared, each through fixed-length digests with timingSafeEqual,
 * so the time taken reveals neither which token matched nor how much of one did.
 */
export function createAccessCheck(tokens: AccessTokens): (authorization: string | undefined) => Access | undefined {
  const readWrite = digest(tokens.readWrite);
  const read = tokens.read === undefined ? undefined : digest(tokens.read);
  return (authorization) => {
    const match = /^Bearer +(\S+) *$/i.exec(authorization ?? '');
    const offered = digest(match ? match[1] : '');
    const isReadWrite = timingSafeEqual(offered, readWrite);
    const isRead = read !== undefined && timingSafeEqual(offered, read);
    if (!match) return undefined;
    if (isReadWrite) return 'read-write';
    if (isRead) return 'read';
    return undefined;
  };
}
