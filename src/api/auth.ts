/**
 * Bearer tokens: admin tokens (mutations, uploads) and an optional read token (queries). Tokens
 * are compared as SHA-256 digests with `timingSafeEqual`, so neither the content nor the length
 * of a token leaks through timing, and every configured token is compared on every request.
 * Tokens are never logged: only the resulting role is kept.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { apiError } from './errors.ts';

export type Role = 'admin' | 'reader' | 'anonymous';

function digest(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

export class TokenVerifier {
  private readonly adminDigests: readonly Buffer[];
  private readonly readDigest: Buffer | null;

  constructor(adminTokens: readonly string[], readToken: string | undefined) {
    this.adminDigests = adminTokens.map(digest);
    this.readDigest = readToken === undefined ? null : digest(readToken);
  }

  /** Whether queries need a token. */
  get readTokenRequired(): boolean {
    return this.readDigest !== null;
  }

  get adminEnabled(): boolean {
    return this.adminDigests.length > 0;
  }

  /**
   * The role an `Authorization` header grants: `anonymous` without the header, `invalid` when it
   * is not `Bearer <known token>`.
   */
  roleOf(authorization: string | undefined): Role | 'invalid' {
    if (authorization === undefined || authorization === '') return 'anonymous';
    const match = /^Bearer +(\S+) *$/i.exec(authorization);
    if (!match) return 'invalid';
    const given = digest(match[1]!);
    // No early exit: the time taken does not depend on which token (if any) matched.
    let admin = false;
    for (const expected of this.adminDigests) admin = timingSafeEqual(given, expected) || admin;
    const reader = this.readDigest !== null && timingSafeEqual(given, this.readDigest);
    if (admin) return 'admin';
    return reader ? 'reader' : 'invalid';
  }
}

/** Why `role` may not change the atlas, or null when it may (admin). */
export function adminRefusal(role: Role, adminEnabled: boolean): { code: 'UNAUTHENTICATED' | 'FORBIDDEN'; message: string } | null {
  if (role === 'admin') return null;
  if (role === 'reader') {
    return { code: 'FORBIDDEN', message: 'The read token cannot change the atlas; send an admin token (Authorization: Bearer <admin token>).' };
  }
  return {
    code: 'UNAUTHENTICATED',
    message: adminEnabled
      ? 'Changing the atlas needs an admin token: send Authorization: Bearer <admin token>.'
      : 'The admin API is closed on this server: it has no admin tokens (LANGCELL_ADMIN_TOKENS).',
  };
}

/** Mutations: refuse anything but an admin token. */
export function requireAdmin(role: Role, adminEnabled: boolean): void {
  const refusal = adminRefusal(role, adminEnabled);
  if (refusal) throw apiError(refusal.code, refusal.message);
}
